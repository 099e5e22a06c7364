"""NAdam: Adam with Nesterov momentum (Dozat, 2016), as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_betas, check_flag, check_nonnegative
from .optimizer import Optimizer, compute_dtype


def nadam_momentum(t: int, beta1: float, momentum_decay: float) -> float:
    r"""The momentum schedule :math:`\bar\mu_t = \beta_1 (1 - \tfrac12\, 0.96^{t\varsigma})`.

    >>> round(nadam_momentum(1, 0.9, 4e-3), 8)
    0.45007347
    """
    return beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))


def nadam_update(theta, g, m, v, t, mu_product, *, lr, beta1, beta2, eps,
                 weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False):  # fmt: skip
    r"""One step of NAdam, returning new arrays.

    .. math::

        \bar\mu_t &= \beta_1 (1 - \tfrac12\, 0.96^{t\varsigma}), \qquad
        \Pi_t = \textstyle\prod_{i \le t} \bar\mu_i\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2\\
        \bar m_t &= \frac{\bar\mu_{t+1} m_t}{1 - \Pi_{t+1}} + \frac{(1 - \bar\mu_t) g_t}{1 - \Pi_t},
        \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}\\
        \theta_t &= \theta_{t-1} - \alpha\, \bar m_t / (\sqrt{\hat v_t} + \epsilon)

    Weight decay is L2 (:math:`g_t \leftarrow g_t + \omega\theta_{t-1}`), or decoupled
    (:math:`\theta \leftarrow \theta(1 - \alpha\omega)`) when ``decoupled_weight_decay``.

    Parameters
    ----------
    mu_product : float
        :math:`\Pi_{t-1}`, the product of the momentum schedule so far (1 before the first step).

    Returns
    -------
    theta, m, v : ndarray
    mu_product : float
        :math:`\Pi_t`.

    Examples
    --------
    >>> import numpy as np
    >>> theta, m, v, prod = nadam_update(
    ...     np.zeros(1), np.array([3.0]), np.zeros(1), np.zeros(1), 1, 1.0,
    ...     lr=2e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    >>> round(prod, 8)
    0.45007347
    """
    if weight_decay != 0:
        if decoupled_weight_decay:
            theta = theta * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * theta  # L2 penalty folded into the gradient
    # the momentum used for this step, and for the next (the look-ahead)
    mu = nadam_momentum(t, beta1, momentum_decay)
    mu_next = nadam_momentum(t + 1, beta1, momentum_decay)
    mu_product = mu_product * mu
    mu_product_next = mu_product * mu_next
    m = beta1 * m + (1 - beta1) * g  # biased first moment estimate
    v = beta2 * v + (1 - beta2) * g**2  # biased second raw moment estimate
    m_hat = (mu_next * m / (1 - mu_product_next)
             + (1 - mu) * g / (1 - mu_product))  # fmt: skip
    v_hat = v / (1 - beta2**t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v, mu_product


class NAdam(Optimizer):
    r"""NAdam: Adam whose momentum looks one step ahead, as Nesterov's does.

    Same hyperparameters, defaults and update as ``torch.optim.NAdam``, including its momentum
    schedule :math:`\bar\mu_t` and ``decoupled_weight_decay``. The update is :func:`nadam_update`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 2e-3
        Step size :math:`\alpha` (>= 0).
    betas : (float, float), default (0.9, 0.999)
        :math:`\beta_1, \beta_2`, each in [0, 1).
    eps : float, default 1e-8
        :math:`\epsilon` (>= 0).
    weight_decay : float, default 0
        Weight decay :math:`\omega` (>= 0).
    momentum_decay : float, default 4e-3
        :math:`\varsigma` (>= 0) in the schedule :math:`\bar\mu_t`.
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
    :math:`\varsigma`       ``momentum_decay``           speed of the momentum schedule
    :math:`\Pi_t`           ``mu_product``               product :math:`\bar\mu_1\cdots\bar\mu_t`
    :math:`m_t`             ``m[i]``                     biased first moment estimate
    :math:`v_t`             ``v[i]``                     biased second raw moment estimate
    ======================  ===========================  ========================================

    References
    ----------
    - T. Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop.
    - ``torch.optim.NAdam``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([3.0, -4.0])
    >>> opt = adamlib.NAdam(x, lr=0.1)
    >>> for _ in range(500):
    ...     opt.step(2 * x)
    >>> bool(np.abs(x).max() < 0.05)
    True
    """

    hyperparameter_names = (
        "lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay",
    )  # fmt: skip
    scalar_state_names = ("mu_product",)

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.momentum_decay, self.decoupled_weight_decay = momentum_decay, decoupled_weight_decay
        self.mu_product = 1.0
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        self.betas = check_betas(self.betas)
        check_nonnegative("eps", self.eps)
        check_nonnegative("weight_decay", self.weight_decay)
        check_nonnegative("momentum_decay", self.momentum_decay)
        check_flag("decoupled_weight_decay", self.decoupled_weight_decay)

    def initial_state_names(self) -> tuple[str, ...]:
        return ("m", "v")

    def before_step(self, t: int) -> None:
        self._mu_product_before = self.mu_product

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.nadam_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        beta1, beta2 = self.betas
        theta, self.m[index], self.v[index], self.mu_product = nadam_update(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False),
            self.m[index], self.v[index], t, self._mu_product_before, lr=self.lr, beta1=beta1,
            beta2=beta2, eps=self.eps, weight_decay=self.weight_decay,
            momentum_decay=self.momentum_decay,
            decoupled_weight_decay=self.decoupled_weight_decay,
        )  # fmt: skip
        param[...] = theta
