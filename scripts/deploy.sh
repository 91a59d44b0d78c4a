#!/usr/bin/env bash
# Deploy an image tag: pull it, restart web, worker and scheduler on it (web applies pending migrations
# on start), wait until /health/ready/ answers {"status": "ok"}, and print the web logs if it never does.
#
#   IMAGE_TAG=v1.1.0 scripts/deploy.sh
#
# On the server this lives at /opt/denbi/scripts/deploy.sh (docs/rollout.md). Every setting below can be
# overridden from the environment; the defaults are the production layout.
#   IMAGE_TAG        image tag to deploy (default latest)
#   COMPOSE_DIR      directory holding docker-compose.prod.yml and .env (default /opt/denbi/service-registry)
#   COMPOSE          the compose command (default "docker compose -f docker-compose.prod.yml")
#   SERVICES         services to restart (default "web worker scheduler")
#   HEALTH_URL       readiness URL (default http://127.0.0.1:8000/health/ready/)
#   HEALTH_TRIES     readiness attempts (default 12) ...
#   HEALTH_INTERVAL  ... this many seconds apart (default 5): one minute in all
#   PULL             false skips the pull (the image is already on the host, e.g. a rollback)
# Each successful deployment appends its tag to $COMPOSE_DIR/.deploy-history (scripts/rollback.sh reads it).
set -euo pipefail

IMAGE_TAG=${IMAGE_TAG:-latest}
COMPOSE_DIR=${COMPOSE_DIR:-/opt/denbi/service-registry}
COMPOSE=${COMPOSE:-docker compose -f docker-compose.prod.yml}
SERVICES=${SERVICES:-web worker scheduler}
HEALTH_URL=${HEALTH_URL:-http://127.0.0.1:8000/health/ready/}
HEALTH_TRIES=${HEALTH_TRIES:-12}
HEALTH_INTERVAL=${HEALTH_INTERVAL:-5}
PULL=${PULL:-true}

read -r -a compose <<<"$COMPOSE"
read -r -a services <<<"$SERVICES"
export IMAGE_TAG

echo "=== Deploying service-registry:${IMAGE_TAG} ==="
cd "$COMPOSE_DIR"

# 1. Pull the new image (compose reads IMAGE_TAG in docker-compose.prod.yml).
if [ "$PULL" != "false" ]; then
  echo "--- Pulling ${IMAGE_TAG} ---"
  "${compose[@]}" pull "${services[@]}"
fi

# 2. Recreate the containers on the new image. The web entrypoint applies pending migrations before it
#    listens; worker and scheduler have SKIP_MIGRATE=true. Static files are inside the binary.
echo "--- Restarting ${SERVICES} ---"
"${compose[@]}" up -d --no-deps "${services[@]}"

# 3. Wait for readiness: database reachable, migrations applied.
echo "--- Waiting for health check (${HEALTH_URL}) ---"
status=error
for i in $(seq 1 "$HEALTH_TRIES"); do
  body=$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null || true)
  if printf '%s' "$body" | grep -Eq '"status"[[:space:]]*:[[:space:]]*"ok"'; then
    status=ok
    echo "Health check passed."
    break
  fi
  echo "  Waiting (${i}/${HEALTH_TRIES})..."
  [ "$i" -lt "$HEALTH_TRIES" ] && sleep "$HEALTH_INTERVAL"
done

if [ "$status" != "ok" ]; then
  echo "ERROR: health check failed (${HEALTH_TRIES} attempts, ${HEALTH_INTERVAL}s apart). Last web logs:" >&2
  "${compose[@]}" logs web --tail 50 >&2 || true
  exit 1
fi

echo "$IMAGE_TAG" >>.deploy-history
echo "=== Deployment complete: ${IMAGE_TAG} ==="
