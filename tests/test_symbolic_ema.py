"""Tests of adamlib.symbolic.ema: every derivation checked against numerics at seeded random points."""

import numpy as np
import pytest
import sympy as sp
from sympy import stats

import adamlib
from adamlib.data import noisy_stream
from adamlib.ema import bias_corrected_ema, ema, ema_weights
from adamlib.ema import effective_window as numeric_window
from adamlib.ema import half_life as numeric_half_life
from adamlib.symbolic import ema as sym

beta, t, nu, nu0, delta, sigma, m0 = sp.symbols("beta t nu nu_0 delta sigma m_0")
t_int = sp.Symbol("t", integer=True, positive=True)
g = sp.IndexedBase("g")


def random_points(n=6, seed=0):
    """Seeded (beta, t) pairs with beta in (0.3, 0.999) and t from 1 to 300."""
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(0.3, 0.999)), int(rng.integers(1, 301))) for _ in range(n)]


def value(expr, **values):
    symbols = {"beta": beta, "t": t, "nu": nu, "nu0": nu0, "delta": delta, "sigma": sigma}
    return float(expr.subs({symbols[k]: v for k, v in values.items()}))


def test_ema_by_recursion_matches_numeric_ema():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=5)
    b, start = 0.73, 0.4
    expr = sym.ema_by_recursion(beta, g, 5, m0)
    number = expr.subs({beta: b, m0: start, **{g[k + 1]: samples[k] for k in range(5)}})
    assert float(number) == pytest.approx(ema(samples, b, m0=start)[-1], rel=1e-12)


@pytest.mark.parametrize("n", range(0, 7))
def test_unrolled_sum_equals_the_recursion_for_each_concrete_t(n):
    difference = sym.ema_unrolled(beta, n, g, m0).doit() - sym.ema_by_recursion(beta, g, n, m0)
    assert sp.expand(difference) == 0


def test_unrolled_sum_solves_the_recursion_for_every_t():
    assert sym.ema_recursion_residual(beta, t_int, g, m0) == 0
    assert sym.ema_unrolled(beta, 0, g, m0).doit() == m0  # the base case of the induction


def test_ema_weight_matches_numeric_weights():
    for b, n in random_points(seed=2):
        numbers = [value(sym.ema_weight(beta, t, k), beta=b, t=n) for k in (1, n // 2 + 1, n)]
        np.testing.assert_allclose(numbers, ema_weights(b, n)[[0, n // 2, n - 1]], rtol=1e-10)


def test_weights_sum_is_one_minus_beta_to_the_t():
    assert sp.simplify(sym.ema_weights_sum(beta, t) - (1 - beta**t)) == 0
    assert sym.ema_weights_sum(sp.Rational(1, 2), 3) == sp.Rational(7, 8)
    for b, n in random_points(seed=3):
        expected = value(sym.ema_weights_sum(beta, t), beta=b, t=n)
        assert ema_weights(b, n).sum() == pytest.approx(expected, rel=1e-10)
        assert ema(np.ones(n), b)[-1] == pytest.approx(expected, rel=1e-10)


def test_expectation_of_a_constant_stream_and_of_adams_moments():
    assert sp.simplify(sym.ema_expectation(beta, t, nu) - nu * (1 - beta**t)) == 0
    for b, n in random_points(seed=4):
        expected = value(sym.ema_expectation(beta, t, nu), beta=b, t=n, nu=-1.7)
        assert ema(np.full(n, -1.7), b)[-1] == pytest.approx(expected, rel=1e-10)
    # Adam with a constant gradient: m_t = (1 - beta1^t) g and v_t = (1 - beta2^t) g^2.
    gradient = np.array([0.5, -2.0, 3.0])
    opt = adamlib.Adam(np.zeros(3), lr=0.01, betas=(0.9, 0.999))
    for step in range(1, 41):
        opt.step(gradient)
    expected_m = [value(sym.ema_expectation(beta, t, nu), beta=0.9, t=40, nu=x) for x in gradient]
    expected_v = [value(sym.ema_expectation(beta, t, nu), beta=0.999, t=40, nu=x * x)
                  for x in gradient]  # fmt: skip
    np.testing.assert_allclose(opt.m[0], expected_m, rtol=1e-10)
    np.testing.assert_allclose(opt.v[0], expected_v, rtol=1e-10)


def test_expectation_agrees_with_sympy_stats_for_normal_samples():
    samples = {k: stats.Normal(f"G{k}", nu, sp.Symbol(f"s{k}", positive=True)) for k in (1, 2, 3)}
    m3 = sym.ema_by_recursion(beta, g, 3).subs({g[k]: samples[k] for k in samples})
    assert sp.simplify(stats.E(m3) - sym.ema_expectation(beta, 3, nu)) == 0


def test_expectation_by_monte_carlo():
    b, n, streams = 0.9, 15, 20_000
    samples = noisy_stream(n, mean=2.0, std=1.0, seed=5, shape=(streams,))
    last = ema(samples, b)[-1]
    expected = value(sym.ema_expectation(beta, t, nu), beta=b, t=n, nu=2.0)
    standard_error = last.std() / np.sqrt(streams)
    assert abs(last.mean() - expected) < 4 * standard_error
    assert abs(last.mean() - 2.0) > 20 * standard_error  # the bias is real, not noise


def test_drifting_expectation_matches_a_noiseless_drifting_stream():
    assert sp.simplify(
        sym.ema_expectation_drifting(beta, t, nu0, 0) - sym.ema_expectation(beta, t, nu0)
    ) == 0
    for b, n in random_points(seed=6):
        means = 0.3 + 0.02 * np.arange(1, n + 1)  # mu_i = nu0 + delta i
        expected = value(sym.ema_expectation_drifting(beta, t, nu0, delta), beta=b, t=n, nu0=0.3,
                         delta=0.02)  # fmt: skip
        assert ema(means, b)[-1] == pytest.approx(expected, rel=1e-9)


def test_drift_term_is_kingma_and_bas_zeta():
    zeta = sym.ema_expectation_drifting(beta, t, nu0, delta) - (1 - beta**t) * (nu0 + delta * t)
    stated = -delta * (beta * (1 - beta**t) / (1 - beta) - t * beta**t)
    assert sp.simplify(zeta - stated) == 0


def test_bias_correction_factor():
    assert sp.simplify(sym.bias_correction_factor(beta, t) - 1 / (1 - beta**t)) == 0
    corrected = sym.bias_correction_factor(beta, t) * sym.ema_expectation(beta, t, nu)
    assert sp.simplify(corrected) == nu
    for b, n in random_points(seed=7):
        factor = value(sym.bias_correction_factor(beta, t), beta=b, t=n)
        assert factor * ema(np.ones(n), b)[-1] == pytest.approx(1.0, rel=1e-10)


def test_bias_corrected_lag_matches_numerics():
    assert sym.bias_corrected_lag(beta, 1, delta) == 0
    for b, n in random_points(seed=8):
        means = -1.0 + 0.05 * np.arange(1, n + 1)
        numeric_lag = means[-1] - bias_corrected_ema(means, b)[-1]
        assert value(sym.bias_corrected_lag(beta, t, delta), beta=b, t=n, delta=0.05) == (
            pytest.approx(numeric_lag, rel=1e-7, abs=1e-12)
        )


def test_steady_state_lag_is_the_limit():
    assert sp.simplify(sym.steady_state_lag(beta, delta) - delta * beta / (1 - beta)) == 0
    for b in (0.5, 0.9, 0.99):
        n = int(50 / (1 - b))  # long enough for beta^t t to vanish
        means = 0.01 * np.arange(1, n + 1)
        numeric_lag = means[-1] - bias_corrected_ema(means, b)[-1]
        assert value(sym.steady_state_lag(beta, delta), beta=b, delta=0.01) == pytest.approx(
            numeric_lag, rel=1e-6
        )


def test_effective_window_is_the_mean_age():
    assert sp.simplify(sym.effective_window(beta) - 1 / (1 - beta)) == 0
    for b in (0.5, 0.9, 0.99, 0.999):
        ages = np.arange(1, int(60 / (1 - b)))
        mean_age = np.sum(ages * (1 - b) * b ** (ages - 1))
        assert value(sym.effective_window(beta), beta=b) == pytest.approx(mean_age, rel=1e-9)
        assert value(sym.effective_window(beta), beta=b) == pytest.approx(numeric_window(b))


def test_half_life_halves_the_weight():
    for b in (0.5, 0.8, 0.9, 0.99, 0.999):
        h = value(sym.half_life(beta), beta=b)
        assert b**h == pytest.approx(0.5)
        assert h == pytest.approx(numeric_half_life(b))


def test_first_sample_unrolled_matches_starting_at_g1():
    rng = np.random.default_rng(9)
    for n in (1, 2, 7, 30):
        samples = rng.normal(size=n)
        b = float(rng.uniform(0.5, 0.99))
        expr = sym.first_sample_unrolled(beta, n, g).doit()
        number = expr.subs({beta: b, **{g[k + 1]: samples[k] for k in range(n)}})
        assert float(number) == pytest.approx(ema(samples, b, m0=samples[0])[-1], rel=1e-10)
    expr = sym.first_sample_unrolled(beta, t, g)
    assert sp.simplify(expr.coeff(g[1]) - beta ** (t - 1)) == 0


def impulse_responses(beta_value, n, first_sample=False, corrected=False):
    """The weight of each g_i in the last estimate, by feeding the unit streams e_1..e_n."""
    unit = np.eye(n)
    if corrected:
        return bias_corrected_ema(unit, beta_value)[-1]
    return ema(unit, beta_value, m0=unit[0] if first_sample else 0.0)[-1]


def test_variances_are_sigma_squared_times_the_squared_weights():
    for b, n in random_points(seed=10):
        corrected = value(sym.bias_corrected_variance(beta, t, sigma), beta=b, t=n, sigma=1.5)
        first = value(sym.first_sample_variance(beta, t, sigma), beta=b, t=n, sigma=1.5)
        weights = impulse_responses(b, n, corrected=True)
        assert corrected == pytest.approx(2.25 * np.sum(weights**2), rel=1e-9)
        assert first == pytest.approx(2.25 * np.sum(impulse_responses(b, n, True) ** 2), rel=1e-9)


def test_first_sample_variance_by_monte_carlo():
    b, n, streams = 0.99, 20, 20_000
    samples = noisy_stream(n, mean=0.0, std=1.0, seed=11, shape=(streams,))
    started_at_first = ema(samples, b, m0=samples[0])[-1]
    corrected = bias_corrected_ema(samples, b)[-1]
    first = value(sym.first_sample_variance(beta, t, sigma), beta=b, t=n, sigma=1.0)
    fixed = value(sym.bias_corrected_variance(beta, t, sigma), beta=b, t=n, sigma=1.0)
    # the sample variance of 20,000 normals is within 4% of the truth with overwhelming odds
    assert started_at_first.var() == pytest.approx(first, rel=0.04)
    assert corrected.var() == pytest.approx(fixed, rel=0.04)
    assert first > 10 * fixed


def test_steady_state_variance_is_the_limit_of_both():
    stated = sigma**2 * (1 - beta) / (1 + beta)
    assert sp.simplify(sym.steady_state_variance(beta, sigma) - stated) == 0
    for b in (0.5, 0.9, 0.99):
        n = int(60 / (1 - b))
        limit = value(sym.steady_state_variance(beta, sigma), beta=b, sigma=2.0)
        for function in (sym.bias_corrected_variance, sym.first_sample_variance):
            assert value(function(beta, t, sigma), beta=b, t=n, sigma=2.0) == pytest.approx(
                limit, rel=1e-6
            )


def test_ema_variance_is_sigma_squared_times_the_squared_weights():
    stated = sigma**2 * (1 - beta) * (1 - beta ** (2 * t)) / (1 + beta)
    assert sp.simplify(sym.ema_variance(beta, t, sigma) - stated) == 0
    for b, n in random_points(seed=12):
        expected = 2.25 * np.sum(ema_weights(b, n) ** 2)
        assert value(sym.ema_variance(beta, t, sigma), beta=b, t=n, sigma=1.5) == pytest.approx(
            expected, rel=1e-9
        )
    # the corrected average's variance is the raw one's over (1 - beta^t)^2
    ratio = sym.bias_corrected_variance(beta, t, sigma) / sym.ema_variance(beta, t, sigma)
    assert sp.simplify(ratio - 1 / (1 - beta**t) ** 2) == 0


def test_ema_variance_by_monte_carlo():
    b, n, streams = 0.9, 25, 20_000
    samples = noisy_stream(n, mean=3.0, std=2.0, seed=13, shape=(streams,))
    measured = ema(samples, b)[-1].var()
    expected = value(sym.ema_variance(beta, t, sigma), beta=b, t=n, sigma=2.0)
    # the sample variance of 20,000 normals has a relative standard error of 1%
    assert measured == pytest.approx(expected, rel=0.04)


def test_branch_for_unit_interval_keeps_the_branch_for_beta_in_zero_one():
    b = sp.Symbol("beta", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    series = sp.summation(k * b ** (k - 1), (k, 1, sp.oo))
    assert series.has(sp.Piecewise)
    kept = sym.branch_for_unit_interval(series, b)
    assert not kept.has(sp.Piecewise)
    assert sp.simplify(kept - 1 / (1 - b) ** 2) == 0
    finite = sp.summation(b ** (2 * k), (k, 1, t_int))  # a Piecewise with an Eq(beta**2, 1) branch
    kept_finite = sym.branch_for_unit_interval(finite, b)
    expected = sum(0.49**j for j in range(1, 6))
    assert float(kept_finite.subs({b: 0.7, t_int: 5})) == pytest.approx(expected)
    with pytest.raises(ValueError, match="cannot decide"):
        sym.branch_for_unit_interval(sp.Piecewise((1, b < sp.Symbol("c", real=True)), (0, True)), b)
