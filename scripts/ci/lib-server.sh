# Shared by the scripts in scripts/ci: start `service-registry serve` on SQLite in a temporary data
# directory, on a free loopback port, with the rate limits raised, and create a full admin key.
# Source it; it sets BASE, ADMIN_KEY, WORK and SERVER_PID, and stops the server on exit.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
BIN=$TARGET_DIR/debug/service-registry

if [ -z "${SKIP_BUILD:-}" ]; then
    (cd "$REPO" && cargo build --quiet --bin service-registry)
fi
[ -x "$BIN" ] || { echo "error: $BIN is missing (cargo build)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/service-registry-ci.XXXXXX")
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap stop_server EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT

# Run outside the repository so a developer's .env is not picked up; everything is explicit here.
export ENVIRONMENT=development
export DATA_DIR=$WORK/data
export SITE_CONFIG=$REPO/config/site.toml
export EMAIL_BACKEND=memory
export RATE_LIMIT_API=1000000/m
export RATE_LIMIT_API_ANON=1000000/m
export RATE_LIMIT_SUBMIT=1000000/m
export RATE_LIMIT_UPDATE=1000000/m
export RUST_LOG=${RUST_LOG:-warn}
unset DATABASE_URL DB_HOST REDIS_URL REDIS_HOST

cd "$WORK" || exit 1
# No scheduler: its periodic syncs would reach out to the internet.
"$BIN" serve --bind "127.0.0.1:$PORT" --no-scheduler >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    if curl -fsS "$BASE/health/live/" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "error: the server exited; its log:" >&2
        cat "$WORK/serve.log" >&2
        exit 1
    fi
    sleep 0.5
done
curl -fsS "$BASE/health/live/" >/dev/null || { echo "error: server not up" >&2; cat "$WORK/serve.log" >&2; exit 1; }

# The key is the one token-looking line (older builds print a banner beside it on stdout).
ADMIN_KEY=$("$BIN" admin-key create --scope full --label "ci $(basename "$0")" 2>/dev/null |
    sed -n 's/^[[:space:]]*\([A-Za-z0-9_-]\{32,\}\)[[:space:]]*$/\1/p' | tail -n 1)
[ -n "$ADMIN_KEY" ] || { echo "error: could not read the admin key from 'admin-key create'" >&2; exit 1; }
cd "$REPO" || exit 1
