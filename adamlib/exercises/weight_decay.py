r"""Checker for chapter 10: one step of AdamW in PyTorch's convention, written by the reader.

The function you write has the signature

``fn(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (new_theta, new_m, new_v)``

==================  ================  =========================================================
symbol              argument          meaning
==================  ================  =========================================================
:math:`\theta`      ``theta``         parameters before the step, :math:`\theta_{t-1}`
:math:`g_t`         ``g``             gradient of the loss (without any decay term) at ``theta``
:math:`m_{t-1}`     ``m``             first moment estimate before the step (zeros when t = 1)
:math:`v_{t-1}`     ``v``             second raw moment estimate before the step
:math:`t`           ``t``             the number of this step, counted from 1
:math:`\alpha`      ``lr``            step size
:math:`\beta_1`     ``beta1``         decay rate of the first moment estimate
:math:`\beta_2`     ``beta2``         decay rate of the second moment estimate
:math:`\epsilon`    ``eps``           added to :math:`\sqrt{\hat v_t}`
:math:`\omega`      ``weight_decay``  decoupled weight-decay coefficient
==================  ================  =========================================================

It returns new arrays :math:`\theta_t`, :math:`m_t`, :math:`v_t`, computed as
``torch.optim.AdamW`` does (the reference is :func:`adamlib.adamw_update`): first
:math:`\theta \leftarrow (1 - \alpha\omega)\,\theta_{t-1}`, then Adam's step (Algorithm 1 of
Kingma and Ba) on the loss's gradient :math:`g_t` alone. It must not change its arguments in
place.

The cases run from the simplest up, and the classic slips fail early:

- the decay folded into the gradient (L2, ``g + weight_decay * theta``), the decay not
  multiplied by the learning rate (``theta * (1 - weight_decay)``), or no decay at all: the
  first case, a zero gradient, where only the decay acts;
- the decay applied after Adam's step instead of before (off by
  :math:`\alpha^2\omega\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)`), or no bias correction: the
  second case, a first step with a large learning rate and decay;
- the decay subtracted twice (once as L2, once decoupled): the first case;
- changing ``theta``, ``m`` or ``v`` in place: reported on the first case where the change
  shows (``m`` and ``v`` stay zero on the first), naming the argument.

References
----------
- I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
- ``torch.optim.AdamW``, PyTorch documentation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..adamw import adamw_update
from ._core import Case, CheckResult, check_against_reference, random_moment_state

__all__ = ["adamw_step_cases", "check_adamw_step"]


def adamw_step_cases(seed: int = 0) -> list[Case]:
    """The inputs :func:`check_adamw_step` tries, simplest first.

    The arguments are ``(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay)``.

    Examples
    --------
    >>> for case in adamw_step_cases()[:2]:
    ...     print(case.description)
    a first step with a zero gradient: only the decay acts
    a first step with lr = 0.1 and weight_decay = 0.5
    """
    state = random_moment_state(np.random.default_rng(seed), (0.01, 0.5))
    theta3, g3, m3, v3 = state["theta3"], state["g3"], state["m3"], state["s3"]
    theta_grid, g_grid = state["theta_grid"], state["g_grid"]
    m_grid, v_grid = state["m_grid"], state["s_grid"]
    zeros1 = np.zeros(1)
    return [
        Case("a first step with a zero gradient: only the decay acts",
             (np.array([1.0]), np.array([0.0]), zeros1, zeros1, 1, 0.1, 0.9, 0.999, 1e-8, 0.5)),
        Case("a first step with lr = 0.1 and weight_decay = 0.5",
             (np.array([2.0]), np.array([0.5]), zeros1, zeros1, 1, 0.1, 0.9, 0.999, 1e-8, 0.5)),
        Case("the second step, t = 2, one coordinate",
             (np.array([1.8]), np.array([0.3]), np.array([0.05]), np.array([0.00025]), 2,
              0.1, 0.9, 0.999, 1e-8, 0.5)),
        Case("step t = 10 with three coordinates and weight_decay = 0.01",
             (theta3, g3, m3, v3, 10, 0.01, 0.9, 0.999, 1e-8, 0.01)),
        Case("step t = 1000, when beta2^t is still far from 0",
             (theta3, g3, m3, v3, 1000, 0.001, 0.9, 0.999, 1e-8, 0.1)),
        Case("weight_decay = 0: plain Adam", (theta3, g3, m3, v3, 5, 0.01, 0.9, 0.999, 1e-8, 0.0)),
        Case("other decay rates, beta1 = 0.5 and beta2 = 0.75, and a large eps = 0.1",
             (theta3, g3, m3, v3, 3, 0.05, 0.5, 0.75, 0.1, 0.2)),
        Case("a 2 x 3 array of parameters at step t = 7",
             (theta_grid, g_grid, m_grid, v_grid, 7, 0.01, 0.9, 0.999, 1e-8, 0.05)),
    ]  # fmt: skip


def _reference(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta, m, v, _ = adamw_update(
        theta, g, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay
    )
    return theta, m, v


def check_adamw_step(fn: Callable) -> CheckResult:
    r"""Check one step of AdamW as ``torch.optim.AdamW`` takes it.

    ``fn(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay)`` must return
    ``(new_theta, new_m, new_v)`` with

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\\
        \theta_t &= (1 - \alpha\omega)\,\theta_{t-1} - \alpha\,\frac{m_t/(1-\beta_1^t)}
                    {\sqrt{v_t/(1-\beta_2^t)} + \epsilon},

    returning the uncorrected :math:`m_t, v_t`, without changing its arguments.

    Examples
    --------
    >>> import numpy as np
    >>> def adamw_step(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    ...     theta = theta * (1 - lr * weight_decay)
    ...     m = beta1 * m + (1 - beta1) * g
    ...     v = beta2 * v + (1 - beta2) * g**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    >>> print(check_adamw_step(adamw_step))
    ✓ Correct: adamw_step computes one AdamW step (new theta, new m, new v) on all 8
      test cases.
    >>> def l2_instead(theta, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    ...     g_with_l2 = g + weight_decay * theta
    ...     return adamw_step(theta, g_with_l2, m, v, t, lr, beta1, beta2, eps, 0.0)
    >>> result = check_adamw_step(l2_instead)
    >>> result.passed, result.case.description
    (False, 'a first step with a zero gradient: only the decay acts')
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return check_against_reference(
            fn, _reference, adamw_step_cases(),
            what="one AdamW step (new theta, new m, new v)", inputs_must_not_change=True,
        )  # fmt: skip
