# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= torch,tensorflow,export,serve,deploy,test

.PHONY: install run test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/showdown parity
	$(VENV)/bin/showdown run --suite quick

test: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/overhead.py
	$(PY) benchmarks/quick_suite.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
