"""Each derivation of adamlib.symbolic.moments checked against numerics at random points.

Where possible the numerical check is exact: Gauss quadrature is exact for polynomial moments of
the normal (Gauss-Hermite) and uniform (Gauss-Legendre) laws, and expectations over discrete laws
or over all mini-batches are finite sums. Monte Carlo checks use a seeded generator and a tolerance
of 5 standard errors, estimated from the same samples.
"""

import itertools

import numpy as np
import pytest
import sympy as sp
from sympy import stats

from adamlib import data
from adamlib.symbolic import moments

NU = sp.Symbol("nu", real=True)
SIGMA = sp.Symbol("sigma", positive=True)
P = sp.Symbol("p", positive=True)
X_MIN, X_MAX = sp.symbols("x_min x_max", real=True)
RNG = np.random.default_rng(20260202)
ORDERS = [1, 2, 3, 4, 5]


def normal_expectation(f, mu, sigma):
    nodes, weights = np.polynomial.hermite_e.hermegauss(30)  # exact for degree < 60
    return float(np.sum(weights * f(mu + sigma * nodes)) / np.sqrt(2 * np.pi))


def uniform_expectation(f, a, b):
    nodes, weights = np.polynomial.legendre.leggauss(30)
    return float(np.sum(weights * f((a + b) / 2 + (b - a) / 2 * nodes)) / 2)


def bernoulli_expectation(f, p):
    return float(p * f(1.0) + (1 - p) * f(0.0))


CASES = [
    ("normal", stats.Normal("X", NU, SIGMA), lambda: {NU: RNG.normal(), SIGMA: RNG.uniform(0.2, 2)},
     lambda f, v: normal_expectation(f, v[NU], v[SIGMA])),
    ("bernoulli", stats.Bernoulli("Y", P), lambda: {P: RNG.uniform(0.05, 0.95)},
     lambda f, v: bernoulli_expectation(f, v[P])),
    ("uniform", stats.Uniform("U", X_MIN, X_MAX),
     lambda: dict(zip((X_MIN, X_MAX), np.sort(RNG.normal(size=2) * 2))),
     lambda f, v: uniform_expectation(f, v[X_MIN], v[X_MAX])),
]  # fmt: skip


@pytest.mark.parametrize("name, X, draw, expect", CASES, ids=[c[0] for c in CASES])
def test_raw_and_central_moments_match_exact_quadrature(name, X, draw, expect):
    derived = {n: (moments.raw_moment(X, n), moments.central_moment(X, n)) for n in ORDERS}
    for _ in range(3):
        values = {k: float(v) for k, v in draw().items()}
        mean = expect(lambda x: x, values)
        for n in ORDERS:
            raw, central = (float(e.subs(values)) for e in derived[n])
            assert raw == pytest.approx(expect(lambda x: x**n, values), rel=1e-9, abs=1e-12)
            assert central == pytest.approx(
                expect(lambda x: (x - mean) ** n, values), rel=1e-9, abs=1e-12
            )


def test_raw_moments_of_a_normal_match_monte_carlo():
    mu, sigma = 0.7, 1.3
    samples = np.random.default_rng(1).normal(mu, sigma, size=400_000)
    X = stats.Normal("X", NU, SIGMA)
    for n in ORDERS:
        powers = samples**n
        standard_error = powers.std(ddof=1) / np.sqrt(samples.size)
        symbolic = float(moments.raw_moment(X, n).subs({NU: mu, SIGMA: sigma}))
        assert abs(powers.mean() - symbolic) < 5 * standard_error


def test_first_raw_moment_is_the_mean_and_central_first_moment_is_zero():
    for _, X, _, _ in CASES:
        assert sp.simplify(moments.raw_moment(X, 1) - stats.E(X)) == 0
        assert moments.central_moment(X, 1) == 0
        assert moments.raw_moment(X, 0) == 1


def random_discrete_law(size, rng):
    values = rng.normal(size=size) * 2
    probabilities = rng.dirichlet(np.ones(size))
    return values, probabilities


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_central_from_raw_on_random_discrete_laws(n):
    expr = moments.central_from_raw(n)
    for _ in range(5):
        values, probabilities = random_discrete_law(4, RNG)
        raw = {moments.moment_symbol(k): float(probabilities @ values**k) for k in range(1, n + 1)}
        mean = probabilities @ values
        assert float(expr.subs(raw)) == pytest.approx(
            float(probabilities @ (values - mean) ** n), rel=1e-9, abs=1e-12
        )


def test_moment_symbols_print_as_expectations_not_as_m():
    # m is the book's moving average: the raw moments print as E[X^k]
    printed = [sp.latex(moments.moment_symbol(k)) for k in (1, 2, 3)]
    assert printed == ["E[X]", "E[X^{2}]", "E[X^{3}]"]
    assert len({moments.moment_symbol(k) for k in range(1, 6)}) == 5


def test_central_from_raw_two_is_the_variance_identity():
    m1, m2 = moments.moment_symbol(1), moments.moment_symbol(2)
    assert sp.expand(moments.central_from_raw(2) - (m2 - m1**2)) == 0


def test_expectation_iid_matches_exact_enumeration():
    x, y, z, c = sp.symbols("x y z c", real=True)
    expr = (x - 2 * y) ** 2 * (z + c) + x**3 * y - c
    values, probabilities = random_discrete_law(3, RNG)
    c_value = float(RNG.normal())
    exact = 0.0
    for (i, j, k) in itertools.product(range(3), repeat=3):
        weight = probabilities[i] * probabilities[j] * probabilities[k]
        exact += weight * float(expr.subs({x: values[i], y: values[j], z: values[k], c: c_value}))
    derived = moments.expectation_iid(expr, [x, y, z])
    raw = {moments.moment_symbol(k): float(probabilities @ values**k) for k in range(1, 4)}
    assert float(derived.subs(raw).subs(c, c_value)) == pytest.approx(exact, rel=1e-10)


def test_expectation_iid_uses_independence_not_just_linearity():
    x, y = sp.symbols("x y")
    assert moments.expectation_iid(x * y, [x, y]) == moments.moment_symbol(1) ** 2
    assert moments.expectation_iid(x * x, [x, y]) == moments.moment_symbol(2)


@pytest.mark.parametrize("name, X, draw, expect", CASES, ids=[c[0] for c in CASES])
def test_variance_decomposition_pieces_and_gap(name, X, draw, expect):
    assert moments.variance_identity_gap(X) == 0
    values = {k: float(v) for k, v in draw().items()}
    second, variance, squared_mean = (float(e.subs(values)) for e in
                                      moments.variance_decomposition(X))  # fmt: skip
    mean = expect(lambda x: x, values)
    assert second == pytest.approx(expect(lambda x: x**2, values), rel=1e-10)
    assert variance == pytest.approx(expect(lambda x: (x - mean) ** 2, values), rel=1e-10)
    assert squared_mean == pytest.approx(mean**2, rel=1e-10, abs=1e-14)


def exact_expected_sample_variance(n, ddof, values, probabilities):
    """E[(1/(n - ddof)) sum (x_i - xbar)^2] summed over every one of the len(values)**n samples."""
    total = 0.0
    for indices in itertools.product(range(len(values)), repeat=n):
        sample = values[list(indices)]
        weight = np.prod(probabilities[list(indices)])
        total += weight * np.sum((sample - sample.mean()) ** 2) / (n - ddof)
    return total


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("ddof", [0, 1])
def test_expected_sample_variance_matches_exact_enumeration(n, ddof):
    values, probabilities = random_discrete_law(3, RNG)
    mean = probabilities @ values
    variance = probabilities @ (values - mean) ** 2
    derived = moments.expected_sample_variance(n, sigma2=variance, ddof=ddof, nu=mean)
    exact = exact_expected_sample_variance(n, ddof, values, probabilities)
    assert float(derived) == pytest.approx(exact, rel=1e-10)


def test_expected_sample_variance_symbolic_n_agrees_with_concrete_n():
    n = sp.Symbol("n", integer=True, positive=True)
    sigma2 = SIGMA**2
    general = moments.expected_sample_variance(n)
    assert sp.simplify(general - (n - 1) / n * sigma2) == 0
    assert moments.expected_sample_variance(n, ddof=1) == sigma2
    for size in range(2, 8):
        assert sp.simplify(general.subs(n, size) - moments.expected_sample_variance(size)) == 0
    assert moments.expected_sample_variance(4, ddof=1) == sigma2


def test_mean_cancels_from_the_expected_sample_variance():
    assert NU not in moments.expected_sample_variance(4).free_symbols


def test_sample_variance_bias_matches_monte_carlo():
    n = 4
    sigma = 1.5
    samples = np.random.default_rng(2).normal(3.0, sigma, size=(200_000, n))
    biased = samples.var(axis=1, ddof=0)
    standard_error = biased.std(ddof=1) / np.sqrt(biased.size)
    bias = float(moments.sample_variance_bias(n).subs(SIGMA, sigma))
    assert bias == pytest.approx(-(sigma**2) / n)
    assert abs((biased.mean() - sigma**2) - bias) < 5 * standard_error
    assert moments.sample_variance_bias(sp.Symbol("n", positive=True, integer=True), ddof=1) == 0


def test_sample_variance_estimator_is_numpy_var():
    estimator, xs = moments.sample_variance_estimator(4, ddof=1)
    sample = RNG.normal(size=4)
    value = float(estimator.subs(dict(zip(xs, sample))))
    assert value == pytest.approx(np.var(sample, ddof=1), rel=1e-12)


@pytest.mark.parametrize("n, ddof", [(1, 0), (3, 3), (2.5, 0)])
def test_bad_sample_sizes_are_rejected(n, ddof):
    with pytest.raises(ValueError):
        moments.sample_variance_estimator(n, ddof)


def test_bad_orders_are_rejected():
    with pytest.raises(ValueError, match="order"):
        moments.raw_moment(stats.Normal("X", 0, 1), -1)
    with pytest.raises(ValueError, match="order"):
        moments.central_moment(stats.Normal("X", 0, 1), 1.5)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 7])
def test_minibatch_moments_match_enumeration_of_every_batch(batch_size):
    n = 7
    a = RNG.normal(size=n) + 0.5
    batches = [a[list(s)].mean() for s in itertools.combinations(range(n), batch_size)]
    first, second = moments.minibatch_gradient_moments(
        n, batch_size, float(a.mean()), float(a.var())
    )
    assert float(first) == pytest.approx(np.mean(batches), rel=1e-12)
    assert float(second) == pytest.approx(np.mean(np.square(batches)), rel=1e-12)


def test_minibatch_moments_symbolic_form():
    n, size = sp.symbols("n B", integer=True, positive=True)
    abar, s2 = sp.symbols("abar s2", real=True)
    first, second = moments.minibatch_gradient_moments(n, size, abar, s2)
    assert first == abar
    assert sp.simplify(second - (abar**2 + (n - size) / (size * (n - 1)) * s2)) == 0
    assert sp.simplify(second.subs(size, n) - abar**2) == 0  # the full batch has no noise


def test_minibatch_moments_match_monte_carlo_on_least_squares():
    problem = data.least_squares(n_samples=256, n_features=3, seed=3)
    w = np.ones(3)
    per_example = problem.X[:, 0] * (problem.X @ w - problem.y)
    rng = np.random.default_rng(4)
    draws = np.array([problem.minibatch_grad(w, 16, rng)[0] for _ in range(20_000)])
    first, second = moments.minibatch_gradient_moments(
        256, 16, float(per_example.mean()), float(per_example.var())
    )
    assert abs(draws.mean() - float(first)) < 5 * draws.std(ddof=1) / np.sqrt(draws.size)
    squares = draws**2
    assert abs(squares.mean() - float(second)) < 5 * squares.std(ddof=1) / np.sqrt(draws.size)
