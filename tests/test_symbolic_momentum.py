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


def test_varying_momentum_inductive_step_is_zero():
    assert momentum_pair_is_zero(sym.varying_momentum_equivalence(*sp.symbols("alpha b_t b_prev")))
    lr, momentum = sym.ema_momentum_as_heavy_ball(0.5, 0.9, 0.5)
    assert float(lr) == pytest.approx(0.05) and float(momentum) == pytest.approx(4.5)
    # A constant decay gives mu = beta and a rescaled rate.
    b = sp.Symbol("beta")
    assert sym.ema_momentum_as_heavy_ball(sp.Symbol("alpha"), b, b)[1] == b


def varying_schedule(seed, steps=50):
    rng = np.random.default_rng(seed)
    decays = np.clip(np.cumsum(rng.uniform(-0.1, 0.15, size=steps)) + 0.3, 0.0, 0.97)
    rates = rng.uniform(0.01, 0.05, size=steps)
    return decays, rates


def run_average(grad, x0, decays, rates):
    x, m, path = x0.copy(), np.zeros_like(x0), [x0.copy()]
    for decay, rate in zip(decays, rates):
        m = decay * m + (1 - decay) * grad(x)
        x = x - rate * m
        path.append(x.copy())
    return np.array(path)


def run_sgd_update(grad, x0, lrs, momenta):
    x, buffer, path = x0.copy(), None, [x0.copy()]
    for t, (lr, momentum) in enumerate(zip(lrs, momenta), start=1):
        x, buffer = adamlib.sgd_update(x, grad(x), buffer, t, lr=lr, momentum=momentum)
        path.append(x.copy())
    return np.array(path)


@pytest.mark.parametrize("seed", range(3))
def test_varying_momentum_gives_identical_paths(seed):
    decays, rates = varying_schedule(seed)
    previous = np.concatenate([[0.0], decays[:-1]])
    convert = sp.lambdify(sp.symbols("a b p"), sym.ema_momentum_as_heavy_ball(*sp.symbols("a b p")))
    lrs, momenta = convert(rates, decays, previous)
    grad = lambda x: x**3 + np.array([1.0, 6.0]) * x
    x0 = np.random.default_rng(seed).normal(size=2)
    expected = run_average(grad, x0, decays, rates)
    np.testing.assert_allclose(run_sgd_update(grad, x0, lrs, momenta), expected, rtol=1e-12, atol=1e-13)
    # Using the decay itself as PyTorch's momentum (with the rescaled rate) is a different method.
    naive = run_sgd_update(grad, x0, rates * (1 - decays), np.maximum(decays, 1e-12))
    assert np.max(np.abs(naive - expected)) > 1e-4


_iteration_matrix = sp.lambdify((eta, mu, lam), sym.heavy_ball_iteration_matrix(eta, mu, lam))


def spectral_radius_at(lr, momentum, curvature):
    matrix = np.array(_iteration_matrix(lr, momentum, curvature), dtype=float)
    return np.max(np.abs(np.linalg.eigvals(matrix)))


def test_jury_conditions_and_stability_limit():
    eta_, mu_, lam_ = sp.symbols("eta mu lambda")
    at_one, at_minus_one, radius = sym.heavy_ball_jury_conditions(eta_, mu_, lam_)
    assert at_one == eta_ * lam_
    assert sp.expand(at_minus_one - (2 * (1 + mu_) - eta_ * lam_)) == 0
    assert radius == 1 - mu_**2
    assert sym.heavy_ball_stability_limit(mu_) == 2 * mu_ + 2
    limit_of = sp.lambdify(mu_, sym.heavy_ball_stability_limit(mu_))
    rng = np.random.default_rng(8)
    for _ in range(200):
        momentum, curvature = rng.uniform(0, 0.99), rng.uniform(0.1, 10)
        lr = rng.uniform(0.01, 5.0) / curvature
        stable = lr * curvature < limit_of(momentum)
        assert stable == (spectral_radius_at(lr, momentum, curvature) < 1)
    # Either side of the limit, close to it.
    for momentum in (0.0, 0.5, 0.9):
        limit = 2 * (1 + momentum)
        assert spectral_radius_at(0.999 * limit, momentum, 1.0) < 1
        assert spectral_radius_at(1.001 * limit, momentum, 1.0) > 1


def test_position_matrix_has_the_eigenvalues_of_the_iteration_matrix_and_tracks_sgd():
    rng = np.random.default_rng(9)
    for _ in range(5):
        lr, momentum, curvature = rng.uniform(0.01, 1), rng.uniform(0, 0.99), rng.uniform(0.1, 3)
        position = np.array(sym.heavy_ball_position_matrix(lr, momentum, curvature), dtype=float)
        state = np.array(sym.heavy_ball_iteration_matrix(lr, momentum, curvature), dtype=float)
        np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(position)),
                                   np.sort_complex(np.linalg.eigvals(state)), atol=1e-12)
        # (theta_t, theta_{t-1}) = A' (theta_{t-1}, theta_{t-2}) + (-eta, 0) xi_t along a noisy run.
        noise = rng.normal(size=30)
        x = np.array([rng.normal()])
        opt = adamlib.SGD(x, lr=lr, momentum=momentum)
        thetas = [x[0], x[0]]  # theta_0, and theta_{-1} = theta_0 (b_0 = 0)
        for xi in noise:
            opt.step(curvature * x + xi)
            thetas.append(x[0])
        for t in range(2, len(thetas)):
            predicted = position @ [thetas[t - 1], thetas[t - 2]] + np.array([-lr * noise[t - 2], 0])
            np.testing.assert_allclose(predicted, [thetas[t], thetas[t - 1]], rtol=1e-10, atol=1e-12)


def test_stationary_variance_solves_the_lyapunov_equation():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(10)
    for _ in range(10):
        momentum, curvature, noise_std = rng.uniform(0, 0.99), rng.uniform(0.1, 5), rng.uniform(0.1, 3)
        lr = rng.uniform(0.01, 0.99) * 2 * (1 + momentum) / curvature  # inside the stable region
        matrix = np.array(sym.heavy_ball_position_matrix(lr, momentum, curvature), dtype=float)
        forcing = np.array([[lr**2 * noise_std**2, 0.0], [0.0, 0.0]])
        numeric = scipy_linalg.solve_discrete_lyapunov(matrix, forcing)[0, 0]
        exact = float(sym.heavy_ball_stationary_variance(lr, momentum, curvature, noise_std))
        assert exact == pytest.approx(numeric, rel=1e-9)
    # With mu = 0 it is SGD's eta sigma^2 / (lambda (2 - eta lambda)).
    eta_, lam_, sigma_ = sp.symbols("eta lambda sigma", positive=True)
    sgd = sym.heavy_ball_stationary_variance(eta_, 0, lam_, sigma_)
    assert sp.simplify(sgd - eta_ * sigma_**2 / (lam_ * (2 - eta_ * lam_))) == 0


def test_stationary_variance_matches_a_simulation_with_sgd():
    lr, momentum, curvature, noise_std = 0.05, 0.8, 2.0, 1.5
    chains, steps, burn_in = 2000, 2000, 500
    rng = np.random.default_rng(11)
    x = np.zeros(chains)
    opt = adamlib.SGD(x, lr=lr, momentum=momentum)
    samples = []
    for step in range(steps):
        opt.step(curvature * x + noise_std * rng.normal(size=chains))
        if step >= burn_in and step % 50 == 0:  # 50 steps apart: nearly independent draws
            samples.append(x.copy())
    measured = np.var(np.array(samples))
    exact = float(sym.heavy_ball_stationary_variance(lr, momentum, curvature, noise_std))
    # Draws 50 steps apart are correlated by |z|^50 < 0.01 here, so treat them as independent:
    # the variance of N normal draws has standard error sqrt(2/N) times the variance.
    standard_error = exact * np.sqrt(2 / np.array(samples).size)
    assert abs(measured - exact) < 4 * standard_error
    # The per-step noise ratio (1 - mu)/(1 + mu) = 0.11 would predict a far smaller variance than
    # SGD's at the same effective rate; the measured one is 0.77 times SGD's.
    sgd_same_effective_rate = float(sym.heavy_ball_stationary_variance(lr / (1 - momentum), 0,
                                                                       curvature, noise_std))
    assert measured > 0.5 * sgd_same_effective_rate
