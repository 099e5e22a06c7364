"""Tests of adamlib.symbolic.adagrad: each closed form checked against numerics at seeded points."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.ema import ema_weights
from adamlib.symbolic import adagrad as sym

eta, alpha, lam, theta0, D, s = sp.symbols("eta alpha lambda theta_0 D s", positive=True)
g = sp.Symbol("g", real=True)
t, i, T = sp.symbols("t i T", integer=True, positive=True)
beta2, eps = sp.symbols("beta_2 epsilon", positive=True)
g_indexed = sp.IndexedBase("g")


def random_points(n=5, seed=0):
    """Seeded (eta, g) pairs: eta in (0.01, 1), g of either sign and sizes from 1e-3 to 1e3."""
    rng = np.random.default_rng(seed)
    return [(float(rng.uniform(0.01, 1.0)), float(rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 3)))
            for _ in range(n)]


@pytest.mark.parametrize(("lr", "gradient"), random_points())
def test_constant_gradient_step_matches_adamlib(lr, gradient):
    x = np.zeros(1)
    opt = adamlib.Adagrad(x, lr=lr, eps=0.0)
    for step in range(1, 51):
        before = x[0]
        opt.step(np.array([gradient]))
        predicted = float(sym.adagrad_constant_gradient_step(lr, gradient, step))
        assert x[0] - before == pytest.approx(predicted, rel=1e-12)


def test_constant_gradient_step_is_the_signed_inverse_square_root():
    assert sym.adagrad_constant_gradient_step(eta, g, t) == -eta * sp.sign(g) / sp.sqrt(t)
    assert sym.adagrad_constant_gradient_step(2, -5, 4) == 1


@pytest.mark.parametrize("seed", range(3))
def test_quadratic_iterates_match_adamlib_and_do_not_depend_on_the_curvature(seed):
    rng = np.random.default_rng(seed)
    lr, curvature, start = rng.uniform(0.05, 0.5), 10 ** rng.uniform(-2, 3), rng.uniform(0.5, 2)
    iterates = sym.adagrad_quadratic_iterates(eta, lam, theta0, 3)
    assert all(sp.diff(iterate, lam) == 0 for iterate in iterates)
    x = np.array([start])
    opt = adamlib.Adagrad(x, lr=lr, eps=0.0)
    numbers = [start]
    for _ in range(3):
        opt.step(curvature * x)  # the gradient of curvature * x^2 / 2
        numbers.append(x[0])
    predicted = [float(it.subs({eta: lr, theta0: start, lam: curvature})) for it in iterates]
    np.testing.assert_allclose(numbers, predicted, rtol=1e-10)


def test_quadratic_iterates_validate_n():
    with pytest.raises(ValueError):
        sym.adagrad_quadratic_iterates(eta, lam, theta0, -1)


@pytest.mark.parametrize("power", [sp.Rational(1, 2), sp.Integer(1), sp.Rational(3, 2)])
def test_rate_sum_bounds_contain_the_sums(power):
    lower, upper = sym.rate_sum_bounds(T, power)
    for n in (1, 2, 7, 100, 12_345):
        total = np.sum(np.arange(1, n + 1, dtype=float) ** -float(power))
        assert float(lower.subs(T, n)) <= total <= float(upper.subs(T, n)) + 1e-12


def test_rate_sum_bounds_have_the_growth_the_chapter_states():
    lower, upper = sym.rate_sum_bounds(T, sp.Rational(1, 2))
    assert sp.limit(lower / (2 * sp.sqrt(T)), T, sp.oo) == 1
    assert sp.limit(upper / (2 * sp.sqrt(T)), T, sp.oo) == 1
    lower, upper = sym.rate_sum_bounds(T, 1)
    assert sp.limit(lower / sp.log(T), T, sp.oo) == 1
    assert sp.limit(upper / sp.log(T), T, sp.oo) == 1


def test_rate_sum_bounds_refuse_a_non_positive_power():
    with pytest.raises(ValueError):
        sym.rate_sum_bounds(T, 0)


@pytest.mark.parametrize("seed", range(4))
def test_hindsight_rate_minimizes_the_regret_bound_numerically(seed):
    rng = np.random.default_rng(seed)
    distance, accumulated = rng.uniform(0.1, 10), 10 ** rng.uniform(-3, 3)
    best = float(sym.hindsight_best_rate(distance, accumulated))
    value = float(sym.hindsight_regret_bound(distance, accumulated))

    def bound(rate):
        return distance**2 / (2 * rate) + rate * accumulated / 2

    assert bound(best) == pytest.approx(value, rel=1e-12)
    rates = best * np.geomspace(0.01, 100, 2001)
    assert rates[np.argmin(bound(rates))] == pytest.approx(best, rel=0.01)
    assert np.all(bound(rates) >= value * (1 - 1e-12))


def test_hindsight_forms():
    assert sym.hindsight_best_rate(D, s) == D / sp.sqrt(s)
    assert sym.hindsight_regret_bound(D, s) == D * sp.sqrt(s)


def test_best_step_form_and_its_factor():
    best, factor = sym.adagrad_regret_best_step(D)
    assert sp.simplify(best - D / sp.sqrt(2)) == 0
    assert sp.simplify(factor - sp.sqrt(2) * D) == 0


@pytest.mark.parametrize("seed", range(3))
def test_clipped_adagrad_regret_stays_below_the_bound_at_the_best_step(seed):
    # Linear losses g_t . theta on the box [-1, 1]^d (D_infty = 2), sparse drifting gradients.
    rng = np.random.default_rng(seed)
    steps, d, side = 400, 6, 2.0
    seen = rng.random((steps, d)) < np.geomspace(1.0, 0.02, d)
    G = seen * (rng.normal(size=(steps, d)) + rng.normal(size=d))
    G[0] = rng.normal(size=d)  # s_1 > 0 in every coordinate, so eps = 0 is safe
    best, factor = (float(v) for v in sym.adagrad_regret_best_step(side))
    x = np.zeros(d)
    opt = adamlib.Adagrad(x, lr=best, eps=0.0)
    paid = 0.0
    for gradient in G:
        paid += gradient @ x
        opt.step(gradient)
        np.clip(x, -1.0, 1.0, out=x)
    regret = paid - G.sum(axis=0) @ -np.sign(G.sum(axis=0))
    assert 0 < regret <= factor * np.sqrt(np.sum(G**2, axis=0)).sum()


@pytest.mark.parametrize("seed", range(4))
def test_adam_weights_are_the_bias_corrected_ema_weights(seed):
    rng = np.random.default_rng(seed)
    b, n = float(rng.uniform(0.5, 0.9999)), int(rng.integers(1, 200))
    numeric = ema_weights(b, n) / (1 - b**n)
    symbolic = [float(sym.adam_bias_corrected_weight(b, n, k)) for k in (1, n // 2 + 1, n)]
    np.testing.assert_allclose(symbolic, numeric[[0, n // 2, n - 1]], rtol=1e-9)


def test_adam_weight_limit_is_one_over_t():
    assert sym.adam_bias_corrected_weight_limit(t, i) == 1 / t
    for n in (1, 5, 300):
        weights = ema_weights(1 - 1e-9, n) / (1 - (1 - 1e-9) ** n)
        np.testing.assert_allclose(weights, 1 / n, rtol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_first_order_weights_are_accurate_to_second_order(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 100))
    k = int(rng.integers(1, n + 1))
    errors = []
    for gap in (1e-3, 1e-4):
        exact = float(sym.adam_bias_corrected_weight(sp.Rational(1) - sp.Float(gap, 30), n, k))
        first = float(sym.adam_bias_corrected_weight_first_order(1 - sp.Float(gap, 30), n, k))
        errors.append(abs(exact - first))
    # the remainder is O(gap^2): ten times smaller gap, about a hundred times smaller error
    assert errors[1] < errors[0] / 50


def test_first_order_weight_form():
    expected = 1 / t + (1 - beta2) * (2 * i - t - 1) / (2 * t)
    assert sp.simplify(sym.adam_bias_corrected_weight_first_order(beta2, t, i) - expected) == 0


def test_second_moment_limit_is_the_plain_mean_and_matches_adam():
    for n in (1, 2, 5):
        limit = sym.adam_second_moment_limit(g_indexed, n, i).doit()
        plain_mean = sum(g_indexed[k] ** 2 for k in range(1, n + 1)) / n
        assert sp.expand(limit - plain_mean) == 0
    rng = np.random.default_rng(7)
    grads = rng.standard_normal((40, 3))
    opt = adamlib.Adam(np.zeros(3), lr=0.0, betas=(0.0, 1 - 1e-9))
    for gradient in grads:
        opt.step(gradient)
    v_hat = opt.v[0] / (1 - (1 - 1e-9) ** len(grads))
    np.testing.assert_allclose(v_hat, np.mean(grads**2, axis=0), rtol=1e-6)


def test_epsilon_map_matches_adam_in_the_limit():
    assert sym.adam_epsilon_as_adagrad_epsilon(eps, t) == eps * sp.sqrt(t)
    rng = np.random.default_rng(8)
    grads = rng.standard_normal((60, 2)) * np.array([1e-2, 1.0])
    epsilon, lr = 0.05, 0.1
    x = np.zeros(2)
    opt = adamlib.Adam(x, lr=lr, betas=(0.0, 1 - 1e-9), eps=epsilon)
    accumulator, reference = np.zeros(2), np.zeros(2)
    for step, gradient in enumerate(grads, start=1):
        opt.lr = lr / np.sqrt(step)
        opt.step(gradient)
        accumulator = accumulator + gradient**2
        eps_step = float(sym.adam_epsilon_as_adagrad_epsilon(epsilon, step))
        reference = reference - lr * gradient / (np.sqrt(accumulator) + eps_step)
    np.testing.assert_allclose(x, reference, rtol=1e-6)
