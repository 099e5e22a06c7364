r"""A small fully connected network in numpy, with its gradient written out by hand.

The network is a stack of dense layers with a nonlinearity between them and a softmax
cross-entropy loss on top. Each forward computation has its derivative written beside it
(:func:`dense` and :func:`dense_backward`, :func:`tanh` and :func:`tanh_derivative`, ...), so the
backward pass in :meth:`MLP.loss_and_grad` is the chain rule read off those pairs, one layer at a
time. All weights and biases live in one flat vector, :attr:`MLP.flat_params`, so an optimizer can
step the whole network as a single array:

>>> import numpy as np, adamlib
>>> from adamlib.nn import MLP
>>> rng = np.random.default_rng(0)
>>> X, y = rng.standard_normal((32, 4)), rng.integers(0, 3, size=32)
>>> net = MLP([4, 8, 3], activation="tanh", seed=0)
>>> opt = adamlib.Adam(net.flat_params, lr=0.05)
>>> first = net.loss_and_grad(X, y)
>>> for _ in range(200):
...     opt.step(net.flat_grad)
...     last = net.loss_and_grad(X, y)
>>> last < first / 4
True

Notation (matrices hold one sample a row, as :math:`X` does):

==========================================  ===========================  ========================
symbol                                      attribute or variable        meaning
==========================================  ===========================  ========================
:math:`K`                                   ``n_layers``                 number of dense layers
:math:`N_0, \dots, N_K`                     ``layer_sizes``              widths: inputs, hidden
                                                                         units, classes
:math:`W_k` (:math:`N_{k-1} \times N_k`)    ``params[2k-2]``             weights of layer k
:math:`c_k` (:math:`N_k`)                   ``params[2k-1]``             biases of layer k
:math:`\theta`                              ``flat_params``              every :math:`W_k, c_k`,
                                                                         in that order, flattened
:math:`\nabla f(\theta)`                    ``flat_grad``, ``grads``     the gradient, same layout
:math:`Z_k = U_{k-1} W_k + c_k`             ``z``                        pre-activations
:math:`U_k = \operatorname{act}(Z_k)`       ``a``                        activations;
                                                                         :math:`U_0 = X`
:math:`\operatorname{act}`                  ``activation``               the nonlinearity
:math:`G_k = \partial f / \partial Z_k`     ``delta``                    backpropagated error
:math:`\omega`                              ``l2``                       L2 coefficient
==========================================  ===========================  ========================

The bias is written :math:`c_k` rather than :math:`b_k` because this book keeps :math:`b_t` for
the momentum buffer; the code names the arrays ``b1, b2, ...`` as PyTorch users expect.

References
----------
- X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward neural
  networks", AISTATS 2010, equation (16) (the initialization used with tanh).
- K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing Human-Level
  Performance on ImageNet Classification", ICCV 2015, section 2.2 (the initialization used
  with ReLU).
- I. Goodfellow, Y. Bengio and A. Courville, "Deep Learning", MIT Press 2016, sections 6.2.2.3
  (softmax) and 6.5 (back-propagation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._validation import check_nonnegative

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "dense",
    "dense_backward",
    "relu",
    "relu_derivative",
    "softmax",
    "softmax_cross_entropy",
    "tanh",
    "tanh_derivative",
]


# -- the pieces, each forward computation beside its derivative -----------------------------------


def dense(a: np.ndarray, W: np.ndarray, c: np.ndarray) -> np.ndarray:
    r"""A dense layer: :math:`Z = U W + c` (the bias ``c`` is added to every row).

    Examples
    --------
    >>> dense(np.array([[1.0, 2.0]]), np.array([[1.0], [10.0]]), np.array([0.5]))
    array([[21.5]])
    """
    return a @ W + c


def dense_backward(
    a: np.ndarray, W: np.ndarray, delta: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward through :func:`dense`: from :math:`G = \partial f/\partial Z` to the gradients.

    With :math:`Z = UW + c`, each entry :math:`Z_{ij} = \sum_l U_{il} W_{lj} + c_j`, so

    .. math::

        \frac{\partial f}{\partial W} = U^\top G, \qquad
        \frac{\partial f}{\partial c} = G^\top \mathbf 1 \;(\text{the column sums of } G), \qquad
        \frac{\partial f}{\partial U} = G W^\top.

    Returns
    -------
    grad_W, grad_c, grad_a : ndarray
        Of the shapes of ``W``, of one row of ``delta``, and of ``a``.

    Examples
    --------
    >>> a, W = np.array([[1.0, 2.0]]), np.array([[1.0], [10.0]])
    >>> grad_W, grad_c, grad_a = dense_backward(a, W, np.array([[3.0]]))
    >>> grad_W.ravel(), grad_c, grad_a
    (array([3., 6.]), array([3.]), array([[ 3., 30.]]))
    """
    return a.T @ delta, delta.sum(axis=0), delta @ W.T


def tanh(z: np.ndarray) -> np.ndarray:
    r"""The hyperbolic tangent, :math:`\operatorname{act}(z) = \tanh z`, entry by entry."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    r""":math:`\operatorname{act}'(z) = 1 - \tanh^2 z`, computed from the output ``a = tanh(z)``."""
    return 1 - a**2


def relu(z: np.ndarray) -> np.ndarray:
    r"""The rectifier, :math:`\operatorname{act}(z) = \max(z, 0)`, entry by entry."""
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""ReLU's :math:`\operatorname{act}'(z) = \mathbb 1[z > 0]`: 0 at the kink, as in PyTorch."""
    return (z > 0).astype(z.dtype)


ACTIVATIONS = {"tanh": (tanh, tanh_derivative), "relu": (relu, relu_derivative)}
"""Each activation's name mapped to the pair (function, derivative)."""


def softmax(z: np.ndarray) -> np.ndarray:
    r"""Row-wise softmax, :math:`\operatorname{softmax}(z)_j = e^{z_j} / \sum_l e^{z_l}`.

    The row maximum is subtracted first: the result is unchanged (numerator and denominator are
    both multiplied by :math:`e^{-\max z}`) and no exponential can overflow.

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)], [1000.0, 1000.0]]))
    array([[0.25, 0.75],
           [0.5 , 0.5 ]])
    """
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(
    z: np.ndarray,
    y: np.ndarray,
) -> tuple[float, np.ndarray]:
    r"""Mean cross-entropy of the softmax of logits ``z`` against labels ``y``, and its gradient.

    For rows :math:`z_i` and labels :math:`y_i`, with the log-sum-exp computed stably,

    .. math::

        \ell = -\frac1n \sum_{i=1}^n \log \operatorname{softmax}(z_i)_{y_i}
             = \frac1n \sum_{i=1}^n \Bigl(\log \sum_j e^{z_{ij}} - z_{i y_i}\Bigr),
        \qquad
        \frac{\partial \ell}{\partial z_{ij}} = \frac1n
            \bigl(\operatorname{softmax}(z_i)_j - \mathbb 1[j = y_i]\bigr):

    the gradient is "softmax minus one-hot", over :math:`n`.

    Parameters
    ----------
    z : ndarray, shape (n, C)
        Logits, one row per sample.
    y : ndarray of int, shape (n,)
        Labels in ``0, ..., C - 1`` (not checked here; :class:`MLP` checks them).

    Returns
    -------
    loss : float
    grad : ndarray, shape (n, C)

    Examples
    --------
    Two equal logits give probability one half, so the loss is :math:`\log 2`:

    >>> loss, grad = softmax_cross_entropy(np.array([[3.0, 3.0]]), np.array([1]))
    >>> round(loss, 6), grad
    (0.693147, array([[ 0.5, -0.5]]))
    """
    n = z.shape[0]
    rows = np.arange(n)
    shifted = z - z.max(axis=1, keepdims=True)  # log-sum-exp trick: no overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean()
    grad = np.exp(log_probs)  # softmax(z)
    grad[rows, y] -= 1  # ... minus one-hot
    grad /= n
    return float(loss), grad


# -- the network -------------------------------------------------------------------------------


class MLP:
    r"""A multilayer perceptron for classification, with softmax cross-entropy loss.

    Layer :math:`k = 1, \dots, K` maps activations :math:`U_{k-1}` (one sample a row,
    :math:`U_0 = X`) to

    .. math::

        Z_k = U_{k-1} W_k + c_k, \qquad U_k = \operatorname{act}(Z_k) \quad (k < K),

    and the last layer's :math:`Z_K` are the logits. The loss on data :math:`(X, y)` is

    .. math::

        f(\theta) = -\frac1n \sum_{i=1}^n \log \operatorname{softmax}(Z_{K,i})_{y_i}
                    + \frac{\omega}{2} \sum_{k=1}^K \|W_k\|_F^2

    (the L2 penalty is on the weights only, not the biases). Its gradient by the chain rule,
    from the top down, with :math:`Y` the one-hot matrix of the labels:

    .. math::

        G_K &= \tfrac1n \bigl(\operatorname{softmax}(Z_K) - Y\bigr)\\
        \partial f / \partial W_k &= U_{k-1}^\top G_k + \omega W_k, \qquad
        \partial f / \partial c_k = G_k^\top \mathbf 1\\
        G_{k-1} &= (G_k W_k^\top) \odot \operatorname{act}'(Z_{k-1}).

    With one layer (``MLP([N_0, C])``) this is multinomial logistic regression.

    The arrays are properties, so that nothing can rebind them: :attr:`flat_params` holds every
    parameter in the order ``W1, b1, W2, b2, ...``, each weight matrix row-major; :attr:`params`
    lists views into it, ``W_k`` of shape ``(N_{k-1}, N_k)`` and ``b_k`` of shape ``(N_k,)``;
    :attr:`flat_grad` and :attr:`grads` hold the gradient in the same layout. Set parameters by
    copying into the vector, ``net.flat_params[...] = w``.

    Parameters
    ----------
    layer_sizes : sequence of int
        :math:`N_0, \dots, N_K`: the number of inputs, the widths of the hidden layers, and the
        number of classes. At least two entries, each at least 1.
    activation : {"tanh", "relu"}, default "tanh"
        :math:`\operatorname{act}`, applied after every layer but the last.
    seed : int, default 0
        Seed of ``np.random.default_rng`` for the initial weights.
    dtype : float32 or float64, default float64
        The dtype of the parameters, the gradient and the computation.

    Attributes
    ----------
    layer_sizes : tuple of int
        :math:`N_0, \dots, N_K`, as given.
    activation : str
        ``"tanh"`` or ``"relu"``.
    dtype : numpy.dtype
        float32 or float64.
    seed : int
        The seed the weights were drawn with.
    param_names : list of str
        ``["W1", "b1", "W2", "b2", ...]``, in the order of :attr:`params`.

    Notes
    -----
    Initialization (biases are zero; weights drawn in float64 and then cast to ``dtype``, so
    float32 and float64 networks with the same seed start at the same point up to rounding):

    - ``"tanh"``: Glorot and Bengio's normalized initialization (their equation (16)),
      :math:`W_k \sim \mathcal U\bigl[-\sqrt{6/(N_{k-1} + N_k)}, \sqrt{6/(N_{k-1} + N_k)}\bigr]`,
      their compromise between keeping the variance of the activations and that of the
      back-propagated gradients constant from layer to layer.
    - ``"relu"``: He et al.'s initialization (their section 2.2), :math:`W_k \sim
      \mathcal N(0, 2/N_{k-1})`, which keeps the variance of the pre-activations constant when
      half of the units are zero.

    The rule of the activation is used for every layer, the last one included, and for the
    single layer of logistic regression too.

    References
    ----------
    - X. Glorot and Y. Bengio, AISTATS 2010, equation (16).
    - K. He, X. Zhang, S. Ren and J. Sun, ICCV 2015, section 2.2.

    Examples
    --------
    >>> net = MLP([64, 32, 10], seed=0)
    >>> [p.shape for p in net.params]
    [(64, 32), (32,), (32, 10), (10,)]
    >>> net.n_params == 64 * 32 + 32 + 32 * 10 + 10 == net.flat_params.size
    True
    >>> np.shares_memory(net.params[2], net.flat_params)
    True

    The gradient agrees with a central difference:

    >>> rng = np.random.default_rng(1)
    >>> X, y = rng.random((5, 64)), rng.integers(0, 10, size=5)
    >>> loss = net.loss_and_grad(X, y, l2=0.1)
    >>> h, j = 1e-6, 100
    >>> net.flat_params[j] += h; up = net.loss(X, y, l2=0.1)
    >>> net.flat_params[j] -= 2 * h; down = net.loss(X, y, l2=0.1)
    >>> net.flat_params[j] += h
    >>> bool(abs((up - down) / (2 * h) - net.flat_grad[j]) < 1e-8)
    True
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "tanh",
        seed: int = 0,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"Invalid activation: {activation!r} (must be one of {sorted(ACTIVATIONS)})"
            )
        self.activation = activation
        self.dtype = np.dtype(dtype)
        if self.dtype.type not in (np.float32, np.float64):
            raise TypeError(f"Invalid dtype: {self.dtype} (must be float32 or float64)")
        self.seed = seed

        shapes: list[tuple[int, ...]] = []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            shapes += [(n_in, n_out), (n_out,)]
        self.param_names = [f"{kind}{k}" for k in range(1, self.n_layers + 1) for kind in "Wb"]
        self._flat_params = np.zeros(sum(math.prod(s) for s in shapes), dtype=self.dtype)
        self._flat_grad = np.zeros_like(self._flat_params)
        self._params = _split(self._flat_params, shapes)
        self._grads = _split(self._flat_grad, shapes)
        self._initialize(np.random.default_rng(seed))

    def _initialize(self, rng: np.random.Generator) -> None:
        """Draw the weights (Glorot uniform for tanh, He normal for ReLU); zero the biases."""
        for W in self._params[0::2]:
            n_in, n_out = W.shape
            if self.activation == "tanh":
                limit = math.sqrt(6.0 / (n_in + n_out))  # Glorot and Bengio (2010), eq. (16)
                W[...] = rng.uniform(-limit, limit, size=W.shape)
            else:
                W[...] = rng.normal(0.0, math.sqrt(2.0 / n_in), size=W.shape)  # He et al. (2015)
        for b in self._params[1::2]:
            b[...] = 0

    # -- the arrays: read-only attributes, so that nothing rebinds them -------------------------
    @property
    def flat_params(self) -> np.ndarray:
        """Every parameter in one contiguous vector (write into it; do not rebind it)."""
        return self._flat_params

    @flat_params.setter
    def flat_params(self, value: object) -> None:
        raise AttributeError(
            "flat_params cannot be rebound (the views in params and any optimizer hold this "
            "array); copy into it instead: net.flat_params[...] = w"
        )

    @property
    def flat_grad(self) -> np.ndarray:
        """The gradient, laid out as :attr:`flat_params`, written by :meth:`loss_and_grad`."""
        return self._flat_grad

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]``, views into :attr:`flat_params`."""
        return list(self._params)

    @property
    def grads(self) -> list[np.ndarray]:
        """The gradients of ``params``, views into :attr:`flat_grad`."""
        return list(self._grads)

    @property
    def n_layers(self) -> int:
        """The number :math:`K` of dense layers (1 for logistic regression)."""
        return len(self.layer_sizes) - 1

    @property
    def n_params(self) -> int:
        """The total number of weights and biases."""
        return self._flat_params.size

    # -- forward and backward -------------------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """The logits :math:`Z_K`, shape ``(n, N_K)``, for the rows of ``X``."""
        return self._logits(self._check_X(X))

    def _logits(self, a: np.ndarray) -> np.ndarray:
        phi, _ = ACTIVATIONS[self.activation]
        for k in range(self.n_layers):
            z = dense(a, self._params[2 * k], self._params[2 * k + 1])
            a = phi(z) if k < self.n_layers - 1 else z
        return a

    def loss(self, X: np.ndarray, y: np.ndarray, l2: float = 0.0) -> float:
        r"""The loss :math:`f(\theta)` (mean cross-entropy plus L2 penalty); no gradient."""
        X, y = self._check_data(X, y)
        l2 = check_nonnegative("l2", l2)
        data_loss, _ = softmax_cross_entropy(self._logits(X), y)
        return data_loss + self._penalty(l2)

    def loss_and_grad(self, X: np.ndarray, y: np.ndarray, l2: float = 0.0) -> float:
        r"""Return the loss :math:`f(\theta)` and write its gradient into :attr:`flat_grad`.

        Parameters
        ----------
        X : ndarray, shape (n, N_0)
            Inputs, one sample a row (cast to the network's dtype).
        y : ndarray of int, shape (n,)
            Labels in ``0, ..., N_K - 1``.
        l2 : float, default 0
            :math:`\omega \ge 0`, the coefficient of :math:`\frac{\omega}{2}\sum_k \|W_k\|_F^2`.

        Returns
        -------
        float
            The loss. The gradient is in :attr:`flat_grad` (and its views :attr:`grads`).

        Raises
        ------
        ValueError, TypeError
            For inputs of the wrong shape or type, labels out of range or a negative ``l2``.
            Nothing is written then: :attr:`flat_grad` keeps its previous value.
        """
        X, y = self._check_data(X, y)
        l2 = check_nonnegative("l2", l2)
        phi, phi_derivative = ACTIVATIONS[self.activation]
        K = self.n_layers

        # Forward pass (k counts layers from 0 here), keeping each layer's
        # input a and pre-activation z for the backward pass.
        inputs, pre_activations = [], []
        a = X
        for k in range(K):
            W, c = self._params[2 * k], self._params[2 * k + 1]
            inputs.append(a)
            z = dense(a, W, c)
            pre_activations.append(z)
            a = phi(z) if k < K - 1 else z
        # delta = G_K = (softmax(Z_K) - Y) / n
        loss, delta = softmax_cross_entropy(a, y)

        # Backward pass, into a scratch vector: flat_grad is written once
        # nothing can fail.
        grad = np.empty_like(self._flat_grad)
        grad_views = _split(grad, [p.shape for p in self._params])
        for k in reversed(range(K)):
            W = self._params[2 * k]
            grad_W, grad_c, grad_a = dense_backward(inputs[k], W, delta)
            grad_views[2 * k][...] = grad_W + l2 * W if l2 else grad_W
            grad_views[2 * k + 1][...] = grad_c
            if k > 0:  # the layer below: G = (G W^T) * phi'(z), phi(z) = inputs[k]
                delta = grad_a * phi_derivative(pre_activations[k - 1], inputs[k])
        self._flat_grad[...] = grad
        return loss + self._penalty(l2)

    def _penalty(self, l2: float) -> float:
        if not l2:
            return 0.0
        return 0.5 * l2 * float(sum(np.sum(W * W) for W in self._params[0::2]))

    # -- predictions ------------------------------------------------------------------------------
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities :math:`\\operatorname{softmax}(Z_K)`, shape ``(n, N_K)``."""
        return softmax(self.forward(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most probable class of each row, as int64 labels."""
        return self.forward(X).argmax(axis=1).astype(np.int64)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """The fraction of rows of ``X`` whose predicted class is ``y``."""
        X, y = self._check_data(X, y)
        return float(np.mean(self._logits(X).argmax(axis=1) == y))

    # -- housekeeping ---------------------------------------------------------------------------
    def copy(self) -> MLP:
        """An independent network with the same architecture and a copy of the parameters.

        The gradient buffer of the copy starts at zero.

        Examples
        --------
        >>> net = MLP([3, 2], seed=0)
        >>> twin = net.copy()
        >>> twin.flat_params[0] += 1.0
        >>> bool(twin.flat_params[0] == net.flat_params[0] + 1.0)
        True
        """
        twin = MLP(self.layer_sizes, self.activation, seed=self.seed, dtype=self.dtype)
        twin.flat_params[...] = self._flat_params
        return twin

    def __repr__(self) -> str:
        sizes = list(self.layer_sizes)
        return (
            f"MLP({sizes}, activation={self.activation!r}, dtype={self.dtype.name}, "
            f"n_params={self.n_params})"
        )

    # -- input checks ---------------------------------------------------------------------------
    def _check_X(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.dtype.kind not in "fiu" or X.dtype == np.bool_:
            raise TypeError(f"X has dtype {X.dtype}; it must be a real numeric array")
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0] or X.shape[0] < 1:
            raise ValueError(
                f"X has shape {X.shape}; expected (n, {self.layer_sizes[0]}) with n >= 1, "
                "one sample a row"
            )
        X = X.astype(self.dtype, copy=False)
        if not np.isfinite(X).all():
            raise ValueError("X holds NaN or an infinity")
        return X

    def _check_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_X(X)
        y = np.asarray(y)
        if y.dtype.kind not in "iu":
            raise TypeError(
                f"y has dtype {y.dtype}; labels must be integers (convert with y.astype(int))"
            )
        if y.shape != (X.shape[0],):
            raise ValueError(f"y has shape {y.shape}; expected ({X.shape[0]},), one label per row")
        n_classes = self.layer_sizes[-1]
        bad = (y < 0) | (y >= n_classes)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"label y[{i}] = {int(y[i])} is out of range: labels must lie in 0..{n_classes - 1}"
            )
        return X, y


def _check_layer_sizes(layer_sizes: Sequence[int]) -> tuple[int, ...]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, (Sequence, np.ndarray)):
        raise TypeError(f"layer_sizes must be a list of integers, got {layer_sizes!r}")
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"Invalid layer_sizes: {sizes!r} (need at least two: inputs and classes)"
        )
    for size in sizes:
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
            raise ValueError(f"Invalid layer_sizes: {sizes!r} (each must be an integer >= 1)")
    return tuple(int(s) for s in sizes)


def _split(flat: np.ndarray, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """Cut ``flat`` into consecutive views of the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views
