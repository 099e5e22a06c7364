"""Placeholder: being written for Part III."""

__all__: list[str] = []
