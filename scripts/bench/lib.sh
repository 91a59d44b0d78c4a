# shellcheck shell=bash
# Shared set-up of the load benchmarks (sourced, not run): starts the release binary on SQLite with its
# embedded defaults (in-process job worker, e-mail to the file outbox) and rate limits raised, issues a
# full admin key and writes one valid registration body to $WORK/body.json.
#
# Sets WORK, PORT, BASE, KEY, PID. BIN overrides the binary (to compare two builds); CARGO_PROFILE
# builds another profile (`profiling` keeps symbols for scripts/bench/profile).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
CARGO_PROFILE=${CARGO_PROFILE:-release}
BIN=${BIN:-$TARGET_DIR/$CARGO_PROFILE/service-registry}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
read -r -a build_extra <<<"${BUILD_EXTRA:-}"
[ -n "${SKIP_BUILD:-}" ] || (cd "$REPO" && cargo build --profile "$CARGO_PROFILE" --quiet --bin service-registry "${build_extra[@]}")

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
cd "$WORK" || exit 1
"$BIN" migrate up >/dev/null 2>&1 || true
KEY=$("$BIN" admin-key create --label bench --scope full 2>/dev/null | tail -n1)
# start_server [WRAPPER…] [-- SERVE-FLAGS…]: starts `serve` (under WRAPPER, e.g. valgrind) and waits
# until it is ready; stop_server stops it. The database in $WORK/data stays.
# shellcheck disable=SC2120 # the scripts that source this file pass the arguments
start_server() {
    local wrapper=() flags=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do wrapper+=("$1"); shift; done
    [ $# -eq 0 ] || { shift; flags=("$@"); }
    "${wrapper[@]}" "$BIN" serve --bind "127.0.0.1:$PORT" --no-scheduler "${flags[@]}" >>"$WORK/serve.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 "${READY_TRIES:-100}"); do
        curl -fsS "$BASE/health/ready/" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "the server did not become ready; its log:" >&2
    tail -20 "$WORK/serve.log" >&2
    exit 1
}
stop_server() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; }
# shellcheck disable=SC2119 # the first start takes the defaults
start_server

# Reference data through the API, then one valid registration body (with an EDAM topic and operation).
python3 - "$BASE" "$KEY" "$WORK/body.json" "$DATA_DIR/registry.sqlite3" <<'PY'
import json, sqlite3, sys, urllib.error, urllib.request
base, key, out, db = sys.argv[1:]
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
# The API names EDAM terms by accession; registrations link them by row id.
with sqlite3.connect(db) as conn:
    term = lambda acc: conn.execute("SELECT id FROM edam_terms WHERE accession = ?", (acc,)).fetchone()[0]
    topic, operation = term("topic_0121"), term("operation_2945")
body = {
    "date_of_entry": "2026-11-01", "submitter_first_name": "Ada", "submitter_last_name": "Lovelace",
    "submitter_affiliation": "Example University", "service_name": "Bench service",
    "service_description": "A service registered by the load benchmark, with a description long enough.",
    "year_established": 2021, "service_category_ids": [cat["id"]], "publications_pmids": "34848984",
    "edam_topic_ids": [topic], "edam_operation_ids": [operation],
    "responsible_pi_ids": [pi["id"]], "host_institute": "Example Institute",
    "service_center_id": centre["id"], "public_contact_email": "help@example.org",
    "internal_contact_name": "Grace Hopper", "internal_contact_email": "internal@example.org",
    "website_url": "https://example.org", "terms_of_use_url": "https://example.org/terms",
    "licenses": ["MIT"], "kpi_monitoring": "planned", "data_protection_consent": True,
}
call("POST", "/api/v1/submissions/", body, auth=False)  # fails loudly if the body is not valid
with open(out, "w") as f:
    json.dump(body, f)
PY

# seed_submissions N: stores registrations until N exist (lib.sh stored one), from 8 clients at once,
# then waits until the worker has written their mails, so that what follows measures itself alone.
seed_submissions() {
    python3 - "$BASE" "$WORK/body.json" "$1" <<'PY'
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
    local stored
    stored=$(curl -fsS -H "Authorization: AdminKey $KEY" "$BASE/api/v1/submissions/?page_size=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
    [ "$stored" -ge "$1" ] || { echo "stored $stored, expected $1" >&2; exit 1; }
    for _ in $(seq 1 3000); do
        [ "$(find "$WORK/data/outbox" -name '*.eml' 2>/dev/null | wc -l)" -ge $((2 * stored)) ] && break
        sleep 0.1
    done
}
