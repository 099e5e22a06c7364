"""Derivations for moments."""

__all__: list[str] = []
