"""Derivations for ema."""

__all__: list[str] = []
