"""Tests of adamlib.data.digits: the UCI digits split and the mini-batch iterator."""

import builtins
import itertools

import numpy as np
import pytest

from adamlib.data import DigitsData, load_digits, minibatch_indices
from adamlib.data import digits as digits_module


@pytest.fixture(scope="module")
def digits() -> DigitsData:
    return load_digits(test_fraction=0.25, seed=0)


def test_shapes_dtypes_and_ranges(digits):
    assert digits.X_train.shape == (1348, 64) and digits.X_test.shape == (449, 64)
    assert digits.y_train.shape == (1348,) and digits.y_test.shape == (449,)
    sizes = (digits.n_train, digits.n_test, digits.n_features, digits.n_classes)
    assert sizes == (1348, 449, 64, 10)
    for X in (digits.X_train, digits.X_test):
        assert X.dtype == np.float64
        assert X.min() == 0.0 and X.max() == 1.0
        np.testing.assert_array_equal(X * 16, np.round(X * 16))  # raw counts 0..16, over 16
    for y in (digits.y_train, digits.y_test):
        assert y.dtype == np.int64
        assert set(np.unique(y).tolist()) == set(range(10))
    for array in (digits.X_train, digits.y_train, digits.X_test, digits.y_test):
        assert not array.flags.writeable


def test_source_and_licence_are_named(digits):
    assert "Alpaydin" in digits.source and "Kaynak" in digits.source
    assert "1998" in digits.source and "UCI" in digits.source
    assert "10.24432/C50P49" in digits.source
    assert "CC BY 4.0" in digits.licence and "BSD-3-Clause" in digits.licence


def test_split_is_a_partition_of_the_sklearn_data(digits):
    from sklearn.datasets import load_digits as sklearn_load_digits

    raw = sklearn_load_digits()
    together = np.concatenate([digits.X_train, digits.X_test]) * 16
    labels = np.concatenate([digits.y_train, digits.y_test])
    # Each (image, label) row of scikit-learn's data appears once in train + test together.
    ours = sorted(map(tuple, np.column_stack([together, labels]).tolist()))
    theirs = sorted(map(tuple, np.column_stack([raw.data, raw.target]).tolist()))
    assert ours == theirs


@pytest.mark.parametrize("test_fraction", [0.1, 0.25, 0.5, 0.8])
def test_split_is_stratified(test_fraction):
    d = load_digits(test_fraction=test_fraction, seed=3)
    all_counts = np.bincount(np.concatenate([d.y_train, d.y_test]), minlength=10)
    test_counts = np.bincount(d.y_test, minlength=10)
    assert d.n_test == round(test_fraction * 1797)
    # Each class's share of the test set is its exact share, rounded up or down.
    exact = all_counts * d.n_test / 1797
    assert np.all(np.abs(test_counts - exact) < 1)
    np.testing.assert_array_equal(np.bincount(d.y_train, minlength=10), all_counts - test_counts)


def test_split_is_deterministic_and_seeded():
    a, b, c = load_digits(seed=5), load_digits(seed=5), load_digits(seed=6)
    for name in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.y_train, c.y_train)
    # The rows are shuffled, not sorted by class.
    assert np.any(np.diff(a.y_train) < 0)


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.1, 1.5, True, "0.25", 0.0001, 0.9999])
def test_bad_test_fraction_raises(bad):
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=bad)


def test_standardized_uses_training_statistics(digits):
    z = digits.standardized()
    mean, std = digits.X_train.mean(axis=0), digits.X_train.std(axis=0)
    constant = std == 0
    assert constant.any()  # some border pixels are always blank in the training set
    np.testing.assert_allclose(z.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.X_train.std(axis=0)[~constant], 1.0, rtol=1e-12)
    np.testing.assert_allclose(z.X_train[:, constant], 0.0)
    expected_test = (digits.X_test - mean) / np.where(constant, 1.0, std)
    np.testing.assert_allclose(z.X_test, expected_test, rtol=1e-14)
    np.testing.assert_array_equal(z.y_train, digits.y_train)
    assert not z.X_train.flags.writeable
    assert digits.X_train.min() == 0.0  # the original is unchanged


def test_missing_sklearn_raises_a_helpful_import_error(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    digits_module._raw_digits.cache_clear()
    try:
        with pytest.raises(ImportError, match="scikit-learn.*requirements"):
            load_digits()
    finally:
        monkeypatch.undo()
        digits_module._raw_digits.cache_clear()
    assert load_digits().n_train == 1348


# -- minibatch_indices -----------------------------------------------------------------------------


@pytest.mark.parametrize("n_samples, batch_size", [(10, 3), (12, 4), (7, 7), (5, 1), (100, 32)])
def test_every_sample_once_per_epoch(n_samples, batch_size):
    n_epochs = 4
    batches = list(minibatch_indices(n_samples, batch_size, seed=0, n_epochs=n_epochs))
    per_epoch = -(-n_samples // batch_size)  # ceiling
    assert len(batches) == n_epochs * per_epoch
    epochs = [batches[e * per_epoch : (e + 1) * per_epoch] for e in range(n_epochs)]
    for epoch in epochs:
        assert [len(b) for b in epoch[:-1]] == [batch_size] * (per_epoch - 1)
        assert len(epoch[-1]) == n_samples - batch_size * (per_epoch - 1)
        indices = np.concatenate(epoch)
        assert indices.dtype == np.int64
        np.testing.assert_array_equal(np.sort(indices), np.arange(n_samples))
    if n_samples > 3:  # reshuffled each epoch
        orders = [tuple(np.concatenate(e).tolist()) for e in epochs]
        assert len(set(orders)) == n_epochs


def test_drop_last_keeps_only_full_batches():
    batches = list(minibatch_indices(10, 3, seed=1, n_epochs=5, drop_last=True))
    assert len(batches) == 15 and all(len(b) == 3 for b in batches)
    for e in range(5):
        epoch = np.concatenate(batches[3 * e : 3 * e + 3])
        assert len(set(epoch.tolist())) == 9  # 9 distinct samples, the 10th skipped
    # With drop_last=False the first full batches are the same: only the short batch differs.
    kept = list(minibatch_indices(10, 3, seed=1, n_epochs=5))
    np.testing.assert_array_equal(batches[0], kept[0])


def test_minibatches_are_seeded_and_endless_by_default():
    first = list(itertools.islice(minibatch_indices(50, 8, seed=2), 40))
    again = list(itertools.islice(minibatch_indices(50, 8, seed=2), 40))
    other = list(itertools.islice(minibatch_indices(50, 8, seed=3), 40))
    assert len(first) == 40  # more than six epochs of 7 batches: it does not stop
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    assert list(minibatch_indices(50, 8, n_epochs=0)) == []


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((0, 1), {}, "n_samples"),
        ((10, 0), {}, "batch_size"),
        ((10, 11), {}, "batch_size"),
        ((10, 2.0), {}, "batch_size"),
        ((10.0, 2), {}, "n_samples"),
        ((10, 2), {"n_epochs": -1}, "n_epochs"),
        ((10, 2), {"n_epochs": 1.5}, "n_epochs"),
    ],
)
def test_minibatch_bad_arguments_raise_at_the_call(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        minibatch_indices(*args, **kwargs)  # raises before any batch is drawn
