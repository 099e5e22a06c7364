r"""Checkers for chapter 02: sample moments and the sample variance.

Each checker calls your function on a few samples, from a tiny hand-made one up to random ones
with a non-zero mean (so that forgetting to center shows), and compares with a reference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import Case, CheckResult, check_against_reference

__all__ = ["check_central_moment", "check_raw_moment", "check_sample_variance"]


def _samples() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(2)
    return [
        ("a hand-made sample", np.array([1.0, 2.0, 6.0])),
        ("a sample with negative values", np.array([-3.0, -1.0, 0.5, 2.0])),
        ("a sample of two equal values", np.array([5.0, 5.0])),
        ("20 normal samples with mean 3", rng.normal(3.0, 2.0, size=20)),
        ("50 uniform samples on [-1, 2]", rng.uniform(-1.0, 2.0, size=50)),
    ]


def _raw_moment(samples: np.ndarray, n: int) -> float:
    return float(np.mean(samples**n))


def _central_moment(samples: np.ndarray, n: int) -> float:
    return float(np.mean((samples - np.mean(samples)) ** n))


def _sample_variance(samples: np.ndarray, ddof: int) -> float:
    deviations = samples - np.mean(samples)
    return float(np.sum(deviations**2) / (samples.size - ddof))


def check_raw_moment(fn: Callable[[np.ndarray, int], float]) -> CheckResult:
    r"""Check ``fn(samples, n)``: the n-th sample raw moment :math:`\frac1N \sum_i x_i^n`.

    ``samples`` is a 1-d float array of length :math:`N`, ``n`` an integer from 0 to 4; ``fn``
    returns a float.

    Examples
    --------
    >>> print(check_raw_moment(lambda x, n: np.mean(x**n)))
    ✓ Correct: <lambda> computes the n-th sample raw moment (1/N) sum x_i^n on all 17 test cases.
    >>> print(check_raw_moment(lambda x, n: np.mean(x) ** n))  # doctest: +ELLIPSIS
    ✗ Not yet: for a hand-made sample with n = 2 (inputs: [1, 2, 6], 2), ... should be 13.6667, but your function returned 9 ...
    """
    cases = [Case("a hand-made sample with n = 0", (np.array([1.0, 2.0, 6.0]), 0))]
    for description, samples in _samples():
        cases += [Case(f"{description} with n = {n}", (samples, n)) for n in (2, 1, 3)]
    cases.append(Case("20 normal samples with mean 3 with n = 4", (_samples()[3][1], 4)))
    return check_against_reference(
        fn, _raw_moment, cases, what="the n-th sample raw moment (1/N) sum x_i^n"
    )


def check_central_moment(fn: Callable[[np.ndarray, int], float]) -> CheckResult:
    r"""Check ``fn(samples, n)``: the n-th sample central moment :math:`\frac1N\sum_i (x_i-\bar x)^n`.

    ``samples`` is a 1-d float array, ``n`` an integer from 1 to 4, :math:`\bar x` the sample
    mean; ``fn`` returns a float.

    Examples
    --------
    >>> print(check_central_moment(lambda x, n: np.mean((x - x.mean()) ** n)))
    ✓ Correct: <lambda> computes the n-th sample central moment (1/N) sum (x_i - mean)^n on all 16 test cases.
    """
    cases = [
        Case(f"{description} with n = {n}", (samples, n))
        for description, samples in _samples()
        for n in (2, 1, 3)
    ]
    cases.append(Case("50 uniform samples on [-1, 2] with n = 4", (_samples()[4][1], 4)))
    return check_against_reference(
        fn, _central_moment, cases, what="the n-th sample central moment (1/N) sum (x_i - mean)^n"
    )


def check_sample_variance(fn: Callable[[np.ndarray, int], float]) -> CheckResult:
    r"""Check ``fn(samples, ddof)``: :math:`\frac{1}{N - \mathrm{ddof}}\sum_i (x_i - \bar x)^2`.

    ``samples`` is a 1-d float array of length :math:`N \ge 2`, ``ddof`` is 0 (the biased 1/N
    estimator) or 1 (the unbiased 1/(N-1) one), as in ``numpy.var(samples, ddof=ddof)``; ``fn``
    returns a float. (Using ``numpy.var`` or ``numpy.std`` is of course not the point.)

    Examples
    --------
    >>> def variance(samples, ddof):
    ...     return np.sum((samples - samples.mean()) ** 2) / (len(samples) - ddof)
    >>> print(check_sample_variance(variance))
    ✓ Correct: variance computes the sample variance (1/(N - ddof)) sum (x_i - mean)^2 on all 10 test cases.
    >>> print(check_sample_variance(lambda x, ddof: np.sum((x - x.mean()) ** 2) / len(x)))
    ✗ Not yet: for a hand-made sample with ddof = 1 (inputs: [1, 2, 6], 1), the sample variance (1/(N - ddof)) sum (x_i - mean)^2 should be 7, but your function returned 4.66667 (largest difference 2.33).
    """
    cases = []
    for description, samples in _samples():
        cases += [Case(f"{description} with ddof = {d}", (samples, d)) for d in (1, 0)]
    return check_against_reference(
        fn,
        _sample_variance,
        cases,
        what="the sample variance (1/(N - ddof)) sum (x_i - mean)^2",
    )
