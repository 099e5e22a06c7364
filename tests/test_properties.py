"""Properties that hold for every input: hypothesis searches for a counterexample."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import adamlib
from optimizer_cases import VARIANTS, variant_id

FAST = settings(max_examples=40, deadline=None)

nonzero = st.floats(min_value=1e-3, max_value=1e3).flatmap(lambda a: st.sampled_from([a, -a]))


def gradient_sequences(n_steps=6, size=4):
    return st.lists(
        hnp.arrays(np.float64, (size,), elements=nonzero), min_size=n_steps, max_size=n_steps
    )


@FAST
@given(grads=gradient_sequences(), power=st.integers(min_value=-20, max_value=20))
def test_adam_without_eps_is_exactly_invariant_to_power_of_two_gradient_scales(grads, power):
    """With eps = 0, m scales by c and sqrt(v) by |c|: for c = 2^k every rounding is the same."""
    scale = 2.0**power
    x, y = np.ones(4), np.ones(4)
    a, b = adamlib.Adam(x, lr=0.01, eps=0.0), adamlib.Adam(y, lr=0.01, eps=0.0)
    for g in grads:
        a.step(g)
        b.step(scale * g)
    assert np.array_equal(x, y)


@FAST
@given(grads=gradient_sequences(), scale=st.floats(min_value=1e-4, max_value=1e4))
def test_adam_without_eps_is_invariant_to_any_gradient_scale(grads, scale):
    x, y = np.ones(4), np.ones(4)
    a, b = adamlib.Adam(x, lr=0.01, eps=0.0), adamlib.Adam(y, lr=0.01, eps=0.0)
    for g in grads:
        a.step(g)
        b.step(scale * g)
    np.testing.assert_allclose(x, y, rtol=1e-12)


@FAST
@given(grads=gradient_sequences(), scale=st.floats(min_value=1e-6, max_value=1e-3))
def test_adam_with_eps_is_not_invariant_for_tiny_gradients(grads, scale):
    """The invariance needs eps = 0 (or |g| >> eps): shrink gradients toward eps and it breaks."""
    x, y = np.ones(4), np.ones(4)
    a, b = adamlib.Adam(x, lr=0.01, eps=1e-3), adamlib.Adam(y, lr=0.01, eps=1e-3)
    for g in grads:
        a.step(g)
        b.step(scale * g)
    assert not np.allclose(x, y, rtol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_kept_and_state_is_at_least_float32(variant, dtype):
    cls, kwargs = variant
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 2)).astype(dtype)
    opt = cls(x, **kwargs)
    for _ in range(5):
        opt.step(rng.normal(size=(3, 2)).astype(dtype))
    assert x.dtype == dtype and np.isfinite(x).all()
    for name in opt.state_names:
        assert getattr(opt, name)[0].dtype == np.result_type(dtype, np.float32), name


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
@settings(max_examples=10, deadline=None)
@given(before=st.integers(0, 6), after=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_state_dict_round_trip_resumes_bit_identically(variant, before, after, seed):
    cls, kwargs = variant
    rng = np.random.default_rng(seed)
    shapes = [(3,), (2, 2)]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(before + after)]
    params = [rng.normal(size=s) for s in shapes]
    original = cls(params, **kwargs)
    for g in grads[:before]:
        original.step(g)
    saved_state = copy.deepcopy(original.state_dict())
    saved_params = [p.copy() for p in params]
    for g in grads[before:]:
        original.step(g)
    resumed_params = [p.copy() for p in saved_params]
    resumed = cls(resumed_params, **kwargs)
    resumed.load_state_dict(saved_state)
    for g in grads[before:]:
        resumed.step(g)
    for p, q in zip(params, resumed_params):
        assert np.array_equal(p, q)
    assert resumed.t == original.t == before + after


def test_state_dict_is_plain_data_and_a_copy():
    x = np.zeros(2)
    opt = adamlib.NAdam(x)
    opt.step(np.ones(2))
    state = opt.state_dict()
    assert state["optimizer"] == "NAdam" and state["t"] == 1
    assert set(state["state"]) == {"m", "v"} and isinstance(state["scalars"]["mu_product"], float)
    state["state"]["m"][0][:] = 123.0
    assert not np.any(opt.m[0] == 123.0)


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda s: s.update(optimizer="SGD"), "'SGD'"),
        (lambda s: s["state"]["m"][0].resize(5, refcheck=False), "shape"),
        (lambda s: s["state"].pop("v"), "state"),
        (lambda s: s["hyperparameters"].update(lr=-2.0), "learning rate"),
        (lambda s: s.update(t=-1), "step count"),
        (lambda s: s["state"]["m"].append(np.zeros(2)), "2 arrays for 1 parameters"),
        (lambda s: s["hyperparameters"].update(amsgrad=True), "state"),
    ],
)
def test_bad_state_dict_is_refused_and_changes_nothing(mutate, words):
    x = np.zeros(2)
    opt = adamlib.Adam(x, lr=0.1)
    opt.step(np.array([1.0, -1.0]))
    good = opt.state_dict()
    bad = copy.deepcopy(good)
    mutate(bad)
    with pytest.raises((ValueError, TypeError)) as info:
        opt.load_state_dict(bad)
    assert words in str(info.value)
    now = opt.state_dict()
    assert now["hyperparameters"] == good["hyperparameters"] and now["t"] == good["t"]
    assert all(np.array_equal(a, b) for a, b in zip(now["state"]["m"], good["state"]["m"]))


def test_loading_a_state_dict_with_amsgrad_switches_the_state():
    source = adamlib.Adam(np.zeros(2), amsgrad=True)
    source.step(np.ones(2))
    target = adamlib.Adam(np.zeros(2))
    target.load_state_dict(source.state_dict())
    assert target.amsgrad and target.state_names == ("m", "v", "v_max")
    target.step(np.ones(2))
