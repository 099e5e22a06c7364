r"""Checker for chapter 05: one step of Adagrad, accumulator included.

The function you write has the signature

``fn(theta, g, s, lr, eps) -> (new_theta, new_s)``

==================  ==========  ===========================================================
symbol              argument    meaning
==================  ==========  ===========================================================
:math:`\theta`      ``theta``   parameters before the step (float array)
:math:`g_t`         ``g``       gradient at ``theta`` (same shape)
:math:`s_{t-1}`     ``s``       accumulator before the step: the sum of the earlier squared
                                gradients (same shape, entries >= 0)
:math:`\eta`        ``lr``      step size
:math:`\epsilon`    ``eps``     constant added to the square root (>= 0)
==================  ==========  ===========================================================

and returns :math:`s_t = s_{t-1} + g_t^2` and
:math:`\theta_t = \theta_{t-1} - \eta\, g_t/(\sqrt{s_t} + \epsilon)`, as new arrays: torch's
convention, with :math:`\epsilon` outside the square root, and the new accumulator (which
already holds :math:`g_t^2`) in the denominator. The reference is :func:`adamlib.adagrad_update`.

The cases are ordered so that the classic slips fail early: forgetting to square the gradient
(or taking its absolute value), dividing by the old accumulator :math:`s_{t-1}`, dividing by
:math:`s_t` instead of :math:`\sqrt{s_t}`, and putting :math:`\epsilon` inside the square root.
A function that changes ``theta``, ``g`` or ``s`` in place fails too, even when its numbers are
right: a training loop that keeps the old arrays would see them change under its feet.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..adagrad import adagrad_update
from ._core import Case, CheckResult, check_against_reference

__all__ = ["adagrad_step_cases", "check_adagrad_accumulator"]

WHAT = "one Adagrad step (new theta, new s)"


def adagrad_step_cases(seed: int = 0) -> list[Case]:
    r"""The inputs :func:`check_adagrad_accumulator` tries, simplest first.

    The arguments of each case are ``(theta, g, s, lr, eps)``.

    Examples
    --------
    >>> [case.description for case in adagrad_step_cases()][:2]
    ['the first step, one coordinate, eps = 0',
     'a later step: s = 9 before the step']
    """
    rng = np.random.default_rng(seed)
    theta, g = rng.normal(size=(2, 3, 4))
    s = rng.exponential(size=(3, 4))
    return [
        Case("the first step, one coordinate, eps = 0",
             (np.array([0.0]), np.array([2.0]), np.array([0.0]), 0.1, 0.0)),
        Case("a later step: s = 9 before the step",
             (np.array([1.0]), np.array([-4.0]), np.array([9.0]), 0.5, 0.0)),
        Case("eps = 0.5, added after the square root",
             (np.array([0.0, 0.0]), np.array([1.0, -3.0]), np.array([0.0, 16.0]), 1.0, 0.5)),
        Case("tiny gradients, where eps = 1e-10 matters",
             (np.array([1.0, -1.0]), np.array([1e-6, -2e-6]), np.array([0.0, 0.0]), 0.01, 1e-10)),
        Case("a zero gradient leaves theta and s unchanged",
             (np.array([0.3, -0.2]), np.array([0.0, 0.5]), np.array([1.0, 0.0]), 0.1, 1e-10)),
        Case("a 3 x 4 array of parameters", (theta, g, s, 0.05, 1e-8)),
    ]  # fmt: skip


def _reference(theta, g, s, lr, eps):
    return adagrad_update(theta, g, s, 1, lr=lr, eps=eps)


def check_adagrad_accumulator(
    fn: Callable[[np.ndarray, np.ndarray, np.ndarray, float, float], tuple],
) -> CheckResult:
    r"""Check ``fn(theta, g, s, lr, eps) -> (new_theta, new_s)``, one step of Adagrad.

    ``new_s`` must be :math:`s + g^2` and ``new_theta`` must be
    :math:`\theta - \eta\, g/(\sqrt{s + g^2} + \epsilon)`, both new arrays; the inputs must be
    left as they were. See the module's documentation for the arguments.

    Examples
    --------
    >>> import numpy as np
    >>> def adagrad_step(theta, g, s, lr, eps):
    ...     s = s + g**2
    ...     return theta - lr * g / (np.sqrt(s) + eps), s
    >>> print(check_adagrad_accumulator(adagrad_step))
    ✓ Correct: adagrad_step computes one Adagrad step (new theta, new s) on all 6
      test cases.
    >>> def old_accumulator(theta, g, s, lr, eps):   # divides by sqrt(s_{t-1})
    ...     return theta - lr * g / (np.sqrt(s) + eps), s + g**2
    >>> result = check_adagrad_accumulator(old_accumulator)
    >>> result.passed, result.case.description
    (False, 'the first step, one coordinate, eps = 0')
    >>> def in_place(theta, g, s, lr, eps):          # right numbers, but changes s
    ...     s += g**2
    ...     return theta - lr * g / (np.sqrt(s) + eps), s.copy()
    >>> print(check_adagrad_accumulator(in_place))  # doctest: +ELLIPSIS
    ✗ Not yet: for the first step, ... your function modified its input `s` in
      place; ...
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # 0/0 is the reader's slip
        return check_against_reference(
            fn, _reference, adagrad_step_cases(), what=WHAT, inputs_must_not_change=True
        )
