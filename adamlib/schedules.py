"""Placeholder: being written for Part III (chapter 12)."""

__all__: list[str] = []
