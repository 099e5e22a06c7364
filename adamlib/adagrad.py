"""Adagrad (Duchi, Hazan and Singer, 2011), as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _kernels
from ._validation import check_nonnegative
from .optimizer import Optimizer, compute_dtype


def adagrad_update(theta, g, sum_sq, t, *, lr, lr_decay=0.0, weight_decay=0.0,
                   eps=1e-10):  # fmt: skip
    r"""One step of Adagrad, returning new arrays.

    .. math::

        g_t &\leftarrow g_t + \omega\theta_{t-1} \quad (\text{only if } \omega > 0)\\
        \eta_t &= \eta / (1 + (t - 1)\,\mathrm{lr\_decay})\\
        s_t &= s_{t-1} + g_t^2\\
        \theta_t &= \theta_{t-1} - \eta_t\, g_t / (\sqrt{s_t} + \epsilon)

    Each coordinate's effective step size :math:`\eta_t / (\sqrt{s_t} + \epsilon)` never grows:
    :math:`s_t` never decreases.

    Returns
    -------
    theta, sum_sq : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> theta, s = adagrad_update(
    ...     np.zeros(2), np.array([3.0, -0.5]), np.zeros(2), 1, lr=0.1)
    >>> np.round(theta, 8)
    array([-0.1,  0.1])
    """
    if weight_decay != 0:
        g = g + weight_decay * theta  # L2 penalty folded into the gradient
    lr_t = lr / (1 + (t - 1) * lr_decay)  # optional decay of the global step
    sum_sq = sum_sq + g**2  # every squared gradient so far, never forgotten
    theta = theta - lr_t * g / (np.sqrt(sum_sq) + eps)
    return theta, sum_sq


class Adagrad(Optimizer):
    r"""Adagrad: each coordinate's step divided by the root of the sum of its squared gradients.

    Same hyperparameters, defaults and update as ``torch.optim.Adagrad`` (eps outside the square
    root). The update is :func:`adagrad_update`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 1e-2
        Step size :math:`\eta` (>= 0).
    lr_decay : float, default 0
        Decay of the step size (>= 0): step :math:`t` uses
        :math:`\eta_t = \eta / (1 + (t-1)\,\mathrm{lr\_decay})`.
    weight_decay : float, default 0
        L2 coefficient :math:`\omega` (>= 0).
    initial_accumulator_value : float, default 0
        Starting value of every entry of :math:`s` (>= 0).
    eps : float, default 1e-10
        :math:`\epsilon` (>= 0), added to :math:`\sqrt{s_t}`.

    Notes
    -----
    ======================  ==============================  =================================
    symbol                  attribute                       meaning
    ======================  ==============================  =================================
    :math:`\theta_t`        ``params[i]``                   parameters, updated in place
    :math:`t`               ``t``                           steps taken so far
    :math:`\eta`            ``lr``                          step size
    :math:`\eta_t`          ``lr / (1 + (t-1) lr_decay)``   step size at step :math:`t`
    :math:`\omega`          ``weight_decay``                L2 coefficient
    :math:`s_0`             ``initial_accumulator_value``   starting value of :math:`s`
    :math:`\epsilon`        ``eps``                         added to the denominator
    :math:`s_t`             ``sum_sq[i]``                   sum of squared gradients
    ======================  ==============================  =================================

    References
    ----------
    - J. Duchi, E. Hazan and Y. Singer, "Adaptive Subgradient Methods for Online Learning
      and Stochastic Optimization", JMLR 12, 2011.
    - ``torch.optim.Adagrad``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([1.0, -1.0])
    >>> opt = adamlib.Adagrad(x, lr=0.5)
    >>> opt.step(np.array([10.0, -0.1]))
    >>> x
    array([ 0.5, -0.5])
    """

    hyperparameter_names = (
        "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps",
    )  # fmt: skip

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        self.lr, self.lr_decay, self.weight_decay = lr, lr_decay, weight_decay
        self.initial_accumulator_value, self.eps = (
            initial_accumulator_value, eps
        )  # fmt: skip
        super().__init__(params)

    def check_hyperparameters(self) -> None:
        check_nonnegative("learning rate lr", self.lr)
        check_nonnegative("lr_decay", self.lr_decay)
        check_nonnegative("weight_decay", self.weight_decay)
        check_nonnegative(
            "initial_accumulator_value", self.initial_accumulator_value
        )  # fmt: skip
        check_nonnegative("eps", self.eps)

    def initial_state_names(self) -> tuple[str, ...]:
        return ("sum_sq",)

    def initial_state(self, name: str, param: np.ndarray) -> np.ndarray:
        return np.full(
            param.shape,
            self.initial_accumulator_value,
            dtype=compute_dtype(param),
        )

    def update_parameter(
        self,
        index: int,
        param: np.ndarray,
        grad: np.ndarray,
        t: int,
    ) -> None:
        if _kernels.adagrad_step(self, index, param, grad, t):
            return  # the same numbers, in place
        dtype = compute_dtype(param)
        theta, self.sum_sq[index] = adagrad_update(
            param.astype(dtype, copy=False), grad.astype(dtype, copy=False),
            self.sum_sq[index], t, lr=self.lr, lr_decay=self.lr_decay,
            weight_decay=self.weight_decay, eps=self.eps,
        )  # fmt: skip
        param[...] = theta
