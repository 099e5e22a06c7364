"""Placeholder: being written for Part II."""

__all__: list[str] = []
