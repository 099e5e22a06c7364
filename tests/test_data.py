"""Tests of adamlib.data: reproducibility, the promised structure, and unbiased mini-batch gradients."""

import numpy as np
import pytest

from adamlib import data


def test_least_squares_is_reproducible_and_float64():
    a = data.least_squares(seed=7)
    b = data.least_squares(seed=7)
    c = data.least_squares(seed=8)
    for name in ("X", "y", "w_true", "w_star"):
        assert getattr(a, name).dtype == np.float64
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.X, c.X)


def test_least_squares_shapes_and_read_only():
    problem = data.least_squares(n_samples=40, n_features=3, seed=0)
    assert problem.X.shape == (40, 3) and problem.y.shape == (40,)
    assert problem.w_true.shape == (3,) and problem.w_star.shape == (3,)
    assert (problem.n_samples, problem.n_features) == (40, 3)
    with pytest.raises(ValueError):
        problem.X[0, 0] = 1.0


@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
def test_hessian_has_the_requested_spectrum(kappa):
    problem = data.least_squares(n_samples=200, n_features=6, condition_number=kappa, seed=1)
    eigenvalues = np.sort(np.linalg.eigvalsh(problem.hessian))[::-1]
    np.testing.assert_allclose(eigenvalues, np.geomspace(1.0, 1.0 / kappa, 6), rtol=1e-10)


def test_w_star_is_the_exact_least_squares_solution():
    problem = data.least_squares(n_samples=100, n_features=4, noise_std=0.3, seed=2)
    reference, *_ = np.linalg.lstsq(problem.X, problem.y, rcond=None)
    np.testing.assert_allclose(problem.w_star, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(problem.grad(problem.w_star), 0.0, atol=1e-12)
    assert not np.allclose(problem.w_star, problem.w_true)  # noise moves the minimizer


def test_noise_free_problem_recovers_w_true():
    problem = data.least_squares(n_samples=30, n_features=3, noise_std=0.0, seed=4)
    np.testing.assert_allclose(problem.w_star, problem.w_true, rtol=1e-10)
    assert problem.loss(problem.w_true) == pytest.approx(0.0, abs=1e-20)


def test_loss_and_grad_match_definitions_and_finite_differences():
    problem = data.least_squares(n_samples=50, n_features=3, seed=5)
    w = np.random.default_rng(0).standard_normal(3)
    residual = problem.X @ w - problem.y
    assert problem.loss(w) == pytest.approx(residual @ residual / 100, rel=1e-12)
    h = 1e-6
    numeric = np.array(
        [(problem.loss(w + h * e) - problem.loss(w - h * e)) / (2 * h) for e in np.eye(3)]
    )
    np.testing.assert_allclose(problem.grad(w), numeric, rtol=1e-6, atol=1e-8)


def test_minibatch_grad_is_unbiased_exactly_over_all_batches():
    # Averaging over every subset of size b is the exact expectation of a draw without replacement.
    from itertools import combinations

    problem = data.least_squares(n_samples=8, n_features=2, seed=6)
    w = np.array([0.3, -1.2])
    subsets = list(combinations(range(8), 3))
    average = np.mean([problem.batch_grad(w, np.array(s)) for s in subsets], axis=0)
    np.testing.assert_allclose(average, problem.grad(w), rtol=1e-12)


def test_minibatch_grad_draws_without_replacement_and_is_unbiased_in_simulation():
    problem = data.least_squares(n_samples=64, n_features=3, seed=7)
    w = np.zeros(3)
    rng = np.random.default_rng(0)
    draws = np.array([problem.minibatch_grad(w, 8, rng) for _ in range(20_000)])
    standard_error = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - problem.grad(w)) < 5 * standard_error)
    # batch == n_samples must give the full gradient exactly (no repeated rows)
    np.testing.assert_allclose(problem.minibatch_grad(w, 64, rng), problem.grad(w), rtol=1e-12)


def test_minibatches_cover_one_epoch():
    problem = data.least_squares(n_samples=23, n_features=2, seed=0)
    batches = list(problem.minibatches(5, np.random.default_rng(3)))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(23))
    again = list(problem.minibatches(5, np.random.default_rng(3)))
    assert all(np.array_equal(x, y) for x, y in zip(batches, again))


@pytest.mark.parametrize("batch_size", [0, 24, 2.5])
def test_bad_batch_size_is_rejected(batch_size):
    problem = data.least_squares(n_samples=23, n_features=2, seed=0)
    with pytest.raises(ValueError, match="batch_size"):
        problem.minibatch_grad(np.zeros(2), batch_size, np.random.default_rng(0))


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n_features": 0}, "n_features"),
        ({"n_samples": 3, "n_features": 4}, "n_samples"),
        ({"noise_std": -1.0}, "noise_std"),
        ({"condition_number": 0.5}, "condition_number"),
    ],
)
def test_least_squares_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        data.least_squares(**kwargs)


def test_noisy_stream_statistics_shape_and_seed():
    g = data.noisy_stream(200_000, mean=-0.7, std=2.0, seed=3)
    assert g.shape == (200_000,) and g.dtype == np.float64
    # standard errors: 2/sqrt(n) ~ 0.0045 for the mean; ~ 2/sqrt(2n) ~ 0.0032 for the std
    assert abs(g.mean() + 0.7) < 5 * 2.0 / np.sqrt(g.size)
    assert abs(g.std() - 2.0) < 5 * 2.0 / np.sqrt(2 * g.size)
    np.testing.assert_array_equal(g, data.noisy_stream(200_000, mean=-0.7, std=2.0, seed=3))
    assert data.noisy_stream(4, shape=(2, 3)).shape == (4, 2, 3)
    # i.i.d.: lag-one correlation is within noise of zero
    z = (g - g.mean()) / g.std()
    assert abs(np.mean(z[1:] * z[:-1])) < 5 / np.sqrt(g.size)


def test_noisy_stream_with_zero_std_is_constant():
    np.testing.assert_array_equal(data.noisy_stream(5, mean=3.0, std=0.0), np.full(5, 3.0))


def test_drifting_stream_linear_step_sine_means():
    _, linear = data.drifting_stream(100, start=2.0, drift=0.1)
    np.testing.assert_allclose(linear, 2.0 + 0.1 * np.arange(100))
    _, step = data.drifting_stream(7, start=1.0, drift=-3.0, kind="step")
    np.testing.assert_array_equal(step, [1, 1, 1, -2, -2, -2, -2])
    _, sine = data.drifting_stream(40, drift=2.0, kind="sine", period=20)
    np.testing.assert_allclose(sine, 2.0 * np.sin(2 * np.pi * np.arange(40) / 20), atol=1e-12)


def test_drifting_stream_noise_is_around_the_true_mean():
    samples, means = data.drifting_stream(100_000, drift=1e-4, std=0.5, seed=2)
    residual = samples - means
    assert abs(residual.mean()) < 5 * 0.5 / np.sqrt(residual.size)
    assert abs(residual.std() - 0.5) < 5 * 0.5 / np.sqrt(2 * residual.size)
    again, _ = data.drifting_stream(100_000, drift=1e-4, std=0.5, seed=2)
    np.testing.assert_array_equal(samples, again)
    assert samples.dtype == means.dtype == np.float64


@pytest.mark.parametrize(
    "kwargs",
    [{"kind": "cubic"}, {"kind": "linear", "period": 10}, {"kind": "sine", "period": 0},
     {"std": -1.0}],
)  # fmt: skip
def test_drifting_stream_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        data.drifting_stream(10, **kwargs)


def test_streams_reject_bad_lengths():
    with pytest.raises(ValueError, match="n_steps"):
        data.noisy_stream(0)
    with pytest.raises(ValueError, match="n_steps"):
        data.drifting_stream(-1)


def test_design_matrix_has_exactly_the_requested_hessian_spectrum():
    rng = np.random.default_rng(7)
    eigenvalues = np.sort(rng.uniform(0.1, 20.0, size=6))
    X = data.design_matrix(40, eigenvalues, rng)
    assert X.shape == (40, 6)
    np.testing.assert_allclose(np.linalg.eigvalsh(X.T @ X / 40), eigenvalues, rtol=1e-12)
