r"""Checker for chapter 11: one step of AdaMax, written by the reader.

The function you write has the signature

``fn(theta, g, m, u, t, lr, beta1, beta2, eps) -> (new_theta, new_m, new_u)``

==================  ==============  ===========================================================
symbol              argument        meaning
==================  ==============  ===========================================================
:math:`\theta`      ``theta``       parameters before the step, :math:`\theta_{t-1}` (float array)
:math:`g_t`         ``g``           gradient at ``theta`` (same shape)
:math:`m_{t-1}`     ``m``           first moment estimate before the step (zeros when t = 1)
:math:`u_{t-1}`     ``u``           exponentially weighted maximum before the step (zeros at t = 1)
:math:`t`           ``t``           the number of this step, counted from 1
:math:`\alpha`      ``lr``          step size
:math:`\beta_1`     ``beta1``       decay rate of the first moment estimate
:math:`\beta_2`     ``beta2``       decay rate of the maximum
:math:`\epsilon`    ``eps``         added to :math:`|g_t|` inside the maximum, as PyTorch does
==================  ==============  ===========================================================

It returns new arrays, computed as ``torch.optim.Adamax`` does (the reference is
:func:`adamlib.adamax_update`):

.. math::

    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
    u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
    \theta_t = \theta_{t-1} - \frac{\alpha}{1-\beta_1^t}\,\frac{m_t}{u_t}.

The cases run from the simplest up, and the classic slips fail early:

- no bias correction of :math:`m_t`, a bias correction of :math:`u_t` (it needs none),
  :math:`g_t` instead of :math:`|g_t|` in the maximum: the first case, a first step with a
  negative gradient;
- :math:`\max(u_{t-1}, |g_t|)` without the decay :math:`\beta_2`: the second case, where the old
  maximum is larger than the new gradient;
- :math:`\epsilon` added after the maximum instead of inside it: the third case, a large
  :math:`\epsilon` with an old maximum that wins;
- changing ``theta``, ``m`` or ``u`` in place: reported on the first case, naming the argument.

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 7.1.
- ``torch.optim.Adamax``, PyTorch documentation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..adamax import adamax_update
from ._core import Case, CheckResult, check_against_reference, random_moment_state

__all__ = ["adamax_step_cases", "check_adamax_step"]


def adamax_step_cases(seed: int = 0) -> list[Case]:
    """The inputs :func:`check_adamax_step` tries, simplest first.

    The arguments are ``(theta, g, m, u, t, lr, beta1, beta2, eps)``.

    Examples
    --------
    >>> [case.description for case in adamax_step_cases()][:2]
    ['the first step, t = 1, a negative gradient',
     'step t = 2, the old maximum still wins']
    """
    state = random_moment_state(np.random.default_rng(seed), (0.5, 2.0))
    theta3, g3, m3, u3 = state["theta3"], state["g3"], state["m3"], state["s3"]
    theta_grid, g_grid = state["theta_grid"], state["g_grid"]
    m_grid, u_grid = state["m_grid"], state["s_grid"]
    zeros1 = np.zeros(1)
    return [
        Case("the first step, t = 1, a negative gradient",
             (np.array([1.0]), np.array([-0.5]), zeros1, zeros1, 1, 0.1, 0.9, 0.999, 1e-8)),
        Case("step t = 2, the old maximum still wins",
             (np.array([0.9]), np.array([0.2]), np.array([-0.05]), np.array([0.5]), 2,
              0.1, 0.9, 0.999, 1e-8)),
        Case("a large eps = 0.1, the old maximum still wins",
             (np.array([0.9]), np.array([0.2]), np.array([-0.05]), np.array([0.5]), 2,
              0.1, 0.9, 0.99, 0.1)),
        Case("step t = 10 with three coordinates",
             (theta3, g3, m3, u3, 10, 0.002, 0.9, 0.999, 1e-8)),
        Case("other decay rates, beta1 = 0.5 and beta2 = 0.75",
             (theta3, g3, m3, u3, 3, 0.05, 0.5, 0.75, 1e-8)),
        Case("a 2 x 3 array of parameters at step t = 7",
             (theta_grid, g_grid, m_grid, u_grid, 7, 0.01, 0.9, 0.999, 1e-8)),
    ]  # fmt: skip


def _reference(theta, g, m, u, t, lr, beta1, beta2, eps):
    return adamax_update(theta, g, m, u, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def check_adamax_step(fn: Callable) -> CheckResult:
    r"""Check one step of AdaMax as ``torch.optim.Adamax`` takes it.

    ``fn(theta, g, m, u, t, lr, beta1, beta2, eps)`` must return ``(new_theta, new_m, new_u)``
    with :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
    :math:`u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon)` and
    :math:`\theta_t = \theta_{t-1} - \alpha\, m_t/((1-\beta_1^t)\, u_t)`, without changing its
    arguments.

    Examples
    --------
    >>> import numpy as np
    >>> def adamax_step(theta, g, m, u, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * g
    ...     u = np.maximum(beta2 * u, np.abs(g) + eps)
    ...     return theta - lr / (1 - beta1**t) * m / u, m, u
    >>> print(check_adamax_step(adamax_step))
    ✓ Correct: adamax_step computes one AdaMax step (new theta, new m, new u) on all
      6 test cases.
    >>> def no_decay(theta, g, m, u, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * g
    ...     u = np.maximum(u, np.abs(g) + eps)
    ...     return theta - lr / (1 - beta1**t) * m / u, m, u
    >>> result = check_adamax_step(no_decay)
    >>> result.passed, result.case.description
    (False, 'step t = 2, the old maximum still wins')
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return check_against_reference(
            fn, _reference, adamax_step_cases(),
            what="one AdaMax step (new theta, new m, new u)", inputs_must_not_change=True,
        )  # fmt: skip
