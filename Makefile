# The two quick-start commands: `make example` and `make test`. Each sets up .venv first.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: example test bench scale soak fuzz

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Poll the bundled example config once (offline) and print its alert on the console.
example: $(VENV)/.installed
	$(BIN)/media-monitor --config config once

# Lint, type-check and run the whole test suite on every core (what CI runs), measuring the
# coverage of monitor/, subprocesses included; below the floor in pyproject.toml it fails.
# Tests are handed to the workers one at a time: the long ones, first, spread out.
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -n auto --maxschedchunk 1
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

# Benchmarks print figures (see docs/performance.md); they are not part of the test run.
bench: $(VENV)/.installed
	$(BIN)/python bench/match.py
	$(BIN)/python bench/match.py --corpus mixed
	$(BIN)/python bench/poll.py
	$(BIN)/python bench/prune.py
	$(BIN)/python bench/poison.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/stories.py --prefill 6
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/tick.py
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/suggest.py

# The daemon at thousands of feeds (bench/scale.py: the first cycle, 5 minutes steady, idle;
# about 10 minutes at 2,000 feeds and 15 at 10,000); then 50,000 feeds of 5 items, the first
# cycle and peak RSS only (it outlasts the interval; 15 – 30 minutes).
scale: $(VENV)/.installed
	$(BIN)/python bench/scale.py --feeds 2000
	$(BIN)/python bench/scale.py --feeds 10000
	$(BIN)/python bench/scale.py --feeds 50000 --items 5 --short

# Ten minutes of `run` against 500 loopback feeds: delivery, latency and memory over time.
soak: $(VENV)/.installed
	$(BIN)/python bench/soak.py

# Hostile feed documents through parse → match → render for FUZZ_SECONDS in all (default 60):
# half Hypothesis (well-formed documents, hostile fields), half atheris (mutated bytes, guided
# by coverage; installed here from the `fuzz` extra). Fails on any exception or broken promise;
# not part of `make test`. `make fuzz FUZZ_SECONDS=600` for a longer run.
FUZZ_SECONDS ?= 60
fuzz: $(VENV)/.installed
	$(BIN)/python -c "import atheris" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet --only-binary atheris -e '.[fuzz]'
	$(BIN)/python -m tests.fuzz.pipeline --seconds $$(( $(FUZZ_SECONDS) / 2 ))
	$(BIN)/python -m tests.fuzz.mutate --seconds $$(( $(FUZZ_SECONDS) - $(FUZZ_SECONDS) / 2 ))
