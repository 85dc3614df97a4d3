# MS Strength Clinic — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST_PORT ?= 127.0.0.1:8000

.PHONY: setup run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The pages' front-end libraries (Chart.js, htmx) from npm, exactly as package-lock.json pins
# them; Django's staticfiles serves them from node_modules (settings.STATICFILES_DIRS).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## setup: the virtualenv with the Python dependencies, and the npm assets.
setup: $(VENV)/.installed node_modules/.installed

## run: set up everything (venv, dependencies, database, demo data) and serve the app
## with its Celery worker and scheduler on SQLite and a filesystem broker.
run: export DEBUG ?= true
run: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) send_reminders
	@echo
	@echo "  MS Strength Clinic: http://$(HOST_PORT)/"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-demo-pass-2026}):"
	@echo "    nurse_north  physio_north  admin_north"
	@echo "    nurse_south  physio_south  admin_south"
	@echo
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A clinic worker --loglevel=INFO --concurrency=2 & \
	$(BIN)/celery -A clinic beat --loglevel=INFO --schedule=var/celerybeat-schedule & \
	$(MANAGE) runserver $(HOST_PORT)

## test: set up, check the import contracts (pyproject.toml) and run the whole suite on every
## core (TEST_WORKERS=0 for one process; DATABASE_URL / CELERY_BROKER_URL select real services).
TEST_WORKERS ?= auto
test: setup
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n $(TEST_WORKERS)

## bench: generate (or reuse) a clinic network at scale in PostgreSQL and time the API, the
## reports and the reminder sweep against raw SQL (benchmarks/README.md). SCALE=0.01 for a
## quick run; DATABASE_URL chooses the database (default: a local clinic_bench, created).
SCALE ?= 1
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.run --scale $(SCALE) $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules var db.sqlite3 staticfiles
