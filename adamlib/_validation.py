"""Input checks shared by every optimizer.

Each check raises before anything is written, so a rejected call leaves parameters and optimizer
state exactly as they were.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def compute_dtype(param: np.ndarray) -> np.dtype:
    """The dtype an optimizer computes and keeps its state in for ``param``.

    float32 and float64 parameters are updated in their own precision; float16 parameters are
    updated in float32 and rounded back, because float16 cannot hold ``eps = 1e-8`` or the small
    squares that fill the second-moment estimate.
    """
    return np.result_type(param.dtype, np.float32)


class NonFiniteGradientError(FloatingPointError, ValueError):
    """A gradient holds NaN or an infinity; the step was refused and nothing was changed."""


def check_nonnegative(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise ValueError if it is negative or not a finite number."""
    if not _is_real_number(value) or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid {name}: {value!r} (must be a finite number >= 0)")
    return float(value)


def check_finite(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise ValueError if it is not a finite number."""
    if not _is_real_number(value) or not math.isfinite(value):
        raise ValueError(f"Invalid {name}: {value!r} (must be a finite number)")
    return float(value)


def check_flag(name: str, value: object) -> bool:
    """Return ``value`` as a bool, or raise ValueError unless it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Invalid {name}: {value!r} (must be True or False)")
    return bool(value)


def check_unit_interval(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise ValueError unless 0 <= value < 1."""
    if not _is_real_number(value) or not 0.0 <= value < 1.0:
        raise ValueError(f"Invalid {name}: {value!r} (must be in [0, 1))")
    return float(value)


def check_betas(betas: Sequence[float]) -> tuple[float, float]:
    """Return ``(beta1, beta2)`` as floats, or raise ValueError unless both lie in [0, 1)."""
    if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (must be a pair (beta1, beta2))")
    return check_unit_interval("beta1 (betas[0])", betas[0]), check_unit_interval(
        "beta2 (betas[1])", betas[1]
    )


def _is_real_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def as_param_list(params: np.ndarray | Sequence[np.ndarray]) -> tuple[list[np.ndarray], bool]:
    """Return the parameters as a list of arrays and whether a single array was given.

    Raises
    ------
    TypeError
        If a parameter is not a numpy array, is not float16, float32 or float64, or is read-only.
    ValueError
        If no parameters are given or the same array is given twice.
    """
    single = isinstance(params, np.ndarray)
    if single:
        param_list = [params]
    elif isinstance(params, (list, tuple)):
        param_list = list(params)
    else:
        raise TypeError(
            f"params must be a float numpy array or a list of them, got {type(params).__name__}"
        )
    if not param_list:
        raise ValueError("params is empty: give at least one array to optimize")
    for index, param in enumerate(param_list):
        label = "params" if single else f"params[{index}]"
        if not isinstance(param, np.ndarray):
            raise TypeError(f"{label} must be a numpy array, got {type(param).__name__}")
        if param.dtype.type not in FLOAT_DTYPES:
            raise TypeError(
                f"{label} has dtype {param.dtype}; optimizers update float16, float32 or float64 "
                "arrays in place (convert with .astype(np.float64))"
            )
        if not param.flags.writeable:
            raise TypeError(f"{label} is read-only; the optimizer updates parameters in place")
    if len({id(p) for p in param_list}) != len(param_list):
        raise ValueError("the same array appears twice in params")
    return param_list, single


def check_grads(
    grads: np.ndarray | Sequence[np.ndarray],
    params: list[np.ndarray],
    single: bool,
    *,
    finite: bool = True,
) -> list[np.ndarray]:
    """Return the gradients as a list matching ``params`` one to one, or raise.

    With ``finite=False`` the values are not looked at: the caller then checks them itself (the
    optimizers do, on the gradients gathered into one buffer) and calls
    :func:`refuse_non_finite` if it finds a non-finite entry.

    Raises
    ------
    TypeError
        If a gradient is not a float array (integer gradients are refused rather than guessed at).
    ValueError
        If the number of gradients or a shape differs from the parameters'.
    NonFiniteGradientError
        If a gradient holds NaN or an infinity.
    """
    if single and isinstance(grads, np.ndarray):
        grad_list = [grads]
    elif single and isinstance(grads, (list, tuple)) and not (
        len(grads) == 1 and isinstance(grads[0], np.ndarray)
    ):
        raise TypeError(
            f"gradients must be arrays: this optimizer has one parameter array, of shape "
            f"{params[0].shape}, and got a {type(grads).__name__} of {len(grads)} items; pass "
            "np.asarray(grads, dtype=float) of the parameter's shape"
        )
    elif isinstance(grads, (list, tuple)):
        grad_list = list(grads)
    elif isinstance(grads, np.ndarray):
        raise ValueError(
            f"got one gradient array for {len(params)} parameters: pass a list of {len(params)}"
        )
    else:
        raise TypeError(f"grads must be a numpy array or a list of them, got {type(grads).__name__}")
    if len(grad_list) != len(params):
        raise ValueError(f"got {len(grad_list)} gradients for {len(params)} parameters")
    for index, (grad, param) in enumerate(zip(grad_list, params)):
        if not isinstance(grad, np.ndarray):
            label = "grads" if single else f"grads[{index}]"
            raise TypeError(f"{label} must be a numpy array, got {type(grad).__name__}")
        if grad.dtype.type not in FLOAT_DTYPES:
            label = "grads" if single else f"grads[{index}]"
            raise TypeError(f"{label} has dtype {grad.dtype}; gradients must be float arrays")
        if grad.shape != param.shape:
            label = "grads" if single else f"grads[{index}]"
            raise ValueError(
                f"{label} has shape {grad.shape} but its parameter has shape {param.shape}"
            )
    if finite:
        refuse_non_finite(grad_list, single)
    return grad_list


def refuse_non_finite(grad_list: Sequence[np.ndarray], single: bool) -> None:
    """Raise :class:`NonFiniteGradientError` naming the first gradient that is not all finite.

    Returns quietly when every entry of every gradient is finite.
    """
    for index, grad in enumerate(grad_list):
        if all_finite(grad):
            continue
        label = "grads" if single else f"grads[{index}]"
        bad = np.argwhere(~np.isfinite(grad))
        first = tuple(int(i) for i in bad[0])
        raise NonFiniteGradientError(
            f"{label} has {len(bad)} non-finite entr{'y' if len(bad) == 1 else 'ies'} "
            f"(first: {grad[first]} at index {first}); the step was refused and parameters "
            "and optimizer state are unchanged"
        )


FINITE_CHUNK = 65536
"""Entries :func:`all_finite` tests at a time, so that its boolean scratch stays small."""


def all_finite(array: np.ndarray, scratch: np.ndarray | None = None) -> bool:
    """True when every entry of the float ``array`` is finite.

    ``np.isfinite`` writes one boolean per entry into a small scratch buffer, ``FINITE_CHUNK``
    entries at a time, and ``np.count_nonzero`` counts the True ones. Unlike testing a sum
    (``np.isfinite(array.sum())``), this cannot overflow, raises no floating-point warning and
    needs no ``np.errstate``. A caller that checks many arrays may pass a boolean ``scratch`` of at
    least ``min(array.size, FINITE_CHUNK)`` entries. A large array that is not contiguous is tested
    in one piece, with a boolean temporary of its size.

    Examples
    --------
    >>> import numpy as np
    >>> all_finite(np.array([1.0, 3e38, -2.0], dtype=np.float32))
    True
    >>> all_finite(np.array([np.nan]))
    False
    """
    size = array.size
    chunk = min(size, FINITE_CHUNK)
    if scratch is None or scratch.size < chunk:
        scratch = np.empty(chunk, dtype=bool)
    if size <= chunk:
        flags = np.isfinite(array, out=scratch[:size].reshape(array.shape))
        return bool(np.count_nonzero(flags) == size)
    if not (array.flags.c_contiguous or array.flags.f_contiguous):
        return bool(np.count_nonzero(np.isfinite(array)) == size)
    flat = array.ravel(order="K")  # a view, since the array is contiguous
    for start in range(0, size, chunk):
        part = flat[start : start + chunk]
        if np.count_nonzero(np.isfinite(part, out=scratch[: part.size])) != part.size:
            return False
    return True
