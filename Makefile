# make run   — set up .venv if needed and run the bot (console chat when no token is set)
# make test  — set up .venv if needed and run every test
# make test-pg — every test again on PostgreSQL: a throwaway server (tools/pg_throwaway.sh)
#                from the machine's own binaries, in a temporary directory, removed after
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-pg lint catalogs clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) main.py run

test: $(STAMP)
	$(PY) -m pytest

PG_PORT ?= 55432
# In memory (/dev/shm) when it has room: creating a test's database from the template takes
# ~25 ms there against ~0.3-0.5 s on this disk (each test drops its own: tests/database.py).
PG_PARENT ?= $(shell [ -w /dev/shm ] && [ "$$(df -Pk /dev/shm | awk 'NR==2 {print $$4}')" -gt 2000000 ] 2>/dev/null && echo /dev/shm || echo /tmp)
test-pg: $(STAMP)
	@dir=$$(mktemp -d $(PG_PARENT)/ketnoi-pg.XXXXXX); \
	trap 'tools/pg_throwaway.sh stop "'"$$dir"'"' EXIT INT TERM; \
	url=$$(tools/pg_throwaway.sh start "$$dir" $(PG_PORT)) && \
	KETNOI_TEST_DATABASE_URL="$$url" KETNOI_TEST_THROWAWAY=1 $(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Extract every gettext string into locales/messages.pot and merge it into the .po files.
catalogs: $(STAMP)
	$(VENV)/bin/pybabel --quiet extract -F babel.cfg -k N_ --no-location --sort-output \
		--project=ketnoi --msgid-bugs-address="" -o locales/messages.pot bot handlers storage main.py
	$(VENV)/bin/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete \
		-i locales/messages.pot -d locales -D messages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
