"""Checkers for chapter exercises on ema."""

__all__: list[str] = []
