#!/usr/bin/env bash
# The cluster test alone (`make test-cluster`): a throwaway PostgreSQL 15, then
# tests/live/test_cluster.py (Redis, two app hosts, HAProxy). Its figures are printed
# and written to CLUSTER_FIGURES (default: build/cluster-figures.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
mkdir -p build
export CLUSTER_FIGURES=${CLUSTER_FIGURES:-build/cluster-figures.md}

pgdir=$(mktemp -d /tmp/ringtonic-pg.XXXXXX)
cleanup() { bash scripts/pg-test-server.sh stop "$pgdir" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
url=$(bash scripts/pg-test-server.sh start "$pgdir")
TEST_DATABASE_URL="$url" .venv/bin/python -m pytest -q -s -m cluster tests/live/test_cluster.py "$@"
echo "== figures in $CLUSTER_FIGURES"
