"""Build chapter notebooks from their text sources and execute them, storing the outputs.

Used by ``make outputs``. A chapter is written as a MyST Markdown text file,
``chapters/sources/NAME.md`` (jupytext's ``md:myst`` format), which is what authors edit and
reviewers read. This script rebuilds ``chapters/NAME.ipynb`` from it, runs it top to bottom in a
fresh kernel from the chapters folder, stores the outputs there for the book and for nbval,
records no timestamps (so an unchanged chapter gives an unchanged file) and prints how long each
chapter took. ``tests/test_chapter_sources.py`` checks that every notebook matches its source.

Usage: python scripts/execute_notebooks.py [CHAPTER ...]
    CHAPTER is a notebook (chapters/05_adagrad.ipynb), its source (chapters/sources/05_adagrad.md)
    or its name (05_adagrad); the default is every chapter.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
SOURCES = CHAPTERS / "sources"
# Cell metadata that only jupytext's text round trip uses; it never reaches a stored notebook.
JUPYTEXT_ONLY_METADATA = ("lines_to_next_cell",)


def source_of(notebook: Path) -> Path:
    """The text source of a chapter notebook."""
    return SOURCES / f"{notebook.stem}.md"


def notebook_from_source(source: Path) -> nbformat.NotebookNode:
    """Read a chapter's text source as a notebook (cells and metadata, no outputs yet)."""
    notebook = jupytext.read(source, fmt="md:myst")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3", "language": "python", "name": "python3",
    }  # fmt: skip
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        for key in JUPYTEXT_ONLY_METADATA:
            cell.metadata.pop(key, None)
        # A cell's id comes from its text, so rebuilding an unchanged chapter changes no id (and
        # editing one cell changes only that cell's id).
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
    return notebook


def execute(notebook: nbformat.NotebookNode, path: Path) -> float:
    """Execute ``notebook`` in the folder of ``path``, write it there and return the seconds."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        # The kernel listens on loopback TCP, as Jupyter's kernels always have; its start-up log
        # warns about that on every notebook. Keep only its errors.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def chapter_notebook(argument: str) -> Path:
    """The notebook a command-line argument names (a notebook, a source or a bare name)."""
    return CHAPTERS / f"{Path(argument).stem}.ipynb"


def main(arguments: list[str]) -> int:
    if arguments:
        paths = [chapter_notebook(a) for a in arguments]
    else:
        names = {p.stem for p in SOURCES.glob("*.md")} | {p.stem for p in CHAPTERS.glob("*.ipynb")}
        paths = [CHAPTERS / f"{name}.ipynb" for name in sorted(names)]
    for path in paths:
        source = source_of(path)
        if not source.exists():
            print(f"{path}: no text source at {source}; write one (jupytext --to md:myst)")
            return 1
        print(f"{path}: ", end="", flush=True)
        print(f"{execute(notebook_from_source(source), path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
