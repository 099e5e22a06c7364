"""Tests of adamlib.nn: the hand-written gradient, the flat layout, initialization, training."""

import numpy as np
import pytest

import adamlib
from adamlib.data import load_digits, minibatch_indices
from adamlib.nn import MLP, softmax, softmax_cross_entropy


def random_data(layer_sizes, n=7, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, layer_sizes[0])).astype(dtype)
    y = rng.integers(0, layer_sizes[-1], size=n)
    return X, y


def perturb(net, seed=1, scale=0.3):
    """Move the biases off zero (and the weights a little), so their gradients are tested too."""
    rng = np.random.default_rng(seed)
    net.flat_params[...] += scale * rng.standard_normal(net.n_params)


def central_differences(net, X, y, l2, h=1e-6):
    """The gradient of net.loss by central differences, one parameter entry at a time."""
    saved = net.flat_params.copy()
    grad = np.empty(net.n_params)
    for j in range(net.n_params):
        net.flat_params[j] = saved[j] + h
        up = net.loss(X, y, l2=l2)
        net.flat_params[j] = saved[j] - h
        down = net.loss(X, y, l2=l2)
        net.flat_params[j] = saved[j]
        grad[j] = (up - down) / (2 * h)
    np.testing.assert_array_equal(net.flat_params, saved)
    return grad


def pre_activations(net, X):
    """Every hidden layer's pre-activations (to keep ReLU's kink away from the difference steps)."""
    zs, a = [], X
    for k in range(net.n_layers - 1):
        z = a @ net.params[2 * k] + net.params[2 * k + 1]
        zs.append(z)
        a = np.tanh(z) if net.activation == "tanh" else np.maximum(z, 0)
    return zs


# -- the gradient --------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("layer_sizes", [[4, 3], [3, 5, 4], [4, 6, 5, 3], [2, 3, 1, 2]])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_central_differences(activation, layer_sizes, l2):
    net = MLP(layer_sizes, activation=activation, seed=3)
    perturb(net)
    X, y = random_data(layer_sizes, seed=5)
    for z in pre_activations(net, X):
        assert np.abs(z).min() > 1e-3  # no kink of ReLU between theta - h and theta + h
    loss = net.loss_and_grad(X, y, l2=l2)
    assert isinstance(loss, float)
    assert loss == pytest.approx(net.loss(X, y, l2=l2), rel=1e-15)
    numeric = central_differences(net, X, y, l2)
    analytic = net.flat_grad
    scale = np.abs(analytic).max()
    assert scale > 1e-3  # a gradient worth checking
    # Central differences with h = 1e-6 are accurate to about 1e-10 here.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9 * scale)
    assert np.linalg.norm(analytic - numeric) <= 1e-7 * np.linalg.norm(numeric)


def test_l2_penalizes_weights_only():
    net = MLP([3, 4, 2], seed=0)
    perturb(net)
    X, y = random_data([3, 4, 2])
    loss0 = net.loss_and_grad(X, y)
    grads0 = [g.copy() for g in net.grads]
    loss1 = net.loss_and_grad(X, y, l2=0.5)
    weights = net.params[0::2]
    assert loss1 - loss0 == pytest.approx(0.25 * sum(np.sum(W**2) for W in weights), rel=1e-12)
    for name, p, g0, g1 in zip(net.param_names, net.params, grads0, net.grads):
        expected = g0 + 0.5 * p if name.startswith("W") else g0
        np.testing.assert_allclose(g1, expected, rtol=1e-13, atol=1e-15)


def test_logistic_regression_matches_independent_numpy():
    """MLP([d, C]) is multinomial logistic regression: check loss and gradient written directly."""
    rng = np.random.default_rng(2)
    n, d, C = 50, 6, 4
    X, y = rng.standard_normal((n, d)), rng.integers(0, C, size=n)
    net = MLP([d, C], seed=0)
    perturb(net, scale=1.0)
    W, b = net.params
    l2 = 0.2
    # Independent computation: probabilities from the definition (no max shift: small logits).
    logits = X @ W + b
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(C)[y]
    expected_loss = -np.mean(np.log(probs[np.arange(n), y])) + 0.5 * l2 * np.sum(W**2)
    expected_grad_W = X.T @ (probs - onehot) / n + l2 * W
    expected_grad_b = (probs - onehot).mean(axis=0)
    loss = net.loss_and_grad(X, y, l2=l2)
    assert loss == pytest.approx(expected_loss, rel=1e-13)
    np.testing.assert_allclose(net.grads[0], expected_grad_W, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.grads[1], expected_grad_b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.predict_proba(X), probs, rtol=1e-13)
    np.testing.assert_array_equal(net.predict(X), probs.argmax(axis=1))


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, 0.0, -1000.0], [-5000.0, -5000.0, -5000.0]])
    loss, grad = softmax_cross_entropy(z, np.array([1, 2]))
    # Row 1: log(e^1000 + 1 + e^-1000) - 0 = 1000 (to double precision); row 2: log 3.
    assert loss == pytest.approx((1000.0 + np.log(3.0)) / 2, rel=1e-15)
    expected = (np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]]) - np.eye(3)[[1, 2]]) / 2
    np.testing.assert_allclose(grad, expected, atol=1e-16)
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1.0)


# -- the flat layout ------------------------------------------------------------------------------


def test_views_share_memory_with_the_flat_vectors():
    net = MLP([5, 4, 3], seed=0)
    assert [p.shape for p in net.params] == [(5, 4), (4,), (4, 3), (3,)]
    assert [g.shape for g in net.grads] == [(5, 4), (4,), (4, 3), (3,)]
    assert net.param_names == ["W1", "b1", "W2", "b2"]
    assert net.flat_params.flags.c_contiguous and net.flat_params.ndim == 1
    assert net.flat_grad.shape == net.flat_params.shape == (5 * 4 + 4 + 4 * 3 + 3,)
    # The views are consecutive slices, in order: concatenating them gives the flat vector.
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in net.params]), net.flat_params)
    for p, g in zip(net.params, net.grads):
        assert np.shares_memory(p, net.flat_params) and np.shares_memory(g, net.flat_grad)
        assert not np.shares_memory(p, net.flat_grad)
    # Writing through either side is seen by the other.
    net.flat_params[...] = np.arange(net.n_params, dtype=float)
    assert net.params[2][0, 0] == 24.0 and net.params[1][0] == 20.0
    net.params[3][...] = -1.0
    np.testing.assert_array_equal(net.flat_params[-3:], -1.0)
    # The same view objects every time, and the gradient lands in them.
    assert net.params[0] is net.params[0]
    grads = net.grads
    X, y = random_data([5, 4, 3])
    net.loss_and_grad(X, y)
    np.testing.assert_array_equal(grads[2].ravel(), net.flat_grad[24:36])


def test_flat_params_cannot_be_rebound():
    net = MLP([3, 2], seed=0)
    flat = net.flat_params
    with pytest.raises(AttributeError, match=r"flat_params\[\.\.\.\] = w"):
        net.flat_params = np.zeros(net.n_params)
    with pytest.raises(AttributeError):
        net.flat_grad = np.zeros(net.n_params)
    with pytest.raises(AttributeError):
        net.params = []
    assert net.flat_params is flat
    # The list returned by params is a copy: changing it does not change the network.
    net.params.append(np.zeros(1))
    assert len(net.params) == 2


def test_copy_is_independent():
    net = MLP([4, 3, 2], activation="relu", seed=0, dtype=np.float32)
    perturb(net)
    twin = net.copy()
    assert (twin.layer_sizes, twin.activation, twin.dtype) == (net.layer_sizes, "relu", np.float32)
    np.testing.assert_array_equal(twin.flat_params, net.flat_params)
    assert not np.shares_memory(twin.flat_params, net.flat_params)
    twin.flat_params[...] = 0.0
    assert np.abs(net.flat_params).max() > 0


@pytest.mark.parametrize("optimizer", ["Adam", "SGD"])
def test_flat_and_list_optimizer_paths_are_bit_identical(optimizer):
    make = {
        "Adam": lambda p: adamlib.Adam(p, lr=1e-2, weight_decay=1e-3),
        "SGD": lambda p: adamlib.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    }[optimizer]
    X, y = random_data([8, 6, 5, 3], n=20)
    flat_net, list_net = MLP([8, 6, 5, 3], seed=4), MLP([8, 6, 5, 3], seed=4)
    flat_opt, list_opt = make(flat_net.flat_params), make(list_net.params)
    for _ in range(6):
        flat_loss = flat_net.loss_and_grad(X, y, l2=1e-2)
        list_loss = list_net.loss_and_grad(X, y, l2=1e-2)
        assert flat_loss == list_loss
        flat_opt.step(flat_net.flat_grad)
        list_opt.step(list_net.grads)
        np.testing.assert_array_equal(flat_net.flat_params, list_net.flat_params)
    assert not np.array_equal(flat_net.flat_params, MLP([8, 6, 5, 3], seed=4).flat_params)


# -- initialization --------------------------------------------------------------------------------


def test_initialization_is_seeded():
    a, b, c = MLP([6, 5, 4], seed=1), MLP([6, 5, 4], seed=1), MLP([6, 5, 4], seed=2)
    np.testing.assert_array_equal(a.flat_params, b.flat_params)
    assert not np.array_equal(a.flat_params, c.flat_params)
    assert not np.array_equal(
        MLP([6, 5, 4], activation="relu", seed=1).flat_params, a.flat_params
    )
    # float32 starts at the float64 starting point, rounded.
    np.testing.assert_array_equal(
        MLP([6, 5, 4], seed=1, dtype=np.float32).flat_params, a.flat_params.astype(np.float32)
    )


def test_initialization_follows_glorot_and_he():
    sizes = [300, 200, 100]
    tanh_net = MLP(sizes, activation="tanh", seed=0)
    relu_net = MLP(sizes, activation="relu", seed=0)
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        limit = np.sqrt(6 / (n_in + n_out))
        W = tanh_net.params[2 * k]
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.99 * limit  # uses the whole interval
        # Uniform on [-a, a] has variance a^2/3 = 2/(n_in + n_out); 20,000+ draws: within 3%.
        assert W.var() == pytest.approx(2 / (n_in + n_out), rel=0.03)
        assert relu_net.params[2 * k].var() == pytest.approx(2 / n_in, rel=0.03)
        assert relu_net.params[2 * k].min() < -3 * np.sqrt(2 / n_in)  # normal, not uniform
        for net in (tanh_net, relu_net):
            np.testing.assert_array_equal(net.params[2 * k + 1], 0.0)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(layer_sizes=[4]), ValueError, "at least two"),
        (dict(layer_sizes=[4, 0, 2]), ValueError, "integer >= 1"),
        (dict(layer_sizes=[4, 2.0]), ValueError, "integer >= 1"),
        (dict(layer_sizes="42"), TypeError, "list of integers"),
        (dict(layer_sizes=[4, 2], activation="sigmoid"), ValueError, "sigmoid"),
        (dict(layer_sizes=[4, 2], dtype=np.float16), TypeError, "float32 or float64"),
    ],
)
def test_bad_construction_raises(kwargs, error, message):
    with pytest.raises(error, match=message):
        MLP(**kwargs)


@pytest.mark.parametrize(
    "X, y, l2, error, message",
    [
        (np.zeros((3, 5)), np.array([0, 1, 2]), 0.0, ValueError, r"shape \(3, 5\).*\(n, 4\)"),
        (np.zeros(4), np.array([0]), 0.0, ValueError, "shape"),
        (np.zeros((0, 4)), np.array([], dtype=int), 0.0, ValueError, "n >= 1"),
        (np.zeros((3, 4)), np.array([0, 1]), 0.0, ValueError, "one label per row"),
        (np.zeros((3, 4)), np.array([0, 3, 1]), 0.0, ValueError, r"y\[1\] = 3.*0\.\.2"),
        (np.zeros((3, 4)), np.array([0, -1, 1]), 0.0, ValueError, r"y\[1\] = -1"),
        (np.zeros((3, 4)), np.array([0.0, 1.0, 2.0]), 0.0, TypeError, "integers"),
        (np.zeros((3, 4)), np.array([True, False, True]), 0.0, TypeError, "integers"),
        (np.full((3, 4), np.nan), np.array([0, 1, 2]), 0.0, ValueError, "NaN"),
        (np.zeros((3, 4), dtype=complex), np.array([0, 1, 2]), 0.0, TypeError, "real"),
        (np.zeros((3, 4)), np.array([0, 1, 2]), -0.1, ValueError, "l2"),
        (np.zeros((3, 4)), np.array([0, 1, 2]), float("nan"), ValueError, "l2"),
    ],
)
def test_bad_input_raises_and_leaves_state_untouched(X, y, l2, error, message):
    net = MLP([4, 5, 3], seed=0)
    good_X, good_y = random_data([4, 5, 3])
    net.loss_and_grad(good_X, good_y)
    params_before, grad_before = net.flat_params.copy(), net.flat_grad.copy()
    with pytest.raises(error, match=message):
        net.loss_and_grad(X, y, l2=l2)
    with pytest.raises(error, match=message):
        net.loss(X, y, l2=l2)
    np.testing.assert_array_equal(net.flat_params, params_before)
    np.testing.assert_array_equal(net.flat_grad, grad_before)


# -- precision and training ------------------------------------------------------------------------


def test_float32_network():
    net64 = MLP([6, 5, 3], seed=0)
    net32 = MLP([6, 5, 3], seed=0, dtype=np.float32)
    X, y = random_data([6, 5, 3], n=10)
    loss64, loss32 = net64.loss_and_grad(X, y, l2=0.1), net32.loss_and_grad(X, y, l2=0.1)
    assert isinstance(loss32, float)
    assert net32.flat_params.dtype == net32.flat_grad.dtype == np.float32
    assert net32.forward(X).dtype == np.float32 and net32.predict_proba(X).dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-6)
    np.testing.assert_allclose(net32.flat_grad, net64.flat_grad, rtol=1e-4, atol=1e-6)
    opt = adamlib.Adam(net32.flat_params, lr=1e-2)
    for _ in range(50):
        net32.loss_and_grad(X, y)
        opt.step(net32.flat_grad)
    assert net32.flat_params.dtype == np.float32
    assert net32.loss(X, y) < 0.5 * loss32


def test_adam_trains_the_digits_above_90_percent():
    digits = load_digits(test_fraction=0.25, seed=0)
    net = MLP([64, 32, 10], activation="tanh", seed=0)
    opt = adamlib.Adam(net.flat_params, lr=1e-2)
    start = net.accuracy(digits.X_test, digits.y_test)
    for _, batch in zip(range(300), minibatch_indices(digits.n_train, 64, seed=0)):
        net.loss_and_grad(digits.X_train[batch], digits.y_train[batch])
        opt.step(net.flat_grad)
    assert start < 0.3
    assert net.accuracy(digits.X_test, digits.y_test) > 0.9
    assert net.accuracy(digits.X_train, digits.y_train) > 0.9
