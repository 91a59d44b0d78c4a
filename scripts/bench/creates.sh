#!/usr/bin/env bash
# Load benchmark of anonymous registrations: the release binary serves SQLite on its embedded defaults
# (in-process job worker, e-mail to the file outbox), wrk posts valid submissions over loopback with
# 32 connections for 30 s, then we wait for the worker to have written every notification of the run.
# Prints wrk's summary, the non-2xx count, how many submissions were stored, and the drain time.
#
#   scripts/bench/creates.sh              # builds the release binary first
#   DURATION=10s CONNECTIONS=16 SKIP_BUILD=1 scripts/bench/creates.sh
#   BIN=/path/to/other/service-registry SKIP_BUILD=1 scripts/bench/creates.sh
set -euo pipefail
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
source "$(dirname "$0")/lib.sh"

python3 - "$WORK/body.json" "$WORK/post.lua" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
with open(sys.argv[2], "w") as f:
    f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
    f.write("wrk.body = " + json.dumps(body) + "\n")
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
