#!/usr/bin/env bash
# The property tests of tests/it/fuzz.rs (text sanitiser, SVG logo pipeline, EDAM OWL/TSV parsers,
# bio.tools mapping) with many cases, for a bounded time. `cargo test` runs 256 cases of each;
# this runs CASES (default 20000) each and stops after DURATION seconds (default 900).
#
#   scripts/fuzz.sh
#   CASES=100000 DURATION=3600 scripts/fuzz.sh
#
# A failure prints proptest's minimal failing input; add it as a fixed case to the module's own
# tests, fix the code, and run again (docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-20000}
DURATION=${DURATION:-900}
cargo build --locked --tests --quiet
start=$(date +%s)
PROPTEST_CASES=$CASES timeout "$DURATION" cargo test --locked --quiet --test it -- fuzz:: --test-threads=2
echo "fuzz: $CASES cases per property, $(( $(date +%s) - start )) s"
