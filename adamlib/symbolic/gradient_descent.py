"""Derivations for gradient descent."""

__all__: list[str] = []
