"""Checkers for chapter exercises on momentum."""

__all__: list[str] = []
