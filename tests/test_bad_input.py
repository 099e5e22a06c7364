"""Bad input raises an error that names the problem, and changes nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adamlib
from optimizer_cases import VARIANTS, random_problem, variant_id

INVALID_HYPERPARAMETERS = [
    (cls, name, value)
    for cls in adamlib.OPTIMIZERS
    for name, value in [("lr", -1e-3), ("lr", math.nan), ("lr", "0.1"), ("weight_decay", -0.1)]
] + [
    (adamlib.SGD, "momentum", -0.5),
    (adamlib.SGD, "dampening", math.inf),
    (adamlib.Adagrad, "lr_decay", -1.0),
    (adamlib.Adagrad, "initial_accumulator_value", -1.0),
    (adamlib.Adagrad, "eps", -1e-10),
    (adamlib.RMSprop, "alpha", 1.0),
    (adamlib.RMSprop, "alpha", -0.1),
    (adamlib.RMSprop, "momentum", -0.9),
    (adamlib.RMSprop, "eps", -1e-8),
    (adamlib.RMSprop, "centered", "yes"),
    (adamlib.NAdam, "momentum_decay", -4e-3),
    (adamlib.NAdam, "decoupled_weight_decay", 1),
    (adamlib.RAdam, "decoupled_weight_decay", None),
    (adamlib.Adam, "amsgrad", "False"),
] + [
    (cls, "betas", betas)
    for cls in (adamlib.Adam, adamlib.AdamW, adamlib.Adamax, adamlib.NAdam, adamlib.RAdam)
    for betas in [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.999), (0.9,), 0.9, (0.9, math.nan)]
] + [(cls, "eps", -1e-8) for cls in (adamlib.Adam, adamlib.AdamW, adamlib.Adamax)]


@pytest.mark.parametrize(
    "cls, name, value", INVALID_HYPERPARAMETERS, ids=lambda v: getattr(v, "__name__", repr(v))
)
def test_invalid_hyperparameter_is_named_in_the_error(cls, name, value):
    with pytest.raises(ValueError) as error:
        cls(np.zeros(2), **{name: value})
    message = str(error.value)
    assert name in message
    # the offending value is quoted: the whole value, or the bad entry of a pair of betas
    shown = [value] + (list(value) if isinstance(value, tuple) and len(value) == 2 else [])
    assert any(repr(v) in message for v in shown), message


def test_nesterov_needs_momentum_and_no_dampening():
    with pytest.raises(ValueError, match="momentum > 0"):
        adamlib.SGD(np.zeros(2), nesterov=True)
    with pytest.raises(ValueError, match="dampening = 0"):
        adamlib.SGD(np.zeros(2), momentum=0.9, dampening=0.1, nesterov=True)


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_hyperparameter_made_invalid_after_construction_is_refused_at_step(variant):
    cls, kwargs = variant
    params, grads = random_problem(0)
    opt = cls(params, **kwargs)
    opt.step(grads[0])
    before = snapshot(opt)
    opt.lr = -1.0
    with pytest.raises(ValueError, match="learning rate"):
        opt.step(grads[1])
    opt.lr = kwargs["lr"]
    assert_unchanged(opt, before)


def test_switching_amsgrad_on_after_construction_is_refused():
    opt = adamlib.Adam(np.zeros(2))
    opt.amsgrad = True
    with pytest.raises(ValueError, match="needs a new optimizer"):
        opt.step(np.ones(2))


@pytest.mark.parametrize(
    "params, error, words",
    [
        (np.zeros(3, dtype=np.int64), TypeError, "int64"),
        ([np.zeros(2), np.arange(3)], TypeError, "params[1]"),
        ([1.0, 2.0], TypeError, "numpy array"),
        (3.0, TypeError, "float"),
        (np.zeros(2, dtype=np.complex128), TypeError, "complex128"),
        ([], ValueError, "empty"),
    ],
)
def test_bad_params_are_refused(params, error, words):
    with pytest.raises(error) as info:
        adamlib.Adam(params)
    assert words in str(info.value)


def test_read_only_params_are_refused():
    x = np.zeros(3)
    x.flags.writeable = False
    with pytest.raises(TypeError, match="read-only"):
        adamlib.SGD(x)


def test_the_same_array_twice_is_refused():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="twice"):
        adamlib.SGD([x, x])


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
@pytest.mark.parametrize(
    "make_grads, error, words",
    [
        (lambda g: g[:2], ValueError, "2 gradients for 3 parameters"),
        (lambda g: g + [g[0]], ValueError, "4 gradients for 3 parameters"),
        (lambda g: g[0], ValueError, "one gradient array for 3 parameters"),
        (lambda g: [g[0], g[1].T, g[2]], ValueError, "grads[1] has shape (4, 2)"),
        (lambda g: [g[0], g[1], g[2].reshape(1)], ValueError, "grads[2] has shape (1,)"),
        (lambda g: [g[0].astype(np.int32), g[1], g[2]], TypeError, "grads[0] has dtype int32"),
        (lambda g: [list(g[0]), g[1], g[2]], TypeError, "grads[0] must be a numpy array"),
        (lambda g: "gradients", TypeError, "grads must be"),
    ],
)
def test_mismatched_grads_are_refused_and_change_nothing(variant, make_grads, error, words):
    cls, kwargs = variant
    params, grads = random_problem(1)
    opt = cls(params, **kwargs)
    opt.step(grads[0])
    before = snapshot(opt)
    with pytest.raises(error) as info:
        opt.step(make_grads(grads[1]))
    assert words in str(info.value)
    assert_unchanged(opt, before)


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_gradient_is_named_and_changes_nothing(variant, bad):
    cls, kwargs = variant
    params, grads = random_problem(2)
    opt = cls(params, **kwargs)
    opt.step(grads[0])
    before = snapshot(opt)
    poisoned = [g.copy() for g in grads[1]]
    poisoned[1][1, 2] = bad
    with pytest.raises(adamlib.NonFiniteGradientError) as info:
        opt.step(poisoned)
    message = str(info.value)
    assert "grads[1]" in message and "(1, 2)" in message and str(bad) in message
    assert "unchanged" in message
    assert_unchanged(opt, before)
    opt.step(grads[1])  # and the optimizer still works afterwards
    assert opt.t == 2


def test_non_finite_single_array_gradient_names_it():
    x = np.zeros(4)
    opt = adamlib.Adam(x)
    with pytest.raises(adamlib.NonFiniteGradientError, match=r"grads has 2 non-finite entries"):
        opt.step(np.array([0.0, np.nan, 1.0, np.inf]))
    assert isinstance(adamlib.NonFiniteGradientError("x"), ValueError)


# --- helpers ---------------------------------------------------------------------------------
def snapshot(opt):
    return [p.copy() for p in opt.params], opt.state_dict()


def assert_unchanged(opt, before):
    params, state = before
    for p, q in zip(opt.params, params):
        assert np.array_equal(p, q)
    after = opt.state_dict()
    assert after["t"] == state["t"]
    assert after["hyperparameters"] == state["hyperparameters"]
    assert after["scalars"] == state["scalars"]
    for name, arrays in state["state"].items():
        for a, b in zip(after["state"][name], arrays):
            assert np.array_equal(a, b)
