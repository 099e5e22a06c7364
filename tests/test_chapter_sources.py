"""Every chapter notebook is built from a text source that reviewers can read and diff.

Authors edit ``chapters/sources/NAME.md`` (MyST Markdown through jupytext) and run
``make outputs`` (scripts/execute_notebooks.py), which rebuilds and executes ``chapters/NAME.ipynb``.
These tests fail when a notebook was edited without its source, or the other way round.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts/execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_notebooks)


def _cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, dict]]:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in notebook.cells]


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_source(notebook: Path):
    source = execute_notebooks.source_of(notebook)
    assert source.exists(), f"{notebook.name} has no text source {source.relative_to(ROOT)}"
    stored = _cells(nbformat.read(notebook, as_version=4))
    for cell in stored:
        cell[2].pop("execution", None)
    built = _cells(execute_notebooks.notebook_from_source(source))
    assert len(stored) == len(built), (
        f"{notebook.name} has {len(stored)} cells, its source {len(built)}: run make outputs"
    )
    for index, (got, want) in enumerate(zip(stored, built)):
        assert got == want, (
            f"{notebook.name}, cell {index}: the notebook differs from {source.name} "
            f"(notebook {got!r:.200} / source {want!r:.200}); edit the source and run make outputs"
        )


@pytest.mark.parametrize("source", sorted((CHAPTERS / "sources").glob("*.md")), ids=lambda p: p.stem)
def test_every_source_has_a_notebook(source: Path):
    assert (CHAPTERS / f"{source.stem}.ipynb").exists(), f"{source.name} was never built: run make outputs"
