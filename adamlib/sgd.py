"""Stochastic gradient descent with optional momentum and Nesterov momentum, as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_flag, check_finite, check_nonnegative
from .optimizer import Optimizer, compute_dtype


def sgd_update(theta, g, b, t, *, lr, momentum=0.0, dampening=0.0,
               weight_decay=0.0, nesterov=False):  # fmt: skip
    r"""One step of SGD (with momentum when ``momentum > 0``), returning new arrays.

    .. math::

        g_t &\leftarrow g_t + \omega\theta_{t-1} \quad (\text{only if } \omega > 0)\\
        b_t &= \begin{cases} g_t & t = 1\\
                \mu b_{t-1} + (1 - \text{dampening})\, g_t & t > 1 \end{cases}\\
        \theta_t &= \begin{cases} \theta_{t-1} - \eta\,(g_t + \mu b_t) & \text{Nesterov}\\
                \theta_{t-1} - \eta\, b_t & \text{otherwise}\end{cases}

    With ``momentum = 0`` there is no buffer (pass ``b = None``) and
    :math:`\theta_t = \theta_{t-1} - \eta g_t`.

    Returns
    -------
    theta, b : ndarray (b None when momentum is 0)

    Examples
    --------
    >>> import numpy as np
    >>> theta, b = sgd_update(np.array([1.0]), np.array([0.5]), None, 1, lr=0.1)
    >>> theta
    array([0.95])
    """
    if weight_decay != 0:
        g = g + weight_decay * theta  # L2 penalty folded into the gradient
    if momentum != 0:
        if t == 1:
            b = g.copy()  # the buffer starts at the first gradient (PyTorch)
        else:
            b = momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b
    theta = theta - lr * g
    return theta, b


class SGD(Optimizer):
    r"""Stochastic gradient descent, with heavy-ball or Nesterov momentum.

    Same hyperparameters, defaults and update as ``torch.optim.SGD`` (except that ``lr`` has a
    default, 1e-3, as in recent PyTorch). The update is :func:`sgd_update`. The momentum buffer
    follows PyTorch's convention :math:`b_t = \mu b_{t-1} + g_t` (with ``dampening = 0``), which
    gives the same iterates as the moving average :math:`m_t = \mu m_{t-1} + (1-\mu) g_t`,
    :math:`m_0 = 0`, stepped with the learning rate :math:`\eta/(1-\mu)`; chapter 04 proves it.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 1e-3
        Step size :math:`\eta` (>= 0).
    momentum : float, default 0
        Momentum factor :math:`\mu` (>= 0).
    dampening : float, default 0
        Dampening of the gradient in the buffer, which adds :math:`(1 - \text{dampening})\, g_t`.
    weight_decay : float, default 0
        L2 coefficient :math:`\omega` (>= 0).
    nesterov : bool, default False
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening = 0``).

    Notes
    -----
    ======================  ======================  =========================================
    symbol                  attribute               meaning
    ======================  ======================  =========================================
    :math:`\theta_t`        ``params[i]``           parameters, updated in place
    :math:`t`               ``t``                   steps taken so far
    :math:`\eta`            ``lr``                  step size
    :math:`\mu`             ``momentum``            momentum factor
    (none)                  ``dampening``           dampening of the gradient in the buffer
    :math:`\omega`          ``weight_decay``        L2 coefficient
    :math:`b_t`             ``momentum_buffer[i]``  momentum buffer (only when ``momentum > 0``)
    ======================  ======================  =========================================

    References
    ----------
    - H. Robbins and S. Monro, "A Stochastic Approximation Method", 1951.
    - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
    - I. Sutskever, J. Martens, G. Dahl and G. Hinton, "On the importance of initialization
      and momentum in deep learning", ICML 2013.
    - ``torch.optim.SGD``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([1.0, -2.0])
    >>> opt = adamlib.SGD(x, lr=0.1)
    >>> opt.step(2 * x)
    >>> x
    array([ 0.8, -1.6])
    """

    hyperparameter_names = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        check_nonnegative("momentum", self.momentum)
        check_finite("dampening", self.dampening)
        check_nonnegative("weight_decay", self.weight_decay)
        check_flag("nesterov", self.nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"Invalid nesterov=True with momentum={self.momentum!r} and "
                f"dampening={self.dampening!r}: Nesterov momentum needs momentum > 0 and "
                "dampening = 0"
            )

    def initial_state_names(self) -> tuple[str, ...]:
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.sgd_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        buffer = self.momentum_buffer[index] if self.momentum != 0 else None
        theta, buffer = sgd_update(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False), buffer, t,
            lr=self.lr, momentum=self.momentum, dampening=self.dampening,
            weight_decay=self.weight_decay, nesterov=self.nesterov,
        )  # fmt: skip
        if self.momentum != 0:
            self.momentum_buffer[index] = buffer
        param[...] = theta
