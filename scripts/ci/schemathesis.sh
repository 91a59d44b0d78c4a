#!/usr/bin/env bash
# Property-based check of the API against its own OpenAPI document: schemathesis (PyPI, v4) with
# `--checks all`, a fixed seed and a bounded number of cases per operation, once anonymous and once with a full
# admin key, against a debug build serving SQLite on loopback. Exits non-zero on any failure.
#
#   scripts/ci/schemathesis.sh            # builds the debug binary first
#   SKIP_BUILD=1 MAX_EXAMPLES=50 scripts/ci/schemathesis.sh
#
# Every check runs except use_after_free: reference data is soft-deleted and stays readable by contract
# (see schemathesis.toml, which also says where our contract differs from schemathesis' defaults).
# Settings: MAX_EXAMPLES (cases per operation and phase, default 100), SEED (default 20261201),
# KEEP_WORK=1 keeps the temporary directory (server log, reports).
set -euo pipefail

if ! command -v st >/dev/null 2>&1; then
    python3 -m pip install -q schemathesis || python3 -m pip install -q --break-system-packages schemathesis
fi

# shellcheck source=scripts/ci/lib-server.sh
. "$(dirname "$0")/lib-server.sh"

SEED=${SEED:-20261201}
MAX_EXAMPLES=${MAX_EXAMPLES:-100}
SCHEMA="$BASE/api/schema/?format=json"

run() {
    local name=$1
    shift
    echo "== schemathesis ($name)"
    st --config-file "$REPO/scripts/ci/schemathesis.toml" run "$SCHEMA" \
        --checks all \
        --exclude-checks use_after_free \
        --seed "$SEED" \
        --max-examples "$MAX_EXAMPLES" \
        --generation-database none \
        --workers 1 \
        --request-timeout 30 \
        --no-color \
        --report junit --report-dir "$WORK/report-$name" \
        "$@"
}

# schemathesis keeps a cache directory in the working directory: keep it out of the repository.
cd "$WORK"
status=0
run anonymous || status=1
run admin -H "Authorization: AdminKey $ADMIN_KEY" || status=1
if grep -q "panicked" "$WORK/serve.log"; then
    echo "error: the server panicked:" >&2
    grep -A3 "panicked" "$WORK/serve.log" >&2
    status=1
fi
exit $status
