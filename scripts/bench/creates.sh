#!/usr/bin/env bash
# Load benchmark of anonymous registrations: the release binary serves SQLite on its embedded defaults
# (in-process job worker, e-mail to the file outbox), wrk posts valid submissions over loopback with
# 32 connections for 30 s, then we wait for the worker to have written every notification of the run.
# Prints wrk's summary, the non-2xx count, how many submissions were stored, and the drain time.
#
#   scripts/bench/creates.sh              # builds the release binary first
#   DURATION=10s CONNECTIONS=16 SKIP_BUILD=1 scripts/bench/creates.sh
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
BIN=$TARGET_DIR/release/service-registry
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -n "${SKIP_BUILD:-}" ] || (cd "$REPO" && cargo build --release --quiet --bin service-registry)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sr-bench.XXXXXX")
PID=
cleanup() { [ -z "$PID" ] || kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
export ENVIRONMENT=development DATA_DIR=$WORK/data SITE_CONFIG=$REPO/config/site.toml
export RATE_LIMIT_API=100000000/m RATE_LIMIT_API_ANON=100000000/m RATE_LIMIT_SUBMIT=100000000/m
export RATE_LIMIT_UPDATE=100000000/m LOG_REQUESTS=false RUST_LOG=warn
unset DATABASE_URL DB_HOST REDIS_URL REDIS_HOST
cd "$WORK"
"$BIN" migrate up >/dev/null 2>&1 || true
KEY=$("$BIN" admin-key create --label bench --scope full 2>/dev/null | tail -n1)
"$BIN" serve --bind "127.0.0.1:$PORT" --no-scheduler >"$WORK/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fsS "$BASE/health/ready/" >/dev/null 2>&1 && break; sleep 0.2; done

# Reference data through the API, then one valid registration body for wrk.
python3 - "$BASE" "$KEY" "$WORK/post.lua" <<'PY'
import json, sys, urllib.error, urllib.request
base, key, out = sys.argv[1:]
def call(method, path, body=None, auth=True):
    req = urllib.request.Request(base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": "AdminKey " + key} if auth else {})})
    try:
        with urllib.request.urlopen(req) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode()}")
cat = call("POST", "/api/v1/categories/", {"name": "Bench category"})
centre = call("POST", "/api/v1/service-centers/", {"short_name": "BENCH", "full_name": "Bench Centre"})
pi = call("POST", "/api/v1/pis/", {"last_name": "Lovelace", "first_name": "Ada", "orcid": "0000-0002-1825-0097"})
body = {
    "date_of_entry": "2026-11-01", "submitter_first_name": "Ada", "submitter_last_name": "Lovelace",
    "submitter_affiliation": "Example University", "service_name": "Bench service",
    "service_description": "A service registered by the load benchmark, with a description long enough.",
    "year_established": 2021, "service_category_ids": [cat["id"]], "publications_pmids": "34848984",
    "responsible_pi_ids": [pi["id"]], "host_institute": "Example Institute",
    "service_center_id": centre["id"], "public_contact_email": "help@example.org",
    "internal_contact_name": "Grace Hopper", "internal_contact_email": "internal@example.org",
    "website_url": "https://example.org", "terms_of_use_url": "https://example.org/terms",
    "licenses": ["MIT"], "kpi_monitoring": "planned", "data_protection_consent": True,
}
call("POST", "/api/v1/submissions/", body, auth=False)  # fails loudly if the body is not valid
with open(out, "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = " + json.dumps(json.dumps(body)) + "\n")
PY

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION POST /api/v1/submissions/"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" "$BASE/api/v1/submissions/" | tee "$WORK/wrk.txt"
END=$(date +%s.%N)
NON2XX=$(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$WORK/wrk.txt" | grep -oE '[0-9]+$' || echo 0)
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
COUNT=$(curl -fsS -H "Authorization: AdminKey $KEY" "$BASE/api/v1/submissions/?page_size=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
WANT=$((2 * COUNT))
OUTBOX=$WORK/data/outbox
for _ in $(seq 1 6000); do
    HAVE=$(find "$OUTBOX" -name '*.eml' 2>/dev/null | wc -l)
    [ "$HAVE" -ge "$WANT" ] && break
    sleep 0.1
done
DRAIN=$(python3 -c "import time; print(f'{time.time() - $END:.1f}')")
echo "== non-2xx: $NON2XX; submissions stored: $COUNT; server RSS: $((RSS / 1024)) MiB"
echo "== mails written: $HAVE of $WANT, all of them ${DRAIN} s after the load ended"
grep -iE "error|panicked" "$WORK/serve.log" | head -5 || true
[ "$NON2XX" = 0 ] && [ "$HAVE" -ge "$WANT" ]
