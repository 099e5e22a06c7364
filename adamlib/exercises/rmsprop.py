r"""Checkers for chapter 06: one step of RMSprop, plain and centered, as ``torch.optim.RMSprop``.

The reference is :func:`adamlib.rmsprop_update` (no momentum, no weight decay). The functions
you write have the signatures

``fn(theta, g, v, lr, beta, eps) -> (new_theta, new_v)`` (:func:`check_rmsprop_step`)

``fn(theta, g, v, m, lr, beta, eps) -> (new_theta, new_v, new_m)``
(:func:`check_centered_rmsprop_step`)

==================  ==============  ==============================================================
symbol              argument        meaning
==================  ==============  ==============================================================
:math:`\theta`      ``theta``       parameters before the step (float array)
:math:`g_t`         ``g``           gradient at ``theta`` (same shape)
:math:`v_{t-1}`     ``v``           moving average of the squared gradients (zeros before step 1)
:math:`m_{t-1}`     ``m``           moving average of the gradients (centered variant only)
:math:`\eta`        ``lr``          learning rate
:math:`\beta`       ``beta``        decay of the averages (``alpha`` in torch.optim), in [0, 1)
:math:`\epsilon`    ``eps``         added to the square root, outside it
==================  ==============  ==============================================================

The step is :math:`v_t = \beta v_{t-1} + (1-\beta) g_t^2` (and :math:`m_t = \beta m_{t-1} +
(1-\beta) g_t`), then :math:`\theta_t = \theta_{t-1} - \eta g_t/(\sqrt{v_t} + \epsilon)`, or
:math:`\sqrt{v_t - m_t^2} + \epsilon` in the denominator for the centered variant: the *new*
averages, no bias correction. Return new arrays: a function that changes one of its arguments
in place (``v *= beta``, ``theta -= ...``) fails with a message naming the argument, even if the
values it returns are right, because a training loop that keeps the old arrays would see them
change under its feet.

The first case of each checker is a first step from :math:`v_0 = 0`, on which the classic slips
already fail: :math:`\beta` and :math:`1 - \beta` swapped, the old :math:`v_{t-1}` in the
denominator, a bias correction RMSprop does not have, a gradient that is not squared. Putting
:math:`\epsilon` inside the square root only shows when :math:`\epsilon` is not tiny, so the
second case has :math:`\epsilon = 0.1`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..rmsprop import rmsprop_update
from ._core import Case, CheckResult, check_against_reference

__all__ = [
    "centered_rmsprop_step_cases",
    "check_centered_rmsprop_step",
    "check_rmsprop_step",
    "rmsprop_step_cases",
]


def rmsprop_step_cases(seed: int = 0) -> list[Case]:
    """The inputs :func:`check_rmsprop_step` tries, simplest first.

    The arguments are ``(theta, g, v, lr, beta, eps)``.

    Examples
    --------
    >>> [case.description for case in rmsprop_step_cases()][:2]
    ['the first step (v = 0), one coordinate',
     'a later step with a large eps = 0.1']
    """
    rng = np.random.default_rng(seed)
    theta5, g5 = rng.normal(size=(2, 5))
    v5 = rng.uniform(0.1, 2.0, size=5)
    theta_matrix, g_matrix = rng.normal(size=(2, 3, 4))
    v_matrix = rng.uniform(0.0, 1.0, size=(3, 4))
    return [
        Case("the first step (v = 0), one coordinate",
             (np.array([1.0]), np.array([2.0]), np.array([0.0]), 0.1, 0.9, 1e-8)),
        Case("a later step with a large eps = 0.1",
             (np.array([0.5]), np.array([0.3]), np.array([0.04]), 0.01, 0.99, 0.1)),
        Case("a negative gradient after large ones (v = 9)",
             (np.array([0.2]), np.array([-0.5]), np.array([9.0]), 0.1, 0.9, 1e-8)),
        Case("beta = 0 (no memory: v_t = g_t^2), three coordinates",
             (np.array([1.0, 2.0, 3.0]), np.array([4.0, -0.5, 0.25]), np.array([1.0, 1.0, 1.0]),
              0.01, 0.0, 1e-8)),
        Case("a zero gradient in one of three coordinates",
             (np.array([1.0, -1.0, 0.5]), np.array([0.0, 0.2, -3.0]), np.array([0.5, 0.0, 2.0]),
              0.05, 0.9, 1e-8)),
        Case("five coordinates, torch's defaults lr = 0.01, beta = 0.99, eps = 1e-8",
             (theta5, g5, v5, 0.01, 0.99, 1e-8)),
        Case("a 3 x 4 matrix of parameters",
             (theta_matrix, g_matrix, v_matrix, 0.003, 0.999, 1e-6)),
    ]  # fmt: skip


def centered_rmsprop_step_cases(seed: int = 0) -> list[Case]:
    """The inputs :func:`check_centered_rmsprop_step` tries, simplest first.

    The arguments are ``(theta, g, v, m, lr, beta, eps)``; in every case :math:`v_t - m_t^2`
    stays well above zero, as it does for any stream that is not constant.

    Examples
    --------
    >>> case = centered_rmsprop_step_cases()[0]
    >>> case.description, len(case.args)
    ('the first step (v = m = 0), one coordinate', 7)
    """
    rng = np.random.default_rng(seed)
    theta5, g5, m5 = rng.normal(size=(3, 5))
    v5 = m5**2 + rng.uniform(0.2, 1.0, size=5)  # an average of squares exceeds its mean squared
    return [
        Case("the first step (v = m = 0), one coordinate",
             (np.array([1.0]), np.array([2.0]), np.array([0.0]), np.array([0.0]), 0.1, 0.9, 1e-8)),
        Case("a later step with a large eps = 0.1",
             (np.array([0.5]), np.array([0.3]), np.array([0.5]), np.array([0.4]), 0.01, 0.9, 0.1)),
        Case("a gradient against the running mean, two coordinates",
             (np.array([0.0, 1.0]), np.array([-1.0, 2.0]), np.array([1.5, 4.0]),
              np.array([1.0, -1.0]), 0.1, 0.8, 1e-8)),
        Case("five coordinates, lr = 0.01, beta = 0.99, eps = 1e-8",
             (theta5, g5, v5, m5, 0.01, 0.99, 1e-8)),
    ]  # fmt: skip


def _reference(theta, g, v, lr, beta, eps):
    theta, v, _, _ = rmsprop_update(theta, g, v, lr=lr, alpha=beta, eps=eps)
    return theta, v


def _centered_reference(theta, g, v, m, lr, beta, eps):
    theta, v, m, _ = rmsprop_update(theta, g, v, lr=lr, alpha=beta, eps=eps, grad_avg=m)
    return theta, v, m


def check_rmsprop_step(fn: Callable) -> CheckResult:
    r"""Check one step of RMSprop: ``fn(theta, g, v, lr, beta, eps) -> (new_theta, new_v)``.

    :math:`v_t = \beta v_{t-1} + (1-\beta) g_t^2` and
    :math:`\theta_t = \theta_{t-1} - \eta\, g_t/(\sqrt{v_t} + \epsilon)`, as
    ``torch.optim.RMSprop`` with ``alpha = beta`` (no bias correction, :math:`\epsilon` outside
    the root). The arguments must not be changed in place.

    Examples
    --------
    >>> import numpy as np
    >>> def rmsprop_step(theta, g, v, lr, beta, eps):
    ...     v = beta * v + (1 - beta) * g**2
    ...     return theta - lr * g / (np.sqrt(v) + eps), v
    >>> print(check_rmsprop_step(rmsprop_step))
    ✓ Correct: rmsprop_step computes one RMSprop step (new theta, new v) on all 7
      test cases.
    >>> def bias_corrected(theta, g, v, lr, beta, eps):  # RMSprop has no correction
    ...     v = beta * v + (1 - beta) * g**2
    ...     return theta - lr * g / (np.sqrt(v / (1 - beta)) + eps), v
    >>> print(check_rmsprop_step(bias_corrected))
    ✗ Not yet: for the first step (v = 0), one coordinate (inputs: [1], [2], [0],
      0.1, 0.9, 1e-08), one RMSprop step (new theta, new v) should be ([0.683772],
      [0.4]), but your function returned ([0.9], [0.4]) (in value 0 of the result:
      largest difference 0.216).
    >>> # right values, but the caller's v changes:
    >>> def in_place(theta, g, v, lr, beta, eps):
    ...     v *= beta
    ...     v += (1 - beta) * g**2
    ...     return theta - lr * g / (np.sqrt(v) + eps), v
    >>> print(check_rmsprop_step(in_place))
    ✗ Not yet: for the first step (v = 0), one coordinate (inputs: [1], [2], [0],
      0.1, 0.9, 1e-08), your function modified its input `v` in place; return a new
      array instead.
    """
    return check_against_reference(
        fn, _reference, rmsprop_step_cases(), what="one RMSprop step (new theta, new v)",
        inputs_must_not_change=True,
    )  # fmt: skip


def check_centered_rmsprop_step(fn: Callable) -> CheckResult:
    r"""Check one centered step: ``fn(theta, g, v, m, lr, beta, eps) -> (new_theta, new_v, new_m)``.

    :math:`v_t = \beta v_{t-1} + (1-\beta) g_t^2`, :math:`m_t = \beta m_{t-1} + (1-\beta) g_t`
    and :math:`\theta_t = \theta_{t-1} - \eta\, g_t/(\sqrt{v_t - m_t^2} + \epsilon)`, as
    ``torch.optim.RMSprop(centered=True)`` with ``alpha = beta``.

    Examples
    --------
    >>> import numpy as np
    >>> def centered_step(theta, g, v, m, lr, beta, eps):
    ...     v = beta * v + (1 - beta) * g**2
    ...     m = beta * m + (1 - beta) * g
    ...     return theta - lr * g / (np.sqrt(v - m**2) + eps), v, m
    >>> check_centered_rmsprop_step(centered_step).passed
    True
    >>> def squares_the_difference(theta, g, v, m, lr, beta, eps):
    ...     v = beta * v + (1 - beta) * g**2
    ...     m = beta * m + (1 - beta) * g
    ...     return theta - lr * g / (np.sqrt((v - m) ** 2) + eps), v, m
    >>> result = check_centered_rmsprop_step(squares_the_difference)
    >>> result.passed, result.case.description
    (False, 'the first step (v = m = 0), one coordinate')
    """
    return check_against_reference(
        fn, _centered_reference, centered_rmsprop_step_cases(),
        what="one centered RMSprop step (new theta, new v, new m)", inputs_must_not_change=True,
    )  # fmt: skip
