"""Checkers for chapter exercises on moments."""

__all__: list[str] = []
