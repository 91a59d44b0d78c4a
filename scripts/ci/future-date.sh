#!/usr/bin/env bash
# Runs the test suite with the system date a year ahead (libfaketime), so no test can depend on today's
# date: a test that mixes a fixed clock with the wall clock fails here first. The test binaries are built
# normally and then run directly under faketime (cargo and rustc themselves are not run under it).
#
#   scripts/ci/future-date.sh [OFFSET]     # OFFSET defaults to +365d
set -euo pipefail
cd "$(dirname "$0")/../.."
OFFSET=${1:-+365d}

if ! command -v faketime >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then s=""; else s="sudo -n"; fi
    $s apt-get update -qq
    $s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
fi

mapfile -t bins < <(cargo test --locked --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m.get("profile", {}).get("test"):
        print(m["executable"])
')
[ "${#bins[@]}" -gt 0 ] || { echo "no test binaries found" >&2; exit 1; }

echo "system date under faketime: $(faketime -f "$OFFSET" date -u +%Y-%m-%dT%H:%MZ)"
for b in "${bins[@]}"; do
    echo "== $(basename "$b") at $OFFSET"
    faketime -f "$OFFSET" "$b"
done
