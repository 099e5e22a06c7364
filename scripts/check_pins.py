"""Check that every pin in requirements.txt installs on every supported Python (3.11 to 3.13).

For each supported interpreter found on this machine (python3.11, python3.12 and python3.13 on the
PATH, /usr/bin/python3.*, and pyenv's versions), runs ``pip install --dry-run --ignore-installed``
of the pinned requirements with that interpreter, so pip resolves them against its exact version.
It also resolves them for Python 3.11.0, the oldest release the course supports (Debian 12 ships
3.11.2), with ``--python-version 3.11.0 --only-binary=:all:``: a pin that requires, say,
Python >= 3.11.5 fails there. Exits 1 naming the interpreter and pip's complaint if any fails.

Usage: python scripts/check_pins.py [REQUIREMENTS ...]   (default requirements.txt; the files are
resolved together; used by .ci/run; needs the package index)
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUPPORTED = ((3, 11), (3, 12), (3, 13))


def interpreter_version(python: str) -> tuple[int, int, int] | None:
    """The (major, minor, micro) version of ``python``, or None if it does not run."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip
        major, minor, micro = (int(x) for x in out.split())
        return major, minor, micro
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def candidate_interpreters() -> list[str]:
    names = [shutil.which(f"python3.{minor}") for minor in (11, 12, 13)]
    names += glob.glob("/usr/bin/python3.1[123]")
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    names += glob.glob(os.path.join(pyenv_root, "versions", "3.1[123]*", "bin", "python3"))
    return [n for n in names if n]


def supported_interpreters() -> dict[tuple[int, int, int], str]:
    """One interpreter per distinct supported version found on this machine."""
    found: dict[tuple[int, int, int], str] = {}
    for name in candidate_interpreters():
        version = interpreter_version(os.path.realpath(name) if "shims" in name else name)
        if version and version[:2] in SUPPORTED and version not in found:
            found[version] = name
    return found


def pinned_requirements(path: Path) -> str:
    """The requirements file without its editable install of adamlib itself."""
    lines = path.read_text().splitlines()
    return "\n".join(line for line in lines if line.strip() and not line.startswith(("-e", "#")))


def dry_run(python: str, requirements: Path, extra: list[str]) -> subprocess.CompletedProcess:
    # --break-system-packages only lets pip resolve against a Python that Debian manages
    # (PEP 668); with --dry-run nothing is installed.
    command = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--disable-pip-version-check", "--break-system-packages", "-r", str(requirements),
               *extra]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True)


def main(arguments: list[str]) -> int:
    files = [Path(a) for a in arguments] or [Path("requirements.txt")]
    requirements = " + ".join(str(f) for f in files)
    with tempfile.TemporaryDirectory() as scratch:
        pins = Path(scratch) / "pins.txt"
        pins.write_text("\n".join(pinned_requirements(f) for f in files))
        checks = [
            (f"Python {'.'.join(map(str, v))} ({python})", python, [])
            for v, python in sorted(supported_interpreters().items())
        ]
        checks.append((
            "Python 3.11.0 (resolved by this interpreter's pip, wheels only)", sys.executable,
            ["--python-version", "3.11.0", "--only-binary=:all:", "--target", f"{scratch}/t"],
        ))  # fmt: skip
        failures = 0
        for label, python, extra in checks:
            result = dry_run(python, pins, extra)
            errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            if result.returncode == 0:
                print(f"ok    {label}: every pin of {requirements} resolves")
            else:
                failures += 1
                print(f"FAIL  {label}:\n      " + "\n      ".join(errors or [result.stderr[-2000:]]))
    print(f"{len(checks) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
