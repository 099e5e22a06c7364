"""RMSprop (Tieleman and Hinton, 2012), with PyTorch's centered and momentum options."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_flag, check_nonnegative, check_unit_interval
from .optimizer import Optimizer, compute_dtype


def rmsprop_update(theta, g, square_avg, *, lr, alpha=0.99, eps=1e-8,
                   weight_decay=0.0, momentum=0.0, grad_avg=None,
                   momentum_buffer=None):  # fmt: skip
    r"""One step of RMSprop, returning new arrays.

    The decay :math:`\beta` is ``alpha`` here, as in ``torch.optim.RMSprop``:

    .. math::

        g_t &\leftarrow g_t + \omega\,\theta_{t-1} \quad (\text{only if } \omega > 0)\\
        v_t &= \beta v_{t-1} + (1 - \beta) g_t^2\\
        m_t &= \beta m_{t-1} + (1 - \beta) g_t \quad \text{(centered only)}\\
        \text{denominator} &= \sqrt{v_t - m_t^2} + \epsilon \ \text{(centered)}, \quad
               \sqrt{v_t} + \epsilon \ \text{(otherwise)}\\
        b_t &= \mu b_{t-1} + g_t / \text{denominator}, \quad
            \theta_t = \theta_{t-1} - \eta\, b_t \quad \text{(momentum)}, \quad\text{else}\quad
        \theta_t = \theta_{t-1} - \eta\, g_t / \text{denominator}

    There is no bias correction: :math:`v_1 = (1-\beta) g_1^2`, so the first step is
    :math:`1/\sqrt{1-\beta}` times the size it would have with :math:`v_1 = g_1^2`.

    Parameters
    ----------
    grad_avg : ndarray or None
        :math:`m_{t-1}` for the centered variant, else None.
    momentum_buffer : ndarray or None
        :math:`b_{t-1}` when ``momentum > 0``, else None.

    Returns
    -------
    theta, square_avg, grad_avg, momentum_buffer : ndarray (None where not used)

    Examples
    --------
    >>> import numpy as np
    >>> theta, *_ = rmsprop_update(
    ...     np.zeros(1), np.array([2.0]), np.zeros(1), lr=0.01, alpha=0.99)
    >>> np.round(theta / 0.01, 6)  # 1/sqrt(1 - 0.99) = 10 times lr
    array([-10.])
    """
    if weight_decay != 0:
        g = g + weight_decay * theta  # L2 penalty folded into the gradient
    # EMA of g^2, no bias correction
    square_avg = alpha * square_avg + (1 - alpha) * g**2
    if grad_avg is not None:
        # EMA of g, for the centered variant
        grad_avg = alpha * grad_avg + (1 - alpha) * g
        # estimated standard deviation
        denominator = np.sqrt(square_avg - grad_avg**2) + eps
    else:
        # estimated root mean square
        denominator = np.sqrt(square_avg) + eps
    if momentum_buffer is not None:
        momentum_buffer = momentum * momentum_buffer + g / denominator
        theta = theta - lr * momentum_buffer
    else:
        theta = theta - lr * g / denominator
    return theta, square_avg, grad_avg, momentum_buffer


class RMSprop(Optimizer):
    r"""RMSprop: each step divided by the root of a moving average of squared gradients.

    Same hyperparameters, defaults and update as ``torch.optim.RMSprop``: no bias correction, eps
    outside the square root, ``centered=True`` divides by an estimate of the standard deviation
    instead of the root mean square, and ``momentum > 0`` adds a buffer (starting at zero) of
    preconditioned gradients. The update is :func:`rmsprop_update`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 1e-2
        Step size :math:`\eta` (>= 0).
    alpha : float, default 0.99
        Decay :math:`\beta` of the moving averages, in [0, 1) (torch.optim's name; in the book
        :math:`\alpha` is Adam's step size).
    eps : float, default 1e-8
        :math:`\epsilon` (>= 0).
    weight_decay : float, default 0
        L2 coefficient :math:`\omega` (>= 0).
    momentum : float, default 0
        Momentum factor :math:`\mu` (>= 0).
    centered : bool, default False
        Divide by the centered second moment :math:`v_t - m_t^2`.

    Notes
    -----
    ======================  ======================  =========================================
    symbol                  attribute               meaning
    ======================  ======================  =========================================
    :math:`\theta_t`        ``params[i]``           parameters, updated in place
    :math:`t`               ``t``                   steps taken so far
    :math:`\eta`            ``lr``                  step size
    :math:`\beta`           ``alpha``               decay of the moving averages
    :math:`\epsilon`        ``eps``                 added to the denominator
    :math:`\omega`          ``weight_decay``        L2 coefficient
    :math:`\mu`             ``momentum``            momentum factor
    :math:`v_t`             ``square_avg[i]``       moving average of :math:`g^2`
    :math:`m_t`             ``grad_avg[i]``         moving average of :math:`g` (centered only)
    :math:`b_t`             ``momentum_buffer[i]``  momentum buffer (momentum > 0 only)
    ======================  ======================  =========================================

    References
    ----------
    - T. Tieleman and G. Hinton, Lecture 6.5 of "Neural Networks for Machine Learning",
      Coursera, 2012.
    - ``torch.optim.RMSprop``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([0.0])
    >>> opt = adamlib.RMSprop(x, lr=0.01)
    >>> opt.step(np.array([2.0]))
    >>> np.round(x, 6)
    array([-0.1])
    """

    hyperparameter_names = (
        "lr", "alpha", "eps", "weight_decay", "momentum", "centered",
    )  # fmt: skip

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.weight_decay, self.momentum, self.centered = (
            weight_decay, momentum, centered
        )  # fmt: skip
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        check_unit_interval("alpha", self.alpha)
        check_nonnegative("eps", self.eps)
        check_nonnegative("weight_decay", self.weight_decay)
        check_nonnegative("momentum", self.momentum)
        check_flag("centered", self.centered)

    def initial_state_names(self) -> tuple[str, ...]:
        names = ("square_avg",)
        if self.centered:
            names += ("grad_avg",)
        if self.momentum != 0:
            names += ("momentum_buffer",)
        return names

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.rmsprop_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        theta, self.square_avg[index], grad_avg, buffer = rmsprop_update(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False),
            self.square_avg[index], lr=self.lr, alpha=self.alpha, eps=self.eps,
            weight_decay=self.weight_decay, momentum=self.momentum,
            grad_avg=self.grad_avg[index] if self.centered else None,
            momentum_buffer=(
                self.momentum_buffer[index] if self.momentum != 0 else None
            ),
        )  # fmt: skip
        if self.centered:
            self.grad_avg[index] = grad_avg
        if self.momentum != 0:
            self.momentum_buffer[index] = buffer
        param[...] = theta
