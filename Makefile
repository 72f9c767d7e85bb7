# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_ARGS ?= --quick
PYTEST_ARGS ?=

.PHONY: install demo example test test-slow bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
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

test: install  ## the default test suite (slow tests excluded)
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test-slow: install  ## statistical calibration and longer training checks
	$(VENV)/bin/pytest -q -m slow $(PYTEST_ARGS)

bench: install  ## every benchmark, one table: benchmarks/results.md
	$(PY) benchmarks/run_all.py --out benchmarks/results

clean:
	rm -rf $(VENV) report .pytest_cache
