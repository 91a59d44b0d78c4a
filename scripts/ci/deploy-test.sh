#!/usr/bin/env bash
# Tests of scripts/deploy.sh and scripts/rollback.sh without Docker: COMPOSE points at a stand-in for
# `docker compose` that, like compose recreating the containers, stops the previous server and starts
# the locally built binary (`serve` on SQLite, loopback port) a moment after `up`, prints its log for
# `logs`, and runs `run --rm … web service-registry ARGS` as the binary with ARGS.
#   1. deploy.sh pulls, restarts web/worker/scheduler with IMAGE_TAG, waits for readiness, records the tag
#   2. deploy.sh fails (non-zero, the web logs on stderr, no tag recorded) when readiness never comes
#   3. rollback.sh goes back to the previous tag; with --migrate-down it first undoes a migration
# SKIP_BUILD=1 reuses the existing debug build.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/service-registry
[ -n "${SKIP_BUILD:-}" ] || (cd "$REPO" && cargo build --quiet --locked --bin service-registry)
[ -x "$BIN" ] || { echo "error: $BIN is missing (cargo build)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sr-deploy-test.XXXXXX")
cleanup() {
  if [ -f "$WORK/server.pid" ]; then kill "$(cat "$WORK/server.pid")" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

export ENVIRONMENT=development DATA_DIR=$WORK/data SITE_CONFIG=$REPO/config/site.toml EMAIL_BACKEND=memory
export RUST_LOG=warn STUB_BIN=$BIN STUB_PORT=$PORT STUB_DIR=$WORK
unset DATABASE_URL DB_HOST REDIS_URL REDIS_HOST SKIP_MIGRATE

cat >"$WORK/compose" <<'STUB'
#!/usr/bin/env bash
# Stand-in for `docker compose -f docker-compose.prod.yml` (see deploy-test.sh).
set -euo pipefail
echo "IMAGE_TAG=${IMAGE_TAG:-} $*" >>"$STUB_DIR/compose.log"
stop() {
  if [ -f "$STUB_DIR/server.pid" ]; then
    pid=$(cat "$STUB_DIR/server.pid"); kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$STUB_DIR/server.pid"
  fi
}
case "$1" in
  pull) echo "stub: pulled ${IMAGE_TAG:-}" ;;
  up)
    stop
    if [ -z "${STUB_NEVER_READY:-}" ]; then
      # Started a moment later, as a container is: the first readiness probes must fail.
      (sleep 1; exec "$STUB_BIN" serve --bind "127.0.0.1:$STUB_PORT" --no-scheduler) \
        >>"$STUB_DIR/serve.log" 2>&1 &
      echo $! >"$STUB_DIR/server.pid"
    fi
    ;;
  stop) stop ;;
  logs) echo "stub-logs: $*"; cat "$STUB_DIR/serve.log" 2>/dev/null || true ;;
  run)
    shift
    while [ "${1#-}" != "$1" ]; do shift; done   # --rm --no-deps
    shift                                          # the service
    [ "${1:-}" = service-registry ] && shift
    exec "$STUB_BIN" "$@"
    ;;
  *) echo "stub: unexpected command $*" >&2; exit 64 ;;
esac
STUB
chmod +x "$WORK/compose"

export COMPOSE="$WORK/compose" COMPOSE_DIR=$WORK HEALTH_URL="http://127.0.0.1:$PORT/health/ready/"
passed=0 failed=0
check() { # check NAME COMMAND...: one assertion
  if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1" >&2; fi
}
contains() { grep -qF -- "$2" "$1"; }

echo "--- 1. deploy.sh waits for readiness"
rc=0
IMAGE_TAG=v9.9.9 HEALTH_TRIES=120 HEALTH_INTERVAL=0.5 "$REPO/scripts/deploy.sh" >"$WORK/out1" 2>&1 || rc=$?
cat "$WORK/out1"
check "deploy exits 0" test "$rc" = 0
check "pulled the three services" contains "$WORK/compose.log" "IMAGE_TAG=v9.9.9 pull web worker scheduler"
check "recreated them on the tag" contains "$WORK/compose.log" "IMAGE_TAG=v9.9.9 up -d --no-deps web worker scheduler"
check "the first probe found it not ready" contains "$WORK/out1" "Waiting (1/120)"
check "then it passed" contains "$WORK/out1" "Health check passed."
check "the server really is ready" curl -fsS -o /dev/null "$HEALTH_URL"
check "the tag is recorded" test "$(tail -n1 "$WORK/.deploy-history")" = v9.9.9

echo "--- 2. deploy.sh fails cleanly when readiness never comes"
"$WORK/compose" stop
rc=0
IMAGE_TAG=v9.9.10 STUB_NEVER_READY=1 HEALTH_TRIES=3 HEALTH_INTERVAL=0.2 \
  "$REPO/scripts/deploy.sh" >"$WORK/out2" 2>"$WORK/err2" || rc=$?
cat "$WORK/out2" "$WORK/err2"
check "deploy exits non-zero" test "$rc" != 0
check "it tried three times" contains "$WORK/out2" "Waiting (3/3)"
check "it says so" contains "$WORK/err2" "ERROR: health check failed (3 attempts"
check "it prints the web logs" contains "$WORK/err2" "stub-logs: logs web --tail 50"
check "the failed tag is not recorded" test "$(tail -n1 "$WORK/.deploy-history")" = v9.9.9

echo "--- 3. rollback.sh"
printf 'v1.0.0\nv1.1.0\n' >"$WORK/.deploy-history"
: >"$WORK/compose.log"
rc=0
HEALTH_TRIES=120 HEALTH_INTERVAL=0.5 "$REPO/scripts/rollback.sh" --migrate-down 1 >"$WORK/out3" 2>&1 || rc=$?
cat "$WORK/out3"
check "rollback exits 0" test "$rc" = 0
line_of() { grep -nF -- "$1" "$WORK/compose.log" | head -n1 | cut -d: -f1; }
stop_at=$(line_of " stop web worker scheduler")
down_at=$(line_of " run --rm --no-deps web service-registry migrate down 1")
up_at=$(line_of "IMAGE_TAG=v1.0.0 up -d")
check "stopped, then undid the migration, then deployed" \
  test -n "$stop_at" -a -n "$down_at" -a -n "$up_at" -a "${stop_at:-0}" -lt "${down_at:-0}" -a "${down_at:-0}" -lt "${up_at:-0}"
check "undid a migration with the current image" \
  contains "$WORK/compose.log" "IMAGE_TAG=v1.1.0 run --rm --no-deps web service-registry migrate down 1"
check "the binary did it" contains "$WORK/out3" "Rolled back 1 migration(s)."
check "deployed the previous tag" contains "$WORK/compose.log" "IMAGE_TAG=v1.0.0 up -d --no-deps web worker scheduler"
check "ready again (migrations re-applied on start)" curl -fsS -o /dev/null "$HEALTH_URL"
rc=0
"$REPO/scripts/rollback.sh" --migrate-down zero >/dev/null 2>&1 || rc=$?
check "a bad step count is refused" test "$rc" = 2
echo v1.0.0 >"$WORK/.deploy-history"
rc=0
"$REPO/scripts/rollback.sh" >"$WORK/out4" 2>&1 || rc=$?
check "no earlier tag recorded: refused with a hint" test "$rc" = 2
check "the hint names the tag argument" contains "$WORK/out4" "name the tag"

echo "deploy-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
