"""Checkers for the exercises of chapter 01 (gradient descent and its stochastic cousin).

- :func:`check_gradient_descent_step`: one step :math:`\\theta - \\eta g`.
- :func:`check_minibatch_gradient`: the least-squares gradient on a mini-batch of rows.
- :func:`check_saddle_escape_steps`: how many steps gradient descent needs to leave a saddle.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..sgd import sgd_update
from ._core import Case, CheckResult, check_against_reference

__all__ = ["check_gradient_descent_step", "check_minibatch_gradient", "check_saddle_escape_steps"]


def _reference_step(theta: np.ndarray, g: np.ndarray, lr: float) -> np.ndarray:
    new_theta, _ = sgd_update(theta, g, None, 1, lr=lr)
    return new_theta


def check_gradient_descent_step(
    step: Callable[[np.ndarray, np.ndarray, float], np.ndarray],
) -> CheckResult:
    r"""Check ``step(theta, g, lr) -> new_theta``, one step of gradient descent.

    Your function takes the parameters ``theta`` (a float array), the gradient ``g`` (same shape)
    and the step size ``lr`` (a float), and returns the new parameters
    :math:`\theta - \eta\, g` as a new array of the same shape, leaving ``theta`` and ``g`` as
    they were: ``theta -= lr * g`` fails, even though it returns the right numbers, because a
    loop that keeps the old ``theta`` (to plot a path, say) would see it change. The reference is
    :func:`adamlib.sgd_update` with no momentum.

    Examples
    --------
    >>> import numpy as np
    >>> def step(theta, g, lr):
    ...     return theta - lr * g
    >>> print(check_gradient_descent_step(step))
    ✓ Correct: step computes one gradient-descent step theta - lr * g on all 5 test
      cases.
    >>> def ascent(theta, g, lr):
    ...     return theta + lr * g
    >>> print(check_gradient_descent_step(ascent))  # doctest: +ELLIPSIS
    ✗ Not yet: for one coordinate (inputs: [1], [0.5], 0.1), ... should be [0.95],
      but your function returned [1.05] (largest difference 0.1).
    >>> def in_place(theta, g, lr):
    ...     theta -= lr * g
    ...     return theta
    >>> print(check_gradient_descent_step(in_place))
    ✗ Not yet: for one coordinate (inputs: [1], [0.5], 0.1), your function modified
      its input `theta` in place; return a new array instead.
    """
    rng = np.random.default_rng(1)
    cases = [
        Case("one coordinate", (np.array([1.0]), np.array([0.5]), 0.1)),
        Case("a negative gradient", (np.array([2.0, -1.0]), np.array([-3.0, 4.0]), 0.5)),
        Case("lr = 0 (nothing moves)", (np.array([0.3, 0.7]), np.array([1.0, 2.0]), 0.0)),
        Case("a large step", (np.array([1.0, 1.0, 1.0]), np.array([1.0, -2.0, 0.5]), 3.0)),
        Case("a 2-D array of parameters", (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 0.01)),
    ]
    return check_against_reference(
        step, _reference_step, cases, what="one gradient-descent step theta - lr * g",
        inputs_must_not_change=True,
    )  # fmt: skip


def _reference_minibatch_gradient(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    X_batch, y_batch = X[rows], y[rows]
    return X_batch.T @ (X_batch @ w - y_batch) / len(rows)


def check_minibatch_gradient(
    minibatch_gradient: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> CheckResult:
    r"""Check ``minibatch_gradient(X, y, w, rows) -> g``, the least-squares gradient on a batch.

    Your function takes the data ``X`` (shape (n, d)) and ``y`` (shape (n,)), the weights ``w``
    (shape (d,)) and an integer array ``rows`` of B row indices (which may repeat, as when rows
    are drawn with replacement), and returns the gradient of the mini-batch loss
    :math:`\frac1{2B}\sum_{i \in \text{rows}} (x_i^\top w - y_i)^2`, that is

    .. math::

        g = \frac1B \sum_{i \in \text{rows}} x_i (x_i^\top w - y_i),

    an array of shape (d,). A row listed twice counts twice. This is what
    :meth:`adamlib.objectives.LeastSquares.minibatch_grad` computes after drawing ``rows``. The
    data, the weights and ``rows`` must come back unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> def good(X, y, w, rows):
    ...     return X[rows].T @ (X[rows] @ w - y[rows]) / len(rows)
    >>> check_minibatch_gradient(good).passed
    True
    >>> def summed(X, y, w, rows):  # forgets to divide by the batch size
    ...     return X[rows].T @ (X[rows] @ w - y[rows])
    >>> check_minibatch_gradient(summed).passed
    False
    """
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 3))
    y = rng.normal(size=8)
    w = rng.normal(size=3)
    cases = [
        Case("a batch of one row", (X, y, w, np.array([3]))),
        Case("a batch of three rows", (X, y, w, np.array([0, 5, 6]))),
        Case("w = 0", (X, y, np.zeros(3), np.array([1, 2, 4, 7]))),
        Case("a row drawn twice", (X, y, w, np.array([2, 2, 5]))),
        Case("rows in no particular order", (X, y, w, np.array([7, 0, 3]))),
        Case("the whole data set", (X, y, w, np.arange(8))),
    ]
    return check_against_reference(
        minibatch_gradient, _reference_minibatch_gradient, cases,
        what="the mini-batch gradient X_B^T (X_B w - y_B) / B", inputs_must_not_change=True,
    )  # fmt: skip


def _reference_escape_steps(lr: float, y0: float, radius: float) -> int:
    y, steps = abs(y0), 0
    while y < radius:
        y *= 1 + lr  # along y the saddle (x^2 - y^2)/2 has curvature -1
        steps += 1
    return steps


def check_saddle_escape_steps(escape_steps: Callable[[float, float, float], int]) -> CheckResult:
    r"""Check ``escape_steps(lr, y0, radius) -> k``: steps for gradient descent to leave a saddle.

    Gradient descent with step size ``lr`` runs on :math:`f(x, y) = \tfrac12(x^2 - y^2)` from a
    point whose :math:`y` coordinate is ``y0`` (non-zero). Your function returns the number of
    steps k after which :math:`|y_k| \ge` ``radius`` for the first time (0 if
    :math:`|y_0| \ge` ``radius`` already), as an integer. Find it by running the iteration, or in
    closed form from :math:`|y_k| = (1 + \eta)^k |y_0|`; beware of floating-point rounding when
    :math:`k` from the closed form is very close to an integer.

    Examples
    --------
    >>> import math
    >>> def by_formula(lr, y0, radius):
    ...     return max(0, math.ceil(math.log(radius / abs(y0)) / math.log(1 + lr)))
    >>> check_saddle_escape_steps(by_formula).passed
    True
    >>> def wrong_rate(lr, y0, radius):  # uses (1 - lr), the factor along x
    ...     return max(0, math.ceil(math.log(radius / abs(y0)) / -math.log(1 - lr)))
    >>> check_saddle_escape_steps(wrong_rate).passed
    False
    """
    cases = [
        Case("a start already outside the radius", (0.1, 2.0, 1.0)),
        Case("y0 = 0.5, lr = 0.1", (0.1, 0.5, 1.0)),
        Case("a negative y0", (0.1, -0.5, 1.0)),
        Case("y0 = 1e-6, lr = 0.1", (0.1, 1e-6, 1.0)),
        Case("y0 = 1e-3, lr = 0.5, radius 2", (0.5, 1e-3, 2.0)),
    ]
    return check_against_reference(
        escape_steps, _reference_escape_steps, cases,
        what="the number of steps until |y| >= radius", rtol=0.0, atol=0.0,
    )  # fmt: skip
