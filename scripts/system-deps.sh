#!/usr/bin/env bash
# Make sure the Debian packages the test suite needs are installed
# (with --bench: also the ones `make bench` needs).
#
# Idempotent: only runs apt-get when something is missing, so a second run is
# fast and silent. Playwright never downloads a browser: the tests drive
# Debian's /usr/bin/chromium through executable_path.
set -euo pipefail

required=()   # packages whose absence is fatal
optional=()   # nice to have (better font rendering in screenshots)

have() { command -v "$1" >/dev/null 2>&1; }

have_pg_server() {
    local f
    for f in /usr/lib/postgresql/*/bin/initdb; do
        [[ -x "$f" ]] && return 0
    done
    return 1
}

[[ -x /usr/bin/chromium ]] || required+=(chromium)
have redis-server          || required+=(redis-server)
have_pg_server             || required+=(postgresql)
have curl                  || required+=(curl)
[[ -x /usr/sbin/haproxy ]] || have haproxy || required+=(haproxy)
[[ "${1:-}" != "--bench" ]] || have wrk || required+=(wrk)
[[ -d /usr/share/fonts/truetype/liberation ]] || optional+=(fonts-liberation)

if [[ ${#required[@]} -eq 0 && ${#optional[@]} -eq 0 ]]; then
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    if [[ ${#required[@]} -gt 0 ]]; then
        echo "system-deps: missing Debian packages; as root run: apt-get install -y --no-install-recommends ${required[*]} ${optional[*]}" >&2
        exit 1
    fi
    # Only optional packages are missing: not worth failing for.
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y --no-install-recommends -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)

echo "system-deps: installing ${required[*]} ${optional[*]}" >&2
start=$SECONDS
apt-get -qq -o DPkg::Lock::Timeout=300 update >/dev/null

if [[ ${#required[@]} -gt 0 ]]; then
    log=$(mktemp)
    if ! apt-get "${apt_opts[@]}" install "${required[@]}" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        rm -f "$log"
        echo "system-deps: apt-get install ${required[*]} failed" >&2
        exit 1
    fi
    rm -f "$log"
fi

if [[ ${#optional[@]} -gt 0 ]]; then
    apt-get "${apt_opts[@]}" install "${optional[@]}" >/dev/null 2>&1 \
        || echo "system-deps: warning: could not install optional ${optional[*]}" >&2
fi

# Re-check what is required, so a package that installed without providing the
# expected file is reported now rather than as a confusing test failure later.
missing=()
[[ -x /usr/bin/chromium ]] || missing+=("/usr/bin/chromium")
have redis-server          || missing+=(redis-server)
have_pg_server             || missing+=("/usr/lib/postgresql/*/bin/initdb")
have curl                  || missing+=(curl)
[[ -x /usr/sbin/haproxy ]] || have haproxy || missing+=(haproxy)
[[ "${1:-}" != "--bench" ]] || have wrk || missing+=(wrk)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "system-deps: still missing after install: ${missing[*]}" >&2
    exit 1
fi
echo "system-deps: done in $((SECONDS - start))s" >&2
