# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_ARGS ?= --quick
PYTEST_ARGS ?=

.PHONY: install demo test test-slow bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

demo: install  ## the main job on the built-in dataset: writes report/report.html
	$(VENV)/bin/diagnose report --out report $(DEMO_ARGS)

test: install  ## the default test suite (slow tests excluded)
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-slow: install  ## statistical calibration and longer training checks
	$(VENV)/bin/pytest -q -m slow $(PYTEST_ARGS)

bench: install  ## every benchmark, one table: benchmarks/results.md
	$(PY) benchmarks/run_all.py --out benchmarks/results

clean:
	rm -rf $(VENV) report .pytest_cache
