# Dialogue Hub. Quick start: `make run` (demo at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
# The port `make run` serves on (`make run PORT=8101`). Every link in the emails it writes points
# there too, unless DIALOGUE_HUB_BASE_URL is set (e.g. to an address others reach you on).
PORT ?= 8000
# Test processes (pytest-xdist): one per CPU by default, at most 15 (each takes one of Redis's 16
# databases, see dialogue_hub/settings/test.py); `make test TEST_WORKERS=0` runs in one.
TEST_WORKERS ?= auto
DIALOGUE_HUB_BASE_URL ?= http://127.0.0.1:$(PORT)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: install run test lint format migrate demo clean lock messages bench mutation

$(STAMP): requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Dialogue Hub needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

## Start the web server, a Celery worker and Celery beat with the demo data (SQLite, no services needed).
## `make run PORT=8101` serves on another port; DEBUG is off unless DJANGO_DEBUG=true.
run: demo
	@echo ""
	@echo "  Dialogue Hub is starting at http://127.0.0.1:$(PORT)"
	@echo "  Emails are written to var/outbox/ (one .log file per message); their links point to"
	@echo "  $(DIALOGUE_HUB_BASE_URL)."
	@echo "  Stop with Ctrl+C."
	@echo ""
	DIALOGUE_HUB_BASE_URL=$(DIALOGUE_HUB_BASE_URL) $(BIN)/honcho -f Procfile.dev start -p $(PORT)

## The whole suite: migrations in step, lint, then pytest (SQLite by default; DATABASE_URL/REDIS_URL for the real services).
test: install
	DJANGO_SETTINGS_MODULE=dialogue_hub.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 15 --dist worksteal

## Time 10,000 session reminders through planner → Redis → Celery worker → SMTP against a plain
## SMTP loop, 10,000 reminder texts through outbox → Redis → Celery worker → a local server that
## speaks Twilio's API against a plain loop over one connection to it, then the main pages of a
## 100-initiative community under gunicorn against a trivial view, the two-node check
## (tests/test_several_nodes.py: two gunicorn instances, two workers), and last the assignment against
## an exact solver (OR-Tools CP-SAT, bench/assignment_quality.py) (starts PostgreSQL/Redis if
## down; own databases); writes bench/results.{json,md}.
## `bench/run reminders`, `bench/run texts`, `bench/run pages`, `bench/run nodes` or
## `bench/run assignment` (the assignment against OR-Tools CP-SAT) runs one.
bench: install
	bench/run

## Mutation testing (not in CI: about an hour on 2 cores): mutmut plants small bugs, one at a time, in
## the four modules where a silent mistake hurts people (small-cell suppression, the permission
## table, registration, the outbox; pyproject.toml [tool.mutmut]) and runs the tests that call the
## changed function against each; prints the score per module (tests/mutation/score.py; target
## 95 % of the mutants that can change behaviour). `make mutation MUTANTS='dialogue_hub.privacy*'`
## runs one module's mutants; MUTATION_KEEP=1 keeps the last run's results for unchanged code.
MUTATION_WORKERS ?= 2
MUTANTS ?=
mutation: install
	@test -n "$(MUTATION_KEEP)" || rm -rf mutants
	env -u DATABASE_URL -u REDIS_URL $(BIN)/mutmut run --max-children $(MUTATION_WORKERS) $(MUTANTS)
	$(BIN)/python -m tests.mutation.score

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Refresh the Spanish catalogue after changing user-facing text (needs GNU gettext), then compile it.
messages: install
	$(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var --ignore=tests --no-location
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv

## Re-pin dependencies after editing pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-find-links --no-emit-index-url -o requirements/base.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-find-links --no-emit-index-url --extra dev -o requirements/dev.txt pyproject.toml

clean:
	rm -rf var .pytest_cache .ruff_cache mutants
