r"""Learning-rate schedules: the step size of step :math:`t`, for every optimizer.

A schedule is a small callable, ``lr_t = schedule(t)``, giving the learning rate that step
:math:`t` uses, with :math:`t = 1, 2, \dots` counted as everywhere in this book: step :math:`t`
takes the gradient :math:`g_t` and produces :math:`\theta_t` from :math:`\theta_{t-1}`, so
``schedule(1)`` is the rate of the very first step. (PyTorch's schedulers count the steps taken
so far, from 0: their epoch or step ``k`` is our :math:`t = k + 1`.) ``schedule(t)`` also takes an
integer array of steps and returns an array, which is what a plot needs; ``schedule.values(T)``
gives :math:`\eta_1, \dots, \eta_T`.

The building blocks, each a formula in :math:`t` (:math:`\eta` is ``lr``):

- ``constant(lr)``: :math:`\eta_t = \eta`;
- ``step_decay(lr, every, factor)``:
  :math:`\eta\,\text{factor}^{\lfloor (t-1)/\text{every}\rfloor}`;
- ``exponential(lr, gamma)``: :math:`\eta\,\gamma^{t-1}`;
- ``inverse_sqrt(lr)``: :math:`\eta/\sqrt t` (Kingma and Ba, section 6.1);
- ``cosine(lr, total_steps, final)``:
  :math:`\eta_{\rm f} + (\eta-\eta_{\rm f})\,\tfrac12\bigl(1+\cos(\pi \min(t-1, T)/T)\bigr)`;
- ``linear_warmup(s, warmup_steps)``: :math:`s(t)\,\min(1, t/T_{\rm w})`;
- ``join([s_1, s_2, ...], [b_1, ...])``: :math:`s_k(t - b_{k-1})` for
  :math:`b_{k-1} < t \le b_k`;
- ``warmup_cosine(lr, warmup_steps, total_steps, final)``: a linear warm-up to :math:`\eta` over
  :math:`T_{\rm w}` steps, then a cosine.

Schedules compose: ``linear_warmup`` takes a schedule (or a number, for a constant rate), and
``join`` runs schedules one after the other, each counting its own steps from 1.

To use a schedule with any optimizer of adamlib, set the optimizer's ``lr`` before each step,
``opt.lr = schedule(opt.t + 1)`` (:func:`set_lr` does exactly that), or wrap the optimizer in
:class:`Scheduled`, whose ``step`` does it and then steps. Either way the run is the same, bit for
bit, as one that sets ``lr`` by hand. What the optimizer does with its ``lr`` is its own: AdamW
multiplies its decoupled weight decay by ``lr`` too (as PyTorch does), and Adagrad's ``lr_decay``
still divides the scheduled rate by ``1 + (t - 1) * lr_decay``.

References
----------
- D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, section 6.1
  (:math:`\alpha_t = \alpha/\sqrt t`).
- I. Loshchilov and F. Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017
  (the cosine schedule).
- P. Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", 2017
  (linear warm-up).
- ``torch.optim.lr_scheduler`` (StepLR, ExponentialLR, CosineAnnealingLR, SequentialLR) and
  optax's ``join_schedules``, whose conventions these follow with steps counted from 1.

Examples
--------
>>> import numpy as np, adamlib
>>> from adamlib import schedules
>>> s = schedules.warmup_cosine(0.1, warmup_steps=2, total_steps=6)
>>> np.round(s.values(7), 4)
array([0.05  , 0.1   , 0.1   , 0.0854, 0.05  , 0.0146, 0.    ])
>>> x = np.array([1.0])
>>> opt = schedules.Scheduled(adamlib.SGD(x, lr=0.0), s)
>>> opt.step(np.array([1.0]))  # step 1 uses s(1) = 0.05
>>> x
array([0.95])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._validation import check_nonnegative

__all__ = [
    "Schedule",
    "Scheduled",
    "constant",
    "cosine",
    "exponential",
    "inverse_sqrt",
    "join",
    "linear_warmup",
    "set_lr",
    "step_decay",
    "warmup_cosine",
]

Steps = int | np.ndarray


class Schedule:
    r"""A learning rate for every step: ``schedule(t)`` is :math:`\eta_t`, for :math:`t \ge 1`.

    Built by the functions of this module (:func:`constant`, :func:`cosine`, ...), each of which
    hands its formula to this class as ``rate``, a function of an integer array of steps.
    Calling the schedule checks the steps and returns a Python float for an int, an array of
    floats for an array.

    Parameters
    ----------
    rate : callable
        ``rate(t)`` for a 1-d int64 array ``t`` of steps, all >= 1, returning the rates as an
        array of the same shape.
    description : str
        How the schedule was made, for ``repr``.
    """

    def __init__(self, rate: Callable[[np.ndarray], np.ndarray], description: str) -> None:
        self.rate = rate
        self.description = description

    def __call__(self, t: Steps) -> float | np.ndarray:
        steps = _check_steps(t)
        rates = np.asarray(self.rate(steps.reshape(-1)), dtype=np.float64).reshape(steps.shape)
        return float(rates) if rates.ndim == 0 else rates

    def values(self, n_steps: int) -> np.ndarray:
        r"""The rates :math:`\eta_1, \dots, \eta_T` of the first ``n_steps`` steps, as an array."""
        _check_positive_int("n_steps", n_steps)
        return self(np.arange(1, n_steps + 1))

    def __repr__(self) -> str:
        return self.description


def constant(lr: float) -> Schedule:
    r"""The same rate at every step: :math:`\eta_t = \eta`.

    >>> constant(0.01)(1000)
    0.01
    """
    lr = check_nonnegative("lr", lr)

    def rate(t: np.ndarray) -> np.ndarray:
        return np.full(t.shape, lr)

    return Schedule(rate, f"constant({lr!r})")


def step_decay(lr: float, every: int, factor: float) -> Schedule:
    r"""Multiply the rate by ``factor`` every ``every`` steps (PyTorch's ``StepLR``).

    .. math:: \eta_t = \eta\,\text{factor}^{\lfloor (t - 1)/\text{every} \rfloor}

    Steps 1 to ``every`` use :math:`\eta`, the next ``every`` steps :math:`\eta\,\text{factor}`,
    and so on.

    >>> s = step_decay(1.0, every=2, factor=0.5)
    >>> s.values(6).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    lr = check_nonnegative("lr", lr)
    every = _check_positive_int("every", every)
    factor = _check_factor("factor", factor)

    def rate(t: np.ndarray) -> np.ndarray:
        return lr * factor ** ((t - 1) // every)

    return Schedule(rate, f"step_decay({lr!r}, every={every}, factor={factor!r})")


def exponential(lr: float, gamma: float) -> Schedule:
    r"""Multiply the rate by ``gamma`` after every step (PyTorch's ``ExponentialLR``).

    .. math:: \eta_t = \eta\,\gamma^{t - 1}

    >>> exponential(1.0, gamma=0.5).values(4).tolist()
    [1.0, 0.5, 0.25, 0.125]
    """
    lr = check_nonnegative("lr", lr)
    gamma = _check_factor("gamma", gamma)

    def rate(t: np.ndarray) -> np.ndarray:
        return lr * gamma ** (t - 1.0)

    return Schedule(rate, f"exponential({lr!r}, gamma={gamma!r})")


def inverse_sqrt(lr: float) -> Schedule:
    r"""The rate of Kingma and Ba's section 6.1 experiments: :math:`\eta_t = \eta/\sqrt{t}`.

    >>> inverse_sqrt(0.1)(4)
    0.05
    """
    lr = check_nonnegative("lr", lr)

    def rate(t: np.ndarray) -> np.ndarray:
        return lr / np.sqrt(t)

    return Schedule(rate, f"inverse_sqrt({lr!r})")


def cosine(lr: float, total_steps: int, final: float = 0.0) -> Schedule:
    r"""Half a cosine from ``lr`` down to ``final`` over ``total_steps`` steps, then ``final``.

    .. math::

        \eta_t = \eta_{\rm f} + (\eta - \eta_{\rm f})\,
                 \frac{1 + \cos\bigl(\pi \min(t - 1, T)/T\bigr)}{2}

    with :math:`T` = ``total_steps`` and :math:`\eta_{\rm f}` = ``final``: step 1 uses
    :math:`\eta`, step :math:`T + 1` and every later one :math:`\eta_{\rm f}`, as PyTorch's
    ``CosineAnnealingLR`` and optax's ``cosine_decay_schedule`` do (both count from 0). A run of
    exactly :math:`T` steps therefore ends one step short of :math:`\eta_{\rm f}`.

    >>> [round(cosine(1.0, total_steps=4)(t), 4) for t in range(1, 7)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    lr = check_nonnegative("lr", lr)
    total_steps = _check_positive_int("total_steps", total_steps)
    final = check_nonnegative("final", final)
    if final > lr:
        message = f"Invalid final: {final!r} (must be at most lr = {lr!r})"
        raise ValueError(message)

    def rate(t: np.ndarray) -> np.ndarray:
        progress = np.minimum(t - 1, total_steps) / total_steps
        return final + (lr - final) * (1 + np.cos(np.pi * progress)) / 2

    name = f"cosine({lr!r}, total_steps={total_steps}, final={final!r})"
    return Schedule(rate, name)


def linear_warmup(schedule: Schedule | float, warmup_steps: int) -> Schedule:
    r"""Ramp a schedule (or a constant rate) up linearly over its first ``warmup_steps`` steps.

    .. math:: \eta_t = s(t)\,\min\bigl(1, t/T_{\rm w}\bigr)

    with :math:`T_{\rm w}` = ``warmup_steps``: step 1 gets :math:`s(1)/T_{\rm w}`, step
    :math:`T_{\rm w}` and every later
    step the full :math:`s(t)`. A number ``schedule`` means ``constant(schedule)``. To warm up
    first and *then* start a schedule at its own step 1, use :func:`join` (or
    :func:`warmup_cosine`).

    >>> linear_warmup(0.1, warmup_steps=4).values(6).tolist()
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    """
    base = _as_schedule(schedule)
    warmup_steps = _check_positive_int("warmup_steps", warmup_steps)

    def rate(t: np.ndarray) -> np.ndarray:
        return base.rate(t) * np.minimum(1.0, t / warmup_steps)

    name = f"linear_warmup({base!r}, warmup_steps={warmup_steps})"
    return Schedule(rate, name)


def join(schedules: Sequence[Schedule | float], boundaries: Sequence[int]) -> Schedule:
    r"""Run schedules one after another, each counting its own steps from 1.

    With boundaries :math:`b_1 < b_2 < \dots` (and :math:`b_0 = 0`), steps
    :math:`b_{k-1} < t \le b_k` use the :math:`k`-th schedule at its step :math:`t - b_{k-1}`;
    the last schedule runs for ever. (PyTorch's ``SequentialLR`` and optax's ``join_schedules``
    do the same.) Numbers stand for constant schedules.

    >>> s = join([constant(1.0), exponential(0.5, gamma=0.5)], boundaries=[2])
    >>> s.values(5).tolist()
    [1.0, 1.0, 0.5, 0.25, 0.125]
    """
    pieces = [_as_schedule(s) for s in schedules]
    bounds = [_check_positive_int("boundary", b) for b in boundaries]
    if len(bounds) != len(pieces) - 1:
        raise ValueError(
            f"Invalid boundaries: {list(boundaries)!r} ({len(pieces)} schedules need "
            f"{len(pieces) - 1} boundaries)"
        )
    if any(later <= earlier for earlier, later in zip(bounds, bounds[1:])):
        raise ValueError(f"Invalid boundaries: {bounds!r} (must be strictly increasing)")
    starts = [0, *bounds]

    def rate(t: np.ndarray) -> np.ndarray:
        out = np.empty(t.shape)
        piece_of_step = np.searchsorted(bounds, t, side="left")  # k - 1 for b_{k-1} < t <= b_k
        for k, piece in enumerate(pieces):
            here = piece_of_step == k
            out[here] = piece.rate(t[here] - starts[k])
        return out

    return Schedule(rate, f"join({pieces!r}, boundaries={bounds!r})")


def warmup_cosine(
    lr: float,
    warmup_steps: int,
    total_steps: int,
    final: float = 0.0,
) -> Schedule:
    r"""Linear warm-up to ``lr`` over ``warmup_steps`` steps, then a cosine down to ``final``.

    ``join([linear_warmup(lr, T_w), cosine(lr, T - T_w, final)], [T_w])`` with
    :math:`T_{\rm w}` = ``warmup_steps`` and :math:`T` = ``total_steps`` > :math:`T_{\rm w}`:
    steps 1 to :math:`T_{\rm w}` rise as :math:`\eta t/T_{\rm w}`, step :math:`T_{\rm w} + 1`
    starts the cosine at :math:`\eta`, and step :math:`T + 1` reaches ``final``.

    >>> warmup_cosine(1.0, warmup_steps=2, total_steps=4).values(5).tolist()
    [0.5, 1.0, 1.0, 0.5, 0.0]
    """
    warmup_steps = _check_positive_int("warmup_steps", warmup_steps)
    total_steps = _check_positive_int("total_steps", total_steps)
    if total_steps <= warmup_steps:
        message = f"must exceed warmup_steps = {warmup_steps}"
        raise ValueError(f"Invalid total_steps: {total_steps!r} ({message})")
    warmup = linear_warmup(lr, warmup_steps)
    decay = cosine(lr, total_steps - warmup_steps, final)
    return join([warmup, decay], [warmup_steps])


# -- using a schedule with an optimizer ---------------------------------------------------------
def set_lr(optimizer: Any, schedule: Schedule) -> float:
    r"""Set ``optimizer.lr`` to the rate of its next step, ``schedule(optimizer.t + 1)``.

    Call it before every ``optimizer.step``. Works with every optimizer of adamlib (each has
    ``lr`` and the count ``t`` of steps taken). Returns the rate it set, a Python float.

    >>> import numpy as np, adamlib
    >>> opt = adamlib.Adam(np.zeros(2), lr=1.0)
    >>> set_lr(opt, exponential(0.1, gamma=0.5)), opt.t
    (0.1, 0)
    """
    _check_optimizer(optimizer)
    _check_schedule(schedule)
    lr = schedule(optimizer.t + 1)
    optimizer.lr = lr
    return lr


class Scheduled:
    r"""An optimizer whose ``lr`` follows a schedule: ``step`` sets it, then steps.

    ``Scheduled(opt, s).step(g)`` is ``opt.lr = s(opt.t + 1); opt.step(g)``: the same run, bit
    for bit, as setting the rate by hand. Step :math:`t` (the :math:`t`-th call) uses
    :math:`\eta_t = s(t)`; the optimizer keeps the last rate it used in ``opt.lr``.

    Parameters
    ----------
    optimizer : adamlib.Optimizer
        Any optimizer of adamlib (or an object with ``lr``, ``t`` and ``step``).
    schedule : Schedule
        The rates :math:`\eta_1, \eta_2, \dots`

    Attributes
    ----------
    optimizer, schedule
        As given.

    Examples
    --------
    >>> import numpy as np, adamlib
    >>> x = np.array([1.0])
    >>> opt = Scheduled(adamlib.SGD(x, lr=0.0),
    ...                 step_decay(0.1, every=1, factor=0.5))
    >>> for _ in range(3):
    ...     opt.step(np.array([1.0]))  # steps of 0.1, 0.05, 0.025
    >>> round(float(x[0]), 6), opt.t, opt.lr
    (0.825, 3, 0.025)
    """

    def __init__(self, optimizer: Any, schedule: Schedule) -> None:
        _check_optimizer(optimizer)
        _check_schedule(schedule)
        self.optimizer = optimizer
        self.schedule = schedule

    def step(self, grads: Any) -> None:
        """Set ``optimizer.lr`` to ``schedule(t + 1)`` and take step ``t + 1``."""
        set_lr(self.optimizer, self.schedule)
        self.optimizer.step(grads)

    @property
    def t(self) -> int:
        """Steps taken so far (the optimizer's count)."""
        return self.optimizer.t

    @property
    def lr(self) -> float:
        """The optimizer's current ``lr``: the rate of the last step taken."""
        return self.optimizer.lr

    def __repr__(self) -> str:
        return f"Scheduled({self.optimizer!r}, {self.schedule!r})"


# -- checks ---------------------------------------------------------------------------------------
def _as_schedule(schedule: Schedule | float) -> Schedule:
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, (int, float, np.integer, np.floating)) and not isinstance(
        schedule, bool
    ):
        return constant(schedule)
    raise TypeError(f"Invalid schedule: {schedule!r} (must be a Schedule or a number)")


def _check_schedule(schedule: object) -> None:
    if not isinstance(schedule, Schedule):
        raise TypeError(
            f"Invalid schedule: {schedule!r} (must be a Schedule, made by constant, cosine, ...)"
        )


def _check_optimizer(optimizer: object) -> None:
    for attribute in ("lr", "t", "step"):
        if not hasattr(optimizer, attribute):
            raise TypeError(
                f"Invalid optimizer: {type(optimizer).__name__} has no `{attribute}` (an adamlib "
                "optimizer has lr, t and step)"
            )


def _check_positive_int(name: str, value: object) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"Invalid {name}: {value!r} (must be an integer >= 1)")
    return int(value)


def _check_factor(name: str, value: object) -> float:
    if (
        not isinstance(value, (int, float, np.integer, np.floating))
        or isinstance(value, bool)
        or not 0.0 < value <= 1.0
        or math.isnan(value)
    ):
        raise ValueError(f"Invalid {name}: {value!r} (must be in (0, 1])")
    return float(value)


def _check_steps(t: object) -> np.ndarray:
    """``t`` as an int64 array (0-d for an int), or ValueError unless every step is >= 1."""
    if isinstance(t, bool) or not isinstance(t, (int, np.integer, np.ndarray)):
        raise ValueError(
            f"Invalid step t: {t!r} (must be an integer >= 1, or an array of them; steps are "
            "counted from 1)"
        )
    steps = np.asarray(t)
    if steps.dtype.kind not in "iu":
        raise ValueError(f"Invalid step t: an array of {steps.dtype} (must hold integers >= 1)")
    if steps.size and steps.min() < 1:
        raise ValueError(
            f"Invalid step t: {int(steps.min())} (steps are counted from 1: schedule(1) is the "
            "rate of the first step)"
        )
    return steps.astype(np.int64)
