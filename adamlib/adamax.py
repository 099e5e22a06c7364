"""AdaMax, the infinity-norm variant of Adam (Kingma and Ba, 2015, section 7.1), as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_betas, check_nonnegative
from .optimizer import Optimizer, compute_dtype


def adamax_update(theta, g, m, u, t, *, lr, beta1, beta2, eps,
                  weight_decay=0.0):  # fmt: skip
    r"""One step of AdaMax, returning new arrays.

    .. math::

        g_t &\leftarrow g_t + \omega\theta_{t-1} \quad (\text{only if } \omega > 0)\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t\\
        u_t &= \max(\beta_2 u_{t-1}, |g_t| + \epsilon)\\
        \theta_t &= \theta_{t-1} - \frac{\alpha}{1 - \beta_1^t}\, \frac{m_t}{u_t}

    The paper has :math:`u_t = \max(\beta_2 u_{t-1}, |g_t|)`; PyTorch adds :math:`\epsilon`
    inside the maximum so that :math:`u_t > 0`, and so does this. :math:`u_t` needs no bias
    correction: a maximum is not pulled toward its zero start the way an average is.

    Returns
    -------
    theta, m, u : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> theta, m, u = adamax_update(
    ...     np.zeros(2), np.array([4.0, -0.25]), np.zeros(2), np.zeros(2), 1,
    ...     lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8)
    >>> np.round(theta, 8)
    array([-0.002,  0.002])
    """
    if weight_decay != 0:
        g = g + weight_decay * theta  # L2 penalty folded into the gradient
    m = beta1 * m + (1 - beta1) * g  # biased first moment estimate
    # exponentially weighted infinity norm
    u = np.maximum(beta2 * u, np.abs(g) + eps)
    theta = theta - (lr / (1 - beta1**t)) * m / u
    return theta, m, u


class Adamax(Optimizer):
    r"""AdaMax: Adam with the root mean square replaced by an exponentially weighted maximum.

    Same hyperparameters, defaults and update as ``torch.optim.Adamax``. The update is
    :func:`adamax_update`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 2e-3
        Step size :math:`\alpha` (>= 0).
    betas : (float, float), default (0.9, 0.999)
        :math:`\beta_1, \beta_2`, each in [0, 1).
    eps : float, default 1e-8
        :math:`\epsilon` (>= 0), added to :math:`|g_t|` inside the maximum.
    weight_decay : float, default 0
        L2 coefficient :math:`\omega` (>= 0).

    Notes
    -----
    ======================  ==================  =============================================
    symbol                  attribute           meaning
    ======================  ==================  =============================================
    :math:`\theta_t`        ``params[i]``       parameters, updated in place
    :math:`t`               ``t``               steps taken so far
    :math:`\alpha`          ``lr``              step size
    :math:`\beta_1`         ``betas[0]``        decay of the first moment estimate
    :math:`\beta_2`         ``betas[1]``        decay of the infinity norm
    :math:`\epsilon`        ``eps``             keeps :math:`u_t` positive
    :math:`\omega`          ``weight_decay``    L2 coefficient
    :math:`m_t`             ``m[i]``            biased first moment estimate
    :math:`u_t`             ``u[i]``            exponentially weighted infinity norm
    ======================  ==================  =============================================

    References
    ----------
    - D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
      section 7.1, Algorithm 2.
    - ``torch.optim.Adamax``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([0.0])
    >>> opt = adamlib.Adamax(x)
    >>> opt.step(np.array([-7.0]))
    >>> np.round(x, 8)
    array([0.002])
    """

    hyperparameter_names = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        self.betas = check_betas(self.betas)
        check_nonnegative("eps", self.eps)
        check_nonnegative("weight_decay", self.weight_decay)

    def initial_state_names(self) -> tuple[str, ...]:
        return ("m", "u")

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.adamax_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        beta1, beta2 = self.betas
        theta, self.m[index], self.u[index] = adamax_update(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False),
            self.m[index], self.u[index], t, lr=self.lr, beta1=beta1, beta2=beta2,
            eps=self.eps, weight_decay=self.weight_decay,
        )  # fmt: skip
        param[...] = theta
