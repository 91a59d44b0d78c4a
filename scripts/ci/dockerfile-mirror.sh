#!/usr/bin/env bash
# The Dockerfile's steps without Docker (there is no engine on these machines), read from the Dockerfile
# itself (scripts/ci/deploy_checks.py dockerfile-env):
#   build     with the Dockerfile's CARGO_BUILD_FLAGS: its build stage's WORKDIR/COPY/RUN lines in order
#             (MIRROR_BUILD=stages), or the same cargo command in the checkout plus a check that every
#             input cargo recorded lies in what those COPY lines bring in (MIRROR_BUILD=repo); below
#   install   a temporary root laid out like the image: /usr/local/bin/{service-registry,entrypoint},
#             /app/config/site.toml, /app/mediafiles and /app/data owned by the image's USER (10001)
#   run       the entrypoint as that user (setpriv, when we are root), with the image's ENV (paths moved
#             into the temporary root, BIND on a free loopback port), SKIP_MIGRATE unset, on SQLite:
#             it must migrate, start the `web` role, and pass the image's HEALTHCHECK command
#             (`service-registry healthcheck`); a content-hashed static file must be served, and SIGTERM
#             must stop it cleanly; then the worker and scheduler roles with SKIP_MIGRATE=true.
# MIRROR_PROFILE=debug (what .ci/run uses) drops --release from the flags and builds in the checkout
# (MIRROR_BUILD=repo), where the tests have already built the binary: seconds, where a release build, or
# the crate compiled again in another directory, costs many minutes on CI's 2 cores. A debug build reads
# static/ and templates/ from the checkout instead of carrying them (rust-embed); MIRROR_PROFILE=release
# builds exactly as the Dockerfile does and so also proves the files are embedded.
# SKIP_BUILD=1 skips the build stage and uses $CARGO_TARGET_DIR/<profile>/service-registry.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"

eval "$(python3 scripts/ci/deploy_checks.py dockerfile-env)"
read -r -a flags <<<"$DF_CARGO_BUILD_FLAGS"
profile=${MIRROR_PROFILE:-release}
if [ "$profile" = debug ]; then
  kept=()
  for f in "${flags[@]}"; do [ "$f" = --release ] || kept+=("$f"); done
  flags=("${kept[@]}")
fi
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
export CARGO_TARGET_DIR=$TARGET_DIR
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sr-image-root.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID" 2>/dev/null || true; fi
  rm -rf "$ROOT"
}
trap cleanup EXIT
chmod 755 "$ROOT"

# ---------------------------------------------------------------- the build stage
# MIRROR_BUILD=stages: the build stage's WORKDIR, COPY and RUN lines as the Dockerfile has them, in order,
#   in a build directory holding only what the Dockerfile copies (a file the build needs but the
#   Dockerfile forgets fails here as in Docker). /build and /out move into the temporary root,
#   target/release/ to the shared cargo target directory: the dependencies are reused, the crate itself
#   compiles anew (another directory is another package to cargo) — minutes on 2 cores.
# MIRROR_BUILD=repo (the default with MIRROR_PROFILE=debug, what .ci/run uses): the same cargo command in
#   the checkout, where the tests' build makes it a no-op, then every file of this repository that cargo
#   recorded as an input of the binary (its dep-info file) must lie in what the Dockerfile's COPY lines
#   bring into the build stage — the same failure found in seconds.
# SKIP_BUILD=1: no build at all; $CARGO_TARGET_DIR/<profile>/service-registry as it is.
mode=${MIRROR_BUILD:-$([ "$profile" = debug ] && echo repo || echo stages)}
bin=$ROOT/out/usr/local/bin/service-registry
copied=()
while IFS=$'\t' read -r word args; do
  if [ "$word" = COPY ]; then
    read -r -a parts <<<"$args"
    unset 'parts[-1]'
    copied+=("${parts[@]}")
  fi
done <<<"$DF_BUILD_STEPS"
if [ -n "${SKIP_BUILD:-}" ]; then
  echo "--- build: skipped (SKIP_BUILD)"
  bin=$TARGET_DIR/$profile/service-registry
elif [ "$mode" = stages ]; then
  echo "--- build stage, step by step (MIRROR_BUILD=stages)"
  build=$ROOT/build
  while IFS=$'\t' read -r word args; do
    case "$word" in
      WORKDIR) build=$ROOT$args; mkdir -p "$build" ;;
      COPY)
        read -r -a parts <<<"$args"
        dest=${parts[-1]}
        unset 'parts[-1]'
        for src in "${parts[@]}"; do cp -R "$REPO/$src" "$build/$dest"; done
        echo "COPY ${parts[*]} $dest"
        ;;
      RUN)
        cmd=${args//target\/release\//$TARGET_DIR/$profile/}
        cmd=${cmd//\/out\//$ROOT/out/}
        echo "RUN $cmd"
        (cd "$build" && CARGO_BUILD_FLAGS="${flags[*]}" sh -c "$cmd")
        ;;
    esac
  done <<<"$DF_BUILD_STEPS"
else
  echo "--- build: cargo build ${flags[*]} (MIRROR_BUILD=repo)"
  cargo build "${flags[@]}"
  depinfo=$TARGET_DIR/$profile/service-registry.d
  [ -f "$depinfo" ] || { echo "error: $depinfo is missing" >&2; exit 1; }
  missing=0
  # The dep-info file is "target: input input …" with spaces in names escaped as "\ ".
  while read -r input; do
    rel=${input#"$REPO"/}
    [ "$rel" != "$input" ] || continue          # outside the checkout: crates from the registry
    ok=
    for c in "${copied[@]}"; do
      c=${c%/}
      if [ "$rel" = "$c" ] || [ "${rel#"$c"/}" != "$rel" ]; then ok=1; break; fi
    done
    [ -n "$ok" ] || { echo "error: the build reads $rel, which the Dockerfile does not COPY" >&2; missing=1; }
  done < <(sed -e 's/^[^:]*: //' -e 's/\\ /\x00/g' "$depinfo" | tr ' ' '\n' | tr '\0' ' ' | grep -v '^$')
  [ "$missing" = 0 ]
  echo "every input of the binary in this checkout is under a COPY source: ${copied[*]}"
  install -D -m 0755 "$TARGET_DIR/$profile/service-registry" "$bin"
fi
[ -x "$bin" ] || { echo "error: $bin is missing" >&2; exit 1; }

# ---------------------------------------------------------------- the image's file system
uid=${DF_USER%%:*}
gid=${DF_USER#*:}
grep -q '^COPY --from=builder /out/usr/local/bin/service-registry /usr/local/bin/service-registry$' Dockerfile
grep -q '^COPY scripts/entrypoint.sh /usr/local/bin/entrypoint$' Dockerfile
grep -q '^COPY config/site.toml /app/config/site.toml$' Dockerfile
install -D -m 0755 "$bin" "$ROOT/usr/local/bin/service-registry"
install -D -m 0755 scripts/entrypoint.sh "$ROOT$DF_ENTRYPOINT"
install -D -m 0644 config/site.toml "$ROOT/app/config/site.toml"
mkdir -p "$ROOT/app/mediafiles" "$ROOT/app/data"

as_user=()
if [ "$(id -u)" = 0 ]; then
  chown -R "$uid:$gid" "$ROOT/app/mediafiles" "$ROOT/app/data"
  as_user=(setpriv "--reuid=$uid" "--regid=$gid" --clear-groups)
  echo "--- running as uid $uid, gid $gid (the image's USER)"
else
  echo "--- not root: running as $(id -un) instead of the image's uid $uid (setpriv needs root)"
fi

# ---------------------------------------------------------------- the image's environment
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env_args=(PATH="$ROOT/usr/local/bin:/usr/bin:/bin" HOME="$ROOT/app")
for name in $DF_ENV_NAMES; do
  var=DF_ENV_$name
  value=${!var}
  value=${value//\/app/$ROOT/app}
  [ "$name" = BIND ] && value=127.0.0.1:$PORT
  env_args+=("$name=$value")
done
# What a deployment's .env adds (production mode needs a secret key); e-mail stays in memory.
env_args+=(SECRET_KEY=mirror-only-0123456789-0123456789-0123456789-0123456789
  "ALLOWED_HOSTS=127.0.0.1,localhost" EMAIL_BACKEND=memory RUST_LOG=info)
# MIRROR_DATABASE_URL=postgres://…: the same on PostgreSQL (an empty database) instead of SQLite.
where="SQLite in $ROOT/app/data"
if [ -n "${MIRROR_DATABASE_URL:-}" ]; then
  env_args+=("DATABASE_URL=$MIRROR_DATABASE_URL")
  where="PostgreSQL"
fi

echo "--- run: entrypoint web (SKIP_MIGRATE unset, $where)"
(cd "$ROOT$DF_WORKDIR" && exec "${as_user[@]}" env -i "${env_args[@]}" "$ROOT$DF_ENTRYPOINT" web) \
  >"$ROOT/run.log" 2>&1 &
PID=$!

health=("${as_user[@]}" "$ROOT/usr/local/bin/service-registry" healthcheck --url "http://127.0.0.1:$PORT")
ready=
for _ in $(seq 1 120); do
  if "${health[@]}" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.5
done
fail() { echo "error: $*; the container's log:" >&2; cat "$ROOT/run.log" >&2; exit 1; }
[ -n "$ready" ] || fail "the HEALTHCHECK command never passed"
"${health[@]}"

grep -q "entrypoint: applying migrations" "$ROOT/run.log" || fail "the entrypoint did not migrate"
grep -q "entrypoint: starting web" "$ROOT/run.log" || fail "the entrypoint did not start the web role"
if [ -z "${MIRROR_DATABASE_URL:-}" ]; then
  db=$ROOT/app/data/registry.sqlite3
  [ -f "$db" ] || fail "no database in DATA_DIR"
  [ "$(id -u)" != 0 ] || [ "$(stat -c %u "$db")" = "$uid" ] || fail "the database is not owned by uid $uid"
fi

# A page and one of its content-hashed static files, as nginx would ask (trusted proxy, HTTPS).
proxy=(-H "X-Forwarded-Proto: https" -H "Host: localhost")
page=$(curl -fsS "${proxy[@]}" "http://127.0.0.1:$PORT/") || fail "GET / failed"
asset=$(printf '%s' "$page" | grep -oE '/static/[^"]+\.css' | head -n1)
[ -n "$asset" ] || fail "the home page links no stylesheet"
curl -fsS -o /dev/null "${proxy[@]}" "http://127.0.0.1:$PORT$asset" || fail "GET $asset failed"
echo "served / and $asset"

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
grep -q "shut down cleanly" "$ROOT/run.log" || fail "no clean shutdown"

# worker and scheduler as docker-compose.prod.yml runs them: SKIP_MIGRATE=true, same image and paths.
stop_role() { # PID LOG ROLE
  kill -TERM "$1"
  local rc=0
  wait "$1" || rc=$?
  if [ "$rc" != 0 ] || ! grep -q "shut down cleanly" "$2"; then
    cat "$2" >&2
    echo "error: $3 did not stop cleanly (exit status $rc)" >&2
    exit 1
  fi
}
for role in worker scheduler; do
  log=$ROOT/$role.log
  (cd "$ROOT$DF_WORKDIR" && exec "${as_user[@]}" env -i "${env_args[@]}" SKIP_MIGRATE=true "$ROOT$DF_ENTRYPOINT" "$role") \
    >"$log" 2>&1 &
  PID=$!
  started=
  for _ in $(seq 1 120); do
    grep -q "$role started\|job worker started" "$log" && { started=1; break; }
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.25
  done
  [ -n "$started" ] || { cat "$log" >&2; echo "error: the $role role did not start" >&2; exit 1; }
  grep -q "entrypoint: SKIP_MIGRATE=true, not migrating" "$log" || { cat "$log" >&2; echo "error: $role migrated" >&2; exit 1; }
  stop_role "$PID" "$log" "$role"
  PID=
  echo "$role: started without migrating, stopped cleanly"
done
echo "dockerfile-mirror ($profile, $where): migrated, ready, served, worker and scheduler ran, all stopped cleanly"
