"""Show adamlib's own code in the chapters, so that the book and the library cannot drift apart."""

from __future__ import annotations

import ast
import inspect
import textwrap


class SourceCode(str):
    """The source of a piece of adamlib: a ``str`` that shows itself as code.

    ``print(source_code(f))`` prints it, as any string would; left as the last expression of a
    notebook cell or typed at the Python prompt, it also shows the code itself rather than a quoted
    string with ``\\n`` in it.
    """

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's display hook
        printer.text(str(self))


def source_code(obj: object, *, docstring: bool = False) -> SourceCode:
    """Return the source of a function or class of adamlib, without its docstring by default.

    The result is a :class:`SourceCode`, a ``str`` whose ``repr`` is the code itself: print it, or
    leave it as the last expression of a notebook cell, and the code is shown.

    Parameters
    ----------
    obj : function, class or module
        What to show.
    docstring : bool, default False
        Keep the docstring (and those of nested functions and methods).

    Examples
    --------
    >>> import adamlib
    >>> print(source_code(adamlib.optimizer.compute_dtype))
    def compute_dtype(param: np.ndarray) -> np.dtype:
        return np.result_type(param.dtype, np.float32)
    >>> # without print: no quotes, no \\n, the code itself
    >>> source_code(adamlib.optimizer.compute_dtype)
    def compute_dtype(param: np.ndarray) -> np.dtype:
        return np.result_type(param.dtype, np.float32)
    """
    source = textwrap.dedent(inspect.getsource(obj))
    if docstring:
        return SourceCode(source.rstrip("\n"))
    lines = source.splitlines()
    drop: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    drop.update(range(body[0].lineno - 1, body[0].end_lineno))
    return SourceCode("\n".join(line for i, line in enumerate(lines) if i not in drop).rstrip("\n"))
