# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= torch,tensorflow,jax,export,serve,deploy,test
# pytest workers for make test (pytest-xdist); 0 runs the suite in one process. A module whose tests
# share an expensive fixture is one xdist_group, so that one worker computes it once.
TEST_WORKERS ?= 2

.PHONY: install run test browser bench clean

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
	$(VENV)/bin/showdown claims latest
	$(VENV)/bin/showdown report latest

# The browser test drives Debian's chromium: install it when missing and we can (root, apt-get).
browser:
	@if [ -n "$$SHOWDOWN_CHROMIUM" ] || [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 \
		|| command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser test (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "no chromium: the browser test will be skipped (install it: sudo apt-get install chromium, or set SHOWDOWN_CHROMIUM)"; \
	fi

test: install browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

bench: install
	$(PY) benchmarks/stability.py
	$(PY) benchmarks/overhead.py
	$(PY) benchmarks/jax_predict.py
	$(PY) benchmarks/quick_suite.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
