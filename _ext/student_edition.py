"""Publish the student edition of every chapter with the website, and link each chapter to its own.

The student edition (``scripts/student_edition.py``) is the chapter notebook with every solution
taken out: functions the reader writes keep their signature and raise ``NotImplementedError``, and
their checkers report "not implemented yet" until the reader has written them. When the HTML
build has finished, this extension writes those notebooks into ``_build/html/student/``; while
the pages are written, it adds to the Exercises section of every chapter a link to its student
notebook, for instructors to hand out and students to download.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parent.parent
STUDENT_FOLDER = "student"


def _generator():
    spec = importlib.util.spec_from_file_location("student_edition", ROOT / "scripts/student_edition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def link_to_student_notebook(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Start the Exercises section of a chapter with a link to its student notebook."""
    folder, _, name = docname.rpartition("/")
    if folder != "chapters" or not (ROOT / "chapters" / f"{name}.ipynb").exists():
        return
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None or title.astext().strip().lower() != "exercises":
            continue
        paragraph = nodes.paragraph(classes=["student-edition"])
        paragraph += nodes.strong(text="Student edition: ")
        paragraph += nodes.Text("this chapter as a notebook with the solutions taken out, ")
        paragraph += nodes.reference(
            "", f"{name}.ipynb", refuri=f"../{STUDENT_FOLDER}/{name}.ipynb", internal=False
        )
        paragraph += nodes.Text(
            ". Each exercise's checker reports \u201cnot implemented yet\u201d until your code is in."
        )
        section.insert(section.index(title) + 1, paragraph)
        return


def write_student_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    _generator().write_student_edition(Path(app.outdir) / STUDENT_FOLDER)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", link_to_student_notebook)
    app.connect("build-finished", write_student_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
