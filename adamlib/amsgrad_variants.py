r"""The AMSGrad of the paper and the AMSGrad of optax, next to PyTorch's (chapter 09).

AMSGrad (Reddi, Kale and Kumar, 2018) divides Adam's step by the root of a running maximum of the
second-moment estimate, so the divisor can never shrink. Three versions are in use, and they give
different numbers. All three keep the same two moving averages as Adam,
:math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t` and
:math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2` from :math:`m_0 = v_0 = 0`, and differ in what
they take the maximum of and what they bias-correct:

- the paper: :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)` and the step
  :math:`\alpha\, m_t/(\sqrt{v^{\max}_t} + \epsilon)`, no bias correction at all;
- PyTorch (and adamlib): the same :math:`v^{\max}_t`, and the step
  :math:`\alpha\,\hat m_t/(\sqrt{v^{\max}_t/(1-\beta_2^t)} + \epsilon)`;
- optax: :math:`\hat v^{\max}_t = \max(\hat v^{\max}_{t-1}, \hat v_t)`, the maximum of the
  *corrected* estimates, and the step :math:`\alpha\,\hat m_t/(\sqrt{\hat v^{\max}_t} + \epsilon)`;

with :math:`\hat m_t = m_t/(1-\beta_1^t)` and :math:`\hat v_t = v_t/(1-\beta_2^t)`. The paper's
Algorithm 2 has no :math:`\epsilon` (pass ``eps=0``) and allows a step size :math:`\alpha_t` that
changes with :math:`t` (pass ``lr=alpha_t``). PyTorch's version is :func:`adamlib.adam_update`
with ``v_max`` (``adamlib.Adam(..., amsgrad=True)``); this module writes the other two, in numpy,
each as one update function that returns new arrays, so the chapter can run all three on the
same gradients. The course does not depend on jax: :func:`amsgrad_optax_update` is written from
optax's source, and ``tests/test_against_optax.py`` compares it with optax where optax is
installed.

References
----------
- S. J. Reddi, S. Kale and S. Kumar, "On the Convergence of Adam and Beyond", ICLR 2018,
  section 4, Algorithm 2 (AMSGrad, no bias correction; footnote 1 of section 2 says the paper
  drops Adam's debiasing step for simplicity).
- ``torch.optim.Adam(amsgrad=True)``: the maximum of the uncorrected :math:`v_t`, divided by
  :math:`1 - \beta_2^t`.
- ``optax.scale_by_amsgrad`` (``optax/_src/transform.py``): ``nu_max`` is the maximum of the
  bias-corrected ``nu_hat``; the update is ``mu_hat / (sqrt(nu_max + eps_root) + eps)``, scaled by
  ``-learning_rate`` in ``optax.amsgrad``. Since optax 0.2.7 it takes ``bias_correction_mu`` and
  ``bias_correction_nu`` (both True by default); setting both False gives the paper's version
  (with optax's ``eps``).

Examples
--------
On a first step all three versions move each coordinate by about ``lr`` against its gradient's
sign, except the paper's, which has no bias correction and moves by
``lr (1 - beta1) / sqrt(1 - beta2)``:

>>> import numpy as np
>>> zeros = np.zeros(2)
>>> g = np.array([2.0, -0.5])
>>> theta, *_ = amsgrad_paper_update(zeros, g, zeros, zeros, zeros, 1,
...                                  lr=0.1, beta1=0.9, beta2=0.99, eps=0.0)
>>> np.round(theta, 6)
array([-0.1,  0.1])
>>> theta, *_ = amsgrad_optax_update(zeros, g, zeros, zeros, zeros, 1,
...                                  lr=0.1, beta1=0.9, beta2=0.99, eps=0.0)
>>> np.round(theta, 6)
array([-0.1,  0.1])

(With ``beta2 = 0.99`` the paper's first step happens to be exactly ``lr``: ``0.1 / 0.1 = 1``.)
"""

from __future__ import annotations

import numpy as np

__all__ = ["amsgrad_optax_update", "amsgrad_paper_update"]


def amsgrad_paper_update(theta, g, m, v, v_max, t, *, lr, beta1, beta2,
                         eps=0.0):  # fmt: skip
    r"""One step of AMSGrad as in the paper (Algorithm 2), returning new arrays.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2\\
        v^{\max}_t &= \max(v^{\max}_{t-1}, v_t)\\
        \theta_t &= \theta_{t-1} - \alpha_t\, m_t / (\sqrt{v^{\max}_t} + \epsilon)

    No bias correction of :math:`m_t` or :math:`v_t`. The paper has no :math:`\epsilon`
    (``eps=0``, the default) and a constant :math:`\beta_1` in practice (its theory lets
    :math:`\beta_1` decrease with :math:`t`: pass the current value). Its projection onto the
    feasible set is the caller's: in one dimension, ``np.clip``.

    Parameters
    ----------
    theta, g, m, v, v_max : ndarray
        :math:`\theta_{t-1}`, :math:`g_t`, :math:`m_{t-1}`, :math:`v_{t-1}` and
        :math:`v^{\max}_{t-1}` (the paper's :math:`\hat v_{t-1}`), all of one shape; zeros at
        :math:`t = 1`.
    t : int
        The step number, counted from 1 (unused: the paper's version has no bias correction; kept
        so that the three versions share a signature).
    lr, beta1, beta2, eps : float
        :math:`\alpha_t`, :math:`\beta_1`, :math:`\beta_2`, :math:`\epsilon`.

    Returns
    -------
    theta, m, v, v_max : ndarray

    Examples
    --------
    A small gradient after a large one: the maximum keeps the large one's :math:`v`, so the step
    is small, where Adam's would be large:

    >>> import numpy as np
    >>> theta, m, v, v_max = np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1)
    >>> for t, gradient in enumerate([10.0, 0.1], start=1):
    ...     theta, m, v, v_max = amsgrad_paper_update(
    ...         theta, np.array([gradient]), m, v, v_max, t,
    ...         lr=1.0, beta1=0.0, beta2=0.5)
    >>> np.round(v, 4), np.round(v_max, 4)
    (array([25.005]), array([50.]))
    """
    del t  # no bias correction in the paper's version
    m = beta1 * m + (1 - beta1) * g  # first moment estimate, not corrected
    v = beta2 * v + (1 - beta2) * g**2  # second raw moment, not corrected
    v_max = np.maximum(v_max, v)  # the paper's v-hat: never decreases
    theta = theta - lr * m / (np.sqrt(v_max) + eps)
    return theta, m, v, v_max


def amsgrad_optax_update(theta, g, m, v, v_hat_max, t, *, lr, beta1, beta2,
                         eps=1e-8, eps_root=0.0):  # fmt: skip
    r"""One step of AMSGrad as ``optax.amsgrad`` computes it, returning new arrays.

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        \hat m_t = m_t / (1 - \beta_1^t)\\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
        \hat v_t = v_t / (1 - \beta_2^t)\\
        \hat v^{\max}_t &= \max(\hat v^{\max}_{t-1}, \hat v_t)\\
        \theta_t &= \theta_{t-1} - \alpha\, \hat m_t / (\sqrt{\hat v^{\max}_t + \epsilon_{\rm root}}
        + \epsilon)

    The maximum is taken *after* bias correction (PyTorch takes it before and divides the maximum
    by :math:`1-\beta_2^t`). This is optax's ``scale_by_amsgrad`` (state ``mu``, ``nu``,
    ``nu_max``, ``count``) followed by ``scale_by_learning_rate``, with its defaults
    ``bias_correction_mu = bias_correction_nu = True``.

    Parameters
    ----------
    theta, g, m, v, v_hat_max : ndarray
        :math:`\theta_{t-1}`, :math:`g_t`, :math:`m_{t-1}`, :math:`v_{t-1}` and
        :math:`\hat v^{\max}_{t-1}` (optax's ``nu_max``), all of one shape; zeros at
        :math:`t = 1`.
    t : int
        The step number, counted from 1 (optax's ``count`` after its increment).
    lr, beta1, beta2, eps, eps_root : float
        :math:`\alpha`, :math:`\beta_1`, :math:`\beta_2`, :math:`\epsilon` (added after the
        square root) and :math:`\epsilon_{\rm root}` (added inside it; optax's default 0).

    Returns
    -------
    theta, m, v, v_hat_max : ndarray

    Examples
    --------
    The maximum holds the *corrected* first estimate, :math:`\hat v_1 = g_1^2`, at full weight;
    PyTorch's holds :math:`v_1 = (1-\beta_2) g_1^2`:

    >>> import numpy as np
    >>> zeros = np.zeros(1)
    >>> theta, m, v, v_hat_max = amsgrad_optax_update(
    ...     zeros, np.array([3.0]), zeros, zeros, zeros, 1,
    ...     lr=0.1, beta1=0.9, beta2=0.99)
    >>> float(v_hat_max[0]), round(float(v[0]), 4)
    (9.0, 0.09)
    """
    m = beta1 * m + (1 - beta1) * g  # optax's mu
    v = beta2 * v + (1 - beta2) * g**2  # optax's nu
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    v_hat_max = np.maximum(v_hat_max, v_hat)  # optax's nu_max: corrected v
    theta = theta - lr * m_hat / (np.sqrt(v_hat_max + eps_root) + eps)
    return theta, m, v, v_hat_max
