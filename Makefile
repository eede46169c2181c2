# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app workflow_app
STAMP := $(VENV)/.installed-stamp

.PHONY: install run serve test test-fast lint format translations translations-update bench system-deps screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d translations >/dev/null; fi

# After adding or changing a marked string: refresh the template and the catalogues, then
# translate what tests/unit/test_catalogue.py lists.
translations-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i translations/messages.pot -d translations >/dev/null

# The demo signs audit checkpoints with a key made on first run under instance/ (a real
# deployment keeps it elsewhere: docs/deployment.md).
AUDIT_KEY ?= instance/audit-signing.key

# The outbox worker (e-mail notifications, digests) runs beside the server and stops with it.
run: install
	$(FLASK) db upgrade
	@test -f $(AUDIT_KEY) || $(FLASK) audit keygen $(AUDIT_KEY)
	WORKFLOW_AUDIT_KEY=$(AUDIT_KEY) $(FLASK) demo
	@echo "Serving on http://127.0.0.1:5000"
	@WORKFLOW_AUDIT_KEY=$(AUDIT_KEY) $(FLASK) notify worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	WORKFLOW_AUDIT_KEY=$(AUDIT_KEY) $(FLASK) run --host 127.0.0.1 --port 5000

# Production-style: gunicorn with several workers on DATABASE_URL (PostgreSQL), Redis for the
# rate-limit counters shared by the workers, and one outbox worker beside them (a deployment runs
# it as its own service, on any host: docs/deployment.md).
serve: install
	$(FLASK) db upgrade
	@$(FLASK) notify worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn -c gunicorn.conf.py "workflow_app:create_app()"

system-deps:
	bash scripts/install-system-deps.sh

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# While working: ruff, the unit tests and the integration tests on SQLite only (no browser, no
# PostgreSQL), in about two minutes. `make test` (and CI) still runs everything on both.
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	WORKFLOW_TEST_BACKENDS=sqlite $(BIN)/pytest tests/unit tests/integration

# Regenerates docs/screenshots/ from the browser tests (Thai, SQLite run).
screenshots: install system-deps
	WORKFLOW_SCREENSHOTS=1 $(BIN)/pytest -q tests/e2e -k sqlite

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks (PostgreSQL, Redis and wrk on 127.0.0.1; ~15 min): prints one table, writes
# bench/RESULTS.md. `$(BIN)/python bench/run.py --quick` for a short run.
bench: install
	$(BIN)/python bench/run.py
