r"""The UCI handwritten digits: a small real classification problem that needs no download.

:func:`load_digits` reads the 1,797 images of 8 x 8 pixels (ten classes, the digits 0 to 9) from
the copy of the UCI "Optical Recognition of Handwritten Digits" data set that ships inside
scikit-learn, scales the pixels to [0, 1] and splits them, stratified and seeded, into a training
and a test set. :func:`minibatch_indices` cuts a data set into shuffled mini-batches, epoch after
epoch.

>>> d = load_digits(test_fraction=0.25, seed=0)
>>> d.X_train.shape, d.X_test.shape, d.n_classes
((1348, 64), (449, 64), 10)
>>> batches = minibatch_indices(d.n_train, batch_size=128, seed=0, n_epochs=1)
>>> sum(len(b) for b in batches) == d.n_train
True

References
----------
- E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning
  Repository, 1998, https://doi.org/10.24432/C50P49 (licence CC BY 4.0). scikit-learn's copy is
  the test partition, ``optdigits.tes``, of 1,797 images written by 13 people.
- F. Pedregosa et al., "Scikit-learn: Machine Learning in Python", JMLR 12, 2011
  (``sklearn.datasets.load_digits``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from .._extras import missing_course_extra

__all__ = ["DigitsData", "load_digits", "minibatch_indices"]

SOURCE = (
    'E. Alpaydin and C. Kaynak (1998), "Optical Recognition of Handwritten Digits", '
    "UCI Machine Learning Repository, https://doi.org/10.24432/C50P49; the test partition "
    "(1,797 images of 8 x 8 pixels), as shipped inside scikit-learn (sklearn.datasets.load_digits)"
)
LICENCE = (
    "The UCI data set is licensed under CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); scikit-learn distributes its copy under "
    "scikit-learn's BSD-3-Clause licence"
)


@dataclass(frozen=True, eq=False)
class DigitsData:
    r"""A train/test split of the digits. Build one with :func:`load_digits`; arrays are read-only.

    Attributes
    ----------
    X_train, X_test : ndarray of float64, shape (n_train, 64), (n_test, 64)
        Images flattened row by row (pixel ``(r, c)`` is column ``8 r + c``), one a row, scaled
        to [0, 1] (raw counts 0..16 divided by 16), unless :meth:`standardized` was applied.
    y_train, y_test : ndarray of int64
        Labels, the digit shown, 0 to 9.
    source, licence : str
        Where the data come from and under which licence, for the book's text.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str = SOURCE
    licence: str = LICENCE

    @property
    def n_features(self) -> int:
        """Pixels per image, 64."""
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of classes, 10."""
        return 10

    @property
    def n_train(self) -> int:
        """Number of training images."""
        return self.X_train.shape[0]

    @property
    def n_test(self) -> int:
        """Number of test images."""
        return self.X_test.shape[0]

    def standardized(self) -> DigitsData:
        r"""The same split with each pixel centred and scaled by the training set's statistics.

        Each column becomes :math:`(x - \mu_j) / s_j`, with :math:`\mu_j` and :math:`s_j` the mean
        and standard deviation of column :math:`j` over the *training* images only (so nothing
        about the test set leaks in). A pixel that is constant in the training set (some border
        pixels are always 0) has :math:`s_j = 0`; it is only centred.

        Examples
        --------
        >>> z = load_digits(seed=0).standardized()
        >>> bool(np.allclose(z.X_train.mean(axis=0), 0.0))
        True
        >>> sorted(set(np.round(z.X_train.std(axis=0), 6).tolist()))
        [0.0, 1.0]
        """
        mean = self.X_train.mean(axis=0)
        std = self.X_train.std(axis=0)
        scale = np.where(std > 0, std, 1.0)
        X_train, X_test = (self.X_train - mean) / scale, (self.X_test - mean) / scale
        for array in (X_train, X_test):
            array.setflags(write=False)
        return replace(self, X_train=X_train, X_test=X_test)


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> DigitsData:
    r"""The 1,797 UCI digit images, pixels scaled to [0, 1], split stratified into train and test.

    The split is stratified: each class contributes to the test set its share of
    ``round(test_fraction * 1797)`` test images (rounded by largest remainder, so the class
    proportions of both sets match those of the whole data set to within one image per class).
    Which images go where, and the order of the rows in each set, are drawn from
    ``np.random.default_rng(seed)``, so the same arguments always give the same arrays.

    Parameters
    ----------
    test_fraction : float, default 0.25
        Fraction of the images held out for testing, in (0, 1); every class must keep at least
        one image on each side.
    seed : int, default 0
        Seed of the split and of the shuffling.

    Returns
    -------
    DigitsData

    Raises
    ------
    ImportError
        If scikit-learn, which holds the data file, is not installed.

    Notes
    -----
    The data are read by ``sklearn.datasets.load_digits`` from a file inside the scikit-learn
    package, so nothing is downloaded. The pixels are counts of "on" bits in 4 x 4 blocks of a
    32 x 32 bitmap, integers 0 to 16; they are divided by 16.

    References
    ----------
    - E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
      Learning Repository, 1998, https://doi.org/10.24432/C50P49.

    Examples
    --------
    >>> d = load_digits(test_fraction=0.25, seed=0)
    >>> d.n_train + d.n_test, d.n_features, d.n_classes
    (1797, 64, 10)
    >>> float(d.X_train.min()), float(d.X_train.max()), d.y_train.dtype
    (0.0, 1.0, dtype('int64'))
    >>> np.bincount(d.y_test)
    array([45, 45, 44, 46, 45, 45, 45, 45, 44, 45])
    """
    if (
        not isinstance(test_fraction, (int, float, np.integer, np.floating))
        or isinstance(test_fraction, bool)
        or not 0 < test_fraction < 1
    ):
        raise ValueError(f"Invalid test_fraction: {test_fraction!r} (must lie in (0, 1))")
    X, y = _raw_digits()
    n_test_per_class = _stratified_counts(np.bincount(y), test_fraction)
    counts = np.bincount(y)
    if (n_test_per_class < 1).any() or (n_test_per_class > counts - 1).any():
        raise ValueError(
            f"Invalid test_fraction: {test_fraction!r} leaves a class with no image in the "
            "training or the test set"
        )
    rng = np.random.default_rng(seed)
    train_parts, test_parts = [], []
    for label, n_test in enumerate(n_test_per_class):
        members = rng.permutation(np.flatnonzero(y == label))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    arrays = (X[train] / 16.0, y[train], X[test] / 16.0, y[test])
    for array in arrays:
        array.setflags(write=False)
    return DigitsData(*arrays)


def minibatch_indices(
    n_samples: int,
    batch_size: int,
    seed: int = 0,
    *,
    n_epochs: int | None = None,
    drop_last: bool = False,
) -> Iterator[np.ndarray]:
    r"""Yield index arrays of mini-batches, reshuffling at the start of every epoch.

    Each epoch is a fresh permutation of ``0, ..., n_samples - 1`` from one
    ``np.random.default_rng(seed)``, cut into consecutive batches of ``batch_size``. With
    ``drop_last=False`` (the default, as PyTorch's ``DataLoader``) the last batch of an epoch is
    shorter when ``batch_size`` does not divide ``n_samples``, and every sample is used exactly
    once per epoch. With ``drop_last=True`` that short batch is skipped, so every batch has
    ``batch_size`` rows (and the skipped samples differ from epoch to epoch).

    Parameters
    ----------
    n_samples : int
        Number of rows :math:`n` to draw from (at least 1).
    batch_size : int
        Mini-batch size :math:`B`, from 1 to ``n_samples``.
    seed : int, default 0
        Seed of the shuffles.
    n_epochs : int or None, default None
        Stop after this many epochs; None never stops (take what you need, with ``zip`` or
        ``itertools.islice``).
    drop_last : bool, default False
        Skip the short last batch of each epoch.

    Yields
    ------
    ndarray of int64
        The row indices of one mini-batch.

    Examples
    --------
    >>> batches = list(minibatch_indices(10, 4, seed=0, n_epochs=2))
    >>> [len(b) for b in batches]
    [4, 4, 2, 4, 4, 2]
    >>> sorted(np.concatenate(batches[:3]).tolist()) == list(range(10))
    True
    >>> import itertools
    >>> endless = minibatch_indices(10, 4, drop_last=True)
    >>> [len(b) for b in itertools.islice(endless, 5)]
    [4, 4, 4, 4, 4]
    """
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"Invalid n_samples: {n_samples!r} (must be an integer >= 1)")
    if (
        not isinstance(batch_size, (int, np.integer))
        or isinstance(batch_size, bool)
        or not 1 <= batch_size <= n_samples
    ):
        raise ValueError(
            f"Invalid batch_size: {batch_size!r} (must be an integer from 1 to {n_samples})"
        )
    if n_epochs is not None and (
        not isinstance(n_epochs, (int, np.integer)) or isinstance(n_epochs, bool) or n_epochs < 0
    ):
        raise ValueError(f"Invalid n_epochs: {n_epochs!r} (must be None or an integer >= 0)")
    return _minibatches(int(n_samples), int(batch_size), seed, n_epochs, bool(drop_last))


def _minibatches(
    n_samples: int, batch_size: int, seed: int, n_epochs: int | None, drop_last: bool
) -> Iterator[np.ndarray]:
    # A separate generator function, so that bad arguments raise at the call, not at first use.
    rng = np.random.default_rng(seed)
    stop = n_samples - batch_size + 1 if drop_last else n_samples
    epoch = 0
    while n_epochs is None or epoch < n_epochs:
        order = rng.permutation(n_samples)
        for start in range(0, stop, batch_size):
            yield order[start : start + batch_size]
        epoch += 1


def _stratified_counts(class_counts: np.ndarray, test_fraction: float) -> np.ndarray:
    """Test images per class: shares of round(test_fraction * n), rounded by largest remainder."""
    n_test = round(test_fraction * int(class_counts.sum()))
    exact = class_counts * (n_test / class_counts.sum())
    counts = np.floor(exact).astype(np.int64)
    # Give the images left over to the classes with the largest remainders (ties: lower label).
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n_test - int(counts.sum())]] += 1
    return counts


@functools.cache
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 raw images (float64 counts 0..16) and int64 labels, read once from scikit-learn."""
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError as error:
        raise ImportError(
            "load_digits reads the UCI digits from the copy inside scikit-learn, which is not "
            "installed. " + missing_course_extra("scikit-learn", "adamlib.data.load_digits")
        ) from error
    bunch = sklearn_load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    if X.shape != (1797, 64) or y.shape != (1797,):
        raise RuntimeError(f"scikit-learn's digits have shape {X.shape}, expected (1797, 64)")
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y
