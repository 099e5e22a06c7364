"""Flat optimizer state, and the step that runs one kernel over many parameters at once.

A network is a list of arrays, many of them small (biases, narrow layers). Updated one at a
time, each array costs a fixed few dozen NumPy calls per step, about a microsecond each, which
for small arrays dwarfs the arithmetic. ``torch.optim``'s ``foreach`` and ``fused``
implementations avoid that by working on all tensors at once; this module does the same in
NumPy:

- Parameters are grouped by compute dtype. A group keeps each state array (``m``, ``v``, ...)
  of all its parameters in one flat vector, and ``opt.m[i]`` is a view into it of parameter
  ``i``'s shape: the chapters, ``state_dict`` and ``load_state_dict`` see one array per
  parameter, as before.
- In a step, the small parameters of a group (under half a block each) and their gradients are
  gathered (copied) into one flat buffer each, one kernel runs over the buffers and the group's
  flat state, and the parameters are scattered back.
- Parameters that already lie back to back in one vector, in order (``adamlib.nn.MLP.params``
  are views into ``flat_params``), are updated where they lie, with no gather; so are
  gradients that lie back to back (``MLP.grads``).
- Large parameters are not copied: each is its own job, on its slice of the flat state.
- All jobs of a step are cut into blocks and shared among threads by
  :func:`adamlib._kernels.run_jobs`, and the non-finite check runs over the gathered gradient
  buffer in one call, before anything is written.
- The commonest layout of the course's networks, one dtype and at most one block in all
  (``Layout.one_block``), takes a shorter road through the same operations: no job list, no
  threads, no blocks, its own scratch. At a few microseconds of Python per step against 14
  NumPy calls of about half a microsecond, those layers were a fifth of a small network's step.
  And when the kernel reads the parameters only in its last line, ``theta = theta - delta``
  (no weight decay), separate parameters are not gathered: each one's slice of ``delta`` is
  subtracted from it where it lies.

Every element goes through the same operations as in the per-parameter path, so the numbers are
the same, bit for bit; only the grouping of elements into NumPy calls differs.

The per-parameter path (each class's ``update_parameter``) still runs, for the whole step, when
the multi-tensor step would need care that is not worth taking: a subclass with its own
``update_parameter``, NumPy-scalar hyperparameters, :data:`adamlib._kernels.ENABLED` off,
parameters that share memory with each other, a gradient that shares memory with a parameter or
with the state (the reference path reads such a gradient while it writes, parameter after
parameter), a state array replaced by one of another dtype or shape, or a parameter reshaped in
place. A state array replaced by one of the right dtype and shape is copied into the flat vector
and the view put back.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Sequence

import numpy as np
from numpy.lib.array_utils import byte_bounds

from . import _kernels
from ._validation import FINITE_CHUNK, all_finite, compute_dtype, refuse_non_finite

_shape = operator.attrgetter("shape")


def _owner(array: np.ndarray) -> np.ndarray | None:
    """The array that owns ``array``'s memory, or None when NumPy does not own it (a buffer)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array if array.base is None and array.flags.owndata else None


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def back_to_back(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """One 1-D view over ``arrays`` if they lie back to back in one array's memory, in order.

    The arrays must be C-contiguous, of one dtype and views of one C-contiguous array; empty
    arrays take no memory and are skipped. Returns None otherwise, or for fewer than two arrays.

    Examples
    --------
    >>> import numpy as np
    >>> flat = np.arange(10.0)
    >>> pieces = [flat[2:5].reshape(3, 1), flat[5:6].reshape(()), flat[6:9]]
    >>> span = back_to_back(pieces)
    >>> span, np.shares_memory(span, flat)
    (array([2., 3., 4., 5., 6., 7., 8.]), True)
    >>> back_to_back([flat[6:9], flat[2:5]]) is None  # out of order
    True
    """
    arrays = [a for a in arrays if a.size]
    if len(arrays) < 2:
        return None
    dtype, owner = arrays[0].dtype, _owner(arrays[0])
    if owner is None or not owner.flags.c_contiguous:
        return None
    start = end = _address(arrays[0])
    for array in arrays:
        if (
            array.dtype != dtype
            or not array.flags.c_contiguous
            or _owner(array) is not owner
            or _address(array) != end
        ):
            return None
        end += array.nbytes
    return np.ndarray(
        ((end - start) // dtype.itemsize,), dtype, buffer=owner, offset=start - _address(owner)
    )


class Group:
    """The parameters of one compute dtype: where their state lives and how a step updates them.

    The flat state holds, in this order, the ``multi`` members, updated together as one job, and
    the ``singles``, each its own job. The multi members are all members when the parameters lie
    back to back in memory (``spanned``; they are then updated where they lie), else the small
    parameters, gathered into a buffer each step, if there are at least two of them.
    """

    def __init__(self, dtype: np.dtype, params: list[np.ndarray], members: list[int]) -> None:
        self.dtype = dtype
        self.span = back_to_back([params[i] for i in members])
        self.spanned = self.span is not None
        small = [i for i in members if params[i].size < _kernels.BLOCK_SIZE // 2]
        if self.spanned:
            self.multi = members
        else:
            self.multi = small if len(small) > 1 else []
        self.singles = [i for i in members if i not in self.multi]
        self.offsets: dict[int, tuple[int, int]] = {}
        position = 0
        for i in self.multi + self.singles:
            self.offsets[i] = (position, position + params[i].size)
            position += params[i].size
        self.size = position
        self.multi_size = sum(params[i].size for i in self.multi)
        self.buffers: dict[str, np.ndarray] = {}
        self.job: _kernels.Job | None = None  # the multi members' job, made on first use
        self.param_gather: list[tuple[np.ndarray, int]] = []  # (buffer view, index) pairs
        self.grad_buffer: np.ndarray | None = None  # made when gradients must be gathered
        self.grad_gather: list[tuple[np.ndarray, int]] = []
        # For Layout.one_block only (see prepare_one_block):
        self.finite_flags: np.ndarray | None = None
        self.scratch: list[np.ndarray] = []
        self.step_views: list[tuple[np.ndarray, int]] | None = None
        self._grad_span: tuple[list[weakref.ref], np.ndarray | None] | None = None

    def prepare_one_block(self, params: list[np.ndarray]) -> None:
        """Scratch for a group that is the whole step in one block (``Layout.one_block``).

        A boolean buffer for the finite check; the block function's three scratch buffers; and,
        when the parameters are separate arrays of the compute dtype, ``(view, index)`` pairs
        that cut the block's step (returned in the second buffer) into one slice per parameter,
        so that each is subtracted from its parameter where it lies (``Step.run_one_block``).
        """
        self.finite_flags = np.empty(self.size, dtype=bool)
        self.scratch = list(np.empty((3, self.size), dtype=self.dtype))
        if not self.spanned and all(params[i].dtype == self.dtype for i in self.multi):
            delta = self.scratch[1]
            self.step_views = [
                (delta[slice(*self.offsets[i])].reshape(params[i].shape), i) for i in self.multi
            ]

    def _gather_buffer(self, params: list[np.ndarray]) -> tuple[np.ndarray, list[tuple]]:
        """A flat buffer for the multi members and ``(view, index)`` pairs, one per member."""
        buffer = np.empty(self.multi_size, dtype=self.dtype)
        pairs = []
        for i in self.multi:
            start, stop = self.offsets[i]
            pairs.append((buffer[start:stop].reshape(params[i].shape), i))
        return buffer, pairs

    def multi_job(self, opt) -> _kernels.Job:
        """The job of the multi members (made once per state layout; each step sets its
        gradient and its block function)."""
        if self.job is None:
            if self.spanned:
                theta, self.param_gather = self.span, []
            else:
                theta, self.param_gather = self._gather_buffer(opt.params)
            states = [self.buffers[name][: self.multi_size] for name in opt.state_names]
            self.job = _kernels.Job(theta, None, states, None, self.dtype)
        return self.job

    def multi_grad(self, params: list[np.ndarray], grads: list[np.ndarray]) -> np.ndarray:
        """The multi members' gradients as one 1-D array: a view when they lie back to back
        (looked for only when the parameters do), else gathered into the gradient buffer."""
        if self.spanned:
            members = [grads[i] for i in self.multi]
            cached = self._grad_span
            if cached is None or not all(map(_is_referent, cached[0], members)):
                refs = [weakref.ref(g) for g in members]
                cached = self._grad_span = (refs, back_to_back(members))
            if cached[1] is not None:
                return cached[1]
        if self.grad_buffer is None:
            self.grad_buffer, self.grad_gather = self._gather_buffer(params)
        for view, i in self.grad_gather:
            view[...] = grads[i]  # rounds as grad.astype(dtype) does
        return self.grad_buffer


def _is_referent(ref: weakref.ref, array: np.ndarray) -> bool:
    return ref() is array


class Layout:
    """Where every parameter's state lives, and what a multi-tensor step needs to know."""

    def __init__(self, opt) -> None:
        params = opt.params
        self.params, self.shapes = list(params), list(map(_shape, params))
        by_dtype: dict[np.dtype, list[int]] = {}
        for i, p in enumerate(params):
            by_dtype.setdefault(compute_dtype(p), []).append(i)
        self.groups = [Group(dtype, params, members) for dtype, members in by_dtype.items()]
        # A small network's commonest layout: one dtype, every parameter in the multi job, and
        # at most one block of elements. Its step skips the job list, the threads and the
        # blocking (Step.run_one_block).
        group = self.groups[0] if len(self.groups) == 1 else None
        self.one_block = (
            group if group and not group.singles and group.size <= _kernels.BLOCK_SIZE else None
        )
        if self.one_block is not None:
            group.prepare_one_block(params)
        self.factory = _kernels.kernel_factory(type(opt))
        self.params_overlap = _overlap(params)
        owners = [_owner(p) for p in params]
        # A gradient owned by none of these arrays cannot share memory with a parameter or the
        # state; one that is, or one whose owner NumPy does not know, is checked exactly.
        self.all_owners_known = all(owner is not None for owner in owners)
        self.owner_ids = {id(owner) for owner in owners}
        self.views: dict[str, list[np.ndarray]] = {}
        self._finite_scratch: np.ndarray | None = None
        self.finite_flags = self.finite_scratch(1)[0]
        self._grads_checked: tuple[list[weakref.ref], bool] | None = None

    def state_buffers(self) -> list[np.ndarray]:
        return [buffer for group in self.groups for buffer in group.buffers.values()]

    def adopt(self, opt) -> None:
        """Copy ``opt``'s state arrays into fresh flat vectors; put views of them in the lists."""
        params = opt.params
        for group in self.groups:
            group.buffers, group.job = {}, None
        self.views = {}
        self._grads_checked = None  # new state vectors: check the gradients against them again
        for name in opt.state_names:
            arrays = getattr(opt, name)
            views: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
            for group in self.groups:
                flat = np.empty(group.size, dtype=group.dtype)
                for i in group.offsets:
                    start, stop = group.offsets[i]
                    views[i] = flat[start:stop].reshape(params[i].shape)
                    views[i][...] = arrays[i]
                group.buffers[name] = flat
            self.owner_ids.update(id(flat) for flat in (g.buffers[name] for g in self.groups))
            setattr(opt, name, views)
            self.views[name] = list(views)

    def shares_memory(self, opt, grad: np.ndarray) -> bool:
        """Whether ``grad`` may share memory with a parameter or a state vector of ``opt``."""
        owner = _owner(grad)
        if owner is not None and self.all_owners_known and id(owner) not in self.owner_ids:
            return False
        others = (*opt.params, *self.state_buffers())
        return any(np.may_share_memory(grad, other) for other in others)

    def grads_share_memory(self, opt, grads: list[np.ndarray]) -> bool:
        """Whether a gradient may share memory with a parameter or the state.

        Remembered while the gradients are the same arrays (which cannot move in memory), so
        that a training loop that reuses its gradient arrays pays for the check once.
        """
        cached = self._grads_checked
        if (
            cached is not None
            and len(cached[0]) == len(grads)
            and all(map(operator.is_, map(operator.call, cached[0]), grads))
        ):
            return cached[1]
        shared = any(self.shares_memory(opt, g) for g in grads)
        self._grads_checked = ([weakref.ref(g) for g in grads], shared)
        return shared

    def finite_scratch(self, threads: int) -> np.ndarray:
        if self._finite_scratch is None or self._finite_scratch.shape[0] < threads:
            self._finite_scratch = np.empty((threads, FINITE_CHUNK), dtype=bool)
        return self._finite_scratch


def _overlap(params: list[np.ndarray]) -> bool:
    """Whether two parameters may share memory (their byte ranges overlap)."""
    ranges = sorted(byte_bounds(p) for p in params if p.size)
    return any(low < high for (_, high), (low, _) in zip(ranges, ranges[1:]))


def adopt_state(opt) -> None:
    """Give ``opt`` a layout (once) and move its state arrays into flat vectors, leaving views."""
    layout = opt.__dict__.get("_layout")
    if layout is None:
        layout = opt._layout = Layout(opt)
    layout.adopt(opt)


def unshare_state(opt, grads: list[np.ndarray]) -> list[np.ndarray]:
    """Copies of the gradients that share memory with ``opt``'s state vectors; the rest as given.

    The reference path replaces the state arrays rather than writing them, so a gradient that is
    a view of ``opt.m[0]``, say, keeps the old values through the step; the in-place kernels
    would change it under their feet.
    """
    layout = opt.__dict__.get("_layout")
    if layout is None:
        return grads
    buffers = layout.state_buffers()
    return [
        g.copy() if any(np.may_share_memory(g, b) for b in buffers) else g for g in grads
    ]


class Step:
    """One multi-tensor step, prepared by :func:`prepare_step`: check the gradients, then run."""

    __slots__ = ("opt", "layout", "grads", "replaced")

    def __init__(self, opt, layout: Layout, grads: list[np.ndarray], replaced) -> None:
        self.opt, self.layout, self.grads, self.replaced = opt, layout, grads, replaced

    def check_finite(self, single: bool) -> None:
        """Gather the gradients; raise NonFiniteGradientError, changing nothing, if one is bad."""
        opt, grads, group = self.opt, self.grads, self.layout.one_block
        if group is not None:  # the same as below, in fewer calls
            job = group.job or group.multi_job(opt)
            if not group.spanned and group.grad_gather:
                for view, i in group.grad_gather:
                    view[...] = grads[i]  # rounds as grad.astype(dtype) does
                grad = group.grad_buffer
            else:
                grad = group.multi_grad(opt.params, grads)
            job.grad = grad
            if np.count_nonzero(np.isfinite(grad, out=group.finite_flags)) != grad.size:
                refuse_non_finite(grads, single)
            return
        checks = []
        for group in self.layout.groups:
            if group.multi:
                job = group.job or group.multi_job(opt)
                job.grad = group.multi_grad(opt.params, grads)
                checks.append(job.grad)
            if group.singles:
                checks += [grads[i] for i in group.singles]
        if not _all_finite(self.layout, checks):
            # Name the first gradient at fault. None may be: a float64 gradient too large for
            # float32 becomes infinite only when converted, which the reference path also does.
            refuse_non_finite(grads, single)

    def run(self, t: int) -> bool:
        """Update every parameter and its state; False, changing nothing, if a kernel declines."""
        opt, layout, params, grads = self.opt, self.layout, self.opt.params, self.grads
        if layout.one_block is not None and not self.replaced:
            return self.run_one_block(t)
        kernels = [layout.factory(opt, group.dtype, t) for group in layout.groups]
        if not all(kernels):
            return False
        if self.replaced:  # copy replaced state arrays into the flat vectors, restore the views
            values = [(name, i, np.array(getattr(opt, name)[i])) for name, i in self.replaced]
            for name, i, value in values:
                layout.views[name][i][...] = value
                getattr(opt, name)[i] = layout.views[name][i]
        jobs = []
        for group, kernel in zip(layout.groups, kernels):
            if group.multi:
                job = group.job or group.multi_job(opt)
                for view, i in group.param_gather:
                    view[...] = params[i]  # in the compute dtype
                job.block = kernel.block
                jobs.append(job)
            for i in group.singles:
                states = [layout.views[name][i] for name in opt.state_names]
                jobs.append(_kernels.parameter_job(params[i], grads[i], states, kernel.block))
        _kernels.run_jobs(opt, jobs)
        for group in layout.groups:
            for view, i in group.param_gather:
                params[i][...] = view  # rounds to the parameter's dtype, as param[...] = theta does
        for kernel in kernels:
            if kernel.finish is not None:
                kernel.finish()
        return True

    def run_one_block(self, t: int) -> bool:
        """:meth:`run` for the layout ``Layout.one_block``: the same operations, one call."""
        opt, group = self.opt, self.layout.one_block
        kernel = self.layout.factory(opt, group.dtype, t)
        if kernel is None:
            return False
        params, job, scratch = opt.params, group.job, group.scratch
        if job.grad.dtype != job.dtype or job.param.dtype != job.dtype:
            job.block = kernel.block  # float16 in place: converted, as run() does it
            _kernels.run_jobs(opt, [job])
        elif group.step_views is not None and not kernel.reads_theta:
            # No gather: theta = theta - delta, slice by slice, on the parameters themselves.
            kernel.block(None, job.grad, *scratch, *job.states)  # the step, in scratch[1]
            for view, i in group.step_views:
                np.subtract(params[i], view, params[i])
        else:
            for view, i in group.param_gather:
                view[...] = params[i]  # in the compute dtype
            delta = kernel.block(job.param, job.grad, *scratch, *job.states)
            np.subtract(job.param, delta, job.param)  # theta = theta - delta
            for view, i in group.param_gather:
                params[i][...] = view  # rounds to the parameter's dtype, as param[...] = theta does
        if kernel.finish is not None:
            kernel.finish()
        return True


def prepare_step(opt, grads: list[np.ndarray]) -> Step | None:
    """A multi-tensor step for these checked gradients, or None if the per-parameter path must run.

    Looks only; changes nothing. See the module docstring for when it returns None.
    """
    layout = opt.__dict__.get("_layout")
    params = opt.params
    if (
        layout is None
        or not _kernels.ENABLED
        or layout.factory is None
        or layout.params_overlap
        or len(params) != len(layout.params)
        or not all(map(operator.is_, params, layout.params))  # a parameter was swapped
        or list(map(_shape, params)) != layout.shapes  # or reshaped in place
    ):
        return None
    replaced = []
    for name in opt.state_names:
        current, views = getattr(opt, name), layout.views.get(name)
        if views is None or len(current) != len(views):
            return None
        if all(map(operator.is_, current, views)):
            continue
        for i, (array, view) in enumerate(zip(current, views)):
            if array is not view:
                if not (
                    isinstance(array, np.ndarray)
                    and array.dtype == view.dtype
                    and array.shape == view.shape
                ):
                    return None
                replaced.append((name, i))
    if layout.grads_share_memory(opt, grads):
        return None
    return Step(opt, layout, grads, replaced)


def _all_finite(layout: Layout, arrays: list[np.ndarray]) -> bool:
    """Whether every entry of every array is finite; many large arrays are shared among threads."""
    if len(arrays) == 1 and arrays[0].size <= FINITE_CHUNK:  # the commonest case, quickly
        array = arrays[0]
        flags = layout.finite_flags[: array.size]
        if array.ndim != 1:
            flags = flags.reshape(array.shape)
        return bool(np.count_nonzero(np.isfinite(array, out=flags)) == array.size)
    total = sum(array.size for array in arrays)
    # np.isfinite is several times faster per element than a kernel: threads pay off later.
    threads = _kernels.thread_count(total // 8)
    scratch = layout.finite_scratch(threads)
    if threads == 1:
        flags = scratch[0]
        return all(all_finite(array, flags) for array in arrays)
    pieces = []  # cut contiguous arrays into chunks, so that the threads get equal shares
    for array in arrays:
        if array.flags.c_contiguous:
            flat = array.reshape(-1)
            pieces += [flat[i : i + FINITE_CHUNK] for i in range(0, flat.size, FINITE_CHUNK)]
        else:
            pieces.append(array)
    share = -(-len(pieces) // threads)
    parts = [pieces[k * share : (k + 1) * share] for k in range(threads)]
    tasks = [
        (lambda k=k: all(all_finite(piece, scratch[k]) for piece in parts[k]))
        for k in range(threads)
    ]
    return all(_kernels.in_threads(tasks))
