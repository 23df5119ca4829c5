# Carefront: `make run` to try it, `make test` to check it. See README.md.
VENV      ?= .venv
PY        := $(VENV)/bin/python
PG_URL    ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run serve venv dev messages messages-update messages-check migrate demo test test-sqlite test-postgres test-e2e lint format bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { python=$$(scripts/find-python) && echo "Using $$python" && $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,embeddings]'
	@touch $@

venv: $(VENV)/.installed messages
dev: $(VENV)/.installed-dev messages

# Translations of customer-facing text (carefront/locale, docs/admin-guide.md). The .mo files are
# committed, so a machine without GNU gettext still runs; with it, they are rebuilt when stale.
messages: $(VENV)/.installed
	@if command -v msgfmt >/dev/null 2>&1; then \
	  $(PY) manage.py compilemessages --ignore '.*' --ignore var --ignore node_modules -v0; \
	else \
	  echo "msgfmt (GNU gettext) not found: using the committed .mo files (apt-get install gettext)"; \
	fi

# After changing customer-facing text: extract it into the .po files, translate, `make messages`.
messages-update: $(VENV)/.installed
	$(PY) manage.py customer_messages

messages-check: $(VENV)/.installed
	$(PY) manage.py customer_messages --check

migrate: venv
	$(PY) manage.py migrate --no-input -v0

demo: migrate
	$(PY) manage.py demo_data --if-empty

run: demo
	$(PY) manage.py serve

test: dev test-sqlite test-postgres test-e2e

# -rs: print why each skipped test was skipped (a missing dovecot, swaks, Chromium, Redis or corpora).

test-sqlite: dev
	CAREFRONT_DATABASE_URL=sqlite:// $(PY) -m pytest -p no:cacheprovider -rs

test-postgres: dev
	CAREFRONT_DATABASE_URL=$(PG_URL) $(PY) -m pytest -p no:cacheprovider -rs

test-e2e: dev
	CAREFRONT_DATABASE_URL=sqlite:// $(PY) -m pytest -o addopts="" -p no:cacheprovider -rs tests/e2e

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

format: dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: dev
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache
