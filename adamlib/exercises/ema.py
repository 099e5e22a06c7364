r"""Checkers for the exercises on exponential moving averages and their bias correction.

Each checker calls your function and adamlib's reference (:mod:`adamlib.ema`) on the same
inputs, from the simplest up, and returns a :class:`~adamlib.exercises.CheckResult` naming the
first input on which they disagree. The first case of each is chosen so that the classic slips
(starting from the first sample, swapping :math:`\beta` and :math:`1 - \beta`, counting
:math:`t` from 0, forgetting the correction) already fail there. The weights exercise asks for
the weights without a loop, and :func:`check_ema_weights` reads your function's code to hold
it to that.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

import numpy as np

from ..ema import bias_correct, ema, ema_weights
from ._core import Case, CheckResult, check_against_reference

__all__ = ["check_bias_correction", "check_ema", "check_ema_weights"]


def check_ema(fn: Callable[[np.ndarray, float], np.ndarray]) -> CheckResult:
    r"""Check ``fn(samples, beta)``: the moving averages :math:`m_1, \dots, m_T`, started at 0.

    Your function receives a 1-d float array ``samples`` (:math:`g_1, \dots, g_T`) and a float
    ``beta`` in [0, 1), and returns an array of the same length whose entry ``t - 1`` is
    :math:`m_t = \beta m_{t-1} + (1 - \beta) g_t` with :math:`m_0 = 0` (not bias-corrected).

    Examples
    --------
    >>> import numpy as np
    >>> def my_ema(samples, beta):
    ...     m, path = 0.0, []
    ...     for g in samples:
    ...         m = beta * m + (1 - beta) * g
    ...         path.append(m)
    ...     return np.array(path)
    >>> print(check_ema(my_ema))
    ✓ Correct: my_ema computes the moving averages m_1..m_T (from m_0 = 0) on all 6
      test cases.
    >>> def starts_at_first_sample(samples, beta):
    ...     beta_t = beta ** np.arange(1, len(samples) + 1)
    ...     return my_ema(samples, beta) + beta_t * samples[0]
    >>> check_ema(starts_at_first_sample).passed
    False
    """
    rng = np.random.default_rng(3)
    cases = [
        Case("a constant stream of ones with beta = 0.9", (np.ones(3), 0.9)),
        Case("a single sample", (np.array([2.5]), 0.5)),
        Case("beta = 0 (no memory: m_t = g_t)", (np.array([1.0, -2.0, 3.0, 0.5]), 0.0)),
        Case("a random stream of 8 samples with beta = 0.7", (rng.normal(size=8).round(3), 0.7)),
        Case("beta = 0.999 over 5 samples", (np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 0.999)),
        Case("a stream of 2000 samples with beta = 0.99", (rng.normal(1.0, 1.0, 2000), 0.99)),
    ]
    return check_against_reference(
        fn, ema, cases, what="the moving averages m_1..m_T (from m_0 = 0)"
    )


def check_bias_correction(fn: Callable[[np.ndarray, float, int], np.ndarray]) -> CheckResult:
    r"""Check ``fn(m, beta, t)``: the bias-corrected estimate :math:`\hat m_t = m_t/(1 - \beta^t)`.

    ``m`` is a float or an array of moving averages started at 0, ``beta`` a float in [0, 1) and
    ``t`` the step, counted from 1: an int, or an int array of the same shape as ``m`` (to
    correct a whole path :math:`m_1, \dots, m_T` at once with ``t = np.arange(1, T + 1)``).

    Examples
    --------
    >>> print(check_bias_correction(lambda m, beta, t: m / (1 - beta**t)))
    ✓ Correct: <lambda> computes the bias-corrected estimate m_t / (1 - beta^t) on
      all 5 test cases.
    >>> print(check_bias_correction(lambda m, beta, t: m))  # forgot the correction
    ✗ Not yet: for the first step, t = 1, with beta = 0.9 (inputs: 0.1, 0.9, 1), the
      bias-corrected estimate m_t / (1 - beta^t) should be 1, but your function
      returned 0.1 (largest difference 0.9).
    """
    cases = [
        Case("the first step, t = 1, with beta = 0.9", (0.1, 0.9, 1)),
        Case("step t = 10 with beta = 0.9", (0.6, 0.9, 10)),
        Case("beta = 0.999 at step t = 1000", (0.5, 0.999, 1000)),
        Case("an array of estimates at step t = 3, beta = 0.5", (np.array([0.875, -1.75, 0.0]),
                                                                  0.5, 3)),  # fmt: skip
        Case("a whole path m_1..m_5 with t = 1..5, beta = 0.8",
             (np.array([0.2, 0.36, 0.488, 0.5904, 0.67232]), 0.8, np.arange(1, 6))),  # fmt: skip
    ]
    return check_against_reference(
        fn, bias_correct, cases, what="the bias-corrected estimate m_t / (1 - beta^t)"
    )


def check_ema_weights(fn: Callable[[float, int], np.ndarray]) -> CheckResult:
    r"""Check ``fn(beta, t)``: the weights :math:`(1 - \beta)\beta^{t-i}` of the samples in m_t.

    Your function receives a float ``beta`` in [0, 1) and an int ``t >= 1`` and returns the
    array of the :math:`t` weights, oldest sample first, such that :math:`m_t = \sum_i a_i g_i`
    for the average started at :math:`m_0 = 0`. The exercise asks for them without a loop: a
    function whose own code has a ``for`` or ``while`` statement, a comprehension, or a call
    that loops in Python under another name (``map``, ``functools.reduce``, ``np.vectorize``,
    ``np.frompyfunc``, ``np.fromiter``, ``np.apply_along_axis``, a recursive call) fails before
    any case is run (the check reads the code with :mod:`inspect`; a function whose code cannot
    be read is only run on the cases).

    Examples
    --------
    >>> import numpy as np
    >>> # the weights newest first, not oldest first:
    >>> print(check_ema_weights(lambda beta, t: (1 - beta) * beta ** np.arange(t)))
    ✗ Not yet: for beta = 0.5 over t = 3 samples (inputs: 0.5, 3), the weights of
      g_1..g_t in m_t (oldest first) should be [0.125, 0.25, 0.5], but your function
      returned [0.5, 0.25, 0.125] (largest difference 0.375).
    >>> def looped(beta, t):
    ...     return np.array([(1 - beta) * beta ** (t - i) for i in range(1, t + 1)])
    >>> print(check_ema_weights(looped))
    ✗ Not yet: looped uses a loop (a comprehension, line 2 of its code); the
      exercise asks for the weights without one: build them from np.arange(1, t + 1)
      in one expression.
    """
    loop = _first_loop(fn)
    if loop is not None:
        name = getattr(fn, "__name__", "your function")
        message = (
            f"✗ Not yet: {name} uses a loop ({loop}); the exercise asks for the weights without "
            "one: build them from np.arange(1, t + 1) in one expression."
        )
        return CheckResult(False, message)
    cases = [
        Case("beta = 0.5 over t = 3 samples", (0.5, 3)),
        Case("a single sample, t = 1, beta = 0.9", (0.9, 1)),
        Case("beta = 0 (all weight on the newest sample), t = 4", (0.0, 4)),
        Case("beta = 0.9 over t = 20 samples", (0.9, 20)),
        Case("beta = 0.999 over t = 3000 samples", (0.999, 3000)),
    ]
    return check_against_reference(
        fn, ema_weights, cases, what="the weights of g_1..g_t in m_t (oldest first)"
    )


_LOOPS = {
    ast.For: "a for statement",
    ast.AsyncFor: "a for statement",
    ast.While: "a while statement",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
}


def _first_loop(fn: Callable) -> str | None:
    """Describe the first loop in ``fn``'s own code, or return None (also when it cannot be read).

    For a lambda, :func:`inspect.getsource` returns the whole line it sits on, so only the
    lambda expressions on that line are searched.
    """
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    if getattr(fn, "__name__", "") == "<lambda>":
        roots = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    else:
        roots = [tree]
    name = getattr(fn, "__name__", "")
    for root in roots:
        for node in ast.walk(root):
            kind = _LOOPS.get(type(node))
            if kind is None and isinstance(node, ast.Call):
                kind = _looping_call(node.func, name)
            if kind is not None:
                return f"{kind}, line {node.lineno} of its code"
    return None


# Calls that run a Python function once per element: loops by another name. NumPy's ufunc
# methods (np.multiply.accumulate, ...) run in C and are allowed.
_LOOPING_FUNCTIONS = {"map": "map", "reduce": "functools.reduce"}
_LOOPING_METHODS = {
    "vectorize": "np.vectorize",
    "frompyfunc": "np.frompyfunc",
    "fromiter": "np.fromiter",
    "apply_along_axis": "np.apply_along_axis",
}


def _looping_call(func: ast.expr, own_name: str) -> str | None:
    """Describe a call that loops in Python (map, np.vectorize, recursion), or return None."""
    if isinstance(func, ast.Name):
        if func.id in _LOOPING_FUNCTIONS:
            return f"a call to {_LOOPING_FUNCTIONS[func.id]}"
        if func.id == own_name and own_name != "<lambda>":
            return "a recursive call"
    if isinstance(func, ast.Attribute):
        if func.attr in _LOOPING_METHODS:
            return f"a call to {_LOOPING_METHODS[func.attr]}"
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        if func.attr == "reduce" and owner == "functools":
            return "a call to functools.reduce"
    return None
