r"""Checker for chapter 07: one step of Adam, with bias correction, written by the reader.

The function you write has the signature

``fn(theta, g, m, v, t, lr, beta1, beta2, eps) -> (new_theta, new_m, new_v)``

==================  ==============  ===========================================================
symbol              argument        meaning
==================  ==============  ===========================================================
:math:`\theta`      ``theta``       parameters before the step, :math:`\theta_{t-1}` (float array)
:math:`g_t`         ``g``           gradient at ``theta`` (same shape)
:math:`m_{t-1}`     ``m``           first moment estimate before the step (zeros when t = 1)
:math:`v_{t-1}`     ``v``           second raw moment estimate before the step (zeros when t = 1)
:math:`t`           ``t``           the number of this step, counted from 1
:math:`\alpha`      ``lr``          step size
:math:`\beta_1`     ``beta1``       decay rate of the first moment estimate
:math:`\beta_2`     ``beta2``       decay rate of the second moment estimate
:math:`\epsilon`    ``eps``         added to :math:`\sqrt{\hat v_t}`, outside the square root
==================  ==============  ===========================================================

It returns new arrays :math:`\theta_t`, :math:`m_t` and :math:`v_t` (the biased, uncorrected
moving averages, which the next step needs), computed as in Algorithm 1 of Kingma and Ba
(the reference is :func:`adamlib.adam_update`). It must not change its arguments in place.

The cases run from the simplest up, and the classic slips fail early:

- no bias correction, :math:`t` counted from 0, returning :math:`\hat m_t` instead of
  :math:`m_t` (bias-correcting the stored average), :math:`\beta` and :math:`1 - \beta`
  swapped: the first case, a first step;
- :math:`\epsilon` inside the square root, or ``m_hat / sqrt(v_hat) + eps`` (the slip of
  Dive into Deep Learning's TensorFlow code): the second case, gradients as small as
  :math:`\epsilon`;
- changing ``theta``, ``m`` or ``v`` in place: reported on the first case, naming the
  argument.

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..adam import adam_update
from ._core import Case, CheckResult, check_against_reference, random_moment_state

__all__ = ["adam_step_cases", "check_adam_step"]


def adam_step_cases(seed: int = 0) -> list[Case]:
    """The inputs :func:`check_adam_step` tries, simplest first.

    The arguments are ``(theta, g, m, v, t, lr, beta1, beta2, eps)``.

    Examples
    --------
    >>> [case.description for case in adam_step_cases()][:2]
    ['the first step, t = 1, one coordinate',
     'a first step with gradients as small as eps']
    """
    state = random_moment_state(np.random.default_rng(seed), (0.01, 0.5))
    theta3, g3, m3, v3 = state["theta3"], state["g3"], state["m3"], state["s3"]
    theta_grid, g_grid = state["theta_grid"], state["g_grid"]
    m_grid, v_grid = state["m_grid"], state["s_grid"]
    zeros1 = np.zeros(1)
    return [
        Case("the first step, t = 1, one coordinate",
             (np.array([1.0]), np.array([0.5]), zeros1, zeros1, 1, 0.1, 0.9, 0.999, 1e-8)),
        Case("a first step with gradients as small as eps",
             (np.zeros(3), np.array([1e-8, -3e-8, 2.0]), np.zeros(3), np.zeros(3), 1,
              1.0, 0.9, 0.999, 1e-8)),
        Case("the second step, t = 2, one coordinate",
             (np.array([0.9]), np.array([0.3]), np.array([0.05]), np.array([0.00025]), 2,
              0.1, 0.9, 0.999, 1e-8)),
        Case("step t = 10 with three coordinates", (theta3, g3, m3, v3, 10, 0.01, 0.9, 0.999,
                                                    1e-8)),
        Case("step t = 1000, when beta2^t is still far from 0",
             (theta3, g3, m3, v3, 1000, 0.001, 0.9, 0.999, 1e-8)),
        Case("a large eps = 0.1", (theta3, g3, m3, v3, 5, 0.01, 0.9, 0.999, 0.1)),
        Case("other decay rates, beta1 = 0.5 and beta2 = 0.75",
             (theta3, g3, m3, v3, 3, 0.05, 0.5, 0.75, 1e-8)),
        Case("a 2 x 3 array of parameters at step t = 7",
             (theta_grid, g_grid, m_grid, v_grid, 7, 0.01, 0.9, 0.999, 1e-8)),
    ]  # fmt: skip


def _reference(theta, g, m, v, t, lr, beta1, beta2, eps):
    theta, m, v, _ = adam_update(theta, g, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    return theta, m, v


def check_adam_step(fn: Callable) -> CheckResult:
    r"""Check one step of Adam with bias correction (Algorithm 1 of Kingma and Ba).

    ``fn(theta, g, m, v, t, lr, beta1, beta2, eps)`` must return ``(new_theta, new_m, new_v)``
    with

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\\
        \theta_t &= \theta_{t-1} - \alpha\,\frac{m_t/(1-\beta_1^t)}
                    {\sqrt{v_t/(1-\beta_2^t)} + \epsilon},

    returning the uncorrected :math:`m_t, v_t`, without changing its arguments. Divisions by
    zero in your function (from :math:`t` counted from 0, say) are reported through the values
    they produce, not as warnings.

    Examples
    --------
    >>> import numpy as np
    >>> def adam_step(theta, g, m, v, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * g
    ...     v = beta2 * v + (1 - beta2) * g**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    >>> print(check_adam_step(adam_step))
    ✓ Correct: adam_step computes one Adam step (new theta, new m, new v) on all 8
      test cases.
    >>> def no_correction(theta, g, m, v, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * g
    ...     v = beta2 * v + (1 - beta2) * g**2
    ...     return theta - lr * m / (np.sqrt(v) + eps), m, v
    >>> result = check_adam_step(no_correction)
    >>> result.passed, result.case.description
    (False, 'the first step, t = 1, one coordinate')
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return check_against_reference(
            fn, _reference, adam_step_cases(),
            what="one Adam step (new theta, new m, new v)", inputs_must_not_change=True,
        )  # fmt: skip
