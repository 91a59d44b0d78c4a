#!/usr/bin/env bash
# The catalogue under load: 1 000 approved services (stored through the API, then approved and varied
# in SQLite: names from a few fields of science, maturity and ELIXIR alternating), then wrk per
# scenario — a plain page 3, a search, a filter, the HTMX partial, the API and a service page — and
# one table: req/s, p50, p99, non-2xx, the server's RSS. The last scenario repeats page 3 while a
# second client writes WRITES_PER_S (default 5) times a second, so misses are part of the measure.
#
#   scripts/bench/catalogue.sh                 # 10 s per scenario, 32 connections, 2 wrk threads
#   DURATION=5s COUNT=300 scripts/bench/catalogue.sh
#   BIN=/path/to/service-registry SKIP_BUILD=1 scripts/bench/catalogue.sh
#
# Needs wrk. Loopback only; SQLite (the embedded default).
set -euo pipefail
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
COUNT=${COUNT:-1000}
source "$(dirname "$0")/lib.sh"

seed_submissions "$COUNT"
python3 - "$DATA_DIR/registry.sqlite3" <<'PY'
import sqlite3, sys
fields = ["Proteomics", "Genomics", "Metabolomics", "Imaging", "Transcriptomics", "Phylogenetics",
          "Structural biology", "Microbiome", "Epigenomics", "Systems biology"]
tags = ["mature", "emerging", "legacy"]
with sqlite3.connect(sys.argv[1]) as db:
    ids = [r[0] for r in db.execute("SELECT id FROM service_submissions ORDER BY rowid")]
    for i, sid in enumerate(ids):
        db.execute(
            "UPDATE service_submissions SET status = 'approved', service_name = ?, primary_maturity_tag = ?,"
            " register_as_elixir = ? WHERE id = ?",
            (f"{fields[i % len(fields)]} service {i:04d}", tags[i % 3], i % 2, sid))
PY
FIRST=$(curl -fsS "$BASE/api/v1/catalogue/?page_size=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["id"])')

RESULTS=$WORK/results.tsv
: >"$RESULTS"
scenario() {
    local name=$1
    shift
    echo "== $name" >&2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" >"$WORK/wrk-$name.txt"
    printf '%s\t%s\t%s\n' "$name" "$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")" "$WORK/wrk-$name.txt" >>"$RESULTS"
}
scenario page-3 "$BASE/catalogue/?page=3"
scenario search "$BASE/catalogue/?q=proteomics"
scenario filter "$BASE/catalogue/?maturity=mature&elixir=yes&page=3"
scenario htmx-search-page-3 -H "HX-Request: true" "$BASE/catalogue/?q=service&sort=newest&page=3"
scenario api-search "$BASE/api/v1/catalogue/?q=proteomics&page=2"
scenario service-page "$BASE/catalogue/$FIRST/"
# Page 3 while another client writes WRITES_PER_S times a second (a category saved through the admin
# API: a real write transaction that advances the write version, so each write empties the cache and
# the next request of the URL renders it again).
CATEGORY=$(curl -fsS -H "Authorization: AdminKey $KEY" "$BASE/api/v1/categories/" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
WRITES_PER_S=${WRITES_PER_S:-5}
python3 - "$BASE" "$KEY" "$CATEGORY" "$WRITES_PER_S" "$WORK/writes.txt" <<'PY' &
import sys, time, urllib.request
base, key, cat, rate, out = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
n = bad = 0
end = time.monotonic() + 3600
while time.monotonic() < end:
    req = urllib.request.Request(f"{base}/api/v1/categories/{cat}/", data=b'{"is_active": true}',
                                 method="PATCH", headers={"Content-Type": "application/json",
                                                          "Authorization": f"AdminKey {key}"})
    try:
        with urllib.request.urlopen(req) as r:
            bad += r.status != 200
    except Exception:
        bad += 1
    n += 1
    open(out, "w").write(f"{n} {bad}\n")
    time.sleep(1 / rate)
PY
WRITER=$!
scenario "page-3-with-${WRITES_PER_S}-writes-per-s" "$BASE/catalogue/?page=3"
kill "$WRITER" 2>/dev/null || true
wait "$WRITER" 2>/dev/null || true
read -r WRITES WRITE_FAILURES <"$WORK/writes.txt"
echo "writer: $WRITES writes, $WRITE_FAILURES failed" >&2
[ "$WRITE_FAILURES" = 0 ] || { echo "writes failed during the benchmark" >&2; exit 1; }

python3 - "$RESULTS" "$COUNT" "$DURATION" "$CONNECTIONS" <<'PY'
import re, sys
results, count, duration, conns = sys.argv[1:]
def ms(v):
    n, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
print(f"\n{count} approved services, wrk {conns} connections, {duration} per scenario\n")
print("| scenario | req/s | p50 ms | p99 ms | non-2xx | RSS MiB |")
print("|---|---:|---:|---:|---:|---:|")
bad_any = []
for line in open(results):
    name, rss, path = line.rstrip("\n").split("\t")
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    bad = int(bad.group(1)) if bad else 0
    if bad:
        bad_any.append(name)
    print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {bad} | {int(rss) // 1024} |")
if bad_any:
    sys.exit(f"non-2xx in: {', '.join(bad_any)}")
PY
