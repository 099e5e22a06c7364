r"""Checkers for chapter 04: one step of heavy-ball momentum and of Nesterov momentum.

Both follow ``torch.optim.SGD`` (``dampening = 0``, no weight decay); the reference is
:func:`adamlib.sgd_update`. The function you write has the signature

``fn(theta, g, buffer, lr, momentum, first_step) -> (new_theta, new_buffer)``

==================  ==============  =============================================
symbol              argument        meaning
==================  ==============  =============================================
:math:`\theta`      ``theta``       parameters before the step (float array)
:math:`g_t`         ``g``           gradient at ``theta`` (same shape)
:math:`b_{t-1}`     ``buffer``      momentum buffer; ``None`` when ``first_step``
:math:`\eta`        ``lr``          learning rate
:math:`\mu`         ``momentum``    momentum factor, > 0
(:math:`t = 1`)     ``first_step``  True on the first step, when there is no buffer
==================  ==============  =============================================

The buffer starts at the first gradient, :math:`b_1 = g_1`; after that
:math:`b_t = \mu b_{t-1} + g_t`. Heavy ball steps :math:`\theta - \eta b_t`, Nesterov steps
:math:`\theta - \eta (g_t + \mu b_t)`. Return new arrays and leave the inputs unchanged: a
function that changes ``theta``, ``g`` or ``buffer`` in place (``theta -= lr * buffer``) fails,
with a message naming the argument, even when its result is right, because a training loop that
keeps the old arrays would see them change under its feet.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..sgd import sgd_update
from ._core import Case, CheckResult, check_against_reference

__all__ = ["check_momentum_step", "check_nesterov_step", "momentum_step_cases"]


def momentum_step_cases(seed: int = 0) -> list[Case]:
    """The inputs both checkers try, simplest first: first steps, then steps with a buffer.

    The arguments are ``(theta, g, buffer, lr, momentum, first_step)``.

    Examples
    --------
    >>> [case.description for case in momentum_step_cases()][:2]
    ['the first step, one coordinate', 'a second step, one coordinate']
    """
    rng = np.random.default_rng(seed)
    theta3, g3, buffer3 = rng.normal(size=(3, 3))
    theta5, g5, buffer5 = rng.normal(size=(3, 5))
    return [
        Case("the first step, one coordinate",
             (np.array([1.0]), np.array([0.5]), None, 0.1, 0.9, True)),
        Case("a second step, one coordinate",
             (np.array([0.95]), np.array([0.4]), np.array([0.5]), 0.1, 0.9, False)),
        Case("a step where the gradient opposes the buffer",
             (np.array([2.0]), np.array([-1.0]), np.array([3.0]), 0.5, 0.5, False)),
        Case("the first step, three coordinates", (theta3, g3, None, 0.01, 0.99, True)),
        Case("a later step, three coordinates", (theta3, g3, buffer3, 0.01, 0.99, False)),
        Case("a later step, five coordinates, momentum 0.3",
             (theta5, g5, buffer5, 0.2, 0.3, False)),
    ]  # fmt: skip


def _reference(nesterov: bool) -> Callable:
    def reference(theta, g, buffer, lr, momentum, first_step):
        t = 1 if first_step else 2  # sgd_update only asks whether this is the first step
        return sgd_update(theta, g, buffer, t, lr=lr, momentum=momentum, nesterov=nesterov)

    return reference


def check_momentum_step(fn: Callable) -> CheckResult:
    r"""Check one step of SGD with (heavy-ball) momentum in PyTorch's convention.

    ``fn(theta, g, buffer, lr, momentum, first_step)`` must return ``(new_theta, new_buffer)``
    with :math:`b_t = g_t` on the first step (``buffer`` is then None), else
    :math:`b_t = \mu b_{t-1} + g_t`, and :math:`\theta_t = \theta_{t-1} - \eta b_t`, as new
    arrays: changing an argument in place fails.

    Examples
    --------
    >>> def momentum_step(theta, g, buffer, lr, momentum, first_step):
    ...     buffer = g.copy() if first_step else momentum * buffer + g
    ...     return theta - lr * buffer, buffer
    >>> result = check_momentum_step(momentum_step)
    >>> result.passed, result.message.endswith("on all 6 test cases.")
    (True, True)
    >>> def in_place(theta, g, buffer, lr, momentum, first_step):
    ...     buffer = g.copy() if first_step else momentum * buffer + g
    ...     theta -= lr * buffer
    ...     return theta, buffer
    >>> print(check_momentum_step(in_place))
    ✗ Not yet: for the first step, one coordinate (inputs: [1], [0.5], None, 0.1,
      0.9, True), your function modified its input `theta` in place; return a new
      array instead.
    """
    return check_against_reference(
        fn, _reference(nesterov=False), momentum_step_cases(),
        what="one momentum step (new theta, new buffer)", inputs_must_not_change=True,
    )  # fmt: skip


def check_nesterov_step(fn: Callable) -> CheckResult:
    r"""Check one step of SGD with Nesterov momentum in PyTorch's convention.

    ``fn(theta, g, buffer, lr, momentum, first_step)`` must return ``(new_theta, new_buffer)``
    with the buffer as in :func:`check_momentum_step` and
    :math:`\theta_t = \theta_{t-1} - \eta (g_t + \mu b_t)`, the new buffer :math:`b_t`.

    Examples
    --------
    >>> def heavy_ball(theta, g, buffer, lr, momentum, first_step):
    ...     buffer = g.copy() if first_step else momentum * buffer + g
    ...     return theta - lr * buffer, buffer
    >>> result = check_nesterov_step(heavy_ball)
    >>> result.passed, result.case.description
    (False, 'the first step, one coordinate')
    """
    return check_against_reference(
        fn, _reference(nesterov=True), momentum_step_cases(),
        what="one Nesterov momentum step (new theta, new buffer)", inputs_must_not_change=True,
    )  # fmt: skip
