#!/usr/bin/env bash
# Read benchmark of the office's list: the release binary on SQLite with its embedded defaults holds
# COUNT (1 000) stored registrations, each with a category, PI, EDAM topic and operation and a licence;
# wrk then reads GET /api/v1/submissions/?page=1 (20 per page) with an admin key, 32 connections, 20 s.
# Prints wrk's summary and the non-2xx count.
#
#   scripts/bench/list.sh                 # builds the release binary first
#   COUNT=200 DURATION=5s SKIP_BUILD=1 scripts/bench/list.sh
#   BIN=/path/to/other/service-registry SKIP_BUILD=1 scripts/bench/list.sh
set -euo pipefail
COUNT=${COUNT:-1000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
source "$(dirname "$0")/lib.sh"

# lib.sh stored one registration; store the rest from 8 clients at once.
python3 - "$BASE" "$WORK/body.json" "$COUNT" <<'PY'
import concurrent.futures, sys, urllib.request
base, body_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = open(body_file, "rb").read()
def post(_):
    req = urllib.request.Request(base + "/api/v1/submissions/", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    codes = list(pool.map(post, range(count - 1)))
assert all(c == 201 for c in codes), set(codes)
PY
STORED=$(curl -fsS -H "Authorization: AdminKey $KEY" "$BASE/api/v1/submissions/?page_size=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$STORED" = "$COUNT" ] || { echo "stored $STORED, expected $COUNT" >&2; exit 1; }
# Let the worker send the registrations' mails first, so the reads measure reads.
OUTBOX=$WORK/data/outbox
for _ in $(seq 1 3000); do
    [ "$(find "$OUTBOX" -name '*.eml' 2>/dev/null | wc -l)" -ge $((2 * COUNT)) ] && break
    sleep 0.1
done

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION GET /api/v1/submissions/?page=1 ($COUNT stored)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: AdminKey $KEY" \
    "$BASE/api/v1/submissions/?page=1" | tee "$WORK/wrk.txt"
NON2XX=$(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$WORK/wrk.txt" | grep -oE '[0-9]+$' || echo 0)
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
echo "== non-2xx: $NON2XX; server RSS: $((RSS / 1024)) MiB"
grep -iE "error|panicked" "$WORK/serve.log" | head -5 || true
[ "$NON2XX" = 0 ]
