#!/usr/bin/env bash
# Full test run: system packages, lint, pytest on SQLite, pytest on PostgreSQL, then the
# cluster test (two app hosts behind HAProxy, about 4 minutes: scripts/test-cluster.sh).
# Exits non-zero if any step failed. PostgreSQL not starting is a failure,
# never a skip. Called by `make test` (and so by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
# Playwright must use Debian's /usr/bin/chromium, never download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

bash scripts/system-deps.sh

failed=()

# pytest exits 5 when it collected no tests: that counts as a failure too,
# as does every other non-zero code.
run_pytest() {
    local label=$1 rc=0
    shift
    "$@" || rc=$?
    if [[ $rc -eq 5 ]]; then
        echo "!! $label: pytest collected no tests (exit 5)" >&2
        failed+=("$label (no tests)")
    elif [[ $rc -ne 0 ]]; then
        failed+=("$label (exit $rc)")
    fi
}

echo "== ruff check"
if ! .venv/bin/ruff check .; then
    failed+=("ruff")
fi

echo "== mypy (configured in pyproject.toml)"
if ! .venv/bin/mypy; then
    failed+=("mypy")
fi

echo "== tests on SQLite"
# The cluster test needs PostgreSQL and its own servers: it runs last, on its own.
run_pytest "pytest on SQLite" env -u TEST_DATABASE_URL "$PY" -m pytest -q -m "not cluster"

echo "== tests on PostgreSQL 15"
pgdir=$(mktemp -d /tmp/ringtonic-pg.XXXXXX)
cleanup() { bash scripts/pg-test-server.sh stop "$pgdir" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if url=$(bash scripts/pg-test-server.sh start "$pgdir"); then
    run_pytest "pytest on PostgreSQL" env TEST_DATABASE_URL="$url" "$PY" -m pytest -q -m "not cluster"
else
    echo "!! PostgreSQL test server could not be started" >&2
    failed+=("PostgreSQL server start")
fi

echo "== cluster test (two app hosts behind HAProxy, on a throwaway PostgreSQL 15)"
run_pytest "cluster test" bash scripts/test-cluster.sh

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "== all checks passed"
