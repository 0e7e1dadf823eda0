# imgfake — the README's two commands are `make dashboard` and `make test`.
# Both create .venv on first use (pinned by requirements/constraints.txt).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8866
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: help venv test test-fast fuzz dashboard notebooks workshop bench model samples chromium lock clean

help:
	@echo "make dashboard   serve the Voila dashboard on http://$(HOST):$(PORT)/ (sets up .venv first)"
	@echo "make test        run every test: unit, model, notebooks (papermill + nbval), browser"
	@echo "make test-fast   unit tests only (no notebooks, no browser)"
	@echo "make notebooks   open JupyterLab on notebooks/"
	@echo "make workshop    the learners' copy of the workshop notebook (no solutions) and its handout, in workshop/"
	@echo "make fuzz N=20000  a long fuzz run of every file reader (summary in tests/artifacts/)"
	@echo "make bench       run the speed and memory benchmarks in benchmarks/"
	@echo "make model       retrain the shipped default model (needs ../shared/data)"
	@echo "make samples     remake data/samples/ from the Kodak photos (needs ../shared/data)"

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"imgfake needs Python 3.11, found {sys.version.split()[0]} at {sys.executable}; set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	@# Keep TensorFlow's C++ start-up logs out of notebook outputs (see ../shared/STACK.md).
	@mkdir -p $(VENV)/etc/ipython
	@echo "c.IPKernelApp.capture_fd_output = False" > $(VENV)/etc/ipython/ipython_kernel_config.py
	@touch $@

# Debian's chromium drives the browser tests and plotly's static export (never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not notebooks" $(PYTEST_ARGS)

N ?= 20000
fuzz: $(STAMP)
	$(PY) scripts/fuzz.py --n $(N)

dashboard: $(STAMP)
	@$(PY) -m imgfake.dashboard.serve --host $(HOST) --port $(PORT) $(if $(TOKEN),--token $(TOKEN))

notebooks: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

# notebooks/05_workshop.ipynb is the teacher's copy; learners get workshop/ (see notebooks/WORKSHOP.md)
workshop: $(STAMP)
	$(PY) -m imgfake.workshop notebooks/05_workshop.ipynb --out workshop

bench: $(STAMP) chromium
	$(PY) benchmarks/ela_speed.py
	$(PY) benchmarks/predict_speed.py
	$(PY) benchmarks/dashboard_speed.py
	$(PY) benchmarks/memory.py
	$(PY) benchmarks/methods_speed.py

model: $(STAMP)
	nice -n 5 $(PY) scripts/train_default.py

samples: $(STAMP)
	$(PY) scripts/make_samples.py

lock: $(STAMP)
	@head -3 requirements/constraints.txt > requirements/constraints.new
	$(PY) -m pip freeze --exclude-editable | grep -v '^imgfake' >> requirements/constraints.new
	mv requirements/constraints.new requirements/constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
