# symbiograph: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench fuzz clean venv lock basemap

# constraints.txt pins every package `make` installs; `make lock` rewrites it on purpose.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip -c constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/symbiograph demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Fuzz the YAML, CSV and XLSX readers for FUZZ_SECONDS each; results in
# benchmarks/results/fuzz_readers.json (inputs tried per format, any crash with its input).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m benchmarks.fuzz_readers --seconds $(FUZZ_SECONDS)

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet --upgrade -e '.[dev]'
	(echo "pip==$$($(BIN)/python -m pip --version | cut -d' ' -f2)"; \
	 $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e') > constraints.txt

# the report's offline basemap (package data, shipped in git): re-fetch it with npm
basemap:
	cd $$(mktemp -d) && npm pack --silent world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz && \
	cp package/countries-50m.json $(CURDIR)/src/symbiograph/report/basemap/ && \
	cp package/LICENSE $(CURDIR)/src/symbiograph/report/basemap/LICENSE-world-atlas.md

clean:
	rm -rf $(VENV) out build *.egg-info
