"""The fast in-place kernels (adamlib/_kernels.py) give the reference functions' numbers, bit for bit.

Every optimizer class updates its parameters through ``adamlib._kernels``; the readable update
functions (``adam_update`` and the others) are the reference. Here each option combination runs
for several steps through the class and, independently, through the reference function, on many
shapes, dtypes and memory layouts, and the bytes must agree. The state arrays must stay the same
objects (the fast path updates them in place; the reference path would replace them), and a step
must not allocate memory in proportion to the parameters.

The second half covers the multi-tensor step (adamlib/_flat.py): lists that mix tiny and large
arrays, dtypes, 0-d, empty and non-contiguous arrays; parameters that are views of one vector;
gradients that alias parameters or the state; bad input; state dicts and copies.
"""

from __future__ import annotations

import copy
import pickle
import tracemalloc

import numpy as np
import pytest

import adamlib
from adamlib import _flat, _kernels

STEPS = 9  # RAdam switches to the rectified update at t = 6 with beta2 = 0.999
SMALL_BLOCK = 64  # so that small test arrays span several blocks


def _cd(dtype) -> np.dtype:
    return np.result_type(dtype, np.float32)


# -- the reference: each optimizer's readable update function, state kept in a dict -------------
def ref_adam(theta, g, st, t, kw):
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    fn = adamlib.adamw_update if kw.get("_decoupled") else adamlib.adam_update
    default_wd = 1e-2 if kw.get("_decoupled") else 0.0
    theta, st["m"], st["v"], v_max = fn(
        theta, g, st["m"], st["v"], t, lr=kw.get("lr", 1e-3), beta1=beta1, beta2=beta2,
        eps=kw.get("eps", 1e-8), weight_decay=kw.get("weight_decay", default_wd),
        v_max=st.get("v_max"),
    )  # fmt: skip
    if v_max is not None:
        st["v_max"] = v_max
    return theta


def ref_sgd(theta, g, st, t, kw):
    theta, b = adamlib.sgd_update(
        theta, g, st.get("momentum_buffer"), t, lr=kw.get("lr", 1e-3),
        momentum=kw.get("momentum", 0.0), dampening=kw.get("dampening", 0.0),
        weight_decay=kw.get("weight_decay", 0.0), nesterov=kw.get("nesterov", False),
    )  # fmt: skip
    if b is not None:
        st["momentum_buffer"] = b
    return theta


def ref_adagrad(theta, g, st, t, kw):
    theta, st["sum_sq"] = adamlib.adagrad_update(
        theta, g, st["sum_sq"], t, lr=kw.get("lr", 1e-2), lr_decay=kw.get("lr_decay", 0.0),
        weight_decay=kw.get("weight_decay", 0.0), eps=kw.get("eps", 1e-10),
    )  # fmt: skip
    return theta


def ref_rmsprop(theta, g, st, t, kw):
    theta, st["square_avg"], grad_avg, buffer = adamlib.rmsprop_update(
        theta, g, st["square_avg"], lr=kw.get("lr", 1e-2), alpha=kw.get("alpha", 0.99),
        eps=kw.get("eps", 1e-8), weight_decay=kw.get("weight_decay", 0.0),
        momentum=kw.get("momentum", 0.0), grad_avg=st.get("grad_avg"),
        momentum_buffer=st.get("momentum_buffer"),
    )  # fmt: skip
    if grad_avg is not None:
        st["grad_avg"] = grad_avg
    if buffer is not None:
        st["momentum_buffer"] = buffer
    return theta


def ref_adamax(theta, g, st, t, kw):
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    theta, st["m"], st["u"] = adamlib.adamax_update(
        theta, g, st["m"], st["u"], t, lr=kw.get("lr", 2e-3), beta1=beta1, beta2=beta2,
        eps=kw.get("eps", 1e-8), weight_decay=kw.get("weight_decay", 0.0),
    )  # fmt: skip
    return theta


def ref_nadam(theta, g, st, t, kw):
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    theta, st["m"], st["v"], st["_mu_product"] = adamlib.nadam_update(
        theta, g, st["m"], st["v"], t, st.get("_mu_product", 1.0), lr=kw.get("lr", 2e-3),
        beta1=beta1, beta2=beta2, eps=kw.get("eps", 1e-8),
        weight_decay=kw.get("weight_decay", 0.0), momentum_decay=kw.get("momentum_decay", 4e-3),
        decoupled_weight_decay=kw.get("decoupled_weight_decay", False),
    )  # fmt: skip
    return theta


def ref_radam(theta, g, st, t, kw):
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    theta, st["m"], st["v"] = adamlib.radam_update(
        theta, g, st["m"], st["v"], t, lr=kw.get("lr", 1e-3), beta1=beta1, beta2=beta2,
        eps=kw.get("eps", 1e-8), weight_decay=kw.get("weight_decay", 0.0),
        decoupled_weight_decay=kw.get("decoupled_weight_decay", False),
    )  # fmt: skip
    return theta


# (class, constructor keywords, reference function); every option combination of each optimizer.
CONFIGS = [
    (adamlib.SGD, {"lr": 0.1}, ref_sgd),
    (adamlib.SGD, {"lr": 0.1, "weight_decay": 0.05}, ref_sgd),
    (adamlib.SGD, {"lr": 0.1, "momentum": 0.9}, ref_sgd),
    (adamlib.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}, ref_sgd),
    (adamlib.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True}, ref_sgd),
    (adamlib.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}, ref_sgd),
    (adamlib.Adagrad, {"lr": 0.1}, ref_adagrad),
    (adamlib.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.05,
                       "initial_accumulator_value": 0.3, "eps": 1e-6}, ref_adagrad),  # fmt: skip
    (adamlib.RMSprop, {}, ref_rmsprop),
    (adamlib.RMSprop, {"weight_decay": 0.05, "alpha": 0.9}, ref_rmsprop),
    (adamlib.RMSprop, {"centered": True}, ref_rmsprop),
    (adamlib.RMSprop, {"momentum": 0.9}, ref_rmsprop),
    (adamlib.RMSprop, {"centered": True, "momentum": 0.9, "weight_decay": 0.05}, ref_rmsprop),
    (adamlib.Adam, {"lr": 0.01}, ref_adam),
    (adamlib.Adam, {"lr": 0.01, "weight_decay": 0.05}, ref_adam),
    (adamlib.Adam, {"lr": 0.01, "amsgrad": True}, ref_adam),
    (adamlib.Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "betas": (0.5, 0.9),
                    "eps": 1e-3}, ref_adam),  # fmt: skip
    (adamlib.AdamW, {"lr": 0.01, "_decoupled": True}, ref_adam),
    (adamlib.AdamW, {"lr": 0.01, "weight_decay": 0.0, "_decoupled": True}, ref_adam),
    (adamlib.AdamW, {"lr": 0.01, "amsgrad": True, "_decoupled": True}, ref_adam),
    (adamlib.Adamax, {}, ref_adamax),
    (adamlib.Adamax, {"weight_decay": 0.05, "eps": 1e-3}, ref_adamax),
    (adamlib.NAdam, {}, ref_nadam),
    (adamlib.NAdam, {"weight_decay": 0.05}, ref_nadam),
    (adamlib.NAdam, {"weight_decay": 0.05, "decoupled_weight_decay": True}, ref_nadam),
    (adamlib.RAdam, {}, ref_radam),
    (adamlib.RAdam, {"weight_decay": 0.05}, ref_radam),
    (adamlib.RAdam, {"weight_decay": 0.05, "decoupled_weight_decay": True}, ref_radam),
]


def _config_id(config) -> str:
    cls, kw, _ = config
    opts = ",".join(f"{k}={v}" for k, v in kw.items() if not k.startswith("_"))
    return f"{cls.__name__}({opts})"


def _ctor_kwargs(kw: dict) -> dict:
    return {k: v for k, v in kw.items() if not k.startswith("_")}


def _initial_state(opt, dtype, shape) -> dict:
    """The reference's starting state: what the class starts from, as fresh arrays."""
    return {name: getattr(opt, name)[0].astype(_cd(dtype), copy=True) for name in opt.state_names}


def _layouts(dtype, block):
    """(label, parameter array, gradient maker) for many shapes and memory layouts.

    Each parameter is a view or array the optimizer updates in place; the gradient maker returns
    the gradient for step t in the given layout (contiguous unless the label says otherwise).
    """
    rng = np.random.default_rng(7)

    def data(shape, scale=1.0, dt=dtype):
        return np.asarray(scale * rng.standard_normal(shape)).astype(dt)

    def grads(shape, dt=dtype, transform=lambda a: a):
        values = [data(shape, scale=10.0 ** rng.integers(-2, 2), dt=dt) for _ in range(STEPS)]
        return lambda t: transform(values[t - 1])

    cases = [
        ("0-d", data(()), grads(())),
        ("empty", data((0,)), grads((0,))),
        ("empty 2-d", data((3, 0)), grads((3, 0))),
        ("1 element", data((1,)), grads((1,))),
        ("odd small", data((7,)), grads((7,))),
        ("exactly one block", data((block,)), grads((block,))),
        ("several blocks, odd", data((3 * block + 5,)), grads((3 * block + 5,))),
        ("2-d, several blocks", data((5, 2 * block + 3)), grads((5, 2 * block + 3))),
    ]
    big = data((4 * block + 6,))
    cases.append(("strided view", big[::2], grads((2 * block + 3,))))
    fortran = np.asfortranarray(data((block + 3, 3)))
    cases.append(("Fortran-ordered", fortran, grads((block + 3, 3))))
    cases.append(("transposed view", data((3, block + 1)).T, grads((block + 1, 3))))
    cases.append(
        ("strided gradient", data((2 * block + 1,)),
         grads((4 * block + 2,), transform=lambda a: a[::2])),
    )  # fmt: skip
    other = np.float64 if dtype != np.float64 else np.float16
    cases.append(("gradient of another dtype", data((block + 9,)), grads((block + 9,), dt=other)))
    return cases


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(_kernels, "BLOCK_SIZE", SMALL_BLOCK)
    monkeypatch.setattr(_kernels, "ENABLED", True)
    monkeypatch.setattr(_kernels, "THREADS", 3)  # split large arrays even on a one-core machine
    monkeypatch.setattr(_kernels, "MIN_BLOCKS_PER_THREAD", 1)  # and share out a few blocks


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_fast_path_equals_reference_bit_for_bit(config, dtype, small_blocks):
    cls, kw, reference = config
    for label, param, grad_at in _layouts(dtype, SMALL_BLOCK):
        expected = np.array(param, copy=True, order="C")
        opt = cls(param, **_ctor_kwargs(kw))
        state = _initial_state(opt, dtype, param.shape)
        originals = {name: getattr(opt, name)[0] for name in opt.state_names}
        for t in range(1, STEPS + 1):
            g = grad_at(t)
            opt.step(g)
            theta = reference(expected.astype(_cd(dtype)), g.astype(_cd(dtype)), state, t, kw)
            expected[...] = theta
            where = f"{label}, shape {param.shape}, step {t}"
            assert param.dtype == expected.dtype
            assert np.ascontiguousarray(param).tobytes() == expected.tobytes(), (
                f"parameter differs from the reference ({where}): max |diff| = "
                f"{np.max(np.abs(param.astype(np.float64) - expected), initial=0)}"
            )
            for name, original in originals.items():
                now = getattr(opt, name)[0]
                assert now is original, f"state {name} was replaced, not updated in place ({where})"
                assert now.dtype == _cd(dtype)
                assert now.tobytes() == np.asarray(state[name], dtype=_cd(dtype)).tobytes(), (
                    f"state {name} differs from the reference ({where})"
                )
            if cls is adamlib.NAdam:
                assert opt.mu_product == state["_mu_product"]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
def test_default_block_size_several_blocks(cls, dtype, monkeypatch):
    """With the shipped BLOCK_SIZE, the class equals its own reference path (ENABLED = False)."""
    n = 2 * _kernels.BLOCK_SIZE + 17
    rng = np.random.default_rng(3)
    start = rng.standard_normal(n).astype(dtype)
    grads = [rng.standard_normal(n).astype(dtype) for _ in range(STEPS)]
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        x = start.copy()
        opt = cls(x, weight_decay=0.01)
        for g in grads:
            opt.step(g)
        results.append((x, {name: getattr(opt, name)[0] for name in opt.state_names}))
    (fast, fast_state), (ref, ref_state) = results
    assert fast.tobytes() == ref.tobytes()
    for name in fast_state:
        assert fast_state[name].tobytes() == np.asarray(ref_state[name]).tobytes()


def test_the_reference_path_replaces_state_so_the_identity_test_can_fail(monkeypatch):
    """Guard for the tests above: without the fast path, the state arrays are new objects."""
    monkeypatch.setattr(_kernels, "ENABLED", False)
    x = np.ones(10)
    opt = adamlib.Adam(x)
    m = opt.m[0]
    opt.step(np.ones(10))
    assert opt.m[0] is not m


def test_gradient_that_is_the_parameter_itself(small_blocks):
    """opt.step(x) with the parameter as its own gradient (d/dx x^2/2) reads the old values."""
    for cls in adamlib.OPTIMIZERS:
        x = np.linspace(-1.0, 1.0, 3 * SMALL_BLOCK + 1)
        y = x.copy()
        opt_x, opt_y = cls(x, weight_decay=0.1), cls(y, weight_decay=0.1)
        for _ in range(STEPS):
            opt_x.step(x)
            opt_y.step(y.copy())
        assert x.tobytes() == y.tobytes(), cls.__name__


def test_numpy_scalar_hyperparameters_fall_back_to_the_reference(small_blocks):
    """NumPy scalars promote differently from Python floats; the reference path handles them."""
    x = np.linspace(-1, 1, 200).astype(np.float32)
    y = x.copy()
    opt = adamlib.Adam(x, lr=np.float64(0.01))
    st = {"m": np.zeros(200, np.float32), "v": np.zeros(200, np.float32)}
    for t in range(1, 4):
        g = np.full(200, 0.3, np.float32)
        opt.step(g)
        y[...] = ref_adam(y, g, st, t, {"lr": np.float64(0.01)})
    assert x.tobytes() == y.tobytes()


def test_replaced_state_array_falls_back_and_stays_correct(small_blocks):
    x = np.linspace(-1, 1, 300)
    y = x.copy()
    opt = adamlib.Adam(x, lr=0.01)
    opt.m[0] = np.zeros((600,))[::2]  # not contiguous: the fast path cannot write it in place
    st = {"m": np.zeros(300), "v": np.zeros(300)}
    for t in range(1, 4):
        g = np.cos(np.arange(300.0) * t)
        opt.step(g)
        y[...] = ref_adam(y, g, st, t, {"lr": 0.01})
    assert x.tobytes() == y.tobytes()


def test_subclass_with_its_own_update_rule_is_respected(small_blocks):
    calls = []

    class Traced(adamlib.Adam):
        def update_rule(self, theta, g, m, v, t, v_max):
            calls.append(t)
            return super().update_rule(theta, g, m, v, t, v_max)

    x = np.ones(5)
    Traced(x).step(np.ones(5))
    assert calls == [1]


@pytest.mark.parametrize(
    "cls, kw",
    [
        (adamlib.SGD, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
        (adamlib.Adagrad, {"weight_decay": 0.1}),
        (adamlib.RMSprop, {"centered": True, "momentum": 0.9, "weight_decay": 0.1}),
        (adamlib.Adam, {"amsgrad": True, "weight_decay": 0.1}),
        (adamlib.AdamW, {"amsgrad": True}),
        (adamlib.Adamax, {"weight_decay": 0.1}),
        (adamlib.NAdam, {"weight_decay": 0.1}),
        (adamlib.RAdam, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
@pytest.mark.parametrize("dtype", [np.float16, np.float32], ids=lambda d: d.__name__)
def test_a_step_allocates_nothing_proportional_to_the_parameters(cls, kw, dtype, monkeypatch):
    """After a warm-up step, a step's peak allocation is a small fraction of the parameter."""
    monkeypatch.setattr(_kernels, "ENABLED", True)
    n = 1_000_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    opt = cls(x, **kw)
    for _ in range(7):  # warm-up, past RAdam's switch to the rectified update at t = 6
        opt.step(g)
    tracemalloc.start()
    try:
        opt.step(g)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes / 20, f"a step allocated {peak} bytes for a {x.nbytes}-byte parameter"


def test_the_allocation_measurement_can_fail(monkeypatch):
    """The same measurement sees the reference path's temporaries (so the test above is real)."""
    monkeypatch.setattr(_kernels, "ENABLED", False)
    x = np.zeros(1_000_000, np.float32)
    opt = adamlib.Adam(x)
    g = np.ones_like(x)
    opt.step(g)
    tracemalloc.start()
    try:
        opt.step(g)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak > x.nbytes


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
def test_non_finite_gradient_anywhere_is_refused_and_changes_nothing(bad, dtype, small_blocks):
    n = 5 * SMALL_BLOCK + 3
    for where in (0, SMALL_BLOCK + 1, n - 1):
        a, b = np.ones(4, dtype), np.linspace(-1, 1, n).astype(dtype)
        opt = adamlib.Adam([a, b], amsgrad=True)
        opt.step([np.ones(4, dtype), np.ones(n, dtype)])
        states = [s for name in opt.state_names for s in getattr(opt, name)]
        before = [a.copy(), b.copy()] + [s.copy() for s in states]
        g = np.ones(n, dtype)
        g[where] = bad
        with pytest.raises(adamlib.NonFiniteGradientError, match=rf"at index \({where},\)"):
            opt.step([np.full(4, 0.5, dtype), g])
        after = [a, b] + [s for name in opt.state_names for s in getattr(opt, name)]
        assert all(x is y for x, y in zip(states, after[2:]))
        assert all(x.tobytes() == y.tobytes() for x, y in zip(before, after))
        assert opt.t == 1


def test_finite_gradients_whose_sum_overflows_are_accepted():
    """The one-pass finiteness check falls back to an exact check when the sum overflows."""
    for dtype, big in ((np.float16, 6e4), (np.float32, 3e38), (np.float64, 1.7e308)):
        x = np.zeros(1000, dtype)
        g = np.full(1000, big, dtype)  # all large and positive: their sum overflows
        adamlib.SGD(x, lr=0.0).step(g)
        g[1] = -big
        adamlib.SGD(x, lr=0.0).step(g)
        assert x.tobytes() == np.zeros(1000, dtype).tobytes()


def test_worker_threads_see_the_callers_numpy_error_state(small_blocks):
    """Blocks computed by other threads obey np.errstate as the caller's blocks do."""
    n = 8 * SMALL_BLOCK
    g = np.ones(n, np.float32)
    g[-1] = 3e38  # its square overflows, in the last block, which a worker thread computes
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            adamlib.Adam(np.zeros(n, np.float32)).step(g)
    with np.errstate(over="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            adamlib.Adam(np.zeros(n, np.float32)).step(g)


# -- the multi-tensor step: many parameters, one kernel call ------------------------------------
def _mixed_params(block: int, rng: np.random.Generator):
    """A list mixing tiny and large arrays, three dtypes, 0-d, empty and non-contiguous arrays.

    Returns (label, parameter) pairs and, per parameter, the gradient maker for step t. With
    ``block`` = SMALL_BLOCK the arrays below half a block are gathered, the others run alone.
    """

    def data(shape, dt, scale=1.0):
        return np.asarray(scale * rng.standard_normal(shape)).astype(dt)

    def grads(shape, dt, transform=lambda a: a):
        values = [data(shape, dt, scale=10.0 ** rng.integers(-2, 2)) for _ in range(STEPS)]
        return lambda t: transform(values[t - 1])

    items = []
    for dt in (np.float32, np.float16, np.float64):
        other = np.float64 if dt != np.float64 else np.float32
        items += [
            ("0-d", data((), dt), grads((), dt)),
            ("empty", data((0,), dt), grads((0,), dt)),
            ("1 element", data((1,), dt), grads((1,), dt)),
            ("small 2-d", data((3, 5), dt), grads((3, 5), dt)),
            ("small strided", data((30,), dt)[::3], grads((10,), dt)),
            ("small Fortran", np.asfortranarray(data((4, 3), dt)), grads((4, 3), dt)),
            ("small, gradient strided", data((6,), dt), grads((12,), dt, lambda a: a[::2])),
            ("small, gradient of another dtype", data((5,), dt), grads((5,), other)),
            ("large", data((3 * block + 5,), dt), grads((3 * block + 5,), dt)),
            ("large strided", data((4 * block + 2,), dt)[::2], grads((2 * block + 1,), dt)),
            ("large transposed", data((3, block + 1), dt).T, grads((block + 1, 3), dt)),
            ("large, gradient of another dtype", data((block + 9,), dt),
             grads((block + 9,), other)),
        ]  # fmt: skip
    order = rng.permutation(len(items))  # interleave sizes and dtypes
    return [items[i] for i in order]


def _run_against_reference(cls, kw, reference, labelled, steps=STEPS):
    """Step the class over the whole list and the reference over each array; compare the bytes."""
    params = [param for _, param, _ in labelled]
    expected = [np.array(p, copy=True, order="C") for p in params]
    opt = cls(params, **_ctor_kwargs(kw))
    states = [
        {name: getattr(opt, name)[i].astype(_cd(p.dtype), copy=True) for name in opt.state_names}
        for i, p in enumerate(params)
    ]
    originals = {name: list(getattr(opt, name)) for name in opt.state_names}
    for t in range(1, steps + 1):
        grads = [grad_at(t) for _, _, grad_at in labelled]
        opt.step(grads)
        for i, (label, param, _) in enumerate(labelled):
            cd = _cd(param.dtype)
            # A 0-d parameter goes to the reference as a 1-element array: on a 0-d array the
            # reference's g**2 can act on a NumPy scalar (see the last test of this file).
            shape = (1,) if param.ndim == 0 else param.shape
            theta = reference(
                expected[i].astype(cd).reshape(shape), grads[i].astype(cd).reshape(shape),
                states[i], t, kw,
            )  # fmt: skip
            expected[i][...] = theta.reshape(param.shape)
            where = f"params[{i}] ({label}, {param.dtype}, shape {param.shape}), step {t}"
            assert np.ascontiguousarray(param).tobytes() == expected[i].tobytes(), (
                f"parameter differs from the reference: {where}"
            )
            for name in opt.state_names:
                now = getattr(opt, name)[i]
                assert now is originals[name][i], f"state {name} was replaced: {where}"
                assert now.tobytes() == np.asarray(states[i][name], dtype=cd).tobytes(), (
                    f"state {name} differs from the reference: {where}"
                )
        if cls is adamlib.NAdam:
            assert all(opt.mu_product == st["_mu_product"] for st in states)
    return opt


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
def test_mixed_list_equals_reference_bit_for_bit(config, small_blocks):
    cls, kw, reference = config
    labelled = _mixed_params(SMALL_BLOCK, np.random.default_rng(11))
    opt = _run_against_reference(cls, kw, reference, labelled)
    # The design under test: one flat vector per compute dtype and state name, the per-parameter
    # arrays views into it; the small parameters gathered, the large ones each a job of its own.
    layout = opt._layout
    assert sorted(str(group.dtype) for group in layout.groups) == ["float32", "float64"]
    for group in layout.groups:
        assert len(group.multi) > 1 and group.singles and not group.spanned
        for name in opt.state_names:
            flat = group.buffers[name]
            assert flat.size == sum(opt.params[i].size for i in group.offsets)
            for i in group.offsets:
                view = getattr(opt, name)[i]
                assert np.shares_memory(view, flat) or view.size == 0


def _split(flat, shapes):
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


SHAPES = [(), (5, 3), (0,), (3,), (4 * SMALL_BLOCK + 1,), (2, 2 * SMALL_BLOCK), (7,), (1,)]


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
@pytest.mark.parametrize("dtype", [np.float16, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("grads_too", [True, False], ids=["grads-views", "grads-separate"])
def test_views_of_one_vector_are_updated_where_they_lie(config, dtype, grads_too, small_blocks):
    """Parameters that lie back to back in one vector (as adamlib.nn makes them) need no gather."""
    cls, kw, reference = config
    rng = np.random.default_rng(5)
    total = sum(int(np.prod(s)) for s in SHAPES)
    flat_params = rng.standard_normal(total).astype(dtype)
    params = _split(flat_params, SHAPES)
    flat_grads = [rng.standard_normal(total).astype(dtype) for _ in range(STEPS)]
    if grads_too:
        makers = [(lambda t, k=k: _split(flat_grads[t - 1], SHAPES)[k]) for k in range(len(SHAPES))]
    else:
        makers = [
            (lambda t, k=k: _split(flat_grads[t - 1], SHAPES)[k].copy()) for k in range(len(SHAPES))
        ]
    labelled = [(f"view {k}", params[k], makers[k]) for k in range(len(SHAPES))]
    opt = _run_against_reference(cls, kw, reference, labelled)
    (group,) = opt._layout.groups
    assert group.spanned and group.param_gather == [] and group.singles == []
    assert np.shares_memory(group.job.param, flat_params)
    assert np.shares_memory(group.job.grad, flat_grads[-1]) == grads_too


def test_a_network_of_adamlib_nn_is_one_job_with_no_gather():
    from adamlib.nn import MLP

    net = MLP([6, 5, 4, 3], seed=0)
    X = np.random.default_rng(0).standard_normal((20, 6))
    y = np.arange(20) % 3
    twin = net.copy()
    opt, ref_opt = adamlib.Adam(net.params, lr=0.01), adamlib.Adam(twin.params, lr=0.01)
    for _ in range(5):
        net.loss_and_grad(X, y)
        opt.step(net.grads)
        twin.loss_and_grad(X, y)
        _kernels.ENABLED = False
        try:
            ref_opt.step(twin.grads)
        finally:
            _kernels.ENABLED = True
    assert net.flat_params.tobytes() == twin.flat_params.tobytes()
    (group,) = opt._layout.groups
    assert group.spanned and np.shares_memory(group.job.param, net.flat_params)
    assert np.shares_memory(group.job.grad, net.flat_grad)


def _reference_run(make, steps, monkeypatch):
    """Run ``make()``'s optimizer and gradients through the class's reference path."""
    monkeypatch.setattr(_kernels, "ENABLED", False)
    try:
        return steps(*make())
    finally:
        monkeypatch.setattr(_kernels, "ENABLED", True)


def _state_bytes(opt):
    return [a.tobytes() for name in opt.state_names for a in getattr(opt, name)]


def _first_state(opt):
    return getattr(opt, opt.state_names[0])


def _last_state(opt):
    return getattr(opt, opt.state_names[-1])


# Gradients that alias, for parameters of sizes 5, 40 and 3 (the middle one runs alone, the
# others are gathered): each maps (params, optimizer) to the list of gradients.
ALIASING = {
    "gradient is its own parameter": lambda p, opt: [p[0], p[1] * 0.5, p[2]],
    "gradient is another parameter": lambda p, opt: [p[1][:5], np.cos(p[1]), p[0][:3]],
    "gradient is a view of the state": lambda p, opt: [
        _first_state(opt)[1][:5], np.cos(p[1]), _last_state(opt)[1][10:13]
    ],
    "gradient is a state array itself": lambda p, opt: [
        _first_state(opt)[0], np.sin(p[1]), _last_state(opt)[2]
    ],
}


@pytest.mark.parametrize("kind", list(ALIASING), ids=list(ALIASING))
@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
def test_aliased_gradients_give_the_reference_paths_numbers(kind, cls, small_blocks, monkeypatch):
    """The reference path reads a gradient that aliases a parameter after updating the ones
    before it, and one that aliases the state before the step (it replaces state arrays); the
    fast path must give the same numbers."""
    gradient = ALIASING[kind]

    def make():
        base = np.linspace(-1.0, 1.0, 5 + 40 + 3)
        params = [base[:5].copy(), np.linspace(0.5, -0.5, 40), base[5:8].copy()]
        extra = {"momentum": 0.9} if cls is adamlib.SGD else {}
        opt = cls(params, weight_decay=0.1, **extra)
        opt.step([np.ones(5), np.ones(40), np.ones(3)])  # so that the state is not zero
        return params, opt

    def steps(params, opt):
        for _ in range(STEPS):
            opt.step(gradient(params, opt))
        return [p.tobytes() for p in params], _state_bytes(opt)

    fast = steps(*make())
    assert fast == _reference_run(make, steps, monkeypatch)


@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
def test_overlapping_and_interleaved_parameters_give_the_reference_paths_numbers(
    cls, small_blocks, monkeypatch
):
    def make():
        base = np.linspace(-1.0, 1.0, 300)
        params = [  # small ones that overlap (they would be gathered), large ones, interleaved
            base[0:10], base[5:15], base[20:120], base[70:170], base[200::2], base[201::2],
        ]  # fmt: skip
        return params, cls(params, weight_decay=0.1)

    def steps(params, opt):
        for t in range(1, STEPS + 1):
            opt.step([np.cos(t * np.arange(p.size)).reshape(p.shape) for p in params])
        return [p.tobytes() for p in params], _state_bytes(opt)

    params, opt = make()
    assert opt._layout.params_overlap
    assert steps(params, opt) == _reference_run(make, steps, monkeypatch)


def test_gradients_in_the_parameters_own_buffer_but_apart_take_the_fast_path(small_blocks):
    buffer = np.linspace(-1.0, 1.0, 60)
    params, grads = _split(buffer[:30], [(10,), (20,)]), _split(buffer[30:], [(10,), (20,)])
    twin = [p.copy() for p in params]
    opt, ref = adamlib.Adam(params), adamlib.Adam(twin)
    assert _flat.prepare_step(opt, grads) is not None  # shares an owner, but not memory
    for _ in range(STEPS):
        g_copy = [g.copy() for g in grads]
        opt.step(grads)
        ref.step(g_copy)
    assert all(p.tobytes() == q.tobytes() for p, q in zip(params, twin))


@pytest.mark.parametrize("where", ["small", "large", "float16 small", "float64 large"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_gradient_in_a_mixed_list_changes_nothing(where, bad, small_blocks):
    labelled = _mixed_params(SMALL_BLOCK, np.random.default_rng(3))
    params = [p for _, p, _ in labelled]
    opt = adamlib.Adam(params, amsgrad=True, weight_decay=0.1)
    opt.step([grad_at(1) for _, _, grad_at in labelled])
    label = "large" if "large" in where else "small 2-d"
    dtype = {"small": np.float32, "large": np.float32, "float16 small": np.float16,
             "float64 large": np.float64}[where]  # fmt: skip
    index = next(i for i, (lab, p, _) in enumerate(labelled) if lab == label and p.dtype == dtype)
    grads = [grad_at(2) for _, _, grad_at in labelled]
    grads[index] = grads[index].copy()
    grads[index].reshape(-1)[grads[index].size // 2] = bad
    states = {name: list(getattr(opt, name)) for name in opt.state_names}
    before = [p.copy() for p in params], _state_bytes(opt)
    with pytest.raises(adamlib.NonFiniteGradientError, match=rf"grads\[{index}\] has 1 non-finite"):
        opt.step(grads)
    assert [p.tobytes() for p in params] == [p.tobytes() for p in before[0]]
    assert _state_bytes(opt) == before[1] and opt.t == 1
    assert all(a is b for name in states for a, b in zip(states[name], getattr(opt, name)))
    grads[index].reshape(-1)[grads[index].size // 2] = 0.0
    opt.step(grads)  # and the optimizer still works afterwards
    assert opt.t == 2


def test_a_float64_gradient_too_large_for_a_float32_parameter_is_not_refused(small_blocks):
    """It is finite as given; converted to float32 it becomes inf, as in the reference path."""
    def run(enabled):
        _kernels.ENABLED = enabled
        try:
            params = [np.ones(3, np.float32), np.zeros(4, np.float32)]
            opt = adamlib.SGD(params, lr=1e-40)
            with np.errstate(over="ignore", invalid="ignore"):
                opt.step([np.array([1e39, 1.0, 1.0]), np.ones(4, np.float32)])
            return [p.tobytes() for p in params]
        finally:
            _kernels.ENABLED = True

    assert run(True) == run(False)


@pytest.mark.parametrize("dtype", [np.float16, np.float32], ids=lambda d: d.__name__)
def test_many_small_arrays_allocate_nothing_per_step(dtype, monkeypatch):
    """After the first step (which makes the gather buffers), a step allocates little."""
    monkeypatch.setattr(_kernels, "ENABLED", True)
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(1000).astype(dtype) for _ in range(1000)]
    grads = [rng.standard_normal(1000).astype(dtype) for _ in range(1000)]
    opt = adamlib.Adam(params, weight_decay=0.1)
    assert len(opt._layout.groups[0].multi) == 1000
    for _ in range(3):
        opt.step(grads)
    tracemalloc.start()
    try:
        opt.step(grads)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    nbytes = sum(p.nbytes for p in params)
    assert peak < nbytes / 20, f"a step allocated {peak} bytes for {nbytes} bytes of parameters"


def test_replaced_state_array_is_copied_into_the_flat_vector(small_blocks):
    params = [np.linspace(-1, 1, 10), np.linspace(1, 2, 7), np.zeros(3)]
    twin = [p.copy() for p in params]
    opt, ref = adamlib.Adam(params, lr=0.01), adamlib.Adam(twin, lr=0.01)
    grads = [np.cos(np.arange(p.size) + 1.0) for p in params]
    opt.step(grads), ref.step(grads)
    opt.m[1] = np.repeat(opt.m[1], 2)[::2]  # the same values, in a new, strided array
    replaced = opt.v[0] = np.full(10, 0.25)[::1]
    ref.v[0][...] = 0.25
    for _ in range(3):
        opt.step(grads), ref.step(grads)
    assert all(p.tobytes() == q.tobytes() for p, q in zip(params, twin))
    assert _state_bytes(opt) == _state_bytes(ref)
    flat_v = opt._layout.groups[0].buffers["v"]
    assert np.shares_memory(opt.v[0], flat_v) and not np.shares_memory(replaced, flat_v)
    assert (replaced == 0.25).all()  # the array the user put in is left alone


def test_state_of_another_dtype_falls_back_to_the_reference_path(small_blocks, monkeypatch):
    def make():
        params = [np.linspace(-1, 1, 10).astype(np.float32), np.zeros(3, np.float32)]
        opt = adamlib.Adam(params, lr=0.01)
        opt.m[0] = np.zeros(10)  # float64: the reference path promotes, the kernels cannot
        return params, opt

    def steps(params, opt):
        for t in range(1, 4):
            opt.step([np.full(10, 0.3, np.float32), np.full(3, -0.2, np.float32)])
        return [p.tobytes() for p in params], _state_bytes(opt)

    assert steps(*make()) == _reference_run(make, steps, monkeypatch)


def test_hyperparameter_changed_to_a_numpy_scalar_takes_the_reference_path(small_blocks):
    x, y = np.linspace(-1, 1, 50).astype(np.float32), np.linspace(-1, 1, 50).astype(np.float32)
    opt = adamlib.Adam([x, np.zeros(4, np.float32)], lr=0.01)
    st = {"m": np.zeros(50, np.float32), "v": np.zeros(50, np.float32)}
    for t in range(1, 5):
        if t == 3:
            opt.lr = np.float64(0.01)  # equal to 0.01, but NumPy promotes it differently
        g = np.full(50, 0.3, np.float32)
        opt.step([g, np.ones(4, np.float32)])
        y[...] = ref_adam(y, g, st, t, {"lr": opt.lr})
    assert x.tobytes() == y.tobytes()


def test_betas_set_as_a_list_after_construction_are_checked_and_used():
    x = np.ones(3)
    opt = adamlib.Adam(x)
    opt.betas = [0.5, 0.9]
    opt.step(np.ones(3))
    assert opt.betas == (0.5, 0.9)
    opt.betas = [0.5, 1.5]
    with pytest.raises(ValueError, match="beta2"):
        opt.step(np.ones(3))


def test_a_subclass_that_overrides_update_parameter_is_called_for_every_parameter():
    calls = []

    class Traced(adamlib.SGD):
        def update_parameter(self, index, param, grad, t):
            calls.append(index)
            super().update_parameter(index, param, grad, t)

    params = [np.ones(3), np.ones(4), np.ones(())]
    Traced(params, lr=0.5).step([np.ones(3), np.ones(4), np.ones(())])
    assert calls == [0, 1, 2] and all((p == 0.5).all() for p in params)


@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
def test_state_dict_and_copies_of_a_mixed_list_resume_bit_identically(cls, small_blocks):
    labelled = _mixed_params(SMALL_BLOCK, np.random.default_rng(9))
    params = [p for _, p, _ in labelled]
    opt = cls(params)
    for t in (1, 2, 3):
        opt.step([grad_at(t) for _, _, grad_at in labelled])
    saved = opt.state_dict()
    assert all(
        a.shape == p.shape and a.base is None
        for name in opt.state_names for a, p in zip(saved["state"][name], params)
    )  # fmt: skip
    copies = [copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))]
    resumed_params = [p.copy() for p in params]
    resumed = cls(resumed_params)
    resumed.load_state_dict(saved)
    for t in range(4, STEPS + 1):
        grads = [grad_at(t) for _, _, grad_at in labelled]
        for o in (opt, resumed, *copies):
            o.step(grads)
    for other in (resumed, *copies):
        mine = other.params if other is not resumed else resumed_params
        assert [p.tobytes() for p in mine] == [np.ascontiguousarray(p).tobytes() for p in params]
        assert _state_bytes(other) == _state_bytes(opt)
        group = other._layout.groups[0]
        for name in other.state_names:
            assert all(np.shares_memory(getattr(other, name)[i], group.buffers[name])
                       for i in group.offsets if params[i].size)  # fmt: skip


def test_known_difference_a_0d_reference_squares_through_pow():
    """Known, and older than the multi-tensor step: on a 0-d parameter with L2 weight decay,
    ``adam_update``'s ``g = g + weight_decay * theta`` makes ``g`` a NumPy scalar, whose ``g**2``
    rounds through C ``pow()`` and can differ from ``g * g`` in the last bit (about 1 value in
    1000). The classes square 0-d parameters as every other array, as they always have; making
    the readable functions agree means writing ``g * g`` there and re-running the chapters."""
    g = np.float64(-2.4267473242918296)
    assert g**2 != np.square(np.array(g)) == g * g
    v = adamlib.adam_update(np.zeros(1), np.array([g]), np.zeros(1), np.zeros(1), 1, lr=0.1,
                            beta1=0.9, beta2=0.999, eps=1e-8)[2]  # fmt: skip
    assert v == np.square(g) * (1 - 0.999)  # a 1-element array squares as g * g


# -- the one-block step and the kernels' cached constants -------------------------------------
SMALL_SHAPES = [(), (5, 3), (0,), (3,), (7,), (1,), (2, 4)]


def _small_network(dtype, layout: str, rng: np.random.Generator):
    """(label, parameter, gradient maker) for a few small arrays that fit in one block, either
    separate (``gathered``) or views of one vector (``spanned``, gradients separate or views)."""
    total = sum(int(np.prod(s)) for s in SMALL_SHAPES)
    grads = [rng.standard_normal(total).astype(dtype) for _ in range(STEPS)]
    if layout == "gathered":
        params = [rng.standard_normal(s).astype(dtype) for s in SMALL_SHAPES]
    else:
        params = _split(rng.standard_normal(total).astype(dtype), SMALL_SHAPES)
    if layout == "spanned, gradients views":
        makers = [(lambda t, k=k: _split(grads[t - 1], SMALL_SHAPES)[k]) for k in range(7)]
    else:
        makers = [(lambda t, k=k: _split(grads[t - 1], SMALL_SHAPES)[k].copy()) for k in range(7)]
    return [(f"{layout} {k}", params[k], makers[k]) for k in range(len(SMALL_SHAPES))]


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("layout", ["gathered", "spanned, gradients views", "spanned"])
def test_a_small_network_in_one_block_equals_reference(config, dtype, layout):
    """The layout of the course's networks: one dtype, every array in one job of one block,
    stepped by ``Step.run_one_block`` (float16 parameters through the converting walk)."""
    cls, kw, reference = config
    labelled = _small_network(dtype, layout, np.random.default_rng(17))
    opt = _run_against_reference(cls, kw, reference, labelled)
    group = opt._layout.one_block
    assert group is not None and group.spanned == layout.startswith("spanned")


def _hyperparameter_changes(cls):
    """Per step, the hyperparameters to set before it: new objects, some equal to the old."""
    lr = [1e-3, 2e-3, 2e-3, float("1e-3"), 5e-4, 5e-4, 1e-3, 1e-3, 1e-3]
    changes = [{"lr": value} for value in lr]
    names = cls.hyperparameter_names
    if "betas" in names:
        changes[3]["betas"] = (0.8, 0.99)
        changes[6]["betas"] = (0.9, 0.999)
    if "eps" in names:
        changes[4]["eps"] = 1e-6
    if "weight_decay" in names:
        changes[2]["weight_decay"] = 0.05
        changes[5]["weight_decay"] = 0.0
    if "momentum" in names:
        changes[5]["momentum"] = 0.5
    return changes


def _with_changing_hyperparameters(cls, labelled, monkeypatch):
    """The parameters after the steps of ``_hyperparameter_changes``: (fast path, reference)."""
    start = [np.array(p, copy=True) for _, p, _ in labelled]
    results = []
    for enabled in (True, False):
        monkeypatch.setattr(_kernels, "ENABLED", enabled)
        params = [np.array(p, copy=True) for p in start]
        momentum = {"momentum": 0.9} if "momentum" in cls.hyperparameter_names else {}
        opt = cls(params, **momentum)
        for t, change in enumerate(_hyperparameter_changes(cls), start=1):
            for name, value in change.items():
                setattr(opt, name, value)
            opt.step([grad_at(t) for _, _, grad_at in labelled])
        results.append(params)
    return results


@pytest.mark.parametrize("cls", adamlib.OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("layout", ["gathered", "mixed"])
def test_hyperparameters_changed_between_steps_are_used(cls, layout, small_blocks, monkeypatch):
    """The kernels keep their constants between steps (``_fixed_constants``) and rewrite the
    bias corrections in place (``_step_constants``): a new learning rate, betas, eps, weight
    decay or momentum must still reach the very next step. Compared with the reference path,
    bit for bit."""
    rng = np.random.default_rng(23)
    if layout == "gathered":
        labelled = _small_network(np.float32, "gathered", rng)
    else:
        labelled = _mixed_params(SMALL_BLOCK, rng)
    fast, reference = _with_changing_hyperparameters(cls, labelled, monkeypatch)
    for i, (a, b) in enumerate(zip(fast, reference)):
        assert a.tobytes() == b.tobytes(), f"params[{i}] ({labelled[i][0]}) differs"


def test_the_hyperparameter_change_test_can_fail(small_blocks, monkeypatch):
    """Constants kept per dtype alone, blind to a new hyperparameter, give other numbers."""
    made = {}

    def stale(opt, dtype, hyperparameters, values):
        if dtype not in made:
            made[dtype] = _kernels._constants(dtype, *values())
        return made[dtype]

    monkeypatch.setattr(_kernels, "_fixed_constants", stale)
    labelled = _small_network(np.float32, "gathered", np.random.default_rng(23))
    fast, reference = _with_changing_hyperparameters(adamlib.Adam, labelled, monkeypatch)
    assert any(a.tobytes() != b.tobytes() for a, b in zip(fast, reference))


@pytest.mark.parametrize("layout", ["gathered", "spanned, gradients views", "spanned"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_gradient_in_one_block_changes_nothing(layout, bad):
    labelled = _small_network(np.float32, layout, np.random.default_rng(3))
    params = [p for _, p, _ in labelled]
    opt = adamlib.Adam(params, amsgrad=True)
    opt.step([grad_at(1) for _, _, grad_at in labelled])
    assert opt._layout.one_block is not None
    grads = [grad_at(2) for _, _, grad_at in labelled]
    grads[1] = grads[1].copy()
    grads[1][2, 1] = bad
    before = [p.tobytes() for p in params], _state_bytes(opt)
    with pytest.raises(adamlib.NonFiniteGradientError, match=r"grads\[1\] has 1 non-finite"):
        opt.step(grads)
    assert [p.tobytes() for p in params] == before[0]
    assert _state_bytes(opt) == before[1] and opt.t == 1


@pytest.mark.parametrize("config", CONFIGS, ids=_config_id)
@pytest.mark.parametrize("t", [1, 2, 7])
def test_every_block_function_returns_its_step_in_the_first_scratch_buffer(config, t):
    """``Step.run_one_block`` subtracts slices of ``tmp1`` from the parameters (the Kernel
    contract), and passes no parameter at all to a block that does not read it."""
    cls, kw, _ = config
    rng = np.random.default_rng(t)
    opt = cls(rng.standard_normal(5), **_ctor_kwargs(kw))
    opt.before_step(t)
    kernel = _kernels.kernel_factory(cls)(opt, np.dtype(np.float64), t)
    theta = None if not kernel.reads_theta else rng.standard_normal(5)
    g, gb, tmp1, tmp2 = rng.standard_normal(5), np.empty(5), np.empty(5), np.empty(5)
    states = [np.zeros(5) for _ in opt.state_names]
    assert kernel.block(theta, g, gb, tmp1, tmp2, *states) is tmp1
