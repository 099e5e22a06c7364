"""The student edition: every chapter without its solutions, runnable top to bottom.

For each chapter notebook, the student edition (scripts/student_edition.py) must keep no line of
any solution (beyond the signatures, imports and checker calls it keeps on purpose), keep every
exercise, and run top to bottom without error, its checkers reporting "not implemented yet".
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts/student_edition.py")
student_edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_edition)

GATED = nbformat.v4.new_notebook(
    cells=[
        nbformat.v4.new_markdown_cell("```{exercise}\n:label: ex-a\n\nWrite `f`.\n```\n\n"
                                      "```{solution-start} ex-a\n:class: dropdown\n```\n\n"
                                      "The trick is to double the argument and be done with it."),
        nbformat.v4.new_code_cell('import math\n\n\ndef f(x):\n    """Twice x."""\n    y = 2 * x\n'
                                  "    return y\n\n\nprint(check_f(f))\nz = f(3)"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\n## References\n\nA book."),
        nbformat.v4.new_markdown_cell("```{exercise}\n:label: ex-b\n\nProve it.\n```\n\n"
                                      "````{solution} ex-b\n:class: dropdown\n\nBy induction on "
                                      "the number of steps taken so far.\n```python\nx = 1\n```\n"
                                      "````\n\nAfter."),
    ]
)  # fmt: skip


def test_a_gated_solution_keeps_signatures_imports_and_checker_calls_only():
    student = student_edition.student_notebook(GATED)
    code = [c.source for c in student.cells if c.cell_type == "code"]
    assert code == [
        'import math\n\n\ndef f(x):\n    """Twice x."""\n    raise NotImplementedError("your code here")'
        "\n\n\nprint(check_f(f))"
    ]
    text = "\n".join(c.source for c in student.cells)
    assert "double the argument" not in text and "By induction" not in text and "x = 1" not in text
    assert "```{exercise}\n:label: ex-a" in text and "Prove it." in text
    assert "## References" in text and "After." in text
    assert "{solution" not in text


def test_solution_lines_are_what_the_solutions_hold():
    lines = student_edition.solution_lines(GATED)
    assert {"y = 2 * x", "return y", "z = f(3)"} <= lines
    assert "The trick is to double the argument and be done with it." in lines
    assert not {"import math", "def f(x):", "print(check_f(f))"} & lines


def test_there_are_chapters():
    assert len(CHAPTERS) >= 5


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_holds_no_solution_and_every_exercise(chapter: Path):
    book = nbformat.read(chapter, as_version=4)
    student = student_edition.student_notebook(book)
    kept = {line.strip() for cell in student.cells for line in cell.source.splitlines()}
    leaked = sorted(student_edition.solution_lines(book) & kept)
    assert not leaked, f"{chapter.name}: solution lines in the student edition: {leaked[:5]}"
    text = "\n".join(cell.source for cell in student.cells)
    assert "{solution" not in text
    exercises = re.findall(r"\{exercise\}[^\n]*\n:label: (\S+)", "\n".join(c.source for c in book.cells))
    for label in exercises:
        assert f":label: {label}" in text, f"{chapter.name}: exercise {label} is missing"
    assert not any(cell.get("outputs") for cell in student.cells if cell.cell_type == "code")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_student_edition_runs_top_to_bottom(chapter: Path, tmp_path: Path):
    student = student_edition.student_notebook(nbformat.read(chapter, as_version=4))
    client = NotebookClient(
        student, timeout=120, kernel_name="python3",
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(chapter.parent)}},
    )  # fmt: skip
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    outputs = "\n".join(
        output.get("text", "")
        for cell in student.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )  # fmt: skip
    stubs = sum(student_edition.STUB_BODY in cell.source for cell in student.cells)
    if stubs and any(re.search(r"\bcheck_\w+\(", cell.source) for cell in student.cells
                     if student_edition.STUB_BODY in cell.source):
        assert "not implemented yet" in outputs.lower(), f"{chapter.name}: no checker said so"
