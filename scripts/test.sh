#!/usr/bin/env bash
# Full test run: system packages, lint, pytest on SQLite and on PostgreSQL, then the
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

# Notes a pytest run's exit code. pytest exits 5 when it collected no tests: that counts
# as a failure too, as does every other non-zero code.
note_pytest() {
    local label=$1 rc=$2
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

# The two suites run side by side when the machine has two cores or more (each pytest is
# one process): `make test` takes about 45 minutes instead of 63. RINGTONIC_TEST_SERIAL=1
# runs them one after the other. Each line of their output is prefixed with its suite.
pgdir=$(mktemp -d /tmp/ringtonic-pg.XXXXXX)
rcdir=$(mktemp -d /tmp/ringtonic-test.XXXXXX)
cleanup() {
    # Suites still running (the run was interrupted) stop with it.
    jobs -p | xargs -r kill 2>/dev/null || true
    bash scripts/pg-test-server.sh stop "$pgdir" || true
    rm -rf "$rcdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! pg_url=$(bash scripts/pg-test-server.sh start "$pgdir"); then
    echo "!! PostgreSQL test server could not be started" >&2
    failed+=("PostgreSQL server start")
    pg_url=""
fi

# Runs one suite with its output prefixed; its exit code goes to the file $1.
suite() {
    local rc_file=$1 prefix=$2
    shift 2
    echo 0 > "$rc_file"
    { "$@" 2>&1 || echo "$?" > "$rc_file"; } | sed -u "s/^/$prefix /"
}

# Each suite its own temporary folder (pytest's default one is shared by concurrent runs)
# and unbuffered output, so its lines reach the log as they are written; each lists its
# slowest tests at the end.
pytest_args=(-m pytest -q -m "not cluster" --durations=15)
sqlite_suite=(env -u TEST_DATABASE_URL PYTHONUNBUFFERED=1 "$PY" "${pytest_args[@]}"
    --basetemp "$rcdir/sqlite-tmp")
pg_suite=(env TEST_DATABASE_URL="$pg_url" PYTHONUNBUFFERED=1 "$PY" "${pytest_args[@]}"
    --basetemp "$rcdir/postgres-tmp")
if [[ "${RINGTONIC_TEST_SERIAL:-0}" == 1 || $(nproc) -lt 2 ]]; then
    echo "== tests on SQLite"
    suite "$rcdir/sqlite.rc" "[sqlite]" "${sqlite_suite[@]}"
    if [[ -n "$pg_url" ]]; then
        echo "== tests on PostgreSQL 15"
        suite "$rcdir/postgres.rc" "[postgres]" "${pg_suite[@]}"
    fi
else
    echo "== tests on SQLite and on PostgreSQL 15, side by side"
    suite "$rcdir/sqlite.rc" "[sqlite]" "${sqlite_suite[@]}" &
    if [[ -n "$pg_url" ]]; then
        suite "$rcdir/postgres.rc" "[postgres]" "${pg_suite[@]}" &
    fi
    wait
fi
note_pytest "pytest on SQLite" "$(cat "$rcdir/sqlite.rc" 2>/dev/null || echo 1)"
if [[ -n "$pg_url" ]]; then
    note_pytest "pytest on PostgreSQL" "$(cat "$rcdir/postgres.rc" 2>/dev/null || echo 1)"
fi

echo "== cluster test (two app hosts behind HAProxy, on a throwaway PostgreSQL 15)"
cluster_rc=0
bash scripts/test-cluster.sh || cluster_rc=$?
note_pytest "cluster test" "$cluster_rc"

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "== FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "== all checks passed"
