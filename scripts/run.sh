#!/usr/bin/env bash
# Development server: migrate, create the demo account on first start, then
# serve with gunicorn on 127.0.0.1:${PORT:-5000}. Called by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."

export RINGTONIC_ENV=development

.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi demo first-run
exec .venv/bin/gunicorn --config gunicorn.conf.py wsgi:app
