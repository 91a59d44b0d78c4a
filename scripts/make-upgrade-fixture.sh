#!/usr/bin/env bash
# Builds the upgrade-test fixtures in tests/fixtures/upgrade/: databases created by a tagged release's
# own migrations (default v0.1.0) with data entered through that release's CLI and HTTP API.
#
#   scripts/make-upgrade-fixture.sh [TAG]
#
# Writes <TAG>.sqlite3 (SQLite, VACUUMed), <TAG>.postgres.sql (plain pg_dump with INSERTs of schema
# "upgrade_fixture", for PostgreSQL; without the version lines and psql's \restrict meta-commands, so
# it is plain SQL), and <TAG>.json (what the test checks: the submission's id, its
# API key, its name, the migrations applied). Needs git, cargo, curl, sqlite3, and for the PostgreSQL
# fixture psql/pg_dump with PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# CARGO_TARGET_DIR is honoured (a shared one saves rebuilding the dependencies); RELEASE_BIN=PATH uses
# a binary already built from TAG instead of building it.
#
# The EDAM terms no submission references are deleted to keep the fixture small: the release seeds
# EDAM only into an empty table, so the upgraded application keeps the few terms left and works with
# them (a later `sync-edam` restores the full set).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tag=${1:-v0.1.0}
out=$repo/tests/fixtures/upgrade
pg_admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
port=${FIXTURE_PORT:-18731}

work=$(mktemp -d)
wt=$work/worktree
server=""
pg_db="sr_fixture_$$"
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  git -C "$repo" worktree remove --force "$wt" 2>/dev/null || true
  psql "$pg_admin" -q -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$repo" worktree add --detach "$wt" "$tag" >/dev/null
bin=$work/service-registry-$tag
if [ -n "${RELEASE_BIN:-}" ]; then
  cp "$RELEASE_BIN" "$bin"
else
  target=${CARGO_TARGET_DIR:-$wt/target}
  (cd "$wt" && CARGO_TARGET_DIR=$target cargo build --locked --bin service-registry)
  cp "$target/debug/service-registry" "$bin"
fi
"$bin" --version

# Runs the release against one database: migrations and seed (via serve), reference data, one
# submission through the API. Prints the API's answer (JSON with id and api_key). Not in a subshell,
# so the cleanup knows the server's pid.
populate() {
  local data=$1
  mkdir -p "$data"
  export DATA_DIR=$data SITE_CONFIG=$wt/config/site.toml ENVIRONMENT=development
  "$bin" migrate up >/dev/null
  "$bin" load-reference-data "$wt/data/reference-data.example.json" >/dev/null
  "$bin" serve --bind "127.0.0.1:$port" --no-worker --no-scheduler >"$data/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$port/health/ready/" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -fsS "http://127.0.0.1:$port/health/ready/" >/dev/null
  local body
  body=$(submission_body "$data")
  curl -fsS -X POST -H 'content-type: application/json' --data "$body" \
    "http://127.0.0.1:$port/api/v1/submissions/"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

# One value from the database the release uses (sqlite3 or psql by DATABASE_URL).
query() {
  if [ "${DATABASE_URL:-}" = "" ]; then
    sqlite3 "$1/registry.sqlite3" "PRAGMA foreign_keys = ON;" "$2"  # as the application connects
  else
    psql "$DATABASE_URL" -tAc "$2"
  fi
}

# A UUID column as text: PostgreSQL casts it; SQLite stores the 16 bytes as a blob.
uuid_text() {
  if [ "${DATABASE_URL:-}" != "" ]; then echo "$1::text"; return; fi
  local h="lower(hex($1))"
  echo "substr($h,1,8)||'-'||substr($h,9,4)||'-'||substr($h,13,4)||'-'||substr($h,17,4)||'-'||substr($h,21)"
}

submission_body() {
  local cat topic op centre pi
  cat=$(query "$1" "SELECT id FROM service_categories WHERE name = 'Database'")
  topic=$(query "$1" "SELECT id FROM edam_terms WHERE accession = 'topic_0121'")
  op=$(query "$1" "SELECT id FROM edam_terms WHERE accession = 'operation_2945'")
  centre=$(query "$1" "SELECT $(uuid_text id) FROM service_centers WHERE short_name = 'BiGi'")
  pi=$(query "$1" "SELECT $(uuid_text id) FROM principal_investigators ORDER BY last_name LIMIT 1")
  cat <<JSON
{"date_of_entry": "2026-11-01", "submitter_first_name": "Ada", "submitter_last_name": "Lovelace",
 "submitter_affiliation": "Example University", "service_name": "Upgrade Fixture Service",
 "service_description": "A service registered with release $tag, to prove that upgrades keep the data.",
 "year_established": 2021, "service_category_ids": [$cat], "publications_pmids": "34848984",
 "edam_topic_ids": [$topic], "edam_operation_ids": [$op], "responsible_pi_ids": ["$pi"],
 "host_institute": "Example Institute", "service_center_id": "$centre",
 "public_contact_email": "help@example.org", "internal_contact_name": "Grace Hopper",
 "internal_contact_email": "internal@example.org", "website_url": "https://example.org",
 "terms_of_use_url": "https://example.org/terms", "licenses": ["MIT"], "kpi_monitoring": "planned",
 "data_protection_consent": true}
JSON
}

shrink_edam() {
  query "$1" "DELETE FROM edam_terms WHERE id NOT IN (SELECT edam_term_id FROM submission_edam_topics
    UNION SELECT edam_term_id FROM submission_edam_operations)" >/dev/null
}

# ---- SQLite
unset DATABASE_URL
sq=$work/sqlite
populate "$sq" >"$work/answer.json"
answer=$(cat "$work/answer.json")
shrink_edam "$sq"
sqlite3 "$sq/registry.sqlite3" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
rm -f "$out/$tag.sqlite3"
sqlite3 "$sq/registry.sqlite3" "VACUUM INTO '$out/$tag.sqlite3'"
migrations=$(sqlite3 -json "$sq/registry.sqlite3" "SELECT version FROM seaql_migrations ORDER BY version")

# ---- PostgreSQL: everything in schema upgrade_fixture (the test renames it to its own)
if command -v pg_dump >/dev/null && psql "$pg_admin" -qc "CREATE DATABASE $pg_db" 2>/dev/null; then
  pg_url="${pg_admin%/*}/$pg_db"
  psql "$pg_url" -q -c "CREATE SCHEMA upgrade_fixture" -c "ALTER DATABASE $pg_db SET search_path = upgrade_fixture"
  export DATABASE_URL=$pg_url
  populate "$work/pg" >"$work/pg-answer.json"
  pg_answer=$(cat "$work/pg-answer.json")
  shrink_edam "$work/pg"
  pg_dump "$pg_url" --schema=upgrade_fixture --inserts --no-owner --no-privileges \
    | grep -v -e '^-- Dumped \(from\|by\)' -e '^\\\(un\)\?restrict ' >"$out/$tag.postgres.sql"
  pg_id=$(printf '%s' "$pg_answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  pg_key=$(printf '%s' "$pg_answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
  unset DATABASE_URL
else
  echo "PostgreSQL not reachable at $pg_admin: no PostgreSQL fixture" >&2
  pg_id=""; pg_key=""
fi

ANSWER=$answer MIGRATIONS=$migrations TAG=$tag PG_ID=$pg_id PG_KEY=$pg_key python3 - >"$out/$tag.json" <<'PY'
import json, os
a = json.loads(os.environ["ANSWER"])
print(json.dumps({
    "release": os.environ["TAG"],
    "service_name": "Upgrade Fixture Service",
    "sqlite": {"id": a["id"], "api_key": a["api_key"]},
    "postgres": {"id": os.environ["PG_ID"], "api_key": os.environ["PG_KEY"]} if os.environ["PG_ID"] else None,
    "migrations": [m["version"] for m in json.loads(os.environ["MIGRATIONS"])],
}, indent=2))
PY
ls -l "$out"
