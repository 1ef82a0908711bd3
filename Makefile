# Two commands: `make run` (the product on its embedded default) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: run test install browser lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Debian's chromium when it is there (or can be installed as root); otherwise Playwright's own build.
browser: install
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else $(PY) -m playwright install chromium; fi

# Ctrl-C reaches every process in the terminal's group once. qcluster handles it
# itself (a second signal would deadlock django-q2's stop); the web server, as a
# background job, ignores SIGINT, so the shell stops it with TERM.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "  Postguard is running: http://$(HOST):$(PORT)/admin/  (log in as admin / admin-demo-pw)"
	@echo "  Calendar: http://$(HOST):$(PORT)/admin/scheduler/post/calendar/   Outbox: var/outbox/demo-outbox.jsonl"
	@echo ""
	@$(PY) manage.py qcluster & cluster=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload & web=$$!; \
	trap 'kill -TERM $$web 2>/dev/null' INT; trap 'kill -TERM $$cluster $$web 2>/dev/null' TERM; \
	wait; wait

test: install browser
	$(PY) -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install
	$(PY) bench/publish.py
	$(PY) bench/checker_eval.py
	$(PY) bench/checker_speed.py

clean:
	rm -rf $(VENV) var
