# Two commands for a fresh machine: `make run` and `make test` (see README.md).
# The first interpreter that really runs and is 3.11 or newer (a pyenv shim may exist without it).
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check install clean-data browser imap-server bench

run: $(STAMP)
	$(BIN)/reintegratie dev

test: $(STAMP) browser imap-server
	$(BIN)/pytest

# The gates CI runs before the tests: formatting, lint, types (strict on states/), import layers.
check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian's Chromium drives the browser tests (tests/web); installed here when missing, as root.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; \
	  else \
	    echo "note: $(CHROMIUM) is missing and cannot be installed here (needs Debian and root): the browser tests will skip, and fail with CI=true"; \
	  fi; \
	fi

# Debian's Dovecot is the real IMAP server of the reply tests (tests/dovecot.py starts a private
# instance on a free port; the system service is never used); installed here when missing, as root.
DOVECOT := /usr/sbin/dovecot
imap-server:
	@if [ ! -x $(DOVECOT) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null; \
	  else \
	    echo "note: $(DOVECOT) is missing and cannot be installed here (needs Debian and root): the IMAP tests will skip, and fail with CI=true"; \
	  fi; \
	fi

install: $(STAMP)

# Each benchmark prints its figures (bench/RESULTS.md holds one run); none is part of `make test`.
bench: $(STAMP)
	$(BIN)/python -m bench.mail_throughput
	$(BIN)/python -m bench.replay
	$(BIN)/python -m bench.rules_speed
	$(BIN)/python -m bench.case_cost
	$(BIN)/python -m bench.worker_memory
	$(BIN)/python -m bench.worker_heap
	$(BIN)/python -m bench.intake_throughput
	$(BIN)/python -m bench.mail_load

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3, python3.11, python3.12 or python3.13 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean-data:
	rm -rf data
