"""Tests of adamlib.data.online: the regimes, the scaling of the gradients, seeds and validation."""

import numpy as np
import pytest

import adamlib
from adamlib import data
from adamlib.data import OnlineRegression, online_regression


def test_exported_from_adamlib_data():
    assert "online_regression" in data.__all__ and "OnlineRegression" in data.__all__
    assert isinstance(online_regression(regime_length=3), OnlineRegression)


def test_shapes_regimes_and_read_only_arrays():
    stream = online_regression(regime_length=10, curvatures=(1.0, 0.01, 9.0), n_features=4)
    assert (stream.n_steps, stream.n_features, stream.n_streams) == (30, 4, None)
    assert stream.X.shape == (30, 4) and stream.y.shape == (30,) and stream.w_true.shape == (30, 4)
    assert stream.regime_starts == (1, 11, 21)
    np.testing.assert_array_equal(stream.curvature, np.repeat([1.0, 0.01, 9.0], 10))
    for array in (stream.X, stream.y, stream.w_true, stream.curvature):
        assert array.dtype == np.float64
        with pytest.raises(ValueError):
            array[0] = 1.0


def test_true_weights_are_constant_within_a_regime_and_jump_between():
    stream = online_regression(regime_length=50, curvatures=(1.0, 1.0, 1.0), seed=3)
    for start in stream.regime_starts:
        block = stream.w_true[start - 1 : start + 49]
        np.testing.assert_array_equal(block, np.broadcast_to(block[0], block.shape))
    assert not np.allclose(stream.w_true[49], stream.w_true[50])
    assert not np.allclose(stream.w_true[99], stream.w_true[100])


def test_targets_follow_the_model_with_noise_in_units_of_the_feature_scale():
    stream = online_regression(regime_length=20_000, curvatures=(1.0, 0.01), noise_std=0.5,
                               seed=4)  # fmt: skip
    residual = stream.y - np.sum(stream.X * stream.w_true, axis=1)
    first, second = residual[:20_000], residual[20_000:]
    assert first.std() == pytest.approx(0.5, rel=0.03)
    assert second.std() == pytest.approx(0.05, rel=0.03)
    assert abs(first.mean()) < 4 * 0.5 / np.sqrt(20_000)
    noiseless = online_regression(regime_length=5, noise_std=0.0, seed=4)
    np.testing.assert_allclose(noiseless.y, np.sum(noiseless.X * noiseless.w_true, axis=1),
                               rtol=1e-12, atol=1e-15)  # fmt: skip


def test_features_have_the_square_root_of_the_curvature_as_scale():
    stream = online_regression(regime_length=20_000, curvatures=(4.0, 0.01), n_features=3,
                               seed=5)  # fmt: skip
    np.testing.assert_allclose(stream.X[:20_000].std(axis=0), 2.0, rtol=0.03)
    np.testing.assert_allclose(stream.X[20_000:].std(axis=0), 0.1, rtol=0.03)


def test_a_switch_scales_every_gradient_by_the_curvature_ratio():
    # Same seed, curvatures (1, 1) against (1, 0.01): the second regime's samples differ only in
    # scale,
    # so the gradient at any w is exactly 100 times smaller.
    unit = online_regression(regime_length=30, curvatures=(1.0, 1.0), seed=6)
    small = online_regression(regime_length=30, curvatures=(1.0, 0.01), seed=6)
    w = np.random.default_rng(0).normal(size=5)
    for t in (1, 30, 31, 45, 60):
        factor = 1.0 if t <= 30 else 0.01
        np.testing.assert_allclose(small.grad(w, t), factor * unit.grad(w, t), rtol=1e-12)
        np.testing.assert_array_equal(small.w_true[t - 1], unit.w_true[t - 1])


def test_grad_and_loss_agree_with_finite_differences_and_the_definition():
    stream = online_regression(regime_length=5, curvatures=(1.0, 0.09), n_features=3, seed=7)
    w = np.array([0.2, -1.0, 0.5])
    for t in (1, 6, 10):
        x, y = stream.X[t - 1], stream.y[t - 1]
        assert stream.loss(w, t) == pytest.approx(0.5 * (x @ w - y) ** 2, rel=1e-12)
        np.testing.assert_allclose(stream.grad(w, t), x * (x @ w - y), rtol=1e-12)
        h = 1e-6
        numeric = [(stream.loss(w + h * e, t) - stream.loss(w - h * e, t)) / (2 * h)
                   for e in np.eye(3)]  # fmt: skip
        np.testing.assert_allclose(stream.grad(w, t), numeric, rtol=1e-6, atol=1e-9)
        distance = np.linalg.norm(w - stream.w_true[t - 1])
        assert stream.tracking_error(w, t) == pytest.approx(distance)


def test_expected_loss_has_the_curvature_and_its_minimum_at_w_true():
    # E[loss] = curvature (||w - w*||^2 + noise^2) / 2, estimated over many steps of one regime
    stream = online_regression(regime_length=40_000, curvatures=(0.25,), n_features=2,
                               noise_std=0.3, seed=8)  # fmt: skip
    w_star = stream.w_true[0]
    offset = np.array([1.0, -2.0])
    losses = [np.mean([stream.loss(w_star + c * offset, t) for t in range(1, 40_001, 4)])
              for c in (0.0, 1.0)]  # fmt: skip
    assert losses[0] == pytest.approx(0.25 * 0.09 / 2, rel=0.05)
    assert losses[1] == pytest.approx(0.25 * (5.0 + 0.09) / 2, rel=0.05)


def test_seeds_give_reproducible_independent_streams_and_stack_exactly():
    a, b = online_regression(seed=11), online_regression(seed=11)
    c = online_regression(seed=12)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.allclose(a.X, c.X)
    stacked = online_regression(regime_length=20, curvatures=(1.0, 0.01), seed=[3, 1, 4])
    assert stacked.n_streams == 3
    assert stacked.X.shape == (40, 3, 5) and stacked.y.shape == (40, 3)
    for position, seed in enumerate((3, 1, 4)):
        single = online_regression(regime_length=20, curvatures=(1.0, 0.01), seed=seed)
        np.testing.assert_array_equal(stacked.X[:, position], single.X)
        np.testing.assert_array_equal(stacked.y[:, position], single.y)
        np.testing.assert_array_equal(stacked.w_true[:, position], single.w_true)


def test_stacked_streams_and_leading_axes_in_grad():
    stream = online_regression(regime_length=5, seed=[0, 1])
    w = np.random.default_rng(1).normal(size=(4, 2, 5))  # four learners, two streams
    g = stream.grad(w, 3)
    assert g.shape == (4, 2, 5)
    for learner in range(4):
        for position, seed in enumerate((0, 1)):
            single = online_regression(regime_length=5, seed=seed)
            np.testing.assert_allclose(g[learner, position], single.grad(w[learner, position], 3))
    assert stream.tracking_error(w, 3).shape == (4, 2)
    assert stream.loss(w, 3).shape == (4, 2)


def test_one_optimizer_on_stacked_streams_equals_separate_runs():
    stream = online_regression(regime_length=30, seed=[5, 6])
    stacked_w = np.zeros((2, 5))
    opt = adamlib.RMSprop(stacked_w, lr=0.05)
    singles = [online_regression(regime_length=30, seed=s) for s in (5, 6)]
    separate_w = [np.zeros(5), np.zeros(5)]
    separate = [adamlib.RMSprop(w, lr=0.05) for w in separate_w]
    for t in range(1, 61):
        opt.step(stream.grad(stacked_w, t))
        for single, w, o in zip(singles, separate_w, separate):
            o.step(single.grad(w, t))
    np.testing.assert_allclose(stacked_w, np.stack(separate_w), rtol=1e-12)


def test_drift_is_a_random_walk_of_the_given_size():
    stream = online_regression(regime_length=20_000, curvatures=(1.0,), n_features=4,
                               drift_std=0.01, seed=9)  # fmt: skip
    steps = np.diff(stream.w_true, axis=0)
    assert steps.std() == pytest.approx(0.01, rel=0.02)
    assert abs(steps.mean()) < 4 * 0.01 / np.sqrt(steps.size)
    still = online_regression(regime_length=20_000, curvatures=(1.0,), n_features=4, seed=9)
    np.testing.assert_array_equal(stream.w_true[0], still.w_true[0])  # w*_1 is the regime's
    np.testing.assert_array_equal(stream.X, still.X)  # the drift is drawn last


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"regime_length": 0}, "regime_length"),
        ({"regime_length": 2.5}, "regime_length"),
        ({"curvatures": ()}, "curvatures"),
        ({"curvatures": (1.0, -0.1)}, "curvatures"),
        ({"curvatures": (1.0, 0.0)}, "curvatures"),
        ({"curvatures": (1.0, float("nan"))}, "curvatures"),
        ({"n_features": 0}, "n_features"),
        ({"noise_std": -1.0}, "noise_std"),
        ({"drift_std": float("inf")}, "drift_std"),
        ({"seed": []}, "seed"),
        ({"seed": [1, 2.5]}, "seed"),
    ],
)
def test_invalid_arguments_are_refused_with_their_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        online_regression(**kwargs)


def test_invalid_steps_and_shapes_are_refused():
    stream = online_regression(regime_length=4, n_features=2)
    for t in (0, 9, 1.0):
        with pytest.raises(ValueError, match="step t"):
            stream.grad(np.zeros(2), t)
    with pytest.raises(ValueError, match="shape"):
        stream.grad(np.zeros(3), 1)
    with pytest.raises(ValueError, match="shape"):
        stream.tracking_error(np.zeros((2, 3)), 1)
