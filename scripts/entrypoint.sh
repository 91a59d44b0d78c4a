#!/bin/sh
# Container entrypoint: apply migrations (unless SKIP_MIGRATE=true), then start the requested role.
#   serve      web server with the job worker and scheduler in the same process (one container)
#   web        web server only (`serve --no-worker --no-scheduler`; worker and scheduler run apart)
#   worker     background job worker
#   scheduler  queues the periodic jobs (exactly one per deployment)
# Anything else is run as given, e.g. `entrypoint service-registry migrate status` or `entrypoint sh`.
# Extra arguments after a role go to the command, e.g. `web --bind 0.0.0.0:9000`.
# SERVICE_REGISTRY_BIN names the binary (default: service-registry on PATH; the CI mirror sets it).
set -eu

bin=${SERVICE_REGISTRY_BIN:-service-registry}
role=${1:-serve}
[ "$#" -gt 0 ] && shift

case "$role" in
  serve) set -- serve "$@" ;;
  web) set -- serve --no-worker --no-scheduler "$@" ;;
  worker) set -- worker "$@" ;;
  scheduler) set -- scheduler "$@" ;;
  *) exec "$role" "$@" ;;
esac

# Only one replica should migrate: worker and scheduler set SKIP_MIGRATE=true (docker-compose.prod.yml).
# Concurrent runs are safe anyway (the binary takes a migration lock), but they wait on each other.
if [ "${SKIP_MIGRATE:-false}" = "true" ]; then
  echo "entrypoint: SKIP_MIGRATE=true, not migrating" >&2
else
  echo "entrypoint: applying migrations" >&2
  "$bin" migrate up
fi

echo "entrypoint: starting $role" >&2
exec "$bin" "$@"
