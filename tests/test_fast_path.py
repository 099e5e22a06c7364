"""The fast in-place kernels (adamlib/_kernels.py) give the reference functions' numbers, bit for bit.

Every optimizer class updates its parameters through ``adamlib._kernels``; the readable update
functions (``adam_update`` and the others) are the reference. Here each option combination runs
for several steps through the class and, independently, through the reference function, on many
shapes, dtypes and memory layouts, and the bytes must agree. The state arrays must stay the same
objects (the fast path updates them in place; the reference path would replace them), and a step
must not allocate memory in proportion to the parameters.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import adamlib
from adamlib import _kernels

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
