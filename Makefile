# ReviewDesk: `make run` serves the app with demo data; `make test` runs the whole suite.
# Both start from a fresh clone: they create the virtualenv and install what they need.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

.PHONY: run test install migrate seed demo lint messages clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_policies

demo: seed
	$(PY) manage.py demo_data

# `serve` runs the web server and the task cluster and stops both on Ctrl-C (see its module).
run: demo
	@echo ""
	@echo "ReviewDesk 中差评工作台: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@$(PY) manage.py demo_data --print-logins
	@echo ""
	@$(PY) manage.py serve $(HOST):$(PORT)

# The suite runs on every core (pytest-xdist; one test database per worker). PYTHONHASHSEED keeps the
# workers' collection identical (some parametrised ids come from sets).
test: install
	PYTHONHASHSEED=0 $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# English catalog: makemessages needs GNU xgettext (a developer tool: apt-get install gettext);
# locale/compile.py compiles the .mo in Python (polib), and the .mo is committed, so nothing else needs gettext.
messages: install
	$(PY) manage.py makemessages -l en --no-obsolete --ignore='.venv/*' --ignore='tests/*' \
	  --ignore='bench/*' --ignore='test-artifacts/*' --ignore='var/*' --ignore='staticfiles/*'
	$(PY) locale/compile.py

bench: install
	@echo "benchmarks need PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench"
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
