"""AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .adam import Adam, adam_update


def adamw_update(theta, g, m, v, t, *, lr, beta1, beta2, eps, weight_decay,
                 v_max=None):  # fmt: skip
    r"""One step of AdamW, returning new arrays.

    .. math::

        \theta &\leftarrow \theta_{t-1} (1 - \alpha\omega)
            \quad\text{(decoupled decay, scaled by the learning rate)}\\
        \theta_t &= \theta - \alpha\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
            \quad\text{(the Adam step of } \texttt{adam\_update} \text{ with no L2 term)}

    :math:`\omega` is ``weight_decay`` (the papers write :math:`\lambda`). Loshchilov and Hutter
    write the decay as :math:`\tau_t \omega_{\mathrm{LH}} \theta`, with a schedule multiplier
    :math:`\tau_t` (their :math:`\eta_t`) and not multiplied by :math:`\alpha`; PyTorch and optax
    multiply it by the learning rate instead, and so does this. With the learning rate set to
    :math:`\alpha\tau_t` the two give the same iterates when
    :math:`\omega_{\mathrm{LH}} = \alpha\omega` (chapter 10).

    Examples
    --------
    With a zero gradient only the decay acts on the first step (Adam's step is 0/(0 + eps) = 0):

    >>> import numpy as np
    >>> theta, *_ = adamw_update(
    ...     np.array([1.0]), np.array([0.0]), np.zeros(1), np.zeros(1), 1,
    ...     lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.5)
    >>> theta
    array([0.95])
    """
    theta = theta * (1 - lr * weight_decay)  # decoupled weight decay
    return adam_update(
        theta, g, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps, v_max=v_max
    )


class AdamW(Adam):
    r"""AdamW: Adam whose weight decay shrinks the parameters directly instead of the gradient.

    Same hyperparameters, defaults and update as ``torch.optim.AdamW``: before the Adam step the
    parameters are multiplied by :math:`1 - \alpha\omega`; the decay never passes through the
    preconditioner :math:`1/(\sqrt{\hat v_t} + \epsilon)`. The update is :func:`adamw_update`.

    Parameters
    ----------
    params : ndarray or list of ndarray
        Float arrays, updated in place (float16 computed in float32).
    lr : float, default 1e-3
        Step size :math:`\alpha`.
    betas : (float, float), default (0.9, 0.999)
        :math:`\beta_1, \beta_2`, each in [0, 1).
    eps : float, default 1e-8
        :math:`\epsilon`.
    weight_decay : float, default 1e-2
        Decoupled decay coefficient :math:`\omega` (>= 0; the papers' :math:`\lambda`).
    amsgrad : bool, default False
        Use AMSGrad's running maximum of :math:`v_t`.

    Notes
    -----
    ======================  ==================  =============================================
    symbol                  attribute           meaning
    ======================  ==================  =============================================
    :math:`\theta_t`        ``params[i]``       parameters, updated in place
    :math:`t`               ``t``               steps taken so far
    :math:`\alpha`          ``lr``              step size
    :math:`\beta_1`         ``betas[0]``        decay of the first moment estimate
    :math:`\beta_2`         ``betas[1]``        decay of the second raw moment estimate
    :math:`\epsilon`        ``eps``             added to the denominator
    :math:`\omega`          ``weight_decay``    decoupled decay coefficient
    :math:`m_t`             ``m[i]``            biased first moment estimate
    :math:`v_t`             ``v[i]``            biased second raw moment estimate
    :math:`v^{\max}_t`      ``v_max[i]``        running maximum of :math:`v_t` (AMSGrad only)
    ======================  ==================  =============================================

    References
    ----------
    - I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
      Algorithm 2 (with the decay multiplied by the schedule multiplier, not the learning
      rate).
    - ``torch.optim.AdamW``, PyTorch documentation.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([1.0, 1.0])
    >>> opt = adamlib.AdamW(x, lr=0.1, weight_decay=0.5)
    >>> opt.step(np.zeros(2))
    >>> x
    array([0.95, 0.95])
    """

    def __init__(
        self,
        params: np.ndarray | Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def update_rule(self, theta, g, m, v, t, v_max):
        beta1, beta2 = self.betas
        return adamw_update(
            theta, g, m, v, t, lr=self.lr, beta1=beta1, beta2=beta2,
            eps=self.eps, weight_decay=self.weight_decay, v_max=v_max,
        )  # fmt: skip
