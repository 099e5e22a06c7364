"""Tests of adamlib.symbolic.momentum: every derivation against numerics at seeded random points."""

import numpy as np
import pytest
import sympy as sp

import adamlib
from adamlib.symbolic import momentum as sym

eta, mu, lam, beta = sp.symbols("eta mu lambda beta")


def quadratic_gradient(diagonal):
    return lambda x: diagonal * x


def run_torch_convention(grad, x0, lr, momentum, steps, nesterov=False):
    x = x0.copy()
    opt = adamlib.SGD(x, lr=lr, momentum=momentum, nesterov=nesterov)
    path = [x.copy()]
    for _ in range(steps):
        opt.step(grad(x))
        path.append(x.copy())
    return np.array(path)


def test_conventions_inductive_step_is_zero():
    assert momentum_pair_is_zero(sym.momentum_conventions_equivalence(eta, beta))


def momentum_pair_is_zero(pair):
    return all(sp.simplify(e) == 0 for e in pair)


def test_conventions_without_rescaling_differ():
    # The same inductive step with rate eta (not eta/(1-beta)) leaves a residual: the test can fail.
    theta, b, g = sp.symbols("theta b g")
    torch_theta, _ = sym.heavy_ball_step(theta, b, g, eta, beta)
    ema_theta, _ = sym.ema_momentum_step(theta, (1 - beta) * b, g, eta, beta)
    assert sp.simplify(ema_theta - torch_theta) != 0


@pytest.mark.parametrize("seed", range(3))
def test_conventions_give_identical_paths(seed):
    rng = np.random.default_rng(seed)
    diagonal = rng.uniform(0.1, 5.0, size=4)
    matrix = rng.normal(size=(4, 4)) * 0.1
    grad = lambda x: diagonal * x + np.sin(matrix @ x)  # not a quadratic: any objective works
    x0 = rng.normal(size=4)
    lr, b = rng.uniform(0.01, 0.05), rng.uniform(0.5, 0.95)
    torch_path = run_torch_convention(grad, x0, lr, b, 60)
    x, m, ema_path = x0.copy(), np.zeros(4), [x0.copy()]
    for _ in range(60):
        m = b * m + (1 - b) * grad(x)
        x = x - lr / (1 - b) * m
        ema_path.append(x.copy())
    np.testing.assert_allclose(torch_path, np.array(ema_path), rtol=1e-12, atol=1e-12)


def test_transient_and_steady_state_rate_match_sgd_on_a_constant_gradient():
    rng = np.random.default_rng(1)
    lr, momentum = rng.uniform(0.01, 0.1), rng.uniform(0.5, 0.95)
    x = np.zeros(1)
    opt = adamlib.SGD(x, lr=lr, momentum=momentum)
    g = np.array([2.5])
    t = sp.Symbol("t", integer=True, positive=True)
    formula = sp.lambdify((eta, mu, t), sym.transient_rate(eta, mu, t))
    for step in range(1, 400):
        before = x.copy()
        opt.step(g)
        measured = (before - x)[0] / g[0]
        assert measured == pytest.approx(formula(lr, momentum, step), rel=1e-12)
        if step <= 4:
            exact = sym.transient_rate(sp.Float(lr), sp.Float(momentum), step)
            assert float(exact) == pytest.approx(measured, rel=1e-12)
    steady = float(sym.steady_state_rate(lr, momentum))
    assert steady == pytest.approx(lr / (1 - momentum), rel=1e-12)
    assert measured == pytest.approx(steady, rel=1e-9)
    assert sym.steady_state_rate(eta, mu) == eta / (1 - mu)


@pytest.mark.parametrize("nesterov", [False, True])
def test_iteration_matrices_match_sgd_update(nesterov):
    rng = np.random.default_rng(2)
    build = sym.nesterov_iteration_matrix if nesterov else sym.heavy_ball_iteration_matrix
    for _ in range(5):
        lr, momentum, curvature = rng.uniform(0.01, 1), rng.uniform(0, 0.99), rng.uniform(0.1, 10)
        x, b = rng.normal(size=2)
        matrix = np.array(build(lr, momentum, curvature), dtype=float)
        new_x, new_b = sgd_step(x, b, curvature, lr, momentum, nesterov)
        np.testing.assert_allclose(matrix @ [x, b], [new_x, new_b], rtol=1e-12)


def sgd_step(x, b, curvature, lr, momentum, nesterov):
    theta, buffer = adamlib.sgd_update(np.array([x]), np.array([curvature * x]), np.array([b]), 2,
                                       lr=lr, momentum=momentum, nesterov=nesterov)
    return theta[0], buffer[0]


def test_heavy_ball_eigenvalues_match_numpy():
    rng = np.random.default_rng(3)
    complex_cases = 0
    for _ in range(20):
        lr, momentum, curvature = rng.uniform(0.01, 1), rng.uniform(0, 0.99), rng.uniform(0.1, 5)
        exact = [complex(e) for e in sym.heavy_ball_eigenvalues(lr, momentum, curvature)]
        matrix = np.array(sym.heavy_ball_iteration_matrix(lr, momentum, curvature), dtype=float)
        numeric = np.linalg.eigvals(matrix)
        key = lambda z: (round(z.real, 9), z.imag)
        np.testing.assert_allclose(sorted(exact, key=key), sorted(numeric, key=key), atol=1e-12)
        if abs(exact[0].imag) > 0:
            complex_cases += 1
            assert abs(exact[0]) == pytest.approx(np.sqrt(momentum), rel=1e-12)
    assert complex_cases >= 3


def spectral_radius(lr, momentum, curvatures, nesterov=False):
    build = sym.nesterov_iteration_matrix if nesterov else sym.heavy_ball_iteration_matrix
    matrix = sp.lambdify(lam, build(lr, momentum, lam))
    return max(np.max(np.abs(np.linalg.eigvals(np.array(matrix(c), dtype=float))))
               for c in curvatures)


def test_optimal_heavy_ball_formulas():
    m, L = sp.symbols("m L", positive=True)
    lr, momentum, rate = sym.optimal_heavy_ball(m, L)
    assert sp.simplify(lr - 4 / (sp.sqrt(L) + sp.sqrt(m)) ** 2) == 0
    assert sp.simplify(rate - (sp.sqrt(L) - sp.sqrt(m)) / (sp.sqrt(L) + sp.sqrt(m))) == 0
    assert sp.simplify(momentum - rate**2) == 0
    kappa = sp.Symbol("kappa", positive=True)
    best_momentum, best_rate = sym.optimal_momentum(kappa)
    target = (sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)
    rng = np.random.default_rng(4)
    for k in rng.uniform(1.5, 1e4, size=5):
        assert float(best_rate.subs(kappa, k)) == pytest.approx(float(target.subs(kappa, k)))
        expected_rate = float(target.subs(kappa, k))
        assert float(best_momentum.subs(kappa, k)) == pytest.approx(expected_rate**2)


@pytest.mark.parametrize("seed", range(3))
def test_optimal_heavy_ball_is_optimal_numerically(seed):
    rng = np.random.default_rng(seed)
    m, L = rng.uniform(0.05, 1), rng.uniform(2, 20)
    lr, momentum, rate = (float(e) for e in sym.optimal_heavy_ball(m, L))
    curvatures = np.linspace(m, L, 101)
    # Double roots at both ends: the discriminant vanishes there.
    for c in (m, L):
        assert (1 + momentum - lr * c) ** 2 - 4 * momentum == pytest.approx(0, abs=1e-12)
    best = spectral_radius(lr, momentum, curvatures)
    assert best == pytest.approx(rate, rel=1e-6)
    for d_lr, d_mom in [(1.02, 1), (0.98, 1), (1, 1.02), (1, 0.98)]:
        assert spectral_radius(lr * d_lr, momentum * d_mom, curvatures) > best + 1e-6


def test_measured_rate_of_sgd_matches_optimal_rate():
    kappa = 100.0
    diagonal = np.array([1.0, 7.0, 30.0, kappa])
    momentum, rate = (float(e) for e in sym.optimal_momentum(kappa))
    lr = float(sym.optimal_heavy_ball(1.0, kappa)[0])
    path = run_torch_convention(quadratic_gradient(diagonal), np.ones(4), lr, momentum, 400)
    error = np.linalg.norm(path, axis=1)
    measured = (error[400] / error[300]) ** (1 / 100)
    assert measured == pytest.approx(rate, rel=0.01)
    plain = run_torch_convention(quadratic_gradient(diagonal), np.ones(4), 2 / (1 + kappa), 0, 400)
    plain_error = np.linalg.norm(plain, axis=1)
    assert (plain_error[400] / plain_error[300]) ** (1 / 100) == pytest.approx(
        (kappa - 1) / (kappa + 1), rel=1e-3)


def test_nesterov_lookahead_inductive_step_is_zero():
    assert momentum_pair_is_zero(sym.nesterov_lookahead_equivalence(eta, mu))


def test_nesterov_iterates_are_sutskever_lookahead_points():
    rng = np.random.default_rng(5)
    grad = lambda x: x**3 + np.array([1.0, 4.0, 0.5]) * x  # gradient of a non-quadratic
    x0 = rng.normal(size=3)
    lr, momentum = 0.05, 0.9
    torch_path = run_torch_convention(grad, x0, lr, momentum, 50, nesterov=True)
    theta, v = x0.copy(), np.zeros(3)
    for step in range(1, 51):
        v = momentum * v - lr * grad(theta + momentum * v)
        theta = theta + v
        np.testing.assert_allclose(torch_path[step], theta + momentum * v, rtol=1e-12, atol=1e-14)


def test_nesterov_eigenvalues_match_the_characteristic_polynomial():
    rng = np.random.default_rng(6)
    for _ in range(5):
        lr, momentum, curvature = rng.uniform(0.01, 1), rng.uniform(0, 0.99), rng.uniform(0.1, 5)
        matrix = np.array(sym.nesterov_iteration_matrix(lr, momentum, curvature), dtype=float)
        a = 1 - lr * curvature
        roots = np.roots([1, -(1 + momentum) * a, momentum * a])
        np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(matrix)),
                                   np.sort_complex(roots), atol=1e-12)


def test_ema_noise_variance_ratio_matches_monte_carlo():
    b = sp.Symbol("beta")
    assert sp.simplify(sym.ema_noise_variance_ratio(b) - (1 - b) / (1 + b)) == 0
    rng = np.random.default_rng(7)
    beta_value, steps, streams = 0.8, 30, 40000
    noise = rng.normal(size=(steps, streams))
    m = np.zeros(streams)
    for t in range(steps):
        m = beta_value * m + (1 - beta_value) * noise[t]
    finite = float(sym.ema_noise_variance_ratio(sp.Float(beta_value), steps))
    limit = float(sym.ema_noise_variance_ratio(sp.Float(beta_value)))
    assert finite == pytest.approx(limit, rel=1e-4)
    assert m.var() == pytest.approx(finite, rel=0.03)
    assert float(sym.ema_noise_variance_ratio(sp.Rational(1, 2), 1)) == 0.25
