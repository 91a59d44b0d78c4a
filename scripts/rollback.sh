#!/usr/bin/env bash
# Roll back to an earlier image tag (docs/rollout.md, "Rollback").
#
#   scripts/rollback.sh                       the tag deployed before the current one (.deploy-history)
#   scripts/rollback.sh v1.0.0                that tag
#   scripts/rollback.sh --migrate-down 2 v1.0.0
#       first stops web, worker and scheduler and undoes the newest 2 migrations with the image that is
#       running now (only it knows how to undo its own migrations), then deploys v1.0.0.
#
# A release whose migrations are not undone cannot run on older code: the older binary refuses a database
# with migrations it does not know. `service-registry migrate status` (run with the current image) lists
# what each release applied; a migration that cannot be undone means restoring the backup taken before
# the deployment (`service-registry restore --from DIR`, docs/deployment.md).
# Settings as in scripts/deploy.sh (COMPOSE_DIR, COMPOSE, SERVICES, HEALTH_*), which does the deploying.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPOSE_DIR=${COMPOSE_DIR:-/opt/denbi/service-registry}
COMPOSE=${COMPOSE:-docker compose -f docker-compose.prod.yml}
SERVICES=${SERVICES:-web worker scheduler}
read -r -a compose <<<"$COMPOSE"
read -r -a services <<<"$SERVICES"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

down_steps=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --migrate-down)
      [ "$#" -ge 2 ] || usage
      down_steps=$2
      shift 2
      ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) break ;;
  esac
done
if [ -n "$down_steps" ] && ! [[ "$down_steps" =~ ^[1-9][0-9]*$ ]]; then
  echo "--migrate-down needs a positive number of migrations, got '$down_steps'" >&2
  exit 2
fi

history_file="$COMPOSE_DIR/.deploy-history"
target=${1:-}
if [ -z "$target" ]; then
  if [ ! -s "$history_file" ] || [ "$(wc -l <"$history_file")" -lt 2 ]; then
    echo "no earlier deployment recorded in $history_file: name the tag, e.g. scripts/rollback.sh v1.0.0" >&2
    exit 2
  fi
  target=$(tail -n 2 "$history_file" | head -n 1)
fi

cd "$COMPOSE_DIR"
if [ -n "$down_steps" ]; then
  current=$(tail -n 1 "$history_file" 2>/dev/null || echo latest)
  echo "--- Stopping ${SERVICES} ---"
  "${compose[@]}" stop "${services[@]}"
  echo "--- Undoing ${down_steps} migration(s) with the current image (${current}) ---"
  IMAGE_TAG=$current "${compose[@]}" run --rm --no-deps web service-registry migrate down "$down_steps"
  IMAGE_TAG=$current "${compose[@]}" run --rm --no-deps web service-registry migrate status
fi

echo "=== Rolling back to ${target} ==="
IMAGE_TAG=$target COMPOSE_DIR=$COMPOSE_DIR COMPOSE=$COMPOSE SERVICES=$SERVICES exec "$here/deploy.sh"
