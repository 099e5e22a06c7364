"""Adam (Kingma and Ba, 2015), with PyTorch's options: L2 weight decay and AMSGrad."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_flag, check_betas, check_nonnegative
from .optimizer import Optimizer, compute_dtype


def adam_update(theta, g, m, v, t, *, lr, beta1, beta2, eps,
                weight_decay=0.0, v_max=None):  # fmt: skip
    r"""One step of Adam (Algorithm 1 of Kingma and Ba), returning new arrays.

    .. math::

        g_t &\leftarrow g_t + \omega \theta_{t-1} \quad (\text{only if } \omega > 0)\\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2\\
        \hat m_t &= m_t / (1 - \beta_1^t)\\
        \hat v_t &= v_t / (1 - \beta_2^t)
            \quad (\text{AMSGrad: } v^{\max}_t = \max(v^{\max}_{t-1}, v_t),\;
                   \hat v_t = v^{\max}_t / (1 - \beta_2^t))\\
        \theta_t &= \theta_{t-1} - \alpha\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    Parameters
    ----------
    theta, g, m, v : ndarray
        Parameter :math:`\theta_{t-1}`, gradient :math:`g_t` and the moment estimates
        :math:`m_{t-1}`, :math:`v_{t-1}`, all of one shape.
    t : int
        The step number, counted from 1.
    lr, beta1, beta2, eps, weight_decay : float
        :math:`\alpha`, :math:`\beta_1`, :math:`\beta_2`, :math:`\epsilon`, :math:`\omega`.
    v_max : ndarray or None
        The running maximum of :math:`v` for AMSGrad, or None for plain Adam.

    Returns
    -------
    theta, m, v, v_max : ndarray (v_max None when not given)

    Examples
    --------
    The first step moves every coordinate by ``lr`` against the sign of its gradient, up to eps:

    >>> import numpy as np
    >>> theta, m, v, _ = adam_update(
    ...     np.zeros(3), np.array([2.0, -0.01, 300.0]), np.zeros(3), np.zeros(3), 1,
    ...     lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    >>> np.round(theta, 6)
    array([-0.1,  0.1, -0.1])
    """
    if weight_decay != 0:
        g = g + weight_decay * theta  # L2 penalty folded into the gradient
    m = beta1 * m + (1 - beta1) * g  # biased first moment estimate
    v = beta2 * v + (1 - beta2) * g**2  # biased second raw moment estimate
    m_hat = m / (1 - beta1**t)  # bias-corrected first moment estimate
    if v_max is not None:
        v_max = np.maximum(v_max, v)  # AMSGrad: the denominator never shrinks
        v_hat = v_max / (1 - beta2**t)
    else:
        v_hat = v / (1 - beta2**t)  # bias-corrected second raw moment estimate
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v, v_max


class Adam(Optimizer):
    r"""Adam: momentum on the gradient, divided by the root of a moving average of its square.

    Same hyperparameters, defaults and update as ``torch.optim.Adam``: ``weight_decay`` adds
    :math:`\omega\theta` to the gradient (L2 regularization, not decoupled decay: see
    :class:`AdamW`), ``eps`` is added after the square root of the bias-corrected :math:`\hat v_t`,
    and ``amsgrad=True`` keeps the running maximum of the uncorrected :math:`v_t` and divides it by
    :math:`1 - \beta_2^t`, as PyTorch does. The update is :func:`adam_update`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float16, float32 or float64 arrays, updated in place. Their dtypes are kept; float16
        parameters are computed and their state kept in float32.
    lr : float, default 1e-3
        Step size :math:`\alpha` (>= 0).
    betas : (float, float), default (0.9, 0.999)
        Decay rates :math:`\beta_1, \beta_2` of the two moving averages, each in [0, 1).
    eps : float, default 1e-8
        :math:`\epsilon` (>= 0), added to :math:`\sqrt{\hat v_t}`.
    weight_decay : float, default 0
        L2 coefficient :math:`\omega` (>= 0; the papers write :math:`\lambda`).
    amsgrad : bool, default False
        Use AMSGrad's running maximum of :math:`v_t` (Reddi et al., 2018).

    Notes
    -----
    ======================  ==================  =============================================
    symbol                  attribute           meaning
    ======================  ==================  =============================================
    :math:`\theta_t`        ``params[i]``       parameters, updated in place
    :math:`t`               ``t``               steps taken so far (the next step is ``t + 1``)
    :math:`\alpha`          ``lr``              step size
    :math:`\beta_1`         ``betas[0]``        decay of the first moment estimate
    :math:`\beta_2`         ``betas[1]``        decay of the second raw moment estimate
    :math:`\epsilon`        ``eps``             added to the denominator
    :math:`\omega`          ``weight_decay``    L2 coefficient
    :math:`m_t`             ``m[i]``            biased first moment estimate
    :math:`v_t`             ``v[i]``            biased second raw moment estimate
    :math:`v^{\max}_t`      ``v_max[i]``        running maximum of :math:`v_t` (AMSGrad only)
    ======================  ==================  =============================================

    References
    ----------
    - D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
      Algorithm 1.
    - S. J. Reddi, S. Kale and S. Kumar, "On the Convergence of Adam and Beyond", ICLR 2018.
    - ``torch.optim.Adam``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([3.0, -4.0])
    >>> opt = adamlib.Adam(x, lr=0.1)
    >>> for _ in range(500):
    ...     opt.step(2 * x)  # the gradient of |x|^2
    >>> bool(np.abs(x).max() < 0.05)
    True
    """

    hyperparameter_names = ("lr", "betas", "eps", "weight_decay", "amsgrad")

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        self.lr, self.betas, self.eps = lr, betas, eps
        self.weight_decay, self.amsgrad = weight_decay, amsgrad
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        self.betas = check_betas(self.betas)
        check_nonnegative("eps", self.eps)
        check_nonnegative("weight_decay", self.weight_decay)
        check_flag("amsgrad", self.amsgrad)

    def initial_state_names(self) -> tuple[str, ...]:
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def update_rule(self, theta, g, m, v, t, v_max):
        """Call the update function with this optimizer's hyperparameters."""
        beta1, beta2 = self.betas
        return adam_update(
            theta, g, m, v, t, lr=self.lr, beta1=beta1, beta2=beta2,
            eps=self.eps, weight_decay=self.weight_decay, v_max=v_max,
        )  # fmt: skip

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.adam_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        v_max = self.v_max[index] if self.amsgrad else None
        theta, self.m[index], self.v[index], v_max = self.update_rule(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False),
            self.m[index], self.v[index], t, v_max,
        )  # fmt: skip
        if self.amsgrad:
            self.v_max[index] = v_max
        param[...] = theta
