"""The fast path: every optimizer's update, in place, one cache-sized block at a time.

The readable update functions (``adam_update`` and the others) are the reference: they build new
arrays, so one Adam step on a large parameter makes about ten temporaries of its size and reads
and writes each of them through main memory. The kernels here perform the *same* elementwise
operations, in the same order and the same dtype, so they round identically and give the same
bits, but they

- write the parameter and the state arrays in place (the state arrays stay the same objects);
- walk the arrays in blocks of :data:`BLOCK_SIZE` elements, so that every temporary lives in a
  small scratch buffer that stays in the CPU cache, and each byte of parameter, gradient and
  state crosses main memory about once per step;
- allocate nothing per step whose size grows with the parameters: the scratch buffers are made
  on the first step and reused (``4 * BLOCK_SIZE`` elements per thread, compute dtype and
  optimizer);
- share the blocks of a large parameter among :data:`THREADS` threads (NumPy releases the GIL
  inside each ufunc). Every block is computed by one thread with the same operations, so the
  numbers do not depend on the number of threads.

Why the bits match: an expression such as ``m = beta1 * m + (1 - beta1) * g`` rounds three times
(two products and a sum), each correctly rounded in the array's dtype, and so does the in-place
sequence ``m *= beta1; tmp = g * (1 - beta1); m += tmp``. Python float hyperparameters are
"weak" scalars under NumPy 2 (NEP 50): they are rounded to the array's dtype first, which is
what ``dtype.type(x)`` does here. ``tests/test_fast_path.py`` checks every optimizer and option
against its reference function, bit for bit.

Each ``*_step`` function returns False, and changes nothing, when the fast path does not apply;
the class then runs its reference path. That happens when a hyperparameter is a NumPy scalar
rather than a Python number (NumPy then promotes differently, and copying the reference's
promotion blockwise is not worth it), when a state array is not a C-contiguous writable array of
the compute dtype (someone replaced it), and when :data:`ENABLED` is False. A parameter or
gradient that is not C-contiguous, or a gradient that shares memory with the parameter or a
state array, is copied first (the only case where a step allocates in proportion to its size).

Floating-point warnings (an overflow in ``g**2``, say) follow ``np.errstate``, in worker threads
too. Under ``np.errstate(all="raise")`` a step that overflows raises part-way through a
parameter, which then holds a mix of old and new blocks; the reference path raises before it
writes that parameter (though after writing the parameters before it).
"""

from __future__ import annotations

import contextvars
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .optimizer import compute_dtype

ENABLED = True
"""Set to False to make every optimizer run its readable reference path (for tests)."""

BLOCK_SIZE = 65536
"""Elements per block. A block's working set (parameter, gradient, up to three state arrays and
up to four scratch buffers, 256 KiB each in float32) stays in the L2/L3 cache; see
``benchmarks/README.md`` for a sweep."""

_PLAIN_NUMBERS = (int, float)


def _plain(*values: object) -> bool:
    """True when every value is a Python int or float (a "weak" scalar for NumPy)."""
    return all(type(value) in _PLAIN_NUMBERS for value in values)


def _scratch(opt: object, dtype: np.dtype, threads: int, length: int) -> np.ndarray:
    """The optimizer's reusable scratch: per thread, four buffers of ``length`` elements.

    Made on the first step and grown only when a larger parameter or more threads need it, so
    it is at most ``THREADS * 4 * BLOCK_SIZE`` elements, whatever the size of the parameters.
    """
    buffers = opt.__dict__.setdefault("_scratch", {})
    scratch = buffers.get(dtype)
    if scratch is None or scratch.shape[0] < threads or scratch.shape[2] < length:
        shape = (threads, 4, length)
        if scratch is not None:
            shape = (max(threads, scratch.shape[0]), 4, max(length, scratch.shape[2]))
        scratch = buffers[dtype] = np.empty(shape, dtype=dtype)
    return scratch


def _default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


THREADS = _default_threads()
"""Threads that share the blocks of one large parameter (at most 4, at most the usable cores).
Each block is computed by exactly one thread with the same operations, so the numbers do not
depend on it. Set to 1 for a single-threaded fast path."""

MIN_BLOCKS_PER_THREAD = 2
"""A parameter is split across threads only if each thread gets at least this many blocks."""

_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def _executor(threads: int) -> ThreadPoolExecutor:
    """A thread pool, made on first use and again after a fork or a change of THREADS."""
    global _pool
    if _pool is None or _pool[0] != os.getpid() or _pool[1] != threads:
        pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="adamlib")
        _pool = (os.getpid(), threads, pool)
    return _pool[2]


def _usable_state(state: object, param: np.ndarray, dtype: np.dtype) -> bool:
    return (
        isinstance(state, np.ndarray)
        and state.dtype == dtype
        and state.shape == param.shape
        and state.flags.c_contiguous
        and state.flags.writeable
    )


BlockUpdate = Callable[..., None]


def run_blocked(
    opt: object,
    param: np.ndarray,
    grad: np.ndarray,
    states: Sequence[np.ndarray],
    block_update: BlockUpdate,
) -> bool:
    """Apply ``block_update`` to ``param`` and ``states`` in place, one block at a time.

    ``block_update(theta, g, g_buffer, tmp1, tmp2, *state_blocks)`` receives views of one block:
    ``theta`` (the parameter in the compute dtype: the parameter itself, or a float32 copy of a
    float16 block that is written back afterwards), ``g`` (the gradient in the compute dtype,
    read-only), a scratch ``g_buffer`` it may use for a modified gradient (it may be ``g``
    itself), two scratch buffers and the state blocks. Returns False, having changed nothing, if
    a state array cannot be updated in place.
    """
    dtype = compute_dtype(param)
    if not all(_usable_state(state, param, dtype) for state in states):
        return False
    size = param.size
    if size == 0:
        return True
    target = param if param.flags.c_contiguous else np.ascontiguousarray(param)
    if not grad.flags.c_contiguous or any(
        np.may_share_memory(grad, other) for other in (param, *states)
    ):
        grad = np.array(grad, order="C")  # a copy, so that writes cannot change the gradient
    p, g = target.reshape(-1), grad.reshape(-1)
    flats = [state.reshape(-1) for state in states]
    convert_param, convert_grad = p.dtype != dtype, g.dtype != dtype

    def walk(first: int, last: int, scratch: np.ndarray) -> None:
        theta_buffer, g_buffer, tmp1, tmp2 = scratch
        for start in range(first, last, BLOCK_SIZE):
            stop = min(start + BLOCK_SIZE, last)
            k = stop - start
            if convert_param:
                theta = theta_buffer[:k]
                np.copyto(theta, p[start:stop])
            else:
                theta = p[start:stop]
            gb = g_buffer[:k]
            if convert_grad:
                np.copyto(gb, g[start:stop], casting="same_kind")
                g_block = gb
            else:
                g_block = g[start:stop]
            block_update(theta, g_block, gb, tmp1[:k], tmp2[:k], *[f[start:stop] for f in flats])
            if convert_param:
                np.copyto(p[start:stop], theta, casting="same_kind")

    blocks = -(-size // BLOCK_SIZE)
    threads = max(1, min(THREADS, blocks // MIN_BLOCKS_PER_THREAD))
    scratch = _scratch(opt, dtype, threads, min(size, BLOCK_SIZE))
    if threads == 1:
        walk(0, size, scratch[0])
    else:
        # Contiguous runs of whole blocks, one per thread; the caller's thread takes the first.
        edges = [blocks * i // threads * BLOCK_SIZE for i in range(threads)] + [size]
        pool = _executor(threads)
        context = contextvars.copy_context  # numpy's errstate lives in a context variable
        futures = [
            pool.submit(context().run, walk, edges[i], edges[i + 1], scratch[i])
            for i in range(1, threads)
        ]
        try:
            walk(edges[0], edges[1], scratch[0])
        finally:
            for future in futures:
                future.result()
    if target is not param:
        param[...] = target
    return True


# Each kernel below mirrors one reference function line by line; the comment on each group
# quotes the reference line it reproduces. ``s`` converts a Python number to the compute dtype.


def _add_l2(theta, g, gb, tmp, wd_s):
    """``g + weight_decay * theta`` for one block, written into the scratch ``gb``."""
    np.multiply(theta, wd_s, tmp)
    return np.add(g, tmp, gb)


def _update_moments(g, m, v, tmp, b1, c1, b2, c2) -> None:
    """The two moving averages of Adam, NAdam and RAdam, in place on one block."""
    np.multiply(m, b1, m)  # m = beta1 * m + (1 - beta1) * g
    np.multiply(g, c1, tmp)
    np.add(m, tmp, m)
    np.square(g, tmp)  # v = beta2 * v + (1 - beta2) * g**2
    np.multiply(tmp, c2, tmp)
    np.multiply(v, b2, v)
    np.add(v, tmp, v)


def adam_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """Adam and AdamW (``adam_update``, ``adamw_update``), with AMSGrad and weight decay."""
    rule = type(opt).update_rule
    if rule.__name__ != "update_rule" or rule.__module__ not in ("adamlib.adam", "adamlib.adamw"):
        return False  # a subclass with its own update rule: run it
    decoupled = rule.__module__ == "adamlib.adamw"
    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    if not (ENABLED and _plain(lr, eps, wd, beta1, beta2)):
        return False
    s = compute_dtype(param).type
    b1, c1, b2, c2 = s(beta1), s(1 - beta1), s(beta2), s(1 - beta2)
    bc1, bc2, lr_s, eps_s = s(1 - beta1**t), s(1 - beta2**t), s(lr), s(eps)
    l2 = not decoupled and wd != 0
    wd_s, decay = s(wd), s(1 - lr * wd)

    def block(theta, g, gb, tmp, den, m, v, v_max=None):
        if decoupled:
            np.multiply(theta, decay, theta)  # theta = theta * (1 - lr * weight_decay)
        elif l2:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        _update_moments(g, m, v, tmp, b1, c1, b2, c2)
        if v_max is not None:
            np.maximum(v_max, v, out=v_max)  # v_max = np.maximum(v_max, v)
            np.divide(v_max, bc2, den)  # v_hat = v_max / (1 - beta2**t)
        else:
            np.divide(v, bc2, den)  # v_hat = v / (1 - beta2**t)
        np.sqrt(den, den)  # np.sqrt(v_hat) + eps
        np.add(den, eps_s, den)
        np.divide(m, bc1, tmp)  # m_hat = m / (1 - beta1**t)
        np.multiply(tmp, lr_s, tmp)  # theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.divide(tmp, den, tmp)
        np.subtract(theta, tmp, theta)

    states = [opt.m[index], opt.v[index]] + ([opt.v_max[index]] if opt.amsgrad else [])
    return run_blocked(opt, param, grad, states, block)


def sgd_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """SGD (``sgd_update``), with momentum, dampening, Nesterov and weight decay."""
    lr, momentum, dampening, wd = opt.lr, opt.momentum, opt.dampening, opt.weight_decay
    if not (ENABLED and _plain(lr, momentum, dampening, wd)):
        return False
    s = compute_dtype(param).type
    lr_s, mu, damp, wd_s = s(lr), s(momentum), s(1 - dampening), s(wd)
    nesterov = opt.nesterov

    def block(theta, g, gb, tmp, _, b=None):
        if wd != 0:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        if b is not None:
            if t == 1:
                np.copyto(b, g)  # b = g.copy()
            else:
                np.multiply(b, mu, b)  # b = momentum * b + (1 - dampening) * g
                np.multiply(g, damp, tmp)
                np.add(b, tmp, b)
            if nesterov:
                np.multiply(b, mu, tmp)  # g = g + momentum * b
                g = np.add(g, tmp, gb)
            else:
                g = b
        np.multiply(g, lr_s, tmp)  # theta = theta - lr * g
        np.subtract(theta, tmp, theta)

    states = [opt.momentum_buffer[index]] if momentum != 0 else []
    return run_blocked(opt, param, grad, states, block)


def adagrad_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """Adagrad (``adagrad_update``)."""
    lr, lr_decay, wd, eps = opt.lr, opt.lr_decay, opt.weight_decay, opt.eps
    if not (ENABLED and _plain(lr, lr_decay, wd, eps)):
        return False
    s = compute_dtype(param).type
    lr_t, wd_s, eps_s = s(lr / (1 + (t - 1) * lr_decay)), s(wd), s(eps)

    def block(theta, g, gb, tmp, den, sum_sq):
        if wd != 0:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        np.square(g, tmp)  # sum_sq = sum_sq + g**2
        np.add(sum_sq, tmp, sum_sq)
        np.sqrt(sum_sq, den)  # np.sqrt(sum_sq) + eps
        np.add(den, eps_s, den)
        np.multiply(g, lr_t, tmp)  # theta = theta - lr_t * g / (np.sqrt(sum_sq) + eps)
        np.divide(tmp, den, tmp)
        np.subtract(theta, tmp, theta)

    return run_blocked(opt, param, grad, [opt.sum_sq[index]], block)


def rmsprop_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """RMSprop (``rmsprop_update``), centered or not, with momentum and weight decay."""
    lr, alpha, eps, wd, momentum = opt.lr, opt.alpha, opt.eps, opt.weight_decay, opt.momentum
    if not (ENABLED and _plain(lr, alpha, eps, wd, momentum)):
        return False
    s = compute_dtype(param).type
    a, c, eps_s, wd_s, mu, lr_s = s(alpha), s(1 - alpha), s(eps), s(wd), s(momentum), s(lr)
    centered = opt.centered

    def block(theta, g, gb, tmp, den, square_avg, *rest):
        grad_avg = rest[0] if centered else None
        buffer = rest[-1] if momentum != 0 else None
        if wd != 0:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        np.multiply(square_avg, a, square_avg)  # square_avg = alpha * sq + (1 - alpha) * g**2
        np.square(g, tmp)
        np.multiply(tmp, c, tmp)
        np.add(square_avg, tmp, square_avg)
        if grad_avg is not None:
            np.multiply(grad_avg, a, grad_avg)  # grad_avg = alpha * grad_avg + (1 - alpha) * g
            np.multiply(g, c, tmp)
            np.add(grad_avg, tmp, grad_avg)
            np.square(grad_avg, den)  # np.sqrt(square_avg - grad_avg**2) + eps
            np.subtract(square_avg, den, den)
            np.sqrt(den, den)
        else:
            np.sqrt(square_avg, den)  # np.sqrt(square_avg) + eps
        np.add(den, eps_s, den)
        if buffer is not None:
            np.multiply(buffer, mu, buffer)  # b = momentum * b + g / denominator
            np.divide(g, den, tmp)
            np.add(buffer, tmp, buffer)
            np.multiply(buffer, lr_s, tmp)  # theta = theta - lr * b
        else:
            np.multiply(g, lr_s, tmp)  # theta = theta - lr * g / denominator
            np.divide(tmp, den, tmp)
        np.subtract(theta, tmp, theta)

    states = [opt.square_avg[index]]
    if centered:
        states.append(opt.grad_avg[index])
    if momentum != 0:
        states.append(opt.momentum_buffer[index])
    return run_blocked(opt, param, grad, states, block)


def adamax_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """AdaMax (``adamax_update``)."""
    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    if not (ENABLED and _plain(lr, eps, wd, beta1, beta2)):
        return False
    s = compute_dtype(param).type
    b1, c1, b2, eps_s, wd_s = s(beta1), s(1 - beta1), s(beta2), s(eps), s(wd)
    step = s(lr / (1 - beta1**t))

    def block(theta, g, gb, tmp, _, m, u):
        if wd != 0:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        np.multiply(m, b1, m)  # m = beta1 * m + (1 - beta1) * g
        np.multiply(g, c1, tmp)
        np.add(m, tmp, m)
        np.multiply(u, b2, u)  # u = np.maximum(beta2 * u, np.abs(g) + eps)
        np.abs(g, tmp)
        np.add(tmp, eps_s, tmp)
        np.maximum(u, tmp, out=u)
        np.multiply(m, step, tmp)  # theta = theta - (lr / (1 - beta1**t)) * m / u
        np.divide(tmp, u, tmp)
        np.subtract(theta, tmp, theta)

    return run_blocked(opt, param, grad, [opt.m[index], opt.u[index]], block)


def _decay_or_l2(decoupled: bool, wd: float, decay, wd_s):
    """The weight-decay line shared by NAdam and RAdam, as a block function (or None)."""
    if wd == 0:
        return None
    if decoupled:

        def decoupled_decay(theta, g, gb, tmp):
            np.multiply(theta, decay, theta)  # theta = theta * (1 - lr * weight_decay)
            return g

        return decoupled_decay
    return lambda theta, g, gb, tmp: _add_l2(theta, g, gb, tmp, wd_s)


def nadam_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """NAdam (``nadam_update``); sets ``opt.mu_product`` as the class's reference path does."""
    lr, eps, wd, psi = opt.lr, opt.eps, opt.weight_decay, opt.momentum_decay
    beta1, beta2 = opt.betas
    mu_product = opt._mu_product_before
    if not (ENABLED and _plain(lr, eps, wd, psi, beta1, beta2, mu_product)):
        return False
    from .nadam import nadam_momentum

    s = compute_dtype(param).type
    # The scalar lines of nadam_update, computed in Python exactly as there.
    mu = nadam_momentum(t, beta1, psi)
    mu_next = nadam_momentum(t + 1, beta1, psi)
    mu_product = mu_product * mu
    mu_product_next = mu_product * mu_next
    b1, c1, b2, c2 = s(beta1), s(1 - beta1), s(beta2), s(1 - beta2)
    mu_next_s, d_next, one_minus_mu, d_now = (
        s(mu_next), s(1 - mu_product_next), s(1 - mu), s(1 - mu_product)
    )  # fmt: skip
    bc2, lr_s, eps_s = s(1 - beta2**t), s(lr), s(eps)
    weight_decay = _decay_or_l2(opt.decoupled_weight_decay, wd, s(1 - lr * wd), s(wd))

    def block(theta, g, gb, tmp, den, m, v):
        if weight_decay is not None:
            g = weight_decay(theta, g, gb, tmp)
        _update_moments(g, m, v, tmp, b1, c1, b2, c2)
        # m_hat = mu_next * m / (1 - mu_product_next) + (1 - mu) * g / (1 - mu_product)
        np.multiply(m, mu_next_s, tmp)
        np.divide(tmp, d_next, tmp)
        np.multiply(g, one_minus_mu, den)
        np.divide(den, d_now, den)
        np.add(tmp, den, tmp)
        np.divide(v, bc2, den)  # v_hat = v / (1 - beta2**t)
        np.sqrt(den, den)  # theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.add(den, eps_s, den)
        np.multiply(tmp, lr_s, tmp)
        np.divide(tmp, den, tmp)
        np.subtract(theta, tmp, theta)

    if not run_blocked(opt, param, grad, [opt.m[index], opt.v[index]], block):
        return False
    opt.mu_product = mu_product
    return True


def radam_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """RAdam (``radam_update``)."""
    from .radam import RECTIFICATION_THRESHOLD, radam_rho

    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    if not (ENABLED and _plain(lr, eps, wd, beta1, beta2)):
        return False
    s = compute_dtype(param).type
    b1, c1, b2, c2 = s(beta1), s(1 - beta1), s(beta2), s(1 - beta2)
    bc1, lr_s, eps_s = s(1 - beta1**t), s(lr), s(eps)
    rho_inf, rho_t = radam_rho(t, beta2)
    rectified = rho_t > RECTIFICATION_THRESHOLD
    if rectified:
        r_t = s(
            math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        )
        root_bc2 = s(math.sqrt(1 - beta2**t))
    weight_decay = _decay_or_l2(opt.decoupled_weight_decay, wd, s(1 - lr * wd), s(wd))

    def block(theta, g, gb, tmp, den, m, v):
        if weight_decay is not None:
            g = weight_decay(theta, g, gb, tmp)
        _update_moments(g, m, v, tmp, b1, c1, b2, c2)
        np.divide(m, bc1, tmp)  # m_hat = m / (1 - beta1**t)
        np.multiply(tmp, lr_s, tmp)  # lr * m_hat
        if rectified:
            np.sqrt(v, den)  # adaptive_lr = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
            np.add(den, eps_s, den)
            np.divide(root_bc2, den, den)
            np.multiply(tmp, r_t, tmp)  # theta = theta - lr * m_hat * r_t * adaptive_lr
            np.multiply(tmp, den, tmp)
        np.subtract(theta, tmp, theta)

    return run_blocked(opt, param, grad, [opt.m[index], opt.v[index]], block)
