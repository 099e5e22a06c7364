"""The machinery behind every checker: run a reader's function and a reference on the same cases.

A checker returns a :class:`CheckResult`, which prints as a plain sentence, is truthy only when
every case agreed, and names the first case that did not: its input, what was expected and what
came back. Instructors can grade with ``assert check_x(student_fn)``.

Besides wrong values, :func:`check_against_reference` reports in plain words the three ways a
reader's function most often goes wrong before it returns anything useful:

- it still raises ``NotImplementedError`` (the exercise's template): "not implemented yet";
- it never returns (a loop whose condition stays true): it is stopped after ``time_limit``
  seconds and the message names the input;
- it changes an argument in place when the exercise asks for a new array
  (``inputs_must_not_change=True``): the message names the argument.

How the time limit works, and its limits
----------------------------------------
In the main thread of a Unix process (a Jupyter kernel, a script, pytest), the reader's call runs
under a one-shot ``SIGALRM`` timer (:func:`signal.setitimer`) whose handler raises an exception
inside the call. That stops pure-Python loops and returns control promptly, but Python only runs a
signal handler between bytecodes: a single long C call (one huge numpy operation) finishes before
the handler runs. A handler or timer installed by someone else (pytest-timeout, say) is put back
afterwards, with the time it had left. A function that catches every exception, ``BaseException``
included, in its own loop can swallow the interruption.

Elsewhere (Windows, which has no ``SIGALRM``, or a checker called from another thread) the call
runs in a daemon worker thread and the checker waits ``time_limit`` seconds for it. The verdict is
the same, but Python cannot stop a thread: a function that never returns keeps running in the
background, using a core, until the process (the notebook's kernel) ends. Restart the kernel after
such a verdict.
"""

from __future__ import annotations

import inspect
import signal
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DEFAULT_TIME_LIMIT", "Case", "CheckResult", "check_against_reference"]

DEFAULT_TIME_LIMIT = 5.0
"""Seconds a reader's function may take on one case before the checker gives up on it."""


@dataclass(frozen=True)
class Case:
    """One input to try: a short description and the arguments to call with."""

    description: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


MESSAGE_WIDTH = 80
"""The width at which printed verdicts are folded (a notebook's output column holds about 85)."""


@dataclass(frozen=True)
class CheckResult:
    """The verdict of a checker: ``passed`` and a message saying why, printable as is."""

    passed: bool
    message: str
    case: Case | None = None
    expected: Any = None
    got: Any = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.wrapped()

    def __repr__(self) -> str:
        return self.wrapped()

    def wrapped(self, width: int = MESSAGE_WIDTH) -> str:
        """The message folded at ``width`` characters (continued lines indented), for printing.

        A notebook's output column, on the book's website and in JupyterLab, holds about 85
        characters; ``message`` itself stays one line, for programs that read it.
        """
        return textwrap.fill(
            self.message, width=width, subsequent_indent="  ", break_long_words=False,
            break_on_hyphens=False,
        )  # fmt: skip

    def raise_if_failed(self) -> None:
        """Raise AssertionError with the message unless the check passed (for autograders)."""
        if not self.passed:
            raise AssertionError(self.message)


def _format(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.ndim == 1 and value.size <= 20:  # short vectors as plain lists: [1, 0.19, 3]
            return "[" + ", ".join(_format(x) for x in value.tolist()) + "]"
        with np.printoptions(precision=6, threshold=20, edgeitems=3):
            return np.array2string(value, separator=", ")
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_format(v) for v in value)
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    return repr(value)


def _compare(expected: Any, got: Any, rtol: float, atol: float) -> str | None:
    """Return None if ``got`` matches ``expected``, else a sentence saying how it differs."""
    if got is None and expected is not None:
        return "it returned None: is a `return` statement missing?"
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected {len(expected)} values (a tuple), got {_format(got)}"
        for position, (e, g) in enumerate(zip(expected, got)):
            problem = _compare(e, g, rtol, atol)
            if problem:
                return f"in value {position} of the result: {problem}"
        return None
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"expected a number or array, got {type(got).__name__}: {got!r}"
    expected_array = np.asarray(expected, dtype=float)
    if got_array.shape != expected_array.shape:
        return f"expected shape {expected_array.shape}, got shape {got_array.shape}"
    if not np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True):
        error = np.max(np.abs(got_array - expected_array))
        return f"largest difference {error:.3g}"
    return None


def _describe_inputs(case: Case) -> str:
    parts = [_format(a) for a in case.args]
    parts += [f"{k}={_format(v)}" for k, v in case.kwargs.items()]
    return ", ".join(parts)


def check_against_reference(
    reader_function: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Case],
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    inputs_must_not_change: bool = False,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> CheckResult:
    """Call ``reader_function`` and ``reference`` on every case and compare the results.

    Each function gets its own copies of the inputs (arrays, and arrays inside lists, tuples and
    dicts), so a function that modifies its arguments in place cannot spoil the comparison or the
    next case.

    Parameters
    ----------
    reader_function, reference : callable
        The reader's implementation and the correct one, with the same signature.
    cases : sequence of Case
        The inputs, from the simplest up.
    what : str
        What the function should compute, for the messages ("an exponential moving average").
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    inputs_must_not_change : bool, default False
        Fail a function that changes any of its arguments in place (``theta -= lr * g``), naming
        the argument, even if its result is right. Set it when the exercise asks for a new array:
        a training loop that keeps the old array would see it change under its feet. The default
        judges the result alone, as earlier versions did.
    time_limit : float or None, default DEFAULT_TIME_LIMIT (5 s)
        Seconds the reader's function may take on one case; None waits for ever. See the module
        docstring for how the call is stopped and what that cannot stop.

    Returns
    -------
    CheckResult
        Passed, or the first case that failed with a message saying how.

    Examples
    --------
    >>> square = lambda x: x**2
    >>> x_is_3 = [Case("x = 3", (3.0,))]
    >>> result = check_against_reference(lambda x: x * 2, square, x_is_3,
    ...                                  what="the square of x")
    >>> print(result)
    ✗ Not yet: for x = 3 (inputs: 3), the square of x should be 9, but your function
      returned 6 (largest difference 3).
    >>> bool(check_against_reference(square, square, x_is_3, what="x^2"))
    True

    A function that updates its argument in place, when a new array was asked for:

    >>> import numpy as np
    >>> def halve(x):
    ...     x /= 2
    ...     return x
    >>> cases = [Case("x = [1, 2]", (np.array([1.0, 2.0]),))]
    >>> print(check_against_reference(halve, lambda x: x / 2, cases, what="x / 2",
    ...                               inputs_must_not_change=True))
    ✗ Not yet: for x = [1, 2] (inputs: [1, 2]), your function modified its input `x`
      in place; return a new array instead.

    The template of an exercise, not yet filled in:

    >>> def todo(x):
    ...     raise NotImplementedError
    >>> print(check_against_reference(todo, square, x_is_3, what="x^2"))
    ✗ Not implemented yet: todo still raises NotImplementedError. Replace that line
      with your code, then run the checker again.
    """
    if time_limit is not None and not time_limit > 0:
        raise ValueError(f"Invalid time_limit: {time_limit!r} (must be > 0 or None)")
    if not callable(reader_function):
        return CheckResult(False, f"✗ Expected a function, got {type(reader_function).__name__}.")
    name = getattr(reader_function, "__name__", "your function")
    for case in cases:
        expected = reference(*_copied(case.args), **_copied(case.kwargs))
        where = f"for {case.description} (inputs: {_describe_inputs(case)})"
        args, kwargs = _copied(case.args), _copied(case.kwargs)
        try:
            got = _call_with_time_limit(reader_function, args, kwargs, time_limit)
        except NotImplementedError as error:
            message = (
                f"✗ Not implemented yet: {name} still raises NotImplementedError. Replace that "
                "line with your code, then run the checker again."
            )
            return CheckResult(False, message, case, expected, error)
        except _TimeLimitExceeded as error:
            message = (
                f"✗ Not yet: {name} did not return within {time_limit:g} s {where}. "
                "Does a loop never end (a while condition that stays true)?"
            )
            return CheckResult(False, message, case, expected, error)
        except Exception as error:  # the reader's code may raise anything: report it, don't crash
            message = f"✗ Not yet: {where}, {name} raised {type(error).__name__}: {error}"
            return CheckResult(False, message, case, expected, error)
        if inputs_must_not_change:
            changed = _first_changed_argument(reader_function, case, args, kwargs)
            if changed is not None:
                message = (
                    f"✗ Not yet: {where}, your function modified its input `{changed}` in place; "
                    "return a new array instead."
                )
                return CheckResult(False, message, case, expected, got)
        problem = _compare(expected, got, rtol, atol)
        if problem:
            message = (
                f"✗ Not yet: {where}, {what} should be {_format(expected)}, but your function "
                f"returned {_format(got)} ({problem})."
            )
            return CheckResult(False, message, case, expected, got)
    return CheckResult(True, f"✓ Correct: {name} computes {what} on all {len(cases)} test cases.")


# -- copies of the inputs, and whether the reader changed them ---------------------------------
def _copied(value: Any) -> Any:
    """A copy of ``value`` deep enough that changing it in place cannot reach the original."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    if isinstance(value, list):
        return [_copied(v) for v in value]
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    return value


def _same(original: Any, now: Any) -> bool:
    if isinstance(original, np.ndarray):
        return (
            isinstance(now, np.ndarray)
            and original.shape == now.shape
            and original.dtype == now.dtype
            and bool(np.array_equal(original, now, equal_nan=original.dtype.kind in "fc"))
        )
    if isinstance(original, (list, tuple)):
        return (
            type(original) is type(now)
            and len(original) == len(now)
            and all(_same(o, n) for o, n in zip(original, now))
        )
    if isinstance(original, dict):
        return original.keys() == now.keys() and all(_same(original[k], now[k]) for k in original)
    return True  # numbers and strings cannot be changed in place


def _first_changed_argument(
    fn: Callable[..., Any], case: Case, args: tuple, kwargs: dict[str, Any]
) -> str | None:
    """The name of the first argument the reader's call changed in place, or None."""
    names = _parameter_names(fn, len(args))
    for position, (original, now) in enumerate(zip(case.args, args)):
        if not _same(original, now):
            return names[position]
    for key, original in case.kwargs.items():
        if not _same(original, kwargs[key]):
            return key
    return None


def _parameter_names(fn: Callable[..., Any], count: int) -> list[str]:
    """The names of the first ``count`` positional parameters of ``fn``, where it has them."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature
        parameters = []
    names = [
        p.name for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]  # fmt: skip
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(count)]


# -- the time limit ------------------------------------------------------------------------------
class _TimeLimitExceeded(BaseException):
    """Raised inside the reader's call when its time is up.

    A BaseException, like KeyboardInterrupt, so that ``except Exception`` in the reader's code
    does not swallow it.
    """


def _call_with_time_limit(
    fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], seconds: float | None
) -> Any:
    """Return ``fn(*args, **kwargs)``, or raise _TimeLimitExceeded after ``seconds``."""
    if seconds is None:
        return fn(*args, **kwargs)
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _call_with_alarm(fn, args, kwargs, seconds)
    return _call_in_worker_thread(fn, args, kwargs, seconds)


def _call_with_alarm(
    fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], seconds: float
) -> Any:
    armed = True

    def time_is_up(signum: int, frame: Any) -> None:
        if armed:
            raise _TimeLimitExceeded(f"no result after {seconds:g} s")

    previous_handler = signal.signal(signal.SIGALRM, time_is_up)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        result = fn(*args, **kwargs)
        armed = False
        return result
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler or signal.SIG_DFL)
        if previous_delay > 0:  # someone else's timer was running: give it back what it had left
            left = max(previous_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


def _call_in_worker_thread(
    fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any], seconds: float
) -> Any:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as error:  # handed back to the caller below
            outcome["error"] = error

    worker = threading.Thread(target=run, name="adamlib-checker-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():  # it cannot be stopped: it runs on in the background (see above)
        raise _TimeLimitExceeded(f"no result after {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def random_moment_state(
    rng: np.random.Generator, second_moment_range: tuple[float, float]
) -> dict[str, np.ndarray]:
    """Seeded inputs for a checker of an Adam-like step: parameters, gradients and two moments.

    Returns ``theta3, g3, m3, s3`` (three coordinates) and ``theta_grid, g_grid, m_grid, s_grid``
    (a 2 x 3 array each): normal parameters and gradients, a first moment of spread 0.1, and a
    second-moment-like state (``v`` for Adam, ``u`` for AdaMax) drawn uniformly from
    ``second_moment_range``. The draws are always made in this order, so a checker's cases depend
    only on its seed.

    Examples
    --------
    >>> state = random_moment_state(np.random.default_rng(0), (0.01, 0.5))
    >>> sorted(state)
    ['g3', 'g_grid', 'm3', 'm_grid', 's3', 's_grid', 'theta3', 'theta_grid']
    >>> state["s_grid"].shape, bool(state["s3"].min() >= 0.01)
    ((2, 3), True)
    """
    low, high = second_moment_range
    theta3, g3 = rng.normal(size=(2, 3))
    m3, s3 = 0.1 * rng.normal(size=3), rng.uniform(low, high, size=3)
    theta_grid, g_grid = rng.normal(size=(2, 2, 3))
    m_grid, s_grid = 0.1 * rng.normal(size=(2, 3)), rng.uniform(low, high, size=(2, 3))
    return {
        "theta3": theta3, "g3": g3, "m3": m3, "s3": s3,
        "theta_grid": theta_grid, "g_grid": g_grid, "m_grid": m_grid, "s_grid": s_grid,
    }  # fmt: skip
