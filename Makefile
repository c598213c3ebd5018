# fengqiao — two commands: `make run` and `make test`. Everything else is their parts.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha1sum | cut -c1-12)
export FENGQIAO_VAR_DIR ?= $(CURDIR)/var
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run dev test setup sysdeps lint fmt check typecheck migrate demo-data lock clean bench

## setup: virtual environment with the locked dependencies (re-run when the lock changes), and
## node_modules with the browser tests' locked JavaScript (axe-core, package-lock.json)
setup: $(STAMP) $(NODE_STAMP)
$(STAMP): requirements.lock pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*; touch $@
	mkdir -p $(FENGQIAO_VAR_DIR)/static
$(NODE_STAMP): package.json package-lock.json
	@$(MAKE) --no-print-directory sysdeps
	npm ci --no-audit --no-fund --ignore-scripts
	rm -f node_modules/.installed-*; touch $@

## sysdeps: system packages the project needs (fonts and libraries for PDF, a browser for UI tests)
sysdeps:
	@sh scripts/sysdeps.sh

## run: set up, migrate, load the Naiman Banner set-up and demo staff, collect the static files,
## then serve like a deployment: gunicorn (FENGQIAO_WEB_WORKERS, default 2 x cores + 1) with DEBUG
## off, and the job worker. Ctrl+C, or SIGTERM to make, stops both (scripts/run.sh).
run: setup
	exec bash scripts/run.sh $(HOST) $(PORT)

## dev: the same set-up, then Django's auto-reloading development server with DEBUG on and the
## job worker beside it (static files straight from the source folders)
dev: setup
	mkdir -p $(FENGQIAO_VAR_DIR)/static
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_naiman
	$(BIN)/python manage.py demo_staff
	exec env FENGQIAO_DEBUG=1 bash scripts/dev.sh $(HOST) $(PORT)

## test: set up and run the whole suite (FENGQIAO_DATABASE_URL picks the database) on every core:
##       TEST_WORKERS pytest-xdist workers (auto: one per core; 0: one process), each with its own
##       test database and data folder (fengqiao/conftest.py)
TEST_WORKERS ?= auto
test: setup
	mkdir -p $(FENGQIAO_VAR_DIR)/static
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## bench: every benchmark on SQLite and PostgreSQL (when it answers), one table kept in bench/results/
##        (CASES=1000000 by default: ~35–60 min, the cases generated once; CASES=100000 for a quicker run)
CASES ?= 1000000
bench: setup
	mkdir -p $(FENGQIAO_VAR_DIR)/static
	$(BIN)/python bench/run.py --cases $(CASES) $(BENCH_ARGS)

## lint: everything CI checks besides the tests
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy fengqiao $$(ls bench/*.py 2>/dev/null)
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	FENGQIAO_ENV=production FENGQIAO_SECRET_KEY=ci-$$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=') \
	  FENGQIAO_DATA_KEYS=ci:$$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FENGQIAO_INDEX_KEY=$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FENGQIAO_AUDIT_KEYS=ci:$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FENGQIAO_PACKAGE_KEYS=ci:$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  FENGQIAO_ALLOWED_HOSTS=fengqiao.example.gov.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: setup
	$(BIN)/python manage.py migrate --noinput

## lock: re-pin every dependency (needs `uv`; `pip install uv`)
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
