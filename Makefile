# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The settings fail closed (DEBUG off, no secret key); the development commands turn DEBUG on
# themselves (with DEBUG on the settings use a development-only key). The suite's own settings
# (tests/settings.py) do the same for `make test`.
DEV := DEBUG=$${DEBUG:-true}

.PHONY: run test test-fast lint install migrate demo bench clean messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV) $(PY) manage.py seed_demo

run: demo
	$(DEV) $(PY) manage.py runplatform

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadgroup

test: install
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest $(XDIST) -m "not browser" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --file /dev/null --validate --fail-on-warn
	DEBUG=false SECRET_KEY=lint-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n') ALLOWED_HOSTS=xuefa.example.gov.cn \
		$(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3 test-output

messages: install
	$(PY) manage.py makemessages -l en --no-location --ignore=.venv --ignore=tests --ignore=bench
	sed -i '/^"POT-Creation-Date:/d' $$(find . -path ./.venv -prune -o -name django.po -print)
	$(PY) manage.py compilemessages --ignore=.venv
