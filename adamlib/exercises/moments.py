r"""Checkers for chapter 02: sample moments and the sample variance.

Each checker calls your function on a few samples, from a tiny hand-made one up to random ones
with a non-zero mean (so that forgetting to center shows), and compares with a reference. The
sample-variance exercise asks for the formula itself, so :func:`check_sample_variance` refuses a
function whose code calls a ready-made variance (``np.var``, ``np.std``, ``np.nanvar``,
``np.nanstd``, ``np.cov``, ``statistics.variance`` and the like), and hands it samples whose
``.var()`` and ``.std()`` raise, so that a helper which calls them is caught too.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable

import numpy as np

from ._core import Case, CheckResult, check_against_reference

__all__ = [
    "NotAllowedInThisExercise",
    "check_central_moment",
    "check_raw_moment",
    "check_sample_variance",
]


class NotAllowedInThisExercise(RuntimeError):
    """Raised when a function calls what its exercise rules out (such as ``np.var``)."""


class _SampleWithoutVariance(np.ndarray):
    """A sample that refuses ``np.var``/``np.std``: numpy hands those calls to these methods."""

    def var(self, *args, **kwargs):
        raise NotAllowedInThisExercise(
            "np.var (or .var()) is not allowed here: compute (1/(n - ddof)) sum (x_i - mean)^2 "
            "from the formula"
        )

    def std(self, *args, **kwargs):
        raise NotAllowedInThisExercise(
            "np.std (or .std()) is not allowed here: compute (1/(n - ddof)) sum (x_i - mean)^2 "
            "from the formula"
        )


def _without_variance_functions(fn: Callable) -> Callable:
    """Call ``fn`` with its array arguments viewed as samples that refuse np.var and np.std."""

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        args = tuple(a.view(_SampleWithoutVariance) if isinstance(a, np.ndarray) else a
                     for a in args)  # fmt: skip
        result = fn(*args, **kwargs)
        if isinstance(result, _SampleWithoutVariance):  # hand back plain numpy, as the reader wrote
            result = result.view(np.ndarray)
            return result[()] if result.ndim == 0 else result
        return result

    return guarded


_VARIANCE_HELPERS = frozenset(
    {"var", "std", "nanvar", "nanstd", "cov", "variance", "pvariance", "stdev", "pstdev"}
)


def _first_variance_helper(fn: Callable) -> str | None:
    """Name the first ready-made variance that ``fn``'s own code calls, or return None.

    Returns None also when the code cannot be read (then only the run-time guard applies). For a
    lambda, :func:`inspect.getsource` returns the whole line it sits on, so only the lambda
    expressions on that line are searched.
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    if getattr(fn, "__name__", "") == "<lambda>":
        roots = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    else:
        roots = [tree]
    for root in roots:
        for node in ast.walk(root):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):  # np.var(x), x.std(), statistics.variance(x)
                forbidden = func.attr in _VARIANCE_HELPERS
            elif isinstance(func, ast.Name):  # var(x) after `from numpy import var`, not your own
                forbidden = _is_library_variance(getattr(fn, "__globals__", {}).get(func.id))
            else:
                forbidden = False
            if forbidden:
                return f"{ast.unparse(func)} (line {node.lineno} of its code)"
    return None


def _is_library_variance(obj: object) -> bool:
    """Whether ``obj`` is numpy's or the statistics module's variance or standard deviation."""
    return (
        getattr(obj, "__name__", None) in _VARIANCE_HELPERS
        and getattr(obj, "__module__", "").split(".")[0] in {"numpy", "statistics"}
    )


def _samples() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(2)
    return [
        ("a hand-made sample", np.array([1.0, 2.0, 6.0])),
        ("a sample with negative values", np.array([-3.0, -1.0, 0.5, 2.0])),
        ("a sample of two equal values", np.array([5.0, 5.0])),
        ("20 normal samples with mean 3", rng.normal(3.0, 2.0, size=20)),
        ("50 uniform samples on [-1, 2]", rng.uniform(-1.0, 2.0, size=50)),
    ]


def _raw_moment(samples: np.ndarray, k: int) -> float:
    return float(np.mean(samples**k))


def _central_moment(samples: np.ndarray, k: int) -> float:
    return float(np.mean((samples - np.mean(samples)) ** k))


def _sample_variance(samples: np.ndarray, ddof: int) -> float:
    deviations = samples - np.mean(samples)
    return float(np.sum(deviations**2) / (samples.size - ddof))


def check_raw_moment(fn: Callable[[np.ndarray, int], float]) -> CheckResult:
    r"""Check ``fn(samples, k)``: the k-th sample raw moment :math:`\frac1n \sum_i x_i^k`.

    ``samples`` is a 1-d float array of length :math:`n`, ``k`` an integer from 0 to 4 (the
    order of the moment); ``fn`` returns a float.

    Examples
    --------
    >>> print(check_raw_moment(lambda x, k: np.mean(x**k)))
    ✓ Correct: <lambda> computes the k-th sample raw moment (1/n) sum x_i^k on all
      17 test cases.
    >>> print(check_raw_moment(lambda x, k: np.mean(x) ** k))  # doctest: +ELLIPSIS
    ✗ Not yet: for a hand-made sample with k = 2 (inputs: [1, 2, 6], 2), ... should
      be 13.6667, but your function returned 9 ...
    """
    cases = [Case("a hand-made sample with k = 0", (np.array([1.0, 2.0, 6.0]), 0))]
    for description, samples in _samples():
        cases += [Case(f"{description} with k = {k}", (samples, k)) for k in (2, 1, 3)]
    cases.append(Case("20 normal samples with mean 3 with k = 4", (_samples()[3][1], 4)))
    return check_against_reference(
        fn, _raw_moment, cases, what="the k-th sample raw moment (1/n) sum x_i^k"
    )


def check_central_moment(fn: Callable[[np.ndarray, int], float]) -> CheckResult:
    r"""Check ``fn(samples, k)``: the k-th sample central moment :math:`\frac1n\sum_i (x_i-\bar x)^k`.

    ``samples`` is a 1-d float array of length :math:`n`, ``k`` an integer from 1 to 4,
    :math:`\bar x` the sample mean; ``fn`` returns a float.

    Examples
    --------
    >>> print(check_central_moment(lambda x, k: np.mean((x - x.mean()) ** k)))
    ✓ Correct: <lambda> computes the k-th sample central moment (1/n) sum (x_i -
      mean)^k on all 16 test cases.
    """
    cases = [
        Case(f"{description} with k = {k}", (samples, k))
        for description, samples in _samples()
        for k in (2, 1, 3)
    ]
    cases.append(Case("50 uniform samples on [-1, 2] with k = 4", (_samples()[4][1], 4)))
    return check_against_reference(
        fn, _central_moment, cases, what="the k-th sample central moment (1/n) sum (x_i - mean)^k"
    )


def check_sample_variance(fn: Callable[[np.ndarray, int], float]) -> CheckResult:
    r"""Check ``fn(samples, ddof)``: :math:`\frac{1}{n - \mathrm{ddof}}\sum_i (x_i - \bar x)^2`.

    ``samples`` is a 1-d float array of length :math:`n \ge 2`, ``ddof`` is 0 (the biased 1/n
    estimator) or 1 (the unbiased 1/(n-1) one), as in ``numpy.var(samples, ddof=ddof)``; ``fn``
    returns a float. The exercise asks for the formula, so a function whose code calls a
    ready-made variance or standard deviation (``np.var``, ``np.std``, ``np.nanvar``,
    ``np.nanstd``, ``np.cov``, ``statistics.variance``, ...) fails before any case is run, and
    ``fn`` receives samples on which ``.var()`` and ``.std()`` (and so ``np.var`` and ``np.std``)
    raise :class:`NotAllowedInThisExercise`, which catches a helper function that uses them.

    Examples
    --------
    >>> def variance(samples, ddof):
    ...     return np.sum((samples - samples.mean()) ** 2) / (len(samples) - ddof)
    >>> print(check_sample_variance(variance))
    ✓ Correct: variance computes the sample variance (1/(n - ddof)) sum (x_i -
      mean)^2 on all 10 test cases.
    >>> print(check_sample_variance(
    ...     lambda x, ddof: np.sum((x - x.mean()) ** 2) / len(x)))
    ✗ Not yet: for a hand-made sample with ddof = 1 (inputs: [1, 2, 6], 1), the
      sample variance (1/(n - ddof)) sum (x_i - mean)^2 should be 7, but your
      function returned 4.66667 (largest difference 2.33).
    >>> print(check_sample_variance(lambda x, ddof: np.nanvar(x, ddof=ddof)))
    ✗ Not yet: <lambda> calls np.nanvar (line 1 of its code), which is not allowed
      here: compute (1/(n - ddof)) sum (x_i - mean)^2 from the formula.
    """
    helper = _first_variance_helper(fn) if callable(fn) else None
    if helper is not None:
        name = getattr(fn, "__name__", "your function")
        message = (
            f"✗ Not yet: {name} calls {helper}, which is not allowed here: "
            "compute (1/(n - ddof)) sum (x_i - mean)^2 from the formula."
        )
        return CheckResult(False, message)
    cases = []
    for description, samples in _samples():
        cases += [Case(f"{description} with ddof = {d}", (samples, d)) for d in (1, 0)]
    if callable(fn):
        fn = _without_variance_functions(fn)
    return check_against_reference(
        fn,
        _sample_variance,
        cases,
        what="the sample variance (1/(n - ddof)) sum (x_i - mean)^2",
    )
