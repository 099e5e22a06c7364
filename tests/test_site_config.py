"""The website's configuration: one repository URL, and chapters that run where the buttons
send them.

The repository URL lives in ``_config.yml`` (``repository.url``) and only there: Jupyter Book builds
the repository, issue, Binder and Colab buttons from it. The one other place that must name it is
each chapter's first code cell, which installs adamlib on Colab; these tests say which chapter
disagrees when the URL changes. They also check that Binder finds an environment that installs
adamlib.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY_URL = CONFIG["repository"]["url"]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

INSTALL_CELL = """\
# On Colab (or anywhere adamlib is missing) install the course's package from its repository.
try:
    import adamlib
except ImportError:
    %pip install --quiet "adamlib[course] @ git+{url}"
    import adamlib"""


def first_code_cell(path: Path) -> dict:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")


def source(cell: dict) -> str:
    text = cell["source"]
    return (text if isinstance(text, str) else "".join(text)).strip()


def test_repository_url_is_a_plain_github_url():
    # Binder's gh provider, Colab's /github/ links and the pip git+ URL all need org/repo on GitHub.
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", REPOSITORY_URL), REPOSITORY_URL
    assert not REPOSITORY_URL.endswith(".git")


def test_url_is_written_once_in_config():
    assert (ROOT / "_config.yml").read_text(encoding="utf-8").count(REPOSITORY_URL) == 1


def test_buttons_are_switched_on():
    html, launch = CONFIG["html"], CONFIG["launch_buttons"]
    assert html["use_repository_button"] and html["use_issues_button"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert CONFIG["repository"]["branch"]


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_installs_adamlib_from_the_configured_repository(chapter):
    cell = first_code_cell(chapter)
    expected = INSTALL_CELL.format(url=REPOSITORY_URL)
    assert source(cell) == expected, (
        f"{chapter.name}: the first code cell must be exactly\n{expected}\n"
        f"(the URL comes from repository.url in _config.yml); it is\n{source(cell)}"
    )
    tags = cell.get("metadata", {}).get("tags", [])
    assert "remove-cell" in tags, f"{chapter.name}: tag the install cell `remove-cell`"


def test_binder_environment_installs_adamlib():
    # repo2docker reads a binder/ (or .binder/) folder in preference to the root; there is none,
    # so it uses the root's runtime.txt and requirements.txt, and `-e .[course]` installs adamlib
    # with the course's extra (SymPy, matplotlib, scikit-learn).
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "-e .[course]" in [line.strip() for line in requirements]
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "adamlib"' in pyproject
    minimum = re.search(r'requires-python = ">=3\.(\d+)"', pyproject)
    assert minimum and int(runtime.split(".")[1]) >= int(minimum.group(1))
