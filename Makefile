# Newsreader: `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsreader
CHROMIUM ?= /usr/bin/chromium
export PLAYWRIGHT_CHROMIUM := $(CHROMIUM)

.PHONY: help install run worker test lint types check test-sqlite test-postgres mutation bench bench-extraction bench-shingles bench-anchoring bench-db bench-pages bench-load clean

help:
	@echo "make run    install what is missing, migrate, load samples, serve http://$(HOST):$(PORT)"
	@echo "make test   lint, types, checks, migrations check, tests on SQLite (+ PostgreSQL, Chromium)"
	@echo "make bench  benchmarks, results in docs/benchmarks.md"
	@echo "make mutation  mutation testing of the safety-critical code, scores in docs/mutation.md"

# uv itself comes from PyPI into the Python that .python-version selects.
install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

.env:
	@printf 'DEBUG=1\nSECRET_KEY=%s\nFETCH_ALLOWED_HOSTS=\n' "$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env for local development (DEBUG=1, a random SECRET_KEY)."

run: install .env
	$(MANAGE) migrate --no-input
	$(MANAGE) load_samples
	@echo "Serving http://$(HOST):$(PORT)/ (a task worker and the feed scheduler run beside it; Ctrl-C stops all)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(MANAGE) db_worker --interval 1 >/dev/null 2>&1 & \
	  $(MANAGE) refresh_feeds --loop 60 >/dev/null 2>&1 & \
	  $(MANAGE) runserver $(HOST):$(PORT)

worker: install .env
	$(MANAGE) db_worker

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports --no-cache

types: install
	DEBUG=1 $(UV) run --frozen mypy .

check: install
	DEBUG=1 $(MANAGE) check --fail-level WARNING
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run
	@echo "== deployment checks with production settings =="
	SECRET_KEY="$$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')" DEBUG=0 \
	  ALLOWED_HOSTS=newsreader.example $(MANAGE) check --deploy --fail-level WARNING

test-sqlite: install
	@echo "== tests on SQLite =="
	DATABASE_URL= $(UV) run --frozen pytest

test-postgres: install
	@if $(UV) run --frozen python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== tests on PostgreSQL =="; \
	  DATABASE_URL=$(TEST_DATABASE_URL) $(UV) run --frozen pytest; \
	elif [ "$$REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but not reachable at $(TEST_DATABASE_URL)"; exit 1; \
	else \
	  echo "== PostgreSQL not reachable: skipping the PostgreSQL run (set REQUIRE_POSTGRES=1 to fail) =="; \
	fi

test: lint types check
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$REQUIRE_BROWSER" = "1" ]; then echo "Chromium is required (REQUIRE_BROWSER=1) but $(CHROMIUM) is missing"; exit 1; fi; \
	  echo "== Chromium not found at $(CHROMIUM): browser tests will be skipped =="; \
	fi
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

# Not part of `make test`: minutes per target. `make mutation MUTATION=ratelimit` runs one
# (targets: tools/mutation.py); MUTATION_JOBS=2 runs two mutants at a time.
MUTATION ?=
mutation: install
	$(UV) run --frozen python -m tools.mutation $(MUTATION)

bench: bench-extraction bench-anchoring bench-pages bench-load

# Pages and load run on PostgreSQL, in their own database (created if missing), filled by
# `manage.py generate_data`, by default at the issue's full size: BENCH_STORIES=100000
# BENCH_ANNOTATIONS=200000 (about 6 minutes of generation on a busy 2-core machine).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/newsreader_bench
BENCH_STORIES ?= 100000
BENCH_ANNOTATIONS ?= 200000

bench-db: install
	@$(UV) run --frozen python -c "import psycopg; u='$(BENCH_DATABASE_URL)'; base, name = u.rsplit('/', 1); c = psycopg.connect(base + '/postgres', autocommit=True); c.execute('SELECT 1 FROM pg_database WHERE datname = %s', [name]).fetchone() or c.execute('CREATE DATABASE ' + name)"
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=1 $(MANAGE) migrate --no-input -v0

bench-pages: bench-db
	DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=1 $(MANAGE) bench_pages \
	  --stories $(BENCH_STORIES) --annotations $(BENCH_ANNOTATIONS) --write docs/benchmarks.md

bench-load: bench-db
	DATABASE_URL=$(BENCH_DATABASE_URL) $(UV) run --frozen python -m bench.load --write docs/benchmarks.md

bench-extraction: install
	DEBUG=1 $(MANAGE) bench_extraction --write docs/benchmarks.md

# The ScrapingHub article-extraction-benchmark is not part of the project: clone
# https://github.com/scrapinghub/article-extraction-benchmark and pass its folder as AEB.
bench-shingles: install
	@test -n "$(AEB)" || { echo "Usage: make bench-shingles AEB=path/to/article-extraction-benchmark"; exit 2; }
	DEBUG=1 $(MANAGE) bench_shingles "$(AEB)" --write docs/benchmarks.md

bench-anchoring: install
	DEBUG=1 $(MANAGE) bench_anchoring --write docs/benchmarks.md

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache staticfiles test-artifacts
