"""Tests of adamlib.schedules: each formula against direct numpy, composition, checks, and use
with every optimizer (bit for bit the same run as setting lr by hand)."""

import math

import numpy as np
import pytest

import adamlib
from adamlib import schedules as S

STEPS = np.random.default_rng(0).integers(1, 5000, size=50)


def direct(formula):
    """A rate per step from a plain Python formula, one step at a time."""
    return np.array([formula(int(t)) for t in STEPS])


@pytest.mark.parametrize(
    "schedule, formula",
    [
        (S.constant(0.3), lambda t: 0.3),
        (S.step_decay(0.1, every=7, factor=0.5), lambda t: 0.1 * 0.5 ** ((t - 1) // 7)),
        (S.exponential(0.1, gamma=0.999), lambda t: 0.1 * 0.999 ** (t - 1)),
        (S.inverse_sqrt(0.2), lambda t: 0.2 / math.sqrt(t)),
        (
            S.cosine(0.1, total_steps=3000, final=1e-3),
            lambda t: 1e-3 + (0.1 - 1e-3) * (1 + math.cos(math.pi * min(t - 1, 3000) / 3000)) / 2,
        ),
        (S.linear_warmup(0.05, warmup_steps=600), lambda t: 0.05 * min(1.0, t / 600)),
        (
            S.linear_warmup(S.exponential(1.0, gamma=0.9995), warmup_steps=100),
            lambda t: 0.9995 ** (t - 1) * min(1.0, t / 100),
        ),
        (
            S.warmup_cosine(0.01, warmup_steps=500, total_steps=4000),
            lambda t: 0.01 * t / 500 if t <= 500
            else 0.01 * (1 + math.cos(math.pi * min(t - 501, 3500) / 3500)) / 2,
        ),
        (
            S.join([0.5, S.exponential(0.2, 0.99), S.inverse_sqrt(0.1)], [1000, 3000]),
            lambda t: 0.5 if t <= 1000 else 0.2 * 0.99 ** (t - 1001) if t <= 3000
            else 0.1 / math.sqrt(t - 3000),
        ),
    ],
    ids=lambda x: repr(x)[:30] if isinstance(x, S.Schedule) else "",
)
def test_each_schedule_is_its_formula(schedule, formula):
    expected = direct(formula)
    np.testing.assert_allclose(schedule(STEPS), expected, rtol=1e-13, atol=0)
    one_at_a_time = np.array([schedule(int(t)) for t in STEPS])
    np.testing.assert_array_equal(one_at_a_time, schedule(STEPS))


def test_scalars_give_python_floats_and_arrays_keep_their_shape():
    s = S.cosine(1.0, 10)
    assert type(s(3)) is float and type(s(np.int64(3))) is float
    assert s(np.arange(1, 7).reshape(2, 3)).shape == (2, 3)
    assert s.values(4).shape == (4,)


def test_the_step_convention_at_the_boundaries():
    assert S.constant(0.1)(1) == 0.1
    assert S.step_decay(1.0, every=3, factor=0.1).values(4).tolist() == [1.0, 1.0, 1.0, 0.1]
    cos = S.cosine(1.0, total_steps=4, final=0.25)
    assert cos(1) == 1.0 and cos(5) == 0.25 and cos(100) == 0.25 and cos(4) > 0.25
    warm = S.linear_warmup(2.0, warmup_steps=4)
    assert warm(1) == 0.5 and warm(4) == 2.0 and warm(5) == 2.0
    wc = S.warmup_cosine(1.0, warmup_steps=3, total_steps=10)
    assert wc(3) == 1.0 and wc(4) == 1.0 and wc(11) == 0.0 and wc(5) < 1.0


def test_join_restarts_each_piece_at_its_own_step_one():
    s = S.join([S.constant(9.0), S.exponential(1.0, 0.5)], [3])
    assert s.values(6).tolist() == [9.0, 9.0, 9.0, 1.0, 0.5, 0.25]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: S.constant(-0.1), "Invalid lr: -0.1"),
        (lambda: S.constant(float("nan")), "Invalid lr"),
        (lambda: S.step_decay(0.1, every=0, factor=0.5), "Invalid every: 0"),
        (lambda: S.step_decay(0.1, every=2.5, factor=0.5), "Invalid every: 2.5"),
        (lambda: S.step_decay(0.1, every=2, factor=0.0), "Invalid factor: 0.0"),
        (lambda: S.exponential(0.1, gamma=1.5), "Invalid gamma: 1.5"),
        (lambda: S.cosine(0.1, total_steps=-3), "Invalid total_steps: -3"),
        (lambda: S.cosine(0.1, total_steps=10, final=0.2), "Invalid final: 0.2"),
        (lambda: S.linear_warmup(0.1, warmup_steps=0), "Invalid warmup_steps: 0"),
        (lambda: S.linear_warmup("fast", warmup_steps=3), "Invalid schedule: 'fast'"),
        (lambda: S.join([0.1, 0.2], [3, 5]), "need 1 boundaries"),
        (lambda: S.join([0.1, 0.2, 0.3], [5, 5]), "strictly increasing"),
        (lambda: S.warmup_cosine(0.1, warmup_steps=10, total_steps=10), "must exceed"),
    ],
)
def test_invalid_arguments_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(")):
        make()


@pytest.mark.parametrize("t", [0, -1, 1.0, True, "3", np.array([1, 0]), np.array([1.5])])
def test_invalid_steps_are_refused(t):
    with pytest.raises(ValueError, match="Invalid step t"):
        S.constant(0.1)(t)


def _hyperparameters(cls):
    return {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.5}}.get(cls.__name__, {})


@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("use", ["Scheduled", "set_lr"])
def test_every_optimizer_follows_a_schedule_bit_for_bit(cls, use):
    schedule = S.warmup_cosine(0.05, warmup_steps=5, total_steps=30, final=0.001)
    rng = np.random.default_rng(1)
    grads = [[rng.normal(size=(3, 4)), rng.normal(size=5)] for _ in range(40)]
    start = [rng.normal(size=(3, 4)), rng.normal(size=5)]

    by_hand = [p.copy() for p in start]
    reference = cls(by_hand, lr=1.0, **_hyperparameters(cls))
    for t, g in enumerate(grads, start=1):
        reference.lr = 0.05 * t / 5 if t <= 5 else (
            0.001 + (0.05 - 0.001) * (1 + math.cos(math.pi * min(t - 6, 25) / 25)) / 2)
        reference.step(g)

    scheduled = [p.copy() for p in start]
    opt = cls(scheduled, lr=1.0, **_hyperparameters(cls))
    if use == "Scheduled":
        wrapped = S.Scheduled(opt, schedule)
        for g in grads:
            wrapped.step(g)
        assert wrapped.t == 40 and wrapped.lr == schedule(40)
    else:
        for g in grads:
            S.set_lr(opt, schedule)
            opt.step(g)
    for got, want in zip(scheduled, by_hand):
        np.testing.assert_allclose(got, want, rtol=1e-12)  # the formulas round differently...
    # ...so the bit-for-bit comparison sets the same floats by hand:
    again = [p.copy() for p in start]
    manual = cls(again, lr=1.0, **_hyperparameters(cls))
    for t, g in enumerate(grads, start=1):
        manual.lr = schedule(t)
        manual.step(g)
    for got, want in zip(scheduled, again):
        np.testing.assert_array_equal(got, want)
    assert opt.lr == schedule(40) and type(opt.lr) is float


def test_the_schedule_changes_the_run():
    x, y = np.array([1.0]), np.array([1.0])
    S.Scheduled(adamlib.Adam(x, lr=0.1), S.exponential(0.1, 0.5)).step(np.array([1.0]))
    S.Scheduled(adamlib.Adam(y, lr=0.1), S.constant(0.2)).step(np.array([1.0]))
    assert x[0] == pytest.approx(0.9) and y[0] == pytest.approx(0.8)


def test_wrapping_checks_its_arguments():
    with pytest.raises(TypeError, match="has no `lr`"):
        S.Scheduled(object(), S.constant(0.1))
    with pytest.raises(TypeError, match="Invalid schedule"):
        S.Scheduled(adamlib.SGD(np.zeros(2), lr=0.1), lambda t: 0.1)
    with pytest.raises(TypeError, match="Invalid schedule"):
        S.set_lr(adamlib.SGD(np.zeros(2), lr=0.1), 0.1)


def test_a_refused_step_leaves_the_count_so_the_next_call_uses_the_same_rate():
    x = np.zeros(2)
    opt = S.Scheduled(adamlib.SGD(x, lr=0.0), S.exponential(1.0, 0.5))
    with pytest.raises(adamlib.NonFiniteGradientError):
        opt.step(np.array([np.nan, 1.0]))
    assert opt.t == 0 and np.array_equal(x, np.zeros(2))
    opt.step(np.array([1.0, 1.0]))
    assert opt.lr == 1.0 and np.array_equal(x, [-1.0, -1.0])
