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
- share the blocks among :data:`THREADS` threads (NumPy releases the GIL inside each ufunc).
  Every block is computed by one thread with the same operations, so the numbers do not depend
  on the number of threads.

A kernel is made once per step and compute dtype (``adam_kernel(opt, dtype, t)`` and so on): it
turns the hyperparameters into constants of that dtype (kept from step to step while the
hyperparameters are the same objects) and returns the block function, which updates the state
and returns the step ``delta``; the caller subtracts it from the parameter, the last line of
every reference function. The block function runs over *jobs*: a job is one stretch of memory
holding parameters, gradients and state of the same length. A single parameter is one job;
:mod:`adamlib._flat` gathers many small parameters into one job, so that a list of small arrays
costs one kernel call rather than one per array. :func:`run_jobs` cuts the jobs into blocks and
deals them to threads.

Why the bits match: an expression such as ``m = beta1 * m + (1 - beta1) * g`` rounds three times
(two products and a sum), each correctly rounded in the array's dtype, and so does the in-place
sequence ``m *= beta1; tmp = g * (1 - beta1); m += tmp``. Python float hyperparameters are
"weak" scalars under NumPy 2 (NEP 50): they are rounded to the array's dtype first, which is
what :func:`_constants` does here (it makes 0-d arrays of the compute dtype, which NumPy's
ufuncs take faster than scalars). ``tests/test_fast_path.py`` checks every optimizer and option
against its reference function, bit for bit.

Each kernel function returns None when the fast path does not apply, and the class then runs its
reference path. That happens when a hyperparameter is a NumPy scalar rather than a Python number
(NumPy then promotes differently, and copying the reference's promotion blockwise is not worth
it), when a subclass replaces the update rule, and when :data:`ENABLED` is False. A state array
that is not a C-contiguous writable array of the compute dtype (someone replaced it) also sends
that parameter to the reference path. A parameter or gradient that is not C-contiguous, or a
gradient that shares memory with the parameter or a state array, is copied first (the only case
where a step allocates in proportion to its size).

Floating-point warnings (an overflow in ``g**2``, say) follow ``np.errstate``, in worker threads
too. Under ``np.errstate(all="raise")`` a step that overflows raises part-way through, and the
parameters and state then hold a mix of old and new blocks; the reference path raises before it
writes the parameter it is on (though after writing the parameters before it).
"""

from __future__ import annotations

import contextvars
import math
import operator
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from ._validation import compute_dtype

ENABLED = True
"""Set to False to make every optimizer run its readable reference path (for tests)."""

BLOCK_SIZE = 65536
"""Elements per block. A block's working set (parameter, gradient, up to three state arrays and
up to four scratch buffers, 256 KiB each in float32) stays in the L2/L3 cache; see
``benchmarks/README.md`` for a sweep."""

_PLAIN_NUMBERS = (int, float)


def _plain(*values: object) -> bool:
    """True when every value is a Python int or float (a "weak" scalar for NumPy)."""
    return all(map(_PLAIN_NUMBERS.__contains__, map(type, values)))


def _constants(dtype: np.dtype, *values: float) -> list[np.ndarray]:
    """Each Python number as a 0-d array of ``dtype``: rounded as NumPy rounds a weak scalar."""
    return [np.array(value, dtype=dtype) for value in values]


def _step_constants(opt: object, dtype: np.dtype, *values: float) -> list[np.ndarray]:
    """:func:`_constants` for the values that change every step (the bias corrections), written
    into the 0-d arrays of the last step rather than new ones: half the cost.

    A kernel is used only within its own step (and one optimizer steps in one thread at a
    time), so the arrays its block function reads are not changed under it. Writing a Python
    number into an array of ``dtype`` rounds it as ``np.array(value, dtype=dtype)`` does.
    """
    cache = opt.__dict__.setdefault("_step_constants", {})
    arrays = cache.get(dtype)
    if arrays is None or len(arrays) != len(values):
        arrays = cache[dtype] = [np.empty((), dtype=dtype) for _ in values]
    for array, value in zip(arrays, values):
        array[()] = value
    return arrays


def _fixed_constants(
    opt: object, dtype: np.dtype, hyperparameters: tuple, values: Callable[[], tuple]
) -> list[np.ndarray] | None:
    """The constants of a kernel that do not depend on ``t``, made once and then reused; None
    if a hyperparameter is not a plain Python number (the kernel then declines).

    ``values()`` computes them from ``hyperparameters``, the optimizer's hyperparameters as the
    kernel read them; they are checked (:func:`_plain`) and made into 0-d arrays
    (:func:`_constants`) again only when one of those is a new object or ``dtype`` is new.
    Identity, not equality, as in ``Optimizer._check_hyperparameters_if_changed``: ``0.0 ==
    -0.0``, yet the two are different constants, while a Python number is immutable, so the
    same object means the same value.
    Making a 0-d array costs about 0.2 microseconds, a tenth of a small network's whole step for
    Adam's eight constants.
    """
    cache = opt.__dict__.setdefault("_kernel_constants", {})
    entry = cache.get(dtype)
    if entry is None or not all(map(operator.is_, hyperparameters, entry[0])):
        if not _plain(*hyperparameters):
            return None
        entry = cache[dtype] = (hyperparameters, _constants(dtype, *values()))
    return entry[1]


def _default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


THREADS = _default_threads()
"""Threads that share the blocks of a step (at most 4, at most the usable cores). Each block is
computed by exactly one thread with the same operations, so the numbers do not depend on it.
Set to 1 for a single-threaded fast path."""

MIN_BLOCKS_PER_THREAD = 6
"""A step is split across threads only if each thread gets at least this many blocks' worth of
elements; below that, handing work to another thread costs more than it saves. Measured for
Adam on this project's 2-core machine (float32, median of 7 runs of the step): two threads took
1.09 times as long as one on 600K elements (10 blocks), 0.77 times on 800K (13 blocks) and 0.67
times on 1M; with 2 here, the 270K network of ``benchmarks/`` ran 13% slower on two threads."""

_pool: tuple[int, int, ThreadPoolExecutor] | None = None


def _executor(threads: int) -> ThreadPoolExecutor:
    """A thread pool, made on first use and again after a fork or a change of THREADS."""
    global _pool
    if _pool is None or _pool[0] != os.getpid() or _pool[1] != threads:
        pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="adamlib")
        _pool = (os.getpid(), threads, pool)
    return _pool[2]


def thread_count(elements: int) -> int:
    """How many threads share ``elements`` elements of work (1 below
    ``MIN_BLOCKS_PER_THREAD`` blocks per thread)."""
    blocks = -(-elements // BLOCK_SIZE)
    return max(1, min(THREADS, blocks // MIN_BLOCKS_PER_THREAD))


def in_threads(tasks: Sequence[Callable[[], object]]) -> list[object]:
    """Run the tasks, the first in this thread and the others in the pool; return their results.

    The workers run in a copy of this thread's context, so ``np.errstate`` applies to them too.
    """
    if len(tasks) < 2:
        return [task() for task in tasks]
    pool = _executor(len(tasks))
    futures = [pool.submit(contextvars.copy_context().run, task) for task in tasks[1:]]
    try:
        first = tasks[0]()
    finally:
        rest = [future.result() for future in futures]
    return [first, *rest]


# -- jobs: stretches of memory that one block function updates ------------------------------------
BlockUpdate = Callable[..., None]


class Kernel(NamedTuple):
    """One step's update for one compute dtype.

    ``block(theta, g, g_buffer, tmp1, tmp2, *states)`` updates the state of one block in place
    and returns the step ``delta``, always in ``tmp1`` (callers rely on it); the caller then
    applies the last line of every reference function, ``theta = theta - delta``, as
    ``np.subtract(theta, delta, theta)``.
    ``theta`` is the parameter in the compute dtype, ``g`` the gradient (read-only), ``g_buffer``
    a scratch it may use for a modified gradient (it may be ``g`` itself), then the second
    scratch buffer and the state blocks, in the order of ``opt.state_names``.

    ``reads_theta`` says whether the block reads or writes ``theta`` before that last line (weight
    decay does); when it does not, ``theta`` may be None, and a caller with many small parameters
    can subtract each one's slice of ``delta`` from it where it lies, without gathering the
    parameters into a buffer and scattering them back. ``finish``, if given, runs once after
    the step (NAdam stores its momentum product there).
    """

    block: BlockUpdate
    finish: Callable[[], None] | None = None
    reads_theta: bool = True


class Job:
    """A stretch of ``size`` elements: parameter, gradient and state arrays, 1-D and C-contiguous.

    ``param`` may be of another dtype than the compute dtype (float16): the blocks are then
    converted on the way in and out, as ``param.astype(dtype)`` and ``param[...] = theta`` do in
    the reference path; so may ``grad``. ``write_back``, if set, is a ``(param, copy)`` pair: the
    job ran on a contiguous copy of a parameter that is not contiguous, copied back afterwards.
    """

    __slots__ = ("param", "grad", "states", "size", "block", "dtype", "write_back")

    def __init__(self, param, grad, states, block, dtype, write_back=None) -> None:
        self.param, self.grad, self.states = param, grad, states
        self.size, self.block, self.dtype, self.write_back = param.size, block, dtype, write_back


def _usable_state(state: object, param: np.ndarray, dtype: np.dtype) -> bool:
    return (
        isinstance(state, np.ndarray)
        and state.dtype == dtype
        and state.shape == param.shape
        and state.flags.c_contiguous
        and state.flags.writeable
    )


def parameter_job(
    param: np.ndarray, grad: np.ndarray, states: Sequence[np.ndarray], block: BlockUpdate
) -> Job | None:
    """The job for one parameter of any layout; None if a state array cannot be updated in place."""
    dtype = compute_dtype(param)
    if not all(_usable_state(state, param, dtype) for state in states):
        return None
    target = param if param.flags.c_contiguous else np.ascontiguousarray(param)
    if not grad.flags.c_contiguous or any(
        np.may_share_memory(grad, other) for other in (param, *states)
    ):
        grad = np.array(grad, order="C")  # a copy, so that writes cannot change the gradient
    flats = [state.reshape(-1) for state in states]
    write_back = None if target is param else (param, target)
    return Job(target.reshape(-1), grad.reshape(-1), flats, block, dtype, write_back)


def _scratch(opt: object, dtype: np.dtype, threads: int, length: int) -> list[list[np.ndarray]]:
    """The optimizer's reusable scratch for ``dtype``: per thread, four buffers of ``length``.

    Made on the first step and grown only when a larger job or more threads need it, so it is at
    most ``THREADS * 4 * BLOCK_SIZE`` elements, whatever the size of the parameters.
    """
    buffers = opt.__dict__.setdefault("_scratch", {})
    scratch = buffers.get(dtype)
    if scratch is None or len(scratch) < threads or scratch[0][0].size < length:
        if scratch is not None:
            threads, length = max(threads, len(scratch)), max(length, scratch[0][0].size)
        block = np.empty((threads, 4, length), dtype=dtype)
        scratch = buffers[dtype] = [list(rows) for rows in block]
    return scratch


def _walk(job: Job, first: int, last: int, scratch: np.ndarray) -> None:
    """Apply the job's block function to its elements ``first:last``, block by block."""
    theta_buffer, g_buffer, tmp1, tmp2 = scratch
    convert_param, convert_grad = job.param.dtype != job.dtype, job.grad.dtype != job.dtype
    if first == 0 and last == job.size <= BLOCK_SIZE and not (convert_param or convert_grad):
        k = last  # the whole job is one block: no slicing (a small job's commonest case)
        delta = job.block(job.param, job.grad, g_buffer[:k], tmp1[:k], tmp2[:k], *job.states)
        np.subtract(job.param, delta, job.param)
        return
    for start in range(first, last, BLOCK_SIZE):
        stop = min(start + BLOCK_SIZE, last)
        k = stop - start
        p, g = job.param[start:stop], job.grad[start:stop]
        theta = p
        if convert_param:
            theta = theta_buffer[:k]
            np.copyto(theta, p)
        gb = g_buffer[:k]
        if convert_grad:
            np.copyto(gb, g, casting="same_kind")
            g = gb
        delta = job.block(theta, g, gb, tmp1[:k], tmp2[:k], *[s[start:stop] for s in job.states])
        np.subtract(theta, delta, theta)
        if convert_param:
            np.copyto(p, theta, casting="same_kind")


def _share(jobs: Sequence[Job], total: int, threads: int) -> list[list[tuple[Job, int, int]]]:
    """Cut the jobs, in whole blocks, into ``threads`` runs of about ``total / threads`` elements.

    A run is a list of ``(job, first, last)`` ranges; the runs follow the jobs in order.
    """
    runs: list[list[tuple[Job, int, int]]] = [[] for _ in range(threads)]
    done = 0
    for job in jobs:
        for start in range(0, job.size, BLOCK_SIZE):
            stop = min(start + BLOCK_SIZE, job.size)
            run = runs[min(threads - 1, done * threads // total)]
            if run and run[-1][0] is job and run[-1][2] == start:
                run[-1] = (job, run[-1][1], stop)
            else:
                run.append((job, start, stop))
            done += stop - start
    return runs


def run_jobs(opt: object, jobs: Sequence[Job]) -> None:
    """Run every job, in blocks of :data:`BLOCK_SIZE` shared among threads, then write back copies.

    Each thread gets a contiguous run of whole blocks (:func:`_share`); the caller's thread takes
    the first. Below two blocks per thread everything runs in the caller's thread.
    """
    total = sum(job.size for job in jobs)
    threads = thread_count(total)
    if threads == 1:
        for job in jobs:
            _walk(job, 0, job.size, _scratch(opt, job.dtype, 1, min(job.size, BLOCK_SIZE))[0])
    else:
        longest = min(BLOCK_SIZE, max(job.size for job in jobs))
        scratch = {job.dtype: _scratch(opt, job.dtype, threads, longest) for job in jobs}

        def task(run: list[tuple[Job, int, int]], thread: int) -> None:
            for job, first, last in run:
                _walk(job, first, last, scratch[job.dtype][thread])

        runs = _share(jobs, total, threads)
        in_threads([(lambda run=run, i=i: task(run, i)) for i, run in enumerate(runs) if run])
    for job in jobs:
        if job.write_back is not None:
            param, copy = job.write_back
            param[...] = copy


# -- the kernels: each mirrors one reference function line by line ---------------------------
# The comment on each group of operations quotes the reference line it reproduces. Each kernel
# returns None when the fast path does not apply (see the module docstring).


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


def adam_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """Adam and AdamW (``adam_update``, ``adamw_update``), with AMSGrad and weight decay."""
    rule = type(opt).update_rule
    if rule.__name__ != "update_rule" or rule.__module__ not in ("adamlib.adam", "adamlib.adamw"):
        return None  # a subclass with its own update rule: run it
    decoupled = rule.__module__ == "adamlib.adamw"
    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    fixed = _fixed_constants(
        opt, dtype, (lr, eps, wd, beta1, beta2),
        lambda: (beta1, 1 - beta1, beta2, 1 - beta2, lr, eps, wd, 1 - lr * wd),
    )  # fmt: skip
    if fixed is None:
        return None
    b1, c1, b2, c2, lr_s, eps_s, wd_s, decay = fixed
    bc1, bc2 = _step_constants(opt, dtype, 1 - beta1**t, 1 - beta2**t)
    l2 = not decoupled and wd != 0

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
        return tmp  # the step, which the caller subtracts from theta

    return Kernel(block, reads_theta=decoupled or l2)


def sgd_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """SGD (``sgd_update``), with momentum, dampening, Nesterov and weight decay."""
    lr, momentum, dampening, wd = opt.lr, opt.momentum, opt.dampening, opt.weight_decay
    fixed = _fixed_constants(
        opt, dtype, (lr, momentum, dampening, wd), lambda: (lr, momentum, 1 - dampening, wd)
    )
    if fixed is None:
        return None
    lr_s, mu, damp, wd_s = fixed
    nesterov = opt.nesterov

    def block(theta, g, gb, tmp, _, b=None):
        if wd != 0:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        if b is not None:
            if t == 1:
                np.copyto(b, g)  # b = g.copy()
            else:
                np.multiply(b, mu, b)  # b = momentum * b + (1 - dampening) * g
                if dampening == 0:
                    np.add(b, g, b)  # (1 - 0) * g is g, exactly: one pass fewer
                else:
                    np.multiply(g, damp, tmp)
                    np.add(b, tmp, b)
            if nesterov:
                np.multiply(b, mu, tmp)  # g = g + momentum * b
                g = np.add(g, tmp, gb)
            else:
                g = b
        np.multiply(g, lr_s, tmp)  # theta = theta - lr * g
        return tmp  # the step, which the caller subtracts from theta

    return Kernel(block, reads_theta=wd != 0)


def adagrad_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """Adagrad (``adagrad_update``)."""
    lr, lr_decay, wd, eps = opt.lr, opt.lr_decay, opt.weight_decay, opt.eps
    fixed = _fixed_constants(opt, dtype, (wd, eps), lambda: (wd, eps))
    if fixed is None or not _plain(lr, lr_decay):
        return None
    wd_s, eps_s = fixed
    (lr_t,) = _step_constants(opt, dtype, lr / (1 + (t - 1) * lr_decay))

    def block(theta, g, gb, tmp, den, sum_sq):
        if wd != 0:
            g = _add_l2(theta, g, gb, tmp, wd_s)  # g = g + weight_decay * theta
        np.square(g, tmp)  # sum_sq = sum_sq + g**2
        np.add(sum_sq, tmp, sum_sq)
        np.sqrt(sum_sq, den)  # np.sqrt(sum_sq) + eps
        np.add(den, eps_s, den)
        np.multiply(g, lr_t, tmp)  # theta = theta - lr_t * g / (np.sqrt(sum_sq) + eps)
        np.divide(tmp, den, tmp)
        return tmp  # the step, which the caller subtracts from theta

    return Kernel(block, reads_theta=wd != 0)


def rmsprop_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """RMSprop (``rmsprop_update``), centered or not, with momentum and weight decay."""
    lr, alpha, eps, wd, momentum = opt.lr, opt.alpha, opt.eps, opt.weight_decay, opt.momentum
    fixed = _fixed_constants(
        opt, dtype, (lr, alpha, eps, wd, momentum),
        lambda: (alpha, 1 - alpha, eps, wd, momentum, lr),
    )  # fmt: skip
    if fixed is None:
        return None
    a, c, eps_s, wd_s, mu, lr_s = fixed
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
        return tmp  # the step, which the caller subtracts from theta

    return Kernel(block, reads_theta=wd != 0)


def adamax_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """AdaMax (``adamax_update``)."""
    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    fixed = _fixed_constants(
        opt, dtype, (eps, wd, beta1, beta2), lambda: (beta1, 1 - beta1, beta2, eps, wd)
    )
    if fixed is None or not _plain(lr):
        return None
    b1, c1, b2, eps_s, wd_s = fixed
    (step,) = _step_constants(opt, dtype, lr / (1 - beta1**t))

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
        return tmp  # the step, which the caller subtracts from theta

    return Kernel(block, reads_theta=wd != 0)


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


def nadam_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """NAdam (``nadam_update``); sets ``opt.mu_product`` as the class's reference path does."""
    lr, eps, wd, psi = opt.lr, opt.eps, opt.weight_decay, opt.momentum_decay
    beta1, beta2 = opt.betas
    mu_product = opt._mu_product_before
    fixed = _fixed_constants(
        opt, dtype, (lr, eps, wd, beta1, beta2, psi),
        lambda: (beta1, 1 - beta1, beta2, 1 - beta2, lr, eps, wd, 1 - lr * wd),
    )  # fmt: skip
    if fixed is None or not _plain(mu_product):
        return None
    b1, c1, b2, c2, lr_s, eps_s, wd_s, decay = fixed
    from .nadam import nadam_momentum

    # The scalar lines of nadam_update, computed in Python exactly as there.
    mu = nadam_momentum(t, beta1, psi)
    mu_next = nadam_momentum(t + 1, beta1, psi)
    mu_product = mu_product * mu
    mu_product_next = mu_product * mu_next
    mu_next_s, d_next, one_minus_mu, d_now, bc2 = _step_constants(
        opt, dtype, mu_next, 1 - mu_product_next, 1 - mu, 1 - mu_product, 1 - beta2**t
    )
    weight_decay = _decay_or_l2(opt.decoupled_weight_decay, wd, decay, wd_s)

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
        return tmp  # the step, which the caller subtracts from theta

    def finish() -> None:
        opt.mu_product = mu_product

    return Kernel(block, finish, reads_theta=weight_decay is not None)


def radam_kernel(opt, dtype: np.dtype, t: int) -> Kernel | None:
    """RAdam (``radam_update``)."""
    from .radam import RECTIFICATION_THRESHOLD, radam_rho

    lr, eps, wd = opt.lr, opt.eps, opt.weight_decay
    beta1, beta2 = opt.betas
    fixed = _fixed_constants(
        opt, dtype, (lr, eps, wd, beta1, beta2),
        lambda: (beta1, 1 - beta1, beta2, 1 - beta2, lr, eps, wd, 1 - lr * wd),
    )  # fmt: skip
    if fixed is None:
        return None
    b1, c1, b2, c2, lr_s, eps_s, wd_s, decay = fixed
    rho_inf, rho_t = radam_rho(t, beta2)
    rectified = rho_t > RECTIFICATION_THRESHOLD
    r_t = root_bc2 = 0.0
    if rectified:
        r_t = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
        root_bc2 = math.sqrt(1 - beta2**t)
    bc1, r_t_s, root_bc2_s = _step_constants(opt, dtype, 1 - beta1**t, r_t, root_bc2)
    weight_decay = _decay_or_l2(opt.decoupled_weight_decay, wd, decay, wd_s)

    def block(theta, g, gb, tmp, den, m, v):
        if weight_decay is not None:
            g = weight_decay(theta, g, gb, tmp)
        _update_moments(g, m, v, tmp, b1, c1, b2, c2)
        np.divide(m, bc1, tmp)  # m_hat = m / (1 - beta1**t)
        np.multiply(tmp, lr_s, tmp)  # lr * m_hat
        if rectified:
            np.sqrt(v, den)  # adaptive_lr = math.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
            np.add(den, eps_s, den)
            np.divide(root_bc2_s, den, den)
            np.multiply(tmp, r_t_s, tmp)  # theta = theta - lr * m_hat * r_t * adaptive_lr
            np.multiply(tmp, den, tmp)
        return tmp  # the step, which the caller subtracts from theta

    return Kernel(block, reads_theta=weight_decay is not None)


KernelFactory = Callable[[object, np.dtype, int], "Kernel | None"]


def kernel_factory(cls: type) -> KernelFactory | None:
    """The kernel of an optimizer class, or None if the class updates parameters its own way.

    Found through ``cls.update_parameter``: a subclass that overrides it is left to run it.
    """
    from . import adagrad, adam, adamax, nadam, radam, rmsprop, sgd

    table = {
        adam.Adam.update_parameter: adam_kernel,  # AdamW inherits it
        sgd.SGD.update_parameter: sgd_kernel,
        adagrad.Adagrad.update_parameter: adagrad_kernel,
        rmsprop.RMSprop.update_parameter: rmsprop_kernel,
        adamax.Adamax.update_parameter: adamax_kernel,
        nadam.NAdam.update_parameter: nadam_kernel,
        radam.RAdam.update_parameter: radam_kernel,
    }
    return table.get(cls.update_parameter)


# -- one parameter at a time: what each class's update_parameter calls ----------------------------
def _step_one(factory: KernelFactory, opt, index: int, param, grad, t: int) -> bool:
    """Update ``opt.params[index]`` and its state in place; False, changing nothing, if it can't."""
    if not ENABLED:
        return False
    kernel = factory(opt, compute_dtype(param), t)
    if kernel is None:
        return False
    states = [getattr(opt, name)[index] for name in opt.state_names]
    job = parameter_job(param, grad, states, kernel.block)
    if job is None:
        return False
    run_jobs(opt, [job])
    if kernel.finish is not None:
        kernel.finish()
    return True


def adam_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """Adam or AdamW on one parameter (see :func:`adam_kernel`)."""
    return _step_one(adam_kernel, opt, index, param, grad, t)


def sgd_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """SGD on one parameter (see :func:`sgd_kernel`)."""
    return _step_one(sgd_kernel, opt, index, param, grad, t)


def adagrad_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """Adagrad on one parameter (see :func:`adagrad_kernel`)."""
    return _step_one(adagrad_kernel, opt, index, param, grad, t)


def rmsprop_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """RMSprop on one parameter (see :func:`rmsprop_kernel`)."""
    return _step_one(rmsprop_kernel, opt, index, param, grad, t)


def adamax_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """AdaMax on one parameter (see :func:`adamax_kernel`)."""
    return _step_one(adamax_kernel, opt, index, param, grad, t)


def nadam_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """NAdam on one parameter (see :func:`nadam_kernel`)."""
    return _step_one(nadam_kernel, opt, index, param, grad, t)


def radam_step(opt, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> bool:
    """RAdam on one parameter (see :func:`radam_kernel`)."""
    return _step_one(radam_kernel, opt, index, param, grad, t)
