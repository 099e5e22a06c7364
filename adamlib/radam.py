"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2020), as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_betas, check_flag, check_nonnegative
from .optimizer import Optimizer, compute_dtype

RECTIFICATION_THRESHOLD = 5.0
"""RAdam uses the adaptive step only once :math:`\\varrho_t` exceeds this (PyTorch and the authors'
code use 5; the paper's Algorithm 2 says 4)."""


def radam_rho(t: int, beta2: float) -> tuple[float, float]:
    r"""Return :math:`(\varrho_\infty, \varrho_t)`, the largest and current length of the SMA.

    .. math::

        \varrho_\infty = \frac{2}{1 - \beta_2} - 1, \qquad
        \varrho_t = \varrho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}

    With the default :math:`\beta_2 = 0.999`, :math:`\varrho_t` first exceeds 5 at step 6:

    >>> [round(radam_rho(t, 0.999)[1], 4) for t in (5, 6)]
    [4.996, 5.9942]
    """
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    return rho_inf, rho_t


def radam_update(theta, g, m, v, t, *, lr, beta1, beta2, eps, weight_decay=0.0,
                 decoupled_weight_decay=False):  # fmt: skip
    r"""One step of RAdam, returning new arrays.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
        \hat m_t = m_t / (1 - \beta_1^t)\\
        \mathcal R_t &= \sqrt{\frac{(\varrho_t - 4)(\varrho_t - 2)\varrho_\infty}
                          {(\varrho_\infty - 4)(\varrho_\infty - 2)\varrho_t}}\\
        \theta_t &= \begin{cases}
            \theta_{t-1} - \alpha \hat m_t \mathcal R_t \sqrt{1 - \beta_2^t}/(\sqrt{v_t} + \epsilon)
                & \varrho_t > 5\\
            \theta_{t-1} - \alpha\, \hat m_t & \text{otherwise (SGD with momentum)}
        \end{cases}

    Weight decay is L2, or decoupled when ``decoupled_weight_decay``.

    Returns
    -------
    theta, m, v : ndarray

    Examples
    --------
    For the first steps RAdam is SGD with a bias-corrected momentum: step 1 moves by lr * g.

    >>> import numpy as np
    >>> theta, m, v = radam_update(
    ...     np.zeros(1), np.array([0.5]), np.zeros(1), np.zeros(1), 1,
    ...     lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    >>> np.round(theta, 8)
    array([-0.05])
    """
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta  # L2 penalty folded into the gradient
    m = beta1 * m + (1 - beta1) * g  # biased first moment estimate
    v = beta2 * v + (1 - beta2) * g**2  # biased second raw moment estimate
    m_hat = m / (1 - beta1**t)  # bias-corrected first moment estimate
    rho_inf, rho_t = radam_rho(t, beta2)
    if rho_t > RECTIFICATION_THRESHOLD:
        # the variance of the adaptive rate is tractable
        r_t = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf
            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )  # fmt: skip
        adaptive_lr = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
        theta = theta - lr * m_hat * r_t * adaptive_lr
    else:  # too few steps to trust v_t: take an un-adapted momentum step
        theta = theta - lr * m_hat
    return theta, m, v


class RAdam(Optimizer):
    r"""RAdam: Adam that takes plain momentum steps until its variance estimate can be trusted.

    Same hyperparameters, defaults and update as ``torch.optim.RAdam``. The update is
    :func:`radam_update`; :func:`radam_rho` gives :math:`\varrho_\infty` and :math:`\varrho_t`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 1e-3
        Step size :math:`\alpha` (>= 0).
    betas : (float, float), default (0.9, 0.999)
        :math:`\beta_1, \beta_2`, each in [0, 1).
    eps : float, default 1e-8
        :math:`\epsilon` (>= 0).
    weight_decay : float, default 0
        Weight decay :math:`\omega` (>= 0).
    decoupled_weight_decay : bool, default False
        Decay the parameters directly, as AdamW does, instead of adding an L2 term.

    Notes
    -----
    ======================  ===========================  ========================================
    symbol                  attribute                    meaning
    ======================  ===========================  ========================================
    :math:`\theta_t`        ``params[i]``                parameters, updated in place
    :math:`t`               ``t``                        steps taken so far
    :math:`\alpha`          ``lr``                       step size
    :math:`\beta_1`         ``betas[0]``                 decay of the first moment estimate
    :math:`\beta_2`         ``betas[1]``                 decay of the second raw moment estimate
    :math:`\epsilon`        ``eps``                      added to the denominator
    :math:`\omega`          ``weight_decay``             weight decay coefficient
    :math:`m_t`             ``m[i]``                     biased first moment estimate
    :math:`v_t`             ``v[i]``                     biased second raw moment estimate
    ======================  ===========================  ========================================

    References
    ----------
    - L. Liu, H. Jiang, P. He, W. Chen, X. Liu, J. Gao and J. Han, "On the Variance of the
      Adaptive Learning Rate and Beyond", ICLR 2020, Algorithm 2.
    - ``torch.optim.RAdam``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([3.0, -4.0])
    >>> opt = adamlib.RAdam(x, lr=0.1)
    >>> for _ in range(500):
    ...     opt.step(2 * x)
    >>> bool(np.abs(x).max() < 0.05)
    True
    """

    hyperparameter_names = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay")

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.decoupled_weight_decay = decoupled_weight_decay
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        self.betas = check_betas(self.betas)
        check_nonnegative("eps", self.eps)
        check_nonnegative("weight_decay", self.weight_decay)
        check_flag("decoupled_weight_decay", self.decoupled_weight_decay)

    def initial_state_names(self) -> tuple[str, ...]:
        return ("m", "v")

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.radam_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        beta1, beta2 = self.betas
        theta, self.m[index], self.v[index] = radam_update(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False),
            self.m[index], self.v[index], t, lr=self.lr, beta1=beta1, beta2=beta2, eps=self.eps,
            weight_decay=self.weight_decay, decoupled_weight_decay=self.decoupled_weight_decay,
        )  # fmt: skip
        param[...] = theta
