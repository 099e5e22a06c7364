r"""Exponential moving averages, the building block of momentum, RMSprop and Adam.

The exponential moving average (EMA) of a stream :math:`g_1, g_2, \dots` with decay rate
:math:`\beta \in [0, 1)` starts from :math:`m_0` and follows

.. math::

    m_t = \beta\, m_{t-1} + (1 - \beta)\, g_t
        = \beta^t m_0 + (1 - \beta) \sum_{i=1}^{t} \beta^{t-i} g_i .

Started from :math:`m_0 = 0`, as Adam's two moment estimates are, the weights sum to
:math:`1 - \beta^t` rather than 1, so :math:`m_t` is biased toward zero; dividing by
:math:`1 - \beta^t` removes the bias (Kingma and Ba, section 3). This module is the numerical
reference the chapter on moving averages and its exercise checkers use; the derivations are in
:mod:`adamlib.symbolic.ema`.

=====================  ===================  ==================================================
symbol                 name                 meaning
=====================  ===================  ==================================================
:math:`g_t`            ``samples[t - 1]``   the stream (time along the first axis)
:math:`\beta`          ``beta``             decay rate, in [0, 1)
:math:`m_0`            ``m0``               starting value (0 in Adam)
:math:`m_t`            ``ema(...)[t - 1]``  the moving average after sample :math:`t`
:math:`\hat m_t`       ``bias_corrected``   :math:`m_t / (1 - \beta^t)`
=====================  ===================  ==================================================

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1
  and section 3.

>>> import numpy as np
>>> np.round(ema(np.ones(3), 0.9), 3)       # biased toward the starting value 0
array([0.1  , 0.19 , 0.271])
>>> np.round(bias_corrected_ema(np.ones(3), 0.9), 12)
array([1., 1., 1.])
"""

from __future__ import annotations

import numpy as np

from ._validation import check_unit_interval

__all__ = [
    "bias_correct",
    "bias_corrected_ema",
    "effective_window",
    "ema",
    "ema_weights",
    "half_life",
]


def ema(
    samples: np.ndarray,
    beta: float,
    m0: float | np.ndarray = 0.0,
) -> np.ndarray:
    r"""The exponential moving average :math:`m_1, \dots, m_T` of a stream, started at ``m0``.

    .. math::

        m_t = \beta\, m_{t-1} + (1 - \beta)\, g_t, \qquad t = 1, \dots, T.

    Parameters
    ----------
    samples : array_like, shape (T, ...)
        The stream :math:`g_1, \dots, g_T` along the first axis; any further axes are
        independent streams (or coordinates of a parameter) averaged side by side.
    beta : float
        Decay rate :math:`\beta` in [0, 1): the weight kept by the previous average.
    m0 : float or array_like, default 0
        Starting value :math:`m_0`, broadcast to the shape of one sample. Adam uses 0;
        ``m0=samples[0]`` gives the "start from the first sample" variant, :math:`m_1 = g_1`.

    Returns
    -------
    ndarray, shape (T, ...), float64
        ``result[t - 1]`` is :math:`m_t`.

    Examples
    --------
    >>> import numpy as np
    >>> ema(np.array([1.0, 2.0, 3.0]), 0.5)
    array([0.5  , 1.25 , 2.125])
    >>> ema(np.array([1.0, 2.0, 3.0]), 0.5, m0=1.0)     # m_1 = g_1
    array([1.   , 1.5  , 2.25])
    >>> ema(np.ones((2, 3)), 0.5).shape                 # three streams side by side
    (2, 3)
    """
    beta = check_unit_interval("beta", beta)
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim == 0:
        raise ValueError("samples must have a leading time axis (got a scalar)")
    m = np.broadcast_to(
        np.asarray(m0, dtype=np.float64), samples.shape[1:]
    ).copy()  # fmt: skip
    path = np.empty_like(samples)
    for step, g in enumerate(samples):
        m = beta * m + (1 - beta) * g  # the same line as in adam_update
        path[step] = m
    return path


def bias_correct(
    m: np.ndarray | float,
    beta: float,
    t: np.ndarray | int,
) -> np.ndarray | float:
    r"""Remove the bias of a zero-started EMA: :math:`\hat m_t = m_t / (1 - \beta^t)`.

    Parameters
    ----------
    m : float or ndarray
        The moving average :math:`m_t`, started at :math:`m_0 = 0`.
    beta : float
        Its decay rate :math:`\beta` in [0, 1).
    t : int or ndarray of int
        The number of samples averaged, counted from 1 (broadcast against ``m``).

    Examples
    --------
    >>> round(bias_correct(0.1, 0.9, 1), 12)     # after one sample, m_1 = 0.1 g_1
    1.0
    """
    beta = check_unit_interval("beta", beta)
    if np.any(np.asarray(t) < 1):
        raise ValueError(f"Invalid t: {t!r} (steps are counted from 1)")
    return m / (1 - beta**t)  # the same line as in adam_update


def bias_corrected_ema(samples: np.ndarray, beta: float) -> np.ndarray:
    r"""The bias-corrected moving average :math:`\hat m_t = m_t / (1 - \beta^t)`, for every t.

    :math:`m_t` is :func:`ema` started at :math:`m_0 = 0`. The corrected weights
    :math:`(1 - \beta)\beta^{t-i} / (1 - \beta^t)` sum to 1, so :math:`\hat m_t` is an unbiased
    estimate of the mean of a stationary stream from the very first sample.

    Parameters
    ----------
    samples : array_like, shape (T, ...)
        The stream along the first axis.
    beta : float
        Decay rate :math:`\beta` in [0, 1).

    Returns
    -------
    ndarray, shape (T, ...), float64

    Examples
    --------
    >>> import numpy as np
    >>> # (0.5 * 4) / (1 - 0.5), then 1 / 0.75
    >>> bias_corrected_ema(np.array([4.0, 0.0]), 0.5)
    array([4.        , 1.33333333])
    """
    path = ema(samples, beta)
    t = np.arange(1, path.shape[0] + 1).reshape((-1,) + (1,) * (path.ndim - 1))
    return bias_correct(path, beta, t)


def ema_weights(beta: float, t: int) -> np.ndarray:
    r"""The weights :math:`w_i = (1 - \beta)\beta^{t-i}` of :math:`g_1, \dots, g_t` in :math:`m_t`.

    With :math:`m_0 = 0`, :math:`m_t = \sum_i w_i g_i`. The oldest sample comes first.

    Examples
    --------
    >>> ema_weights(0.5, 3)
    array([0.125, 0.25 , 0.5  ])
    """
    beta = check_unit_interval("beta", beta)
    if not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"Invalid t: {t!r} (must be an integer >= 0)")
    return (1 - beta) * beta ** (t - np.arange(1, t + 1, dtype=np.float64))


def effective_window(beta: float | np.ndarray) -> float | np.ndarray:
    r"""The effective window :math:`1 / (1 - \beta)`: the mean age of a sample in the average.

    Counting the newest sample as age 1, the weights :math:`(1 - \beta)\beta^{k-1}` of ages
    :math:`k = 1, 2, \dots` have mean :math:`1 / (1 - \beta)` (derived in
    :func:`adamlib.symbolic.ema.effective_window`); it is also the reciprocal of the newest
    sample's weight.

    Examples
    --------
    >>> round(effective_window(0.9), 9), round(effective_window(0.999), 9)
    (10.0, 1000.0)
    """
    beta = _check_betas(beta, allow_zero=True)
    return _scalar_or_array(1.0 / (1.0 - beta))


def half_life(beta: float | np.ndarray) -> float | np.ndarray:
    r"""The half-life :math:`\ln(1/2) / \ln\beta`: the steps over which a weight halves.

    The weight of a sample shrinks by the factor :math:`\beta` per step, so after
    :math:`h = \ln(1/2)/\ln\beta` steps it is half what it was; equally, in the long run the
    newest :math:`h` samples carry half of the total weight. Not an integer in general.

    Examples
    --------
    >>> (round(half_life(0.5), 12),
    ...  round(half_life(0.9), 4),
    ...  round(half_life(0.999), 1))
    (1.0, 6.5788, 692.8)
    """
    beta = _check_betas(beta, allow_zero=False)
    return _scalar_or_array(np.log(0.5) / np.log(beta))


def _check_betas(beta: float | np.ndarray, *, allow_zero: bool) -> np.ndarray:
    values = np.asarray(beta, dtype=np.float64)
    low_ok = values >= 0 if allow_zero else values > 0
    if not np.all(low_ok & (values < 1)):
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"Invalid beta: {beta!r} (must be in {interval})")
    return values


def _scalar_or_array(values: np.ndarray) -> float | np.ndarray:
    return float(values) if values.ndim == 0 else values
