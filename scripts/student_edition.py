"""Write the student edition of every chapter: the notebooks with every solution taken out.

Used by ``make student`` (into ``_build/student/``) and by the book build (``_ext/student_edition.py``
publishes them beside the website and links each chapter page to its own). For each chapter:

- A solution written with the plain ``{solution}`` directive (words and formulas) is removed.
- A gated solution (``{solution-start}`` ... ``{solution-end}``) loses its words; each of its code
  cells keeps only

  - the signature and docstring of every function it defines, with a body that raises
    ``NotImplementedError``, so the reader fills it in;
  - its imports, and its calls of an ``adamlib.exercises`` checker (``check_...``), which then
    report "not implemented yet" until the reader has written the function;

  and a code cell left with nothing becomes a comment inviting the reader's own work.
- Outputs are cleared: the student runs the notebook.

Every student notebook runs top to bottom without error (``tests/test_student_edition.py`` runs
them), and no line of a solution's code or words appears in it, apart from the kept signatures,
imports and checker calls.

Usage: python scripts/student_edition.py [OUTPUT_DIR]   (default _build/student)
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"

# A fenced directive: three or more backticks or colons, the directive name, and everything up to
# a closing fence of the same characters.
_FENCE = r"(?P<fence>`{3,}|:{3,})\{(?P<name>%s)\}[^\n]*\n(?:.*?\n)??(?P=fence)[ \t]*(?:\n|$)"
PLAIN_SOLUTION = re.compile(_FENCE % "solution", re.DOTALL)
SOLUTION_START = re.compile(_FENCE % "solution-start", re.DOTALL)
SOLUTION_END = re.compile(_FENCE % "solution-end", re.DOTALL)

STUB_BODY = 'raise NotImplementedError("your code here")'
EMPTY_STUB = "# Your work here: this exercise's solution is in the book's edition of the chapter."
NOTE = (
    "\n\n```{note}\nYour solution goes in the code cell below. Its checker reports "
    '"not implemented yet" until you have written it.\n```\n'
)


def is_checker_call(node: ast.stmt) -> bool:
    """Whether a statement calls an exercise checker: ``check_x(f)`` or ``print(check_x(f))``."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    call = node.value
    if isinstance(call.func, ast.Name) and call.func.id == "print" and call.args:
        call = call.args[0]
        if not isinstance(call, ast.Call):
            return False
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name.startswith("check_")


def stub_function(node: ast.FunctionDef, source: str) -> str:
    """A function's signature and docstring, as written, with a body that raises NotImplementedError."""
    lines = source.splitlines()
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    body = node.body[0]
    if body.lineno == node.lineno:  # a one-line function: rebuild it
        stub = ast.FunctionDef(
            name=node.name, args=node.args, body=[ast.parse(STUB_BODY).body[0]],
            decorator_list=node.decorator_list, returns=node.returns,
            type_params=getattr(node, "type_params", []),
        )  # fmt: skip
        return ast.unparse(ast.fix_missing_locations(stub))
    kept = lines[first - 1 : body.lineno - 1]
    if ast.get_docstring(node) is not None:
        kept += lines[body.lineno - 1 : body.end_lineno]
    indent = " " * body.col_offset
    return "\n".join(kept + [indent + STUB_BODY])


def student_code(source: str) -> str:
    """The student's version of one code cell of a gated solution."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: keep nothing of it
        return EMPTY_STUB
    kept: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            kept.append(stub_function(node, source))
        elif isinstance(node, (ast.Import, ast.ImportFrom)) or is_checker_call(node):
            kept.append(ast.get_source_segment(source, node))
    return "\n\n\n".join(kept) if kept else EMPTY_STUB


def split_gated(text: str, inside: bool) -> tuple[str, bool]:
    """Remove from a markdown cell the parts that lie inside gated solutions.

    ``inside`` says whether the cell starts inside one; returns the kept text and whether the cell
    ends inside one.
    """
    kept: list[str] = []
    position = 0
    while True:
        if inside:
            end = SOLUTION_END.search(text, position)
            if end is None:
                return "".join(kept), True
            position, inside = end.end(), False
        else:
            start = SOLUTION_START.search(text, position)
            if start is None:
                kept.append(text[position:])
                return "".join(kept), False
            kept.append(text[position : start.start()])
            position, inside = start.end(), True


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition of a chapter notebook (a new notebook; the argument is not changed)."""
    student = nbformat.v4.new_notebook(metadata=notebook.metadata)
    inside = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            text = PLAIN_SOLUTION.sub("", cell.source)
            was_inside = inside
            text, inside = split_gated(text, inside)
            if inside and not was_inside:
                text = text.rstrip() + NOTE
            if text.strip():
                student.cells.append(nbformat.v4.new_markdown_cell(text.strip(), metadata=cell.metadata))
        elif cell.cell_type == "code":
            source = student_code(cell.source) if inside else cell.source
            student.cells.append(nbformat.v4.new_code_cell(source, metadata=cell.metadata))
    for index, cell in enumerate(student.cells):
        cell.id = f"student-{index}"  # the same ids at every build
    return student


def solution_lines(notebook: nbformat.NotebookNode) -> set[str]:
    """The lines of a notebook's solutions that must not reach the student edition.

    Code: every line of a gated solution's code cells except blank lines, comments, imports,
    ``def`` lines, docstrings and checker calls. Words: every line of a solution's text longer than
    25 characters. A line that also stands outside the solutions (``plt.show()``, say) is not
    counted: the student edition keeps the rest of the chapter.
    """
    return _solution_lines(notebook) - _lines_outside_solutions(notebook)


def _lines_outside_solutions(notebook: nbformat.NotebookNode) -> set[str]:
    lines: set[str] = set()
    inside = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            kept, inside = split_gated(PLAIN_SOLUTION.sub("", cell.source), inside)
            lines |= {s.strip() for s in kept.splitlines()}
        elif not inside:
            lines |= {s.strip() for s in cell.source.splitlines()}
    return lines


def _solution_lines(notebook: nbformat.NotebookNode) -> set[str]:
    lines: set[str] = set()
    inside = False
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for match in PLAIN_SOLUTION.finditer(cell.source):
                lines |= {s.strip() for s in match.group(0).splitlines() if len(s.strip()) > 25}
            kept, ends_inside = split_gated(cell.source, inside)
            removed = set(cell.source.splitlines()) - set(kept.splitlines())
            lines |= {s.strip() for s in removed if len(s.strip()) > 25 and "{solution" not in s}
            inside = ends_inside
        elif inside and cell.cell_type == "code":
            lines |= _implementation_lines(cell.source)
    return lines


def _implementation_lines(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {s.strip() for s in source.splitlines() if s.strip()}
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
            isinstance(node, ast.stmt) and is_checker_call(node)
        ):
            allowed.update(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, ast.FunctionDef):
            allowed.update(range(node.lineno, node.body[0].lineno))  # the signature
            if ast.get_docstring(node) is not None:
                first = node.body[0]
                allowed.update(range(first.lineno, first.end_lineno + 1))
    found = set()
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if number in allowed or not stripped or stripped.startswith("#") or len(stripped) < 4:
            continue
        found.add(stripped)
    return found


def write_student_edition(output: Path, chapters: Path = CHAPTERS) -> list[Path]:
    """Write the student edition of every chapter notebook into ``output``; return the paths."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(chapters.glob("*.ipynb")):
        target = output / path.name
        nbformat.write(student_notebook(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def main(arguments: list[str]) -> int:
    output = Path(arguments[0]) if arguments else ROOT / "_build" / "student"
    for path in write_student_edition(output):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
