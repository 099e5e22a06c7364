"""Tests of adamlib.symbolic.relatives: each closed form re-derived and checked against adamlib."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.radam import RECTIFICATION_THRESHOLD
from adamlib.radam import radam_rho as numeric_radam_rho
from adamlib.symbolic import ema as sym_ema
from adamlib.symbolic import relatives as sym

beta2 = sp.Symbol("beta_2", positive=True)
t = sp.Symbol("t", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)


def random_histories(n=5, seed=0):
    """Seeded (beta2, gradient history) pairs: beta2 in (0.5, 0.999), 1 to 40 steps."""
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(0.5, 0.999)), rng.normal(size=int(rng.integers(1, 41))))
            for _ in range(n)]  # fmt: skip


# -- AdaMax --------------------------------------------------------------------------------------
def adamax_u(history, beta2_value):
    """adamlib.Adamax's u after the history, with eps = 0 (the paper's maximum)."""
    opt = adamlib.Adamax(np.zeros(1), lr=1e-3, betas=(0.9, beta2_value), eps=0.0)
    for gradient in history:
        opt.step(np.array([gradient]))
    return float(opt.u[0][0])


def test_adamax_norm_is_adamlib_adamax_u():
    for b, history in random_histories(seed=1):
        expected = float(sym.adamax_norm(b, [float(abs(x)) for x in history]))
        assert adamax_u(history, b) == pytest.approx(expected, rel=1e-12)


def test_lp_norm_is_squeezed_to_the_adamax_norm():
    # (1 - beta2^p)^(1/p) u_t <= (v_t^(p))^(1/p) <= t^(1/p) u_t, and both bounds tend to u_t
    for b, history in random_histories(seed=2):
        magnitudes = [sp.Float(abs(x), 30) for x in history]
        u = float(sym.adamax_norm(sp.Float(b, 30), magnitudes))
        for p in (2, 10, 50, 400):
            value = float(sym.lp_norm(sp.Float(b, 30), p, magnitudes))
            assert (1 - b**p) ** (1 / p) * u * (1 - 1e-12) <= value
            assert value <= len(history) ** (1 / p) * u * (1 + 1e-12)
        assert float(sym.lp_norm(sp.Float(b, 30), 400, magnitudes)) == pytest.approx(
            u, rel=len(history) ** (1 / 400) - 1 + 1e-9)


def test_lp_moving_average_matches_its_recursion():
    g = sp.IndexedBase("g")
    p = sp.Symbol("p", positive=True)
    v = 0
    for k in range(1, 4):
        v = beta2**p * v + (1 - beta2**p) * sp.Abs(g[k]) ** p
    assert sp.simplify(sym.lp_moving_average(beta2, p, g, 3).doit() - v) == 0


def test_lp_norm_with_p_2_is_an_uncorrected_rms():
    history = np.random.default_rng(3).normal(size=7)
    opt = adamlib.Adam(np.zeros(1), lr=0.0, betas=(0.9, 0.81))  # beta2 = 0.9^2
    for gradient in history:
        opt.step(np.array([gradient]))
    value = float(sym.lp_norm(sp.Rational(9, 10), 2, [float(abs(x)) for x in history]))
    assert value == pytest.approx(float(np.sqrt(opt.v[0][0])), rel=1e-12)


# -- NAdam ---------------------------------------------------------------------------------------
def test_nadam_momentum_matches_adamlib():
    rng = np.random.default_rng(4)
    for _ in range(5):
        b1, step, decay = rng.uniform(0.5, 0.99), int(rng.integers(1, 10**5)), rng.uniform(0, 0.01)
        expected = adamlib.nadam.nadam_momentum(step, b1, decay)
        assert float(sym.nadam_momentum(b1, step, decay)) == pytest.approx(expected, rel=1e-12)


def test_nadam_momentum_limits():
    beta1, decay = sp.symbols("beta_1 varsigma", positive=True)
    schedule = sym.nadam_momentum(beta1, t, decay)
    assert sp.simplify(sp.limit(schedule, t, sp.oo) - beta1) == 0
    assert sp.simplify(sp.limit(schedule, decay, 0) - beta1 / 2) == 0


# -- RAdam ---------------------------------------------------------------------------------------
def test_radam_rho_from_the_centre_of_mass():
    """Re-derive rho_t: the SMA of length f ending at t has the corrected EMA's centre of mass."""
    f = sp.Symbol("f", positive=True)
    weights = sym_ema.branch_for_unit_interval(
        sp.summation(i * (1 - beta2) * beta2 ** (t - i), (i, 1, t)), beta2)
    ema_centre = weights / (1 - beta2**t)
    sma_centre = sp.summation(i, (i, t - f + 1, t)) / f
    (length,) = sp.solve(sp.Eq(sma_centre, ema_centre), f)
    assert sp.simplify(length - sym.radam_rho(beta2, t)) == 0


def test_radam_rho_inf_is_the_limit():
    tau = sp.Symbol("tau", positive=True)
    limit = sp.limit(sym.radam_rho(sp.exp(-tau), t), t, sp.oo)
    assert sp.simplify(limit - sym.radam_rho_inf(sp.exp(-tau))) == 0


@pytest.mark.parametrize("b", [0.9, 0.99, 0.999, 0.9999])
def test_radam_rho_matches_adamlib(b):
    for step in (1, 2, 5, 6, 100, 5000):
        rho_inf, rho_t = numeric_radam_rho(step, b)
        assert float(sym.radam_rho(b, step)) == pytest.approx(rho_t, rel=1e-10, abs=1e-10)
        assert float(sym.radam_rho_inf(b)) == pytest.approx(rho_inf, rel=1e-12)


def test_radam_rate_variance_from_chi_square_moments():
    x = sp.Symbol("x", positive=True)
    rho, sigma = sp.symbols("varrho sigma", positive=True)
    density = x ** (rho / 2 - 1) * sp.exp(-x / 2) / (2 ** (rho / 2) * sp.gamma(rho / 2))
    moment = [sp.gammasimp(sp.integrate(density * x**-k, (x, 0, sp.oo), conds="none"))
              for k in (1, 2)]  # fmt: skip
    mean_y = rho / sigma**2 * moment[0]  # Y = 1/v_hat = rho / (sigma^2 X)
    var_y = (rho / sigma**2) ** 2 * (moment[1] - moment[0] ** 2)
    assert sp.simplify(var_y / (4 * mean_y) - sym.radam_rate_variance(rho, sigma)) == 0


def test_radam_rate_variance_against_sampling():
    rng = np.random.default_rng(5)
    rho, sigma = 400, 0.3
    v_hat = sigma**2 * rng.chisquare(rho, size=400_000) / rho
    sampled = np.var(1 / np.sqrt(v_hat))
    assert sampled == pytest.approx(float(sym.radam_rate_variance(rho, sigma)), rel=0.02)


def radam_steps(beta2_value, n_steps, lr=1.0):
    """The steps adamlib.RAdam takes on g_t = 1 (eps = 0), one per step."""
    x = np.zeros(1)
    opt = adamlib.RAdam(x, lr=lr, betas=(0.9, beta2_value), eps=0.0)
    steps = []
    for _ in range(n_steps):
        x[...] = 0.0
        opt.step(np.ones(1))
        steps.append(-x[0])
    return np.array(steps)


@pytest.mark.parametrize("b", [0.99, 0.999])
def test_radam_rectifier_is_adamlib_radams_step_on_a_constant_gradient(b):
    # on g = 1: m_hat = 1 and sqrt(1 - beta2^t)/sqrt(v_t) = 1, so the step is R_t once rho_t > 5
    steps = radam_steps(b, 300)
    for step_number, taken in enumerate(steps, start=1):
        rho = float(sym.radam_rho(b, step_number))
        if rho > RECTIFICATION_THRESHOLD:
            assert taken == pytest.approx(float(sym.radam_rectifier(b, step_number)), rel=1e-10)
        else:
            assert taken == pytest.approx(1.0, rel=1e-12)  # SGD with momentum on m_hat


@pytest.mark.parametrize("b", [0.9, 0.99, 0.999])
def test_first_rectified_step_is_where_adamlib_radam_stops_plain_momentum(b):
    steps = radam_steps(b, 60)
    # g = 1: a momentum step is m_hat = 1 (to rounding), a rectified one is R_t < 1
    first_adaptive = 1 + int(np.flatnonzero(np.abs(steps - 1.0) > 1e-9)[0])
    above = [n for n in range(1, 61) if float(sym.radam_rho(b, n)) > RECTIFICATION_THRESHOLD]
    assert above[0] == first_adaptive
    assert above == list(range(first_adaptive, 61))  # rho_t rises: it stays above


def test_radam_rectifier_tends_to_one():
    tau = sp.Symbol("tau", positive=True)
    limit = sp.limit(sym.radam_rectifier(sp.exp(-tau), t), t, sp.oo)
    assert sp.simplify(limit - 1) == 0
