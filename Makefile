# gigafactory — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PRESET ?= announced
DRAWS  ?= 1000

.PHONY: run test lint typecheck unit bench browser fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: not root, cannot install chromium; browser tests will be skipped"; fi; }

run: $(VENV)/.installed
	$(BIN)/gigafactory run $(PRESET) --draws $(DRAWS) --out out/$(PRESET)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev browser
	$(BIN)/pytest -q -n 2 --durations=15

test: lint typecheck unit
	$(BIN)/python benchmarks/bench_simulate.py --smoke
	$(BIN)/python benchmarks/bench_finance.py --smoke
	$(BIN)/python benchmarks/bench_plan.py --smoke
	$(BIN)/python benchmarks/bench_web.py --smoke
	$(BIN)/python benchmarks/bench_cli.py --smoke

# A deeper fuzz pass over adversarial scenario files (make test runs 150 examples).
fuzz: $(VENV)/.installed-dev
	GIGAFACTORY_FUZZ=deep $(BIN)/pytest -q tests/test_fuzz.py

# The whole command end to end; regenerates docs/performance.md (the README's performance table).
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_cli.py --write docs/performance.md
	$(BIN)/python benchmarks/bench_simulate.py
	$(BIN)/python benchmarks/bench_finance.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_web.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
