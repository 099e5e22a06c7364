"""`pip install adamlib` brings numpy alone; the course's modules name the extra they need.

Builds and installs the package, without extras, into a fresh virtual environment (from a copy of
the sources, so no build/ or egg-info lands in the repository), takes one optimizer step there,
and checks that SymPy, matplotlib and scikit-learn were not installed and that the course's
modules say which extra to install. Needs the package index (for numpy and setuptools).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import sys
import numpy as np
import adamlib

theta = np.array([1.0, -2.0])
adamlib.Adam(theta, lr=0.1).step(np.array([0.5, -0.5]))
print("step", theta.round(6).tolist())
import adamlib.nn, adamlib.ema, adamlib.data
print("loaded", sorted(m for m in ("sympy", "matplotlib", "sklearn", "scipy") if m in sys.modules))
for name in ("adamlib.symbolic", "adamlib.plot", "adamlib.objectives"):
    try:
        __import__(name)
    except ImportError as error:
        print("refused", name, "|", error)
try:
    adamlib.data.load_digits()
except ImportError as error:
    print("refused", "load_digits", "|", error)
"""


@pytest.fixture(scope="module")
def bare_environment(tmp_path_factory) -> Path:
    """A virtual environment holding adamlib installed without extras; returns its python."""
    scratch = tmp_path_factory.mktemp("bare")
    source = scratch / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "adamlib", source / "adamlib", ignore=shutil.ignore_patterns("__pycache__"))
    venv.create(scratch / "venv", with_pip=True)
    python = scratch / "venv" / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, f"pip install failed:\n{result.stderr[-3000:]}"
    return python


def test_installs_numpy_and_nothing_of_the_course(bare_environment: Path):
    listed = subprocess.run(
        [str(bare_environment), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout.lower()  # fmt: skip
    names = {line.split("==")[0] for line in listed.split()}
    assert "numpy" in names and "adamlib" in names
    assert not names & {"sympy", "matplotlib", "scikit-learn", "scipy"}, names


def test_an_optimizer_steps_and_course_modules_name_the_extra(bare_environment: Path):
    output = subprocess.run(
        [str(bare_environment), "-c", PROBE], capture_output=True, text=True, check=True,
        cwd=bare_environment.parent,
    ).stdout  # fmt: skip
    assert "step [0.9, -1.9]" in output  # Adam's first step: lr * -sign(g)
    assert "loaded []" in output  # optimizers, nn, ema and data import without the extra
    refusals = [line for line in output.splitlines() if line.startswith("refused")]
    assert len(refusals) == 4, output
    for line in refusals:
        assert 'pip install "adamlib[course]"' in line, line


def test_the_course_requirements_install_the_extra():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert lines[-1] == "-e .[course]"
    assert sys.version_info >= (3, 11)
