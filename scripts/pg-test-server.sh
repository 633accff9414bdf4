#!/usr/bin/env bash
# Throwaway PostgreSQL server for the test suite.
#
#   scripts/pg-test-server.sh start DIR   # prints the SQLAlchemy URL (one line)
#   scripts/pg-test-server.sh stop DIR    # stops the server and removes DIR
#
# DIR should be a fresh directory (e.g. from `mktemp -d /tmp/ringtonic-pg.XXXXXX`);
# it holds the cluster (DIR/data), the unix socket and the logs. The server
# listens on 127.0.0.1 only, on a free port, with trust auth and durability off.
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` system user (or a `ringtonic-pg` system user created on demand).
# Everything except the URL goes to stderr; any failure exits non-zero.
set -euo pipefail

DBNAME=ringtonic_test

die() { echo "pg-test-server: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }

find_bindir() {
    local d best=""
    # Highest installed version under /usr/lib/postgresql (Debian layout).
    best=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1 || true)
    if [[ -n "$best" && -x "$best/pg_ctl" && -x "$best/initdb" ]]; then
        echo "$best"
        return
    fi
    if d=$(command -v pg_ctl 2>/dev/null); then
        d=$(dirname "$(readlink -f "$d")")
        if [[ -x "$d/initdb" ]]; then
            echo "$d"
            return
        fi
    fi
    die "no PostgreSQL server binaries (initdb/pg_ctl) found; run scripts/system-deps.sh"
}

# The user the server runs as: the current one unless we are root.
pick_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        id -un
    elif id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        if ! id -u ringtonic-pg >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin ringtonic-pg >&2 \
                || die "could not create system user ringtonic-pg"
        fi
        echo ringtonic-pg
    fi
}

# Run a command as $PGUSER_OS (directly when that is us).
as_pg() {
    if [[ "$(id -un)" == "$PGUSER_OS" ]]; then
        "$@"
    else
        runuser -u "$PGUSER_OS" -- "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# show_logs NAME...: print the tail of DIR/NAME for each non-empty log.
show_logs() {
    local f
    for f in "$@"; do
        f="$DIR/$f"
        if [[ -s "$f" ]]; then
            echo "---- tail of $f ----" >&2
            tail -n 40 "$f" >&2 || true
        fi
    done
}

cmd_start() {
    local bindir port started=0

    bindir=$(find_bindir)
    PGUSER_OS=$(pick_user)

    mkdir -p "$DIR"
    [[ -z "$(ls -A "$DIR")" ]] || die "$DIR is not empty"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown "$PGUSER_OS": "$DIR"
    fi
    chmod 700 "$DIR"
    # The server user must be able to reach DIR (every parent must be traversable).
    as_pg test -w "$DIR" -a -x "$DIR" \
        || die "$DIR is not reachable by user $PGUSER_OS (check the permissions of its parent directories)"

    # Work from DIR so the server user never starts in an unreadable cwd.
    cd "$DIR"

    if ! as_pg "$bindir/initdb" -D "$DIR/data" -A trust -U postgres --no-locale -E UTF8 \
            >"$DIR/initdb.log" 2>&1; then
        show_logs initdb.log
        die "initdb failed"
    fi

    # A port picked by free_port could be taken before the server binds it;
    # retry a few times with a new port in that case.
    for _ in 1 2 3; do
        port=$(free_port)
        if as_pg "$bindir/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
                -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
                start >/dev/null 2>&1; then
            started=1
            break
        fi
        if ! grep -qi "address already in use" "$DIR/server.log" 2>/dev/null; then
            break
        fi
        echo "pg-test-server: port $port was taken, retrying" >&2
    done
    if [[ $started -ne 1 ]]; then
        show_logs server.log
        die "PostgreSQL failed to start"
    fi

    local ready=0
    for _ in $(seq 1 60); do
        if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
            ready=1
            break
        fi
        sleep 0.5
    done
    if [[ $ready -ne 1 ]]; then
        show_logs server.log
        as_pg "$bindir/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
        die "PostgreSQL did not become ready on 127.0.0.1:$port"
    fi

    if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DBNAME" \
            >"$DIR/createdb.log" 2>&1; then
        show_logs createdb.log server.log
        as_pg "$bindir/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
        die "createdb $DBNAME failed"
    fi

    echo "pg-test-server: PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') ready on 127.0.0.1:$port (data in $DIR)" >&2
    echo "postgresql+psycopg://postgres@127.0.0.1:${port}/${DBNAME}"
}

cmd_stop() {
    local bindir rc=0
    if [[ ! -e "$DIR" ]]; then
        return 0
    fi
    if [[ -f "$DIR/data/postmaster.pid" ]]; then
        bindir=$(find_bindir)
        PGUSER_OS=$(stat -c %U "$DIR/data")
        cd "$DIR"
        if ! as_pg "$bindir/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
            echo "pg-test-server: pg_ctl stop failed; killing the postmaster" >&2
            local pid
            pid=$(head -n 1 "$DIR/data/postmaster.pid" 2>/dev/null || true)
            if [[ "$pid" =~ ^[0-9]+$ ]]; then
                kill -QUIT "$pid" 2>/dev/null || true
                sleep 1
            fi
            rc=1
        fi
        cd /
    fi
    rm -rf -- "$DIR"
    return $rc
}

[[ $# -eq 2 ]] || usage
DIR=$2
[[ -n "$DIR" ]] || usage
[[ "$DIR" == /* ]] || DIR="$(pwd)/$DIR"

case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) usage ;;
esac
