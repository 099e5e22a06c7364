r"""Checker for chapter 09: one step of AMSGrad as PyTorch computes it, written by the reader.

The function you write has the signature

``fn(theta, g, m, v, v_max, t, lr, beta1, beta2, eps) -> (new_theta, new_m, new_v, new_v_max)``

========================  ===========  ==========================================================
symbol                    argument     meaning
========================  ===========  ==========================================================
:math:`\theta`            ``theta``    parameters before the step, :math:`\theta_{t-1}`
:math:`g_t`               ``g``        gradient at ``theta`` (same shape)
:math:`m_{t-1}`           ``m``        first moment estimate before the step (zeros at t = 1)
:math:`v_{t-1}`           ``v``        second moment estimate before the step (zeros at t = 1)
:math:`v^{\max}_{t-1}`    ``v_max``    running maximum of the uncorrected v (zeros at t = 1)
:math:`t`                 ``t``        the number of this step, counted from 1
:math:`\alpha`            ``lr``       step size
:math:`\beta_1`           ``beta1``    decay rate of the first moment estimate
:math:`\beta_2`           ``beta2``    decay rate of the second moment estimate
:math:`\epsilon`          ``eps``      added after the square root
========================  ===========  ==========================================================

It returns new arrays :math:`\theta_t`, :math:`m_t`, :math:`v_t` and
:math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)`, with the step
:math:`\theta_t = \theta_{t-1} - \alpha\,\hat m_t/(\sqrt{v^{\max}_t/(1-\beta_2^t)} + \epsilon)`:
``torch.optim.Adam(amsgrad=True)``, whose reference here is :func:`adamlib.adam_update` with
``v_max``. It must not change its arguments in place.

The cases run from the simplest up, and the classic slips fail early:

- the maximum taken over the bias-corrected :math:`\hat v_t` (optax's version), the paper's
  version with no bias correction, and the maximum taken with :math:`m_t` instead of
  :math:`v_t`: the first case, a first step;
- the maximum forgotten (plain Adam: dividing by :math:`v_t`, or returning :math:`v_t` as the
  maximum): the second case, a step where the stored maximum is larger than :math:`v_t`;
- changing an argument in place: reported on the first case, naming the argument.

References
----------
- S. J. Reddi, S. Kale and S. Kumar, "On the Convergence of Adam and Beyond", ICLR 2018,
  Algorithm 2.
- ``torch.optim.Adam`` with ``amsgrad=True``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..adam import adam_update
from ._core import Case, CheckResult, check_against_reference

__all__ = ["amsgrad_step_cases", "check_amsgrad_step"]


def amsgrad_step_cases(seed: int = 0) -> list[Case]:
    """The inputs :func:`check_amsgrad_step` tries, simplest first.

    The arguments are ``(theta, g, m, v, v_max, t, lr, beta1, beta2, eps)``.

    Examples
    --------
    >>> [case.description for case in amsgrad_step_cases()][:2]
    ['the first step, t = 1, one coordinate',
     'a step where the stored maximum exceeds v_t']
    """
    rng = np.random.default_rng(seed)
    theta3, g3 = rng.normal(size=(2, 3))
    m3 = 0.1 * rng.normal(size=3)
    v3 = rng.uniform(0.01, 0.5, size=3)
    v_max3 = v3 * np.array([1.0, 3.0, 1.5])  # a running maximum is at least v
    theta_grid, g_grid = rng.normal(size=(2, 2, 3))
    m_grid = 0.1 * rng.normal(size=(2, 3))
    v_grid = rng.uniform(0.01, 0.5, size=(2, 3))
    v_max_grid = v_grid + rng.uniform(0.0, 0.5, size=(2, 3))
    zeros1 = np.zeros(1)
    return [
        Case("the first step, t = 1, one coordinate",
             (np.array([1.0]), np.array([0.5]), zeros1, zeros1, zeros1, 1, 0.1, 0.9, 0.999,
              1e-8)),
        Case("a step where the stored maximum exceeds v_t",
             (np.array([0.5, -0.5]), np.array([0.1, -0.2]), np.array([0.3, -0.1]),
              np.array([0.04, 0.01]), np.array([0.5, 0.02]), 3, 0.1, 0.9, 0.99, 1e-8)),
        Case("a step where the new v_t exceeds the stored maximum",
             (np.array([0.0, 0.0]), np.array([4.0, -3.0]), np.array([0.1, 0.1]),
              np.array([0.01, 0.01]), np.array([0.02, 0.01]), 2, 0.1, 0.9, 0.99, 1e-8)),
        Case("step t = 10 with three coordinates",
             (theta3, g3, m3, v3, v_max3, 10, 0.01, 0.9, 0.999, 1e-8)),
        Case("step t = 1000, when beta2^t is still far from 0",
             (theta3, g3, m3, v3, v_max3, 1000, 0.001, 0.9, 0.999, 1e-8)),
        Case("a large eps = 0.1", (theta3, g3, m3, v3, v_max3, 5, 0.01, 0.9, 0.999, 0.1)),
        Case("beta1 = 0 and beta2 = 0.1, as in Reddi et al.'s counterexample with C = 3",
             (np.array([0.2]), np.array([-1.0]), np.array([3.0]), np.array([8.1]),
              np.array([8.1]), 2, 0.01, 0.0, 0.1, 0.0)),
        Case("a 2 x 3 array of parameters at step t = 7",
             (theta_grid, g_grid, m_grid, v_grid, v_max_grid, 7, 0.01, 0.9, 0.999, 1e-8)),
    ]  # fmt: skip


def _reference(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    return adam_update(theta, g, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps, v_max=v_max)


def check_amsgrad_step(fn: Callable) -> CheckResult:
    r"""Check one step of AMSGrad as PyTorch computes it (``Adam(amsgrad=True)``).

    ``fn(theta, g, m, v, v_max, t, lr, beta1, beta2, eps)`` must return
    ``(new_theta, new_m, new_v, new_v_max)`` with

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        v^{\max}_t = \max(v^{\max}_{t-1}, v_t),\\
        \theta_t &= \theta_{t-1} - \alpha\,\frac{m_t/(1-\beta_1^t)}
                    {\sqrt{v^{\max}_t/(1-\beta_2^t)} + \epsilon},

    returning the uncorrected :math:`m_t, v_t` and the maximum of the uncorrected :math:`v`,
    without changing its arguments.

    Examples
    --------
    >>> import numpy as np
    >>> def amsgrad_step(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * g
    ...     v = beta2 * v + (1 - beta2) * g**2
    ...     v_max = np.maximum(v_max, v)
    ...     m_hat, v_hat = m / (1 - beta1**t), v_max / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, v_max
    >>> print(check_amsgrad_step(amsgrad_step))
    ✓ Correct: amsgrad_step computes one AMSGrad step, PyTorch's version (new theta,
      m, v, v_max) on all 8 test cases.
    >>> # optax's version: the maximum of the bias-corrected v
    >>> def max_of_corrected(theta, g, m, v, v_max, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * g
    ...     v = beta2 * v + (1 - beta2) * g**2
    ...     v_max = np.maximum(v_max, v / (1 - beta2**t))
    ...     m_hat = m / (1 - beta1**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_max) + eps), m, v, v_max
    >>> result = check_amsgrad_step(max_of_corrected)
    >>> result.passed, result.case.description
    (False, 'the first step, t = 1, one coordinate')
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return check_against_reference(
            fn, _reference, amsgrad_step_cases(),
            what="one AMSGrad step, PyTorch's version (new theta, m, v, v_max)",
            inputs_must_not_change=True,
        )  # fmt: skip
