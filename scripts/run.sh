#!/usr/bin/env bash
# Development server: migrate, create the demo account on first start, then serve with
# gunicorn on 127.0.0.1:${PORT:-5000} and run a background worker beside it (webhook
# deliveries, periodic jobs); stopping one stops the other. Called by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."

export RINGTONIC_ENV=development

.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi demo first-run

.venv/bin/flask --app wsgi worker &
worker=$!
.venv/bin/gunicorn --config gunicorn.conf.py wsgi:app &
web=$!

stop() {
    kill -TERM "$worker" "$web" 2>/dev/null || true
    wait "$worker" "$web" 2>/dev/null || true
}
trap stop INT TERM EXIT
# Whichever ends first (Ctrl-C, a crash) takes the other one with it.
wait -n "$worker" "$web"
