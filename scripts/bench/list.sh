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

seed_submissions "$COUNT"

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION GET /api/v1/submissions/?page=1 ($COUNT stored)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: AdminKey $KEY" \
    "$BASE/api/v1/submissions/?page=1" | tee "$WORK/wrk.txt"
NON2XX=$(grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$WORK/wrk.txt" | grep -oE '[0-9]+$' || echo 0)
RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
echo "== non-2xx: $NON2XX; server RSS: $((RSS / 1024)) MiB"
grep -iE "error|panicked" "$WORK/serve.log" | head -5 || true
[ "$NON2XX" = 0 ]
