"""The closed forms of adamlib.symbolic.rmsprop, checked against adamlib.RMSprop and plain numpy."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.ema import ema
from adamlib.symbolic import rmsprop as sym

beta = sp.Symbol("beta", positive=True)
t = sp.Symbol("t", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
nu, g1 = sp.Symbol("nu", real=True), sp.Symbol("g_1", real=True)
sigma, eta, eps = sp.Symbol("sigma", positive=True), sp.Symbol("eta", positive=True), sp.Symbol(
    "epsilon", positive=True
)


def betas(seed, n=6):
    return np.random.default_rng(seed).uniform(0.5, 0.999, size=n)


def first_step_of_adamlib(b, g, lr=0.01, eps_value=0.0):
    x = np.zeros_like(g)
    adamlib.RMSprop(x, lr=lr, alpha=float(b), eps=eps_value).step(g)
    return x


def test_first_step_formula_matches_adamlib_for_both_signs_and_any_eps():
    expr = sym.rmsprop_first_step(eta, beta, g1, eps)
    assert sp.simplify(expr + eta * g1 / (sp.sqrt(1 - beta) * sp.Abs(g1) + eps)) == 0
    rng = np.random.default_rng(0)
    for b in betas(1):
        g = rng.normal(scale=10.0 ** rng.uniform(-3, 3), size=4)
        for eps_value in (0.0, 1e-8, 0.3):
            step = first_step_of_adamlib(b, g, lr=0.01, eps_value=eps_value)
            formula = [float(expr.subs({eta: 0.01, beta: b, g1: x, eps: eps_value})) for x in g]
            np.testing.assert_allclose(step, formula, rtol=1e-12)


def test_first_step_is_lr_over_sqrt_one_minus_beta_whatever_the_gradient():
    assert sym.rmsprop_first_step_overshoot(sp.Rational(99, 100)) == 10
    assert sp.simplify(sym.rmsprop_first_step_overshoot(beta) - 1 / sp.sqrt(1 - beta)) == 0
    for b in betas(2):
        g = np.array([1e-3, -7.0, 250.0])
        step = first_step_of_adamlib(b, g, lr=1.0)
        expected = float(sym.rmsprop_first_step_overshoot(b))
        np.testing.assert_allclose(np.abs(step), expected, rtol=1e-12)
        np.testing.assert_array_equal(np.sign(step), -np.sign(g))


def test_overshoot_ratio_on_a_constant_gradient():
    assert sp.simplify(sym.rmsprop_overshoot_ratio(beta, t) - 1 / sp.sqrt(1 - beta**t)) == 0
    for b in betas(3, n=3):
        g = np.array([0.5, -3.0])
        x = np.zeros(2)
        opt = adamlib.RMSprop(x, lr=1.0, alpha=float(b), eps=0.0)
        previous = x.copy()
        for step in range(1, 60):
            opt.step(g)
            size = np.abs(x - previous)
            previous = x.copy()
            ratio = float(sym.rmsprop_overshoot_ratio(b, step))
            np.testing.assert_allclose(size, ratio, rtol=1e-10)


def test_overshoot_ratio_is_uncorrected_over_corrected_for_any_history():
    # with eps = 0, dividing v_t by 1 - beta^t shrinks every step by the same factor
    rng = np.random.default_rng(4)
    gradients = rng.normal(size=(40, 3)) * 10.0 ** rng.uniform(-2, 2, size=(40, 1))
    b = 0.95
    v = ema(gradients**2, b)
    steps = np.arange(1, 41)[:, None]
    uncorrected = gradients / np.sqrt(v)
    corrected = gradients / np.sqrt(v / (1 - b**steps))
    expected = [float(sym.rmsprop_overshoot_ratio(b, n)) for n in range(1, 41)]
    expected = np.repeat(np.array(expected)[:, None], 3, axis=1)
    np.testing.assert_allclose(uncorrected / corrected, expected, rtol=1e-12)


@pytest.mark.parametrize("b, tolerance", [(0.9, 0.1), (0.99, 0.1), (0.99, 0.01), (0.999, 0.5)])
def test_overshoot_duration_is_where_the_ratio_crosses(b, tolerance):
    duration = float(sym.rmsprop_overshoot_duration(b, tolerance))
    first_whole_step = int(np.ceil(duration))
    ratios = 1 / np.sqrt(1 - b ** np.arange(1, first_whole_step + 1))
    assert ratios[-1] <= 1 + tolerance < ratios[-2]


@pytest.mark.parametrize("b", [0.99, 0.999, 0.9999])
def test_excess_steps_approach_two_log_two_windows(b):
    assert sp.simplify(sym.rmsprop_overshoot_excess_steps(beta) - 2 * sp.log(2) / (1 - beta)) == 0
    steps = np.arange(1, int(60 / (1 - b)))
    excess = np.sum(1 / np.sqrt(1 - b**steps) - 1)
    predicted = float(sym.rmsprop_overshoot_excess_steps(b))
    # only the leading term: the remainder grows like 1/sqrt(1 - beta), so the relative error
    # shrinks like sqrt(1 - beta) (about 1.05 sqrt(1 - beta))
    assert excess == pytest.approx(predicted, rel=1.2 * np.sqrt(1 - b))
    assert abs(excess - predicted) > 0.5 * np.sqrt(1 / (1 - b))  # and it is not exact


def test_excess_steps_measured_on_adamlib():
    b, n = 0.99, 6000
    x = np.zeros(1)
    opt = adamlib.RMSprop(x, lr=1.0, alpha=b, eps=0.0)
    for _ in range(n):
        opt.step(np.array([2.0]))
    extra = -x[0] - n  # the corrected steps would have travelled exactly n
    numeric = np.sum(1 / np.sqrt(1 - b ** np.arange(1, n + 1)) - 1)
    assert extra == pytest.approx(numeric, rel=1e-9)
    assert extra == pytest.approx(float(sym.rmsprop_overshoot_excess_steps(b)), rel=0.12)


def test_second_moment_after_switch_matches_the_recursion():
    a, c = sp.symbols("a c", positive=True)
    expr = sym.second_moment_after_switch(beta, k, a, c)
    assert sp.simplify(expr - (beta**k * a + (1 - beta**k) * c)) == 0
    for b in betas(5, n=3):
        v = 4.0
        for steps in range(1, 30):
            v = b * v + (1 - b) * 0.25  # a constant squared gradient 0.25 after the switch
            assert float(sym.second_moment_after_switch(b, steps, 4.0, 0.25)) == pytest.approx(
                v, rel=1e-12
            )


def test_second_moment_after_switch_by_monte_carlo_on_adamlib():
    b, before, after, streams = 0.9, 400, 30, 20_000
    rng = np.random.default_rng(6)
    gradients = np.concatenate([rng.normal(0.0, 10.0, size=(before, streams)),
                                rng.normal(0.0, 0.1, size=(after, streams))])  # fmt: skip
    x = np.zeros(streams)
    opt = adamlib.RMSprop(x, lr=0.0, alpha=b)
    for g in gradients[:before]:
        opt.step(g)
    start = opt.square_avg[0].copy()
    for g in gradients[before:]:
        opt.step(g)
    predicted = float(sym.second_moment_after_switch(b, after, 100.0, 0.01))
    # E[v_{ts+k} | v_{ts}] averaged over streams: use the measured v_{ts} in place of E[v_{ts}]
    conditional = float(sym.second_moment_after_switch(b, after, start.mean(), 0.01))
    measured = opt.square_avg[0]
    standard_error = measured.std() / np.sqrt(streams)
    assert abs(measured.mean() - conditional) < 4 * standard_error
    assert measured.mean() == pytest.approx(predicted, rel=0.05)


@pytest.mark.parametrize(
    "b, q, tolerance", [(0.9, 1e4, 1.0), (0.99, 100.0, 0.1), (0.999, 1e4, 1.0)]
)
def test_forgetting_time_is_where_the_root_mean_square_comes_back(b, q, tolerance):
    k_star = float(sym.rmsprop_forgetting_time(b, q, tolerance))
    ks = np.arange(0, int(k_star) + 3)
    root = np.sqrt(b**ks * q + (1 - b**ks))  # sqrt(E v) / rms after the switch
    assert root[int(np.floor(k_star))] > 1 + tolerance >= root[int(np.ceil(k_star))]
    approx = np.log((q - 1) / (tolerance * (tolerance + 2))) / (1 - b)  # -ln(beta) ~ 1 - beta
    assert k_star == pytest.approx(approx, rel=1 - b)


def test_centered_expectation_in_the_stated_form():
    expr = sym.centered_second_moment_expectation(beta, t, nu, sigma)
    ema_var = sigma**2 * (1 - beta) * (1 - beta ** (2 * t)) / (1 + beta)
    stated = (1 - beta**t) * sigma**2 - ema_var + beta**t * (1 - beta**t) * nu**2
    tidy = ((1 - beta**t) * (2 * beta - (1 - beta) * beta**t) / (1 + beta) * sigma**2
            + beta**t * (1 - beta**t) * nu**2)  # fmt: skip
    assert sp.simplify(expr - stated) == 0
    assert sp.simplify(expr - tidy) == 0
    assert sp.simplify(expr.subs(t, 1) - beta * (1 - beta) * (nu**2 + sigma**2)) == 0


@pytest.mark.parametrize("b, n", [(0.9, 1), (0.9, 5), (0.9, 40), (0.99, 30)])
def test_centered_expectation_by_monte_carlo_on_adamlib(b, n):
    streams, mean, std = 40_000, 1.5, 0.7
    rng = np.random.default_rng(7 + n)
    x = np.zeros(streams)
    opt = adamlib.RMSprop(x, lr=0.0, alpha=b, centered=True)
    for _ in range(n):
        opt.step(rng.normal(mean, std, size=streams))
    gap = opt.square_avg[0] - opt.grad_avg[0] ** 2
    expected = float(sym.centered_second_moment_expectation(b, n, mean, std))
    assert abs(gap.mean() - expected) < 4 * gap.std() / np.sqrt(streams)


def test_centered_noiseless_gap_is_exact():
    b, g = 0.8, 1.7
    x = np.zeros(1)
    opt = adamlib.RMSprop(x, lr=0.0, alpha=b, centered=True)
    for n in range(1, 25):
        opt.step(np.array([g]))
        gap = opt.square_avg[0][0] - opt.grad_avg[0][0] ** 2
        expected = float(sym.centered_second_moment_expectation(b, n, g, 0))
        assert gap == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_centered_steady_state_is_the_limit_and_a_bessel_factor():
    stated = 2 * beta * sigma**2 / (1 + beta)
    assert sp.simplify(sym.centered_steady_state(beta, sigma) - stated) == 0
    n_equivalent = (1 + beta) / (1 - beta)
    assert sp.simplify(sym.centered_steady_state(beta, 1) - (n_equivalent - 1) / n_equivalent) == 0
    for b in (0.5, 0.9, 0.99):
        far = int(80 / (1 - b))
        late = float(sym.centered_second_moment_expectation(b, far, 3.0, 0.5))
        assert late == pytest.approx(float(sym.centered_steady_state(b, 0.5)), rel=1e-9)


def test_centered_first_step_matches_adamlib():
    stated = 1 / sp.sqrt(beta * (1 - beta))
    assert sp.simplify(sym.centered_first_step_overshoot(beta) - stated) == 0
    for b in betas(8, n=4):
        x = np.zeros(2)
        opt = adamlib.RMSprop(x, lr=1.0, alpha=float(b), eps=0.0, centered=True)
        opt.step(np.array([3.0, -0.01]))
        expected = float(sym.centered_first_step_overshoot(b))
        np.testing.assert_allclose(np.abs(x), expected, rtol=1e-9)
