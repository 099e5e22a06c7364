# Two commands for readers: `make book` and `make test`. Everything else is for authors.
# Every target installs what it uses into .venv, so a fresh clone needs only make and a CPython
# from 3.11 to 3.13 (Debian's, Ubuntu's, pyenv's, python.org's).

# The first of python3, python3.13, python3.12, python3.11 that runs and is 3.11 to 3.13; set
# PYTHON=/path/to/python to choose. (A pyenv shim for a version pyenv has not installed does not
# run, so it is passed over.)
SUPPORTED_PYTHON := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PYTHON ?= $(firstword $(foreach p,python3 python3.13 python3.12 python3.11,$(shell command -v $(p) >/dev/null 2>&1 && $(p) -c '$(SUPPORTED_PYTHON)' 2>/dev/null && echo $(p))) python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BOOK_HTML := _build/html/index.html
NBVAL  := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env
JOBS   ?= 2
NOTEBOOKS ?=
PORT   ?= 8000

.PHONY: help book test test-lib test-notebooks test-browser check-pins outputs student lab serve clean

help:
	@echo "make book    build the website into _build/html (strict: any warning fails)"
	@echo "make test    run every unit test, doctest and notebook (nbval, strict)"
	@echo "make outputs rebuild every chapter notebook from chapters/sources/*.md and execute it (NOTEBOOKS=05_adagrad for one)"
	@echo "make student write the student edition (every solution taken out) into _build/student"
	@echo "make lab     open the chapters in JupyterLab"
	@echo "make serve   serve the built book on http://127.0.0.1:$(PORT) (building it first if needed)"
	@echo "make test-browser  open every built page in headless Chromium and check it (after make book)"
	@echo "make check-pins  check that requirements.txt installs on every Python 3.11-3.13 found here"
	@echo "make clean   remove the build and the virtual environment"

# The environment is rebuilt when requirements.txt or pyproject.toml is newer than it.
$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 to 3.13 is needed: '$(PYTHON)' was not found (set PYTHON=/path/to/python3)"; exit 1; }
	@$(PYTHON) -c '$(SUPPORTED_PYTHON)' 2>/dev/null || { echo "Python 3.11 to 3.13 is needed: '$(PYTHON)' is $$($(PYTHON) -c 'import platform; print(platform.python_version())' 2>&1 | tail -1) (set PYTHON=/path/to/python3.11, 3.12 or 3.13)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book is at file://$(CURDIR)/$(BOOK_HTML)"

test: test-lib test-notebooks

# The browser test needs a built book, so it is left out here and run by test-browser.
test-lib: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -m "not browser" tests adamlib

# Printed numbers depend on the BLAS kernel as well as on the versions: OpenBLAS picks one for the
# processor, and on an AVX-512 machine it picks SkylakeX, whose matrix products round differently
# from the Haswell kernel the stored outputs were made with (7 cells of chapters 01, 07, 10 and 12
# then differ, mostly training runs at learning rates where Adam is chaotic). So on x86-64 the
# notebooks run with the Haswell kernel, which every AVX2 processor has, unless the machine
# already sets OPENBLAS_CORETYPE (some do, for their own reasons: that value is kept).
ifeq ($(shell uname -m),x86_64)
BLAS_KERNEL := OPENBLAS_CORETYPE=$${OPENBLAS_CORETYPE:-Haswell}
endif

# Kernels must draw figures inline as they did when the outputs were stored: a MPLBACKEND from
# the caller's environment (Agg, say) would make every figure cell output nothing.
test-notebooks: $(STAMP)
	env -u MPLBACKEND $(BLAS_KERNEL) $(BIN)/python -m pytest -n $(JOBS) --dist loadscope $(NBVAL) chapters

# Opens every page of _build/html from disk in headless Chromium (see tests/test_browser.py).
test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser tests/test_browser.py

# Resolves requirements.txt (pip install --dry-run) with every Python 3.11-3.13 on this machine, and
# for Python 3.11.0, the oldest supported release. Needs the package index; run by .ci/run.
check-pins: $(STAMP)
	$(BIN)/python scripts/check_pins.py requirements.txt requirements-lab.txt

# Rebuilds each chapter notebook from its text source (chapters/sources/NAME.md) and executes it.
outputs: $(STAMP)
	env -u MPLBACKEND $(BLAS_KERNEL) $(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)

# The chapters with every solution taken out, for instructors to hand out (make book publishes
# them too, in _build/html/student, linked from each chapter's exercises).
student: $(STAMP)
	$(BIN)/python scripts/student_edition.py _build/student

# JupyterLab is pinned too (requirements-lab.txt, on top of requirements.txt), installed on first use.
# As root (Docker, cloud IDEs) Jupyter refuses to start without --allow-root, so it is passed then.
LAB_STAMP := $(VENV)/.lab-installed
$(LAB_STAMP): $(STAMP) requirements-lab.txt
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) chapters

# Serves the built book on this machine only (127.0.0.1). Opening _build/html/index.html from
# disk works as well: the site needs no server and no network.
serve: $(STAMP)
	@test -f $(BOOK_HTML) || $(MAKE) book
	@echo "Serving the book on http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build $(VENV)
