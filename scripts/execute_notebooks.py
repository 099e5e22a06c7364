"""Re-execute chapter notebooks in place, storing their outputs for the book and for nbval.

Used by ``make outputs``. Runs each notebook top to bottom in a fresh kernel from the chapters
folder, records no timestamps (so an unchanged chapter gives an unchanged file) and prints how
long each took.

Usage: python scripts/execute_notebooks.py [NOTEBOOK ...]   (default: every chapters/*.ipynb)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> float:
    """Execute the notebook at ``path`` in place and return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(arguments: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    paths = [Path(a) for a in arguments] or sorted((root / "chapters").glob("*.ipynb"))
    for path in paths:
        print(f"{path}: ", end="", flush=True)
        print(f"{execute(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
