"""Derivations for momentum."""

__all__: list[str] = []
