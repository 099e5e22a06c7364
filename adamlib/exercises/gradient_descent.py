"""Checkers for chapter exercises on gradient descent."""

__all__: list[str] = []
