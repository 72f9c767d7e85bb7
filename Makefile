# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_ARGS ?= --quick
PYTEST_ARGS ?=
# The test environment is reproducible: `make install` resolves through this lock (`make lock` refreshes it);
# the package's own dependency ranges in pyproject.toml stay open for users.
LOCK := requirements/lock.txt

# torch for `make test-torch`: a CPU wheel on Linux for Python 3.11 here; an open range may pull a CUDA build
TORCH_PIN ?= torch==2.13.0

.PHONY: install demo example lint test test-slow test-latest test-torch gpu-check-cpu bench lock clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c $(LOCK) -e ".[test]"
	$(PY) -m signal_diagnostics.warmup  # compiles aeon's numba kernels once (about 1 CPU-minute), and says so
	touch $@

demo: install  ## the main job on the built-in dataset: writes report/report.html
	$(VENV)/bin/diagnose report --out report $(DEMO_ARGS)

EXAMPLE := docs/example-report
SHOT_ARGS := --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --disable-quic --hide-scrollbars --window-size=1366,900 \
	--run-all-compositor-stages-before-draw --virtual-time-budget=10000

example: install  ## the example report kept in the repo: docs/example-report (quick profile, no cache), its screenshot
	$(VENV)/bin/diagnose report --quick --no-cache --out $(EXAMPLE)
	@if command -v chromium >/dev/null 2>&1; then \
	  profile=$$(mktemp -d) && \
	  chromium $(SHOT_ARGS) --user-data-dir=$$profile --screenshot=$(CURDIR)/$(EXAMPLE)/screenshot.png \
	    file://$(CURDIR)/$(EXAMPLE)/report.html 2>/dev/null; \
	  rm -rf $$profile; \
	  test -s $(EXAMPLE)/screenshot.png && echo "screenshot: $(EXAMPLE)/screenshot.png"; \
	else echo "chromium not found: $(EXAMPLE)/screenshot.png left as it was"; fi

lint: install  ## ruff: lint and format check (configured in pyproject.toml); `ruff format .` fixes the format
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install  ## the default test suite (slow tests excluded)
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-slow: install  ## statistical calibration and longer training checks
	$(VENV)/bin/pytest -q -m slow $(PYTEST_ARGS)

test-latest:  ## by hand: the suite on the newest releases pyproject.toml allows, in .venv-latest (no lock)
	rm -rf .venv-latest && python3 -m venv .venv-latest
	.venv-latest/bin/python -m pip install -q --upgrade pip
	.venv-latest/bin/python -m pip install -q --upgrade -e ".[test]"
	.venv-latest/bin/python -m signal_diagnostics.warmup
	.venv-latest/bin/python -m pytest -q $(PYTEST_ARGS)

lock:  ## refresh requirements/lock.txt to the newest releases pyproject.toml allows (uv, Python 3.11, no pre-releases)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python-version 3.11 --prerelease=disallow --upgrade -o $(LOCK)

test-torch: install  ## CPU PyTorch, then the backend tests on the torch backend (zoo, save/load, IG, compare)
	$(PY) -m pip install -q "$(TORCH_PIN)"
	$(VENV)/bin/pytest -q tests/test_backends.py -k torch $(PYTEST_ARGS)
	KERAS_BACKEND=torch $(VENV)/bin/pytest -q tests/test_recurrent.py $(PYTEST_ARGS)

gpu-check-cpu: install  ## the GPU check's dry run on the CPU (benchmarks/gpu_check.py --cpu; docs/gpu-check.md)
	$(PY) benchmarks/gpu_check.py --cpu --out out/gpu_check.json

bench: install  ## every benchmark, one table: benchmarks/results.md
	$(PY) benchmarks/run_all.py --out benchmarks/results

clean:
	rm -rf $(VENV) .venv-latest report .pytest_cache
