#!/usr/bin/env bash
# Can a client generated from our OpenAPI document use the API? Generates a Python client with
# openapi-python-client (PyPI) from the running server's /api/schema/?format=json, then with it:
# creates reference data with an admin key, registers a submission anonymously, reads it back with the
# returned submission key and patches it, asserting each result. Exits non-zero on any failure.
#
#   scripts/ci/generated-client.sh              # builds the debug binary first
#   SKIP_BUILD=1 scripts/ci/generated-client.sh
set -euo pipefail

if ! command -v openapi-python-client >/dev/null 2>&1; then
    python3 -m pip install -q openapi-python-client ||
        python3 -m pip install -q --break-system-packages openapi-python-client
fi

# shellcheck source=scripts/ci/lib-server.sh
. "$(dirname "$0")/lib-server.sh"

GEN=$WORK/client
mkdir -p "$GEN"
printf 'package_name_override: registry_client\nproject_name_override: registry-client\n' >"$GEN/config.yaml"
curl -fsS "$BASE/api/schema/?format=json" -o "$GEN/openapi.json"
openapi-python-client generate --path "$GEN/openapi.json" --config "$GEN/config.yaml" \
    --meta none --output-path "$GEN/registry_client" --fail-on-warning

# Work around openapi-python-client#1451 (open): for a required body with several content types (our
# JSON-or-multipart submission bodies) it annotates `| Unset` without importing `Unset`.
grep -rlE '\| Unset' "$GEN/registry_client/api" | while read -r f; do
    grep -qE '^from \.\.\.types import .*\bUnset\b' "$f" ||
        sed -i 's/^from \.\.\.types import UNSET, Response$/from ...types import UNSET, Response, Unset/' "$f"
done

PYTHONPATH=$GEN BASE=$BASE ADMIN_KEY=$ADMIN_KEY python3 "$REPO/scripts/ci/generated_client_check.py"
