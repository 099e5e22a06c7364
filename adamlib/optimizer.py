"""The bookkeeping every optimizer shares: parameters, step count, state, checks and state dicts.

The mathematics lives elsewhere, in one readable update function per optimizer (``adam_update`` in
:mod:`adamlib.adam`, and so on). A class here only holds the state that function needs between
steps and calls it, so the code the chapters display is the code that runs.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from . import _flat
from ._validation import as_param_list, check_grads, compute_dtype, refuse_non_finite

__all__ = ["Optimizer", "compute_dtype"]

_REBUILT = (
    "_layout", "_scratch", "_checked_hyperparameters", "_kernel_constants", "_step_constants"
)
"""Attributes that copies and pickles leave out: views and buffers tied to this object's memory."""


@functools.cache
def _hyperparameter_getter(cls: type) -> Callable[[object], tuple]:
    """A function that reads all of a class's hyperparameters at once, as a tuple."""
    names = cls.hyperparameter_names
    if len(names) < 2:  # attrgetter needs a name, and returns a bare value for one
        return lambda opt: tuple(getattr(opt, name) for name in names)
    return operator.attrgetter(*names)


class Optimizer:
    """Base class: holds the parameters, the step count ``t`` and the per-parameter state.

    Subclasses declare which hyperparameters they take (``hyperparameter_names``), check them
    (``check_hyperparameters``), name their per-parameter state arrays (``state_names``, set per
    instance because options such as ``momentum`` or ``amsgrad`` add arrays), and update one
    parameter (``update_parameter``).

    Every public method either completes or raises before changing anything: invalid
    hyperparameters, gradients that do not match the parameters, integer arrays and non-finite
    gradients are all refused with parameters and state untouched.

    The state arrays of all parameters of one compute dtype live in one flat vector per state
    name, and ``opt.m[i]`` (say) is a view into it of parameter ``i``'s shape; a step then
    updates many parameters with one kernel call (:mod:`adamlib._flat`).
    """

    hyperparameter_names: ClassVar[tuple[str, ...]] = ()
    scalar_state_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: np.ndarray | Sequence[np.ndarray]) -> None:
        self.params, self._single = as_param_list(params)
        self.check_hyperparameters()
        self.t = 0
        self.state_names: tuple[str, ...] = self.initial_state_names()
        for name in self.state_names:
            setattr(self, name, [self.initial_state(name, p) for p in self.params])
        _flat.adopt_state(self)

    # -- what subclasses provide -------------------------------------------------------------
    def check_hyperparameters(self) -> None:
        """Raise ValueError naming any invalid hyperparameter."""
        raise NotImplementedError

    def initial_state_names(self) -> tuple[str, ...]:
        """Names of the per-parameter state arrays, given the hyperparameters."""
        raise NotImplementedError

    def initial_state(self, name: str, param: np.ndarray) -> np.ndarray:
        """The value of state array ``name`` before the first step (zeros unless overridden)."""
        return np.zeros(param.shape, dtype=compute_dtype(param))

    def update_parameter(self, index: int, param: np.ndarray, grad: np.ndarray, t: int) -> None:
        """Apply step ``t`` to ``self.params[index]`` and its state; inputs are already checked."""
        raise NotImplementedError

    # -- the public interface ----------------------------------------------------------------
    def step(self, grads: np.ndarray | Sequence[np.ndarray]) -> None:
        """Update every parameter in place with its gradient.

        Parameters
        ----------
        grads : ndarray or list of ndarray
            One float gradient per parameter, of the same shape, in the same order as ``params``.

        Raises
        ------
        ValueError
            If a hyperparameter is invalid or the gradients do not match the parameters.
        TypeError
            If a gradient is not a float array.
        NonFiniteGradientError
            If a gradient holds NaN or an infinity. Nothing is changed.
        """
        self._check_hyperparameters_if_changed()
        if self.initial_state_names() != self.state_names:
            raise ValueError(
                f"the hyperparameters now call for state {self.initial_state_names()} but this "
                f"optimizer was built with {self.state_names} (switching momentum, amsgrad or "
                "centered on or off needs a new optimizer)"
            )
        grad_list = check_grads(grads, self.params, self._single, finite=False)
        t = self.t + 1
        # All parameters at once when possible (adamlib._flat), else one after the other; both
        # check every gradient for NaN and infinities before anything is written.
        fast = _flat.prepare_step(self, grad_list)
        if fast is not None:
            fast.check_finite(self._single)
        else:
            refuse_non_finite(grad_list, self._single)
            grad_list = _flat.unshare_state(self, grad_list)
        self.before_step(t)
        if fast is None or not fast.run(t):
            for index, (param, grad) in enumerate(zip(self.params, grad_list)):
                self.update_parameter(index, param, grad, t)
        self.t = t

    def _check_hyperparameters_if_changed(self) -> None:
        """Run :meth:`check_hyperparameters` unless every hyperparameter is still the very
        object that passed the last check (a per-step saving of a few microseconds).

        Identity, not equality: ``np.float64(0.9) == 0.9``, but the two take different paths.
        The checked values are immutable (numbers, flags, and ``betas`` as a tuple of numbers),
        so the same object means the same value.
        """
        values = _hyperparameter_getter(type(self))(self)
        checked = self.__dict__.get("_checked_hyperparameters")
        if checked is None or not all(map(operator.is_, values, checked)):
            self.check_hyperparameters()
            self._checked_hyperparameters = _hyperparameter_getter(type(self))(self)

    def before_step(self, t: int) -> None:
        """Update scalar state shared by all parameters (NAdam's momentum product, say)."""

    def hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters as a plain dict, in the order of the constructor."""
        return {name: getattr(self, name) for name in self.hyperparameter_names}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume, as plain data (numbers, tuples and copied arrays).

        Examples
        --------
        >>> import numpy as np, adamlib
        >>> x = np.array([1.0, -2.0])
        >>> opt = adamlib.Adam(x, lr=0.1)
        >>> opt.step(np.array([0.5, 0.5]))
        >>> sorted(opt.state_dict())
        ['hyperparameters', 'optimizer', 'scalars', 'state', 't']
        """
        return {
            "optimizer": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            "t": self.t,
            "scalars": {name: getattr(self, name) for name in self.scalar_state_names},
            "state": {name: [a.copy() for a in getattr(self, name)] for name in self.state_names},
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by :meth:`state_dict`, so that the run continues bit-identically.

        The dict is checked in full before anything is written: a mismatch raises ValueError and
        leaves this optimizer as it was. Parameters themselves are not part of the state; restore
        them separately (``param[...] = saved``).
        """
        if state_dict.get("optimizer") != type(self).__name__:
            raise ValueError(
                f"state dict is for {state_dict.get('optimizer')!r}, not {type(self).__name__!r}"
            )
        missing = {"hyperparameters", "t", "scalars", "state"} - set(state_dict)
        if missing:
            raise ValueError(f"state dict lacks {sorted(missing)}")
        t = state_dict["t"]
        if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or t < 0:
            raise ValueError(f"Invalid step count t: {t!r} (must be an integer >= 0)")
        saved_hyper = dict(state_dict["hyperparameters"])
        if set(saved_hyper) != set(self.hyperparameter_names):
            raise ValueError(
                f"state dict has hyperparameters {sorted(saved_hyper)}, "
                f"expected {sorted(self.hyperparameter_names)}"
            )
        if set(state_dict["scalars"]) != set(self.scalar_state_names):
            raise ValueError(f"state dict has scalars {sorted(state_dict['scalars'])}")
        # Check the hyperparameters on a copy, so that a bad value changes nothing here.
        trial = object.__new__(type(self))
        trial.__dict__.update(self.__dict__)
        trial.__dict__.update(saved_hyper)
        trial.check_hyperparameters()
        names = trial.initial_state_names()
        saved_state = state_dict["state"]
        if set(saved_state) != set(names):
            raise ValueError(f"state dict has state {sorted(saved_state)}, expected {sorted(names)}")
        restored: dict[str, list[np.ndarray]] = {}
        for name in names:
            arrays = saved_state[name]
            if len(arrays) != len(self.params):
                raise ValueError(
                    f"state {name!r} has {len(arrays)} arrays for {len(self.params)} parameters"
                )
            restored[name] = []
            for index, (array, param) in enumerate(zip(arrays, self.params)):
                array = np.asarray(array)
                if array.shape != param.shape:
                    raise ValueError(
                        f"state {name}[{index}] has shape {array.shape}, parameter has {param.shape}"
                    )
                if array.dtype.type not in (np.float16, np.float32, np.float64):
                    raise TypeError(f"state {name}[{index}] has dtype {array.dtype}")
                restored[name].append(array.astype(compute_dtype(param), copy=True))
        # Everything checked: now write.
        for key, value in saved_hyper.items():
            setattr(self, key, value)
        for key, value in state_dict["scalars"].items():
            setattr(self, key, value)
        for name in self.state_names:
            if name not in names:
                delattr(self, name)
        self.state_names = names
        for name, arrays in restored.items():
            setattr(self, name, arrays)
        _flat.adopt_state(self)
        self.t = int(t)

    def __getstate__(self) -> dict[str, Any]:
        """For copy and pickle: everything but the flat layout and scratch, rebuilt on load."""
        return {k: v for k, v in self.__dict__.items() if k not in _REBUILT}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({k: v for k, v in state.items() if k not in _REBUILT})
        _flat.adopt_state(self)

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        shapes = [p.shape for p in self.params]
        return f"{type(self).__name__}({len(shapes)} parameter(s) {shapes}, t={self.t}, {hyper})"
