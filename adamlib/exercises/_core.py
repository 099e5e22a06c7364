"""The machinery behind every checker: run a reader's function and a reference on the same cases.

A checker returns a :class:`CheckResult`, which prints as a plain sentence, is truthy only when
every case agreed, and names the first case that did not: its input, what was expected and what
came back. Instructors can grade with ``assert check_x(student_fn)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One input to try: a short description and the arguments to call with."""

    description: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    """The verdict of a checker: ``passed`` and a message saying why, printable as is."""

    passed: bool
    message: str
    case: Case | None = None
    expected: Any = None
    got: Any = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message

    def raise_if_failed(self) -> None:
        """Raise AssertionError with the message unless the check passed (for autograders)."""
        if not self.passed:
            raise AssertionError(self.message)


def _format(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.ndim == 1 and value.size <= 20:  # short vectors as plain lists: [1, 0.19, 3]
            return "[" + ", ".join(_format(x) for x in value.tolist()) + "]"
        with np.printoptions(precision=6, threshold=20, edgeitems=3):
            return np.array2string(value, separator=", ")
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_format(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


def _compare(expected: Any, got: Any, rtol: float, atol: float) -> str | None:
    """Return None if ``got`` matches ``expected``, else a sentence saying how it differs."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected {len(expected)} values (a tuple), got {_format(got)}"
        for position, (e, g) in enumerate(zip(expected, got)):
            problem = _compare(e, g, rtol, atol)
            if problem:
                return f"in value {position} of the result: {problem}"
        return None
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or array, got {type(got).__name__}: {got!r}"
    expected_array = np.asarray(expected, dtype=float)
    if got_array.shape != expected_array.shape:
        return f"expected shape {expected_array.shape}, got shape {got_array.shape}"
    if not np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True):
        error = np.max(np.abs(got_array - expected_array))
        return f"largest difference {error:.3g}"
    return None


def _describe_inputs(case: Case) -> str:
    parts = [_format(a) for a in case.args]
    parts += [f"{k}={_format(v)}" for k, v in case.kwargs.items()]
    return ", ".join(parts)


def check_against_reference(
    reader_function: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Case],
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> CheckResult:
    """Call ``reader_function`` and ``reference`` on every case and compare the results.

    Inputs are copied before each call, so a function that modifies its arguments in place
    cannot spoil the comparison (and is caught if that changes its answer).

    Parameters
    ----------
    reader_function, reference : callable
        The reader's implementation and the correct one, with the same signature.
    cases : sequence of Case
        The inputs, from the simplest up.
    what : str
        What the function should compute, for the messages ("an exponential moving average").
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.

    Examples
    --------
    >>> square = lambda x: x**2
    >>> result = check_against_reference(lambda x: x * 2, square, [Case("x = 3", (3.0,))],
    ...                                  what="the square of x")
    >>> print(result)
    ✗ Not yet: for x = 3 (inputs: 3), the square of x should be 9, but your function returned 6 (largest difference 3).
    >>> bool(check_against_reference(square, square, [Case("x = 3", (3.0,))], what="x^2"))
    True
    """
    if not callable(reader_function):
        return CheckResult(False, f"✗ Expected a function, got {type(reader_function).__name__}.")
    name = getattr(reader_function, "__name__", "your function")
    for case in cases:
        expected = reference(*_copied(case.args), **_copied_kwargs(case.kwargs))
        try:
            got = reader_function(*_copied(case.args), **_copied_kwargs(case.kwargs))
        except Exception as error:  # the reader's code may raise anything: report it, don't crash
            message = (
                f"✗ Not yet: for {case.description} (inputs: {_describe_inputs(case)}), "
                f"{name} raised {type(error).__name__}: {error}"
            )
            return CheckResult(False, message, case, expected, error)
        problem = _compare(expected, got, rtol, atol)
        if problem:
            message = (
                f"✗ Not yet: for {case.description} (inputs: {_describe_inputs(case)}), "
                f"{what} should be {_format(expected)}, but your function returned "
                f"{_format(got)} ({problem})."
            )
            return CheckResult(False, message, case, expected, got)
    return CheckResult(True, f"✓ Correct: {name} computes {what} on all {len(cases)} test cases.")


def _copied(args: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _copied_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
