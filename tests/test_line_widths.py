"""Every line of code and of output that the book shows fits its column, without a sideways
scroll.

At 1366 px, the most common laptop width, the site's column holds about 85 characters of code.
So, reading the stored notebooks and the site's Markdown pages (no browser, no kernel):

- every line of a code cell of a chapter notebook has at most 80 columns;
- every stored line of text output (stream, ``text/plain``, error) has at most 84. The
  ``text/plain`` of a rich output (a SymPy formula) is held to it too: a console, nbval's diff
  or a viewer without MathJax shows it. Show a long formula with ``Math(sp.latex(...))``;
- every line that a chapter prints with ``adamlib.source_code`` has at most 80, like the code it
  is (rewrap the adamlib source, not the chapter);
- every line of a code block in a Markdown page of the site (``intro.md``, ``chapters/*.md``),
  in the README or in a Markdown cell of a chapter has at most 80;
- every line of a docstring example of adamlib (a ``>>>`` line, its ``...`` continuations and
  its expected output, as the docstring reads once dedented) has at most 80, and at most 78 in
  the docstring of a method: the API reference (``chapters/api.md``) shows a method's examples
  indented twice (in its class, in the method), where Chromium measured room for 78 characters
  at 1366 px, 81 for a function or class and 85 for a module.

Each failure names the notebook or page, the cell (numbered from 0, as in ``nbformat``) and the
line, and shows the line. ``tests/test_browser.py`` (``test_page_is_accessible``) checks the same
in the built site, in Chromium at 1366 px. A chapter's code is fixed in its source,
``chapters/sources/NAME.md``, and the notebook rebuilt (``make outputs NOTEBOOKS=NAME``).
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
PAGES = [ROOT / "intro.md", ROOT / "README.md", *sorted((ROOT / "chapters").glob("*.md"))]
MODULES = sorted((ROOT / "adamlib").rglob("*.py"))

CODE_LIMIT = 80
OUTPUT_LIMIT = 84
SOURCE_LISTING_LIMIT = 80
DOCSTRING_EXAMPLE_LIMIT = 80
METHOD_DOCSTRING_EXAMPLE_LIMIT = 78

# The only lines allowed to be longer. Each chapter's first code cell installs adamlib on Colab;
# tests/test_site_config.py fixes its text (INSTALL_CELL) and the URL in it comes from
# _config.yml and cannot be broken. The cell is tagged remove-cell, so the site never shows it.
EXEMPT_CODE_LINES = [
    re.compile(r"# On Colab \(or anywhere adamlib is missing\) install the course's package "
               r"from its repository\."),
    re.compile(r'    %pip install --quiet "adamlib\[course\] @ git\+https://\S+"'),
]

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# Fenced blocks whose body is code; any other directive ({prf:proof}, {eval-rst}, ...) holds
# Markdown or reStructuredText, in which further fences may nest.
CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "code-cell"}


def columns(line: str) -> int:
    """The width of a line in a monospace font: wide (East Asian) characters take two."""
    line = line.expandtabs(8)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def exempt(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in EXEMPT_CODE_LINES)


def text_of(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def output_texts(output: dict) -> list[tuple[str, str]]:
    """The text a stored output holds, as (kind, text) pairs."""
    kind = output.get("output_type")
    if kind == "stream":
        return [(f"{output.get('name', 'stream')} output", text_of(output.get("text", "")))]
    if kind == "error":
        traceback = "\n".join(output.get("traceback", []))
        return [("error output", ANSI_ESCAPE.sub("", traceback))]
    plain = output.get("data", {}).get("text/plain")
    return [("text/plain output", text_of(plain))] if plain is not None else []


def code_block_lines(text: str) -> list[tuple[int, str]]:
    """(line number from 1, line) of every line inside a fenced code block of Markdown text."""
    found, stack = [], []  # stack of open fences: (character, length, holds code)
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if match and match["fence"][0] == "`" and "`" in match["info"]:
            match = None  # a backtick fence's info string has no backtick: an inline code span
        if match:
            fence, info = match["fence"], match["info"].strip()
            top = stack[-1] if stack else None
            if top and fence[0] == top[0] and len(fence) >= top[1] and not info:
                stack.pop()
                continue
            if not (top and top[2]):  # a fence inside a code block is code
                directive = re.match(r"\{([\w:-]+)\}", info)
                holds_code = directive is None or directive[1] in CODE_DIRECTIVES
                stack.append((fence[0], len(fence), holds_code))
                continue
        if stack and stack[-1][2]:
            found.append((number, line))
    return found


def overflowing(lines, limit: int, where: str) -> list[str]:
    """One message per line wider than ``limit``: where, line number, width, the line."""
    return [
        f"{where}, line {number}: {columns(line)} columns (at most {limit}): {line.strip()}"
        for number, line in lines
        if columns(line) > limit and not exempt(line)
    ]


def docstring_example_lines(source: str) -> list[tuple[str, int, str]]:
    """(object, line number in its docstring from 1, line) of every line of a docstring example.

    Docstrings are read as ``ast.get_docstring`` cleans them (dedented, as Sphinx shows them);
    an example runs from a ``>>>`` line to the next blank line, expected output included.
    """
    tree = ast.parse(source)
    found = []
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)

    def visit(node, qualname):
        docstring = ast.get_docstring(node, clean=True) if isinstance(node, documented) else None
        in_example = False
        for number, line in enumerate((docstring or "").splitlines(), start=1):
            if line.lstrip().startswith(">>>"):
                in_example = True
            elif not line.strip():
                in_example = False
            if in_example:
                found.append((qualname or "the module", number, line))
        for child in ast.iter_child_nodes(node):
            name = getattr(child, "name", None)
            visit(child, f"{qualname}.{name}" if qualname and name else name or qualname)

    visit(tree, "")
    return found


def docstring_example_limit(obj: str) -> int:
    """The widest line allowed in the examples of ``obj``: less in a method (``Class.method``)."""
    return METHOD_DOCSTRING_EXAMPLE_LIMIT if "." in obj else DOCSTRING_EXAMPLE_LIMIT


def module_problems(path: Path) -> list[str]:
    """Lines too wide in the docstring examples of one adamlib module."""
    where = path.relative_to(ROOT).as_posix()
    problems = []
    for obj, number, line in docstring_example_lines(path.read_text(encoding="utf-8")):
        limit = docstring_example_limit(obj)
        problems += overflowing([(number, line)], limit, f"{where}, docstring of {obj}")
    return problems


def notebook_problems(path: Path) -> dict[str, list[str]]:
    """Lines too wide in a notebook's code cells, outputs and Markdown code blocks."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    problems = {"code": [], "output": [], "markdown": []}
    for index, cell in enumerate(cells):
        where = f"{path.name}, cell {index}"
        source = text_of(cell.get("source", ""))
        if cell["cell_type"] == "markdown":
            problems["markdown"] += overflowing(
                code_block_lines(source), CODE_LIMIT, f"{where} (a Markdown code block)"
            )
            continue
        if cell["cell_type"] != "code":
            continue
        problems["code"] += overflowing(enumerate(source.splitlines(), 1), CODE_LIMIT, where)
        lists_source = "source_code(" in source
        for output in cell.get("outputs", []):
            for kind, text in output_texts(output):
                limit = OUTPUT_LIMIT
                if lists_source and kind != "error output":
                    limit, kind = SOURCE_LISTING_LIMIT, f"{kind}, adamlib source"
                problems["output"] += overflowing(
                    enumerate(text.splitlines(), 1), limit, f"{where} ({kind})"
                )
    return problems


def report(problems: list[str], fix: str) -> str:
    count = f"{len(problems)} line{'s' if len(problems) > 1 else ''}"
    return f"{count} too wide for the site's column ({fix}):\n" + "\n".join(problems)


def test_there_is_something_to_check():
    assert NOTEBOOKS, "no chapter notebooks in chapters/"
    assert (ROOT / "intro.md").is_file()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_fit_the_column(notebook: Path):
    problems = notebook_problems(notebook)["code"]
    assert not problems, report(problems, f"rewrap in chapters/sources/{notebook.stem}.md")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_fit_the_column(notebook: Path):
    problems = notebook_problems(notebook)["output"]
    assert not problems, report(
        problems,
        "print narrower (fewer columns or digits, a line break), show long formulas with "
        "Math(sp.latex(...)), rewrap the adamlib source a cell prints; then make outputs",
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_code_blocks_of_the_chapters_fit_the_column(notebook: Path):
    problems = notebook_problems(notebook)["markdown"]
    assert not problems, report(problems, f"rewrap in chapters/sources/{notebook.stem}.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_code_blocks_of_the_pages_fit_the_column(page: Path):
    lines = code_block_lines(page.read_text(encoding="utf-8"))
    problems = overflowing(lines, CODE_LIMIT, page.relative_to(ROOT).as_posix())
    assert not problems, report(problems, "rewrap the code block")


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docstring_examples_fit_the_column(module: Path):
    problems = module_problems(module)
    assert not problems, report(
        problems, "break the call over lines, name a piece first, or put a comment above"
    )


# -- the checks themselves find what they must ---------------------------------------------------
def test_the_checks_find_a_line_too_wide(tmp_path):
    long_code = "x = " + "1 + " * 20 + "1"  # 85 columns
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["y = 1\n", long_code], "metadata": {},
             "outputs": [{"output_type": "stream", "name": "stdout", "text": ["a" * 85 + "\n"]},
                         {"output_type": "execute_result", "metadata": {}, "execution_count": 1,
                          "data": {"text/plain": "b" * 84, "text/latex": "$" + "c" * 99 + "$"}}]},
            {"cell_type": "code", "source": "print(adamlib.source_code(f))", "metadata": {},
             "outputs": [{"output_type": "stream", "name": "stdout", "text": "d" * 81}]},
            {"cell_type": "markdown", "metadata": {},
             "source": "text " * 30 + "\n```{prf:proof}\n" + "e " * 50 + "\n```\n"
                       "```python\n" + "f" * 81 + "\n```\n"},
            {"cell_type": "code", "source": EXEMPT_INSTALL_LINE, "metadata": {}, "outputs": []},
        ]
    }  # fmt: skip
    path = tmp_path / "99_doctored.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    problems = notebook_problems(path)
    assert problems["code"] == [
        f"99_doctored.ipynb, cell 0, line 2: 85 columns (at most 80): {long_code}"
    ]
    assert [p.split(":")[0] for p in problems["output"]] == [
        "99_doctored.ipynb, cell 0 (stdout output), line 1",
        "99_doctored.ipynb, cell 1 (stdout output, adamlib source), line 1",
    ]
    assert [p.split(":")[0] for p in problems["markdown"]] == [
        "99_doctored.ipynb, cell 2 (a Markdown code block), line 6"
    ]


EXEMPT_INSTALL_LINE = (
    '    %pip install --quiet "adamlib[course] @ git+https://github.com/an-organisation/'
    'a-repository-name-long-enough-to-pass-the-limit"'
)


def test_markdown_code_blocks_are_told_from_prose_and_directives():
    # code, then a proof (prose) holding code, a directive holding reStructuredText, a tilde
    # fence holding a backtick line, a code-block directive, and prose starting with a code span
    text = """```bash
in bash
```
````{prf:proof}
prose
```python
nested code
```
````
```{eval-rst}
.. autofunction:: x
```
~~~
tilde code
```
still code
~~~
```{code-block} python
block code
```
```` ```{code-cell} ```` starts a code cell
prose"""
    assert code_block_lines(text) == [
        (2, "in bash"), (7, "nested code"), (14, "tilde code"), (15, "```"),
        (16, "still code"), (19, "block code"),
    ]  # fmt: skip


def test_wide_characters_take_two_columns():
    assert columns("abc") == 3
    assert columns("√t ± σ") == 6
    assert columns("表") == 2
    assert columns("\tx") == 9


def test_the_check_finds_a_docstring_example_too_wide():
    too_wide = ">>> y = " + "2 + " * 19 + "2"  # 85 columns
    fits = "    >>> f(" + "1, " * 24 + "1)"  # 80 columns once dedented
    method_fits = "        >>> f(" + "1, " * 23 + "12)"  # 78
    method_too_wide = "        " + "9" * 79
    prose = "Prose wider than the limit is no example: " + "word " * 20
    source = "\n".join([
        '"""A module.', "", ">>> x = 1", too_wide, "", prose, '"""', "", "",
        "class Model:", '    """A class.', "", fits, '    """', "",
        "    def method(self):", '        """A method.', "",
        "        Examples", "        --------", method_fits, "        >>> g(1)",
        method_too_wide, '        """', "",
    ])  # fmt: skip
    found = docstring_example_lines(source)
    assert [(obj, number, columns(line)) for obj, number, line in found] == [
        ("the module", 3, 9), ("the module", 4, 85), ("Model", 3, 80),
        ("Model.method", 5, 78), ("Model.method", 6, 8), ("Model.method", 7, 79),
    ]  # fmt: skip
    wide = [(obj, n) for obj, n, line in found if columns(line) > docstring_example_limit(obj)]
    assert wide == [("the module", 4), ("Model.method", 7)]
