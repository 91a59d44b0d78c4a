#!/usr/bin/env bash
# Switch the host nginx's maintenance page on or off (nginx/host/service-registry.conf).
#
#   sudo scripts/maintenance.sh on       every page but /health/ answers 503 with maintenance.html
#   sudo scripts/maintenance.sh off      requests go to the registry again
#   scripts/maintenance.sh status
#
# nginx checks the flag file on each request: no reload. WWW_ROOT (default /var/www/service-registry)
# must hold maintenance.html and errors/upstream_down.html (copies of nginx/host/www/); `on` installs
# them from this checkout when they are missing.
set -euo pipefail

WWW_ROOT=${WWW_ROOT:-/var/www/service-registry}
flag="$WWW_ROOT/maintenance.on"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/nginx/host/www"

case "${1:-status}" in
  on)
    if [ ! -f "$WWW_ROOT/maintenance.html" ]; then
      [ -f "$src/maintenance.html" ] || {
        echo "error: $WWW_ROOT/maintenance.html is missing; copy nginx/host/www/ there" >&2
        exit 1
      }
      mkdir -p "$WWW_ROOT/errors"
      cp "$src/maintenance.html" "$WWW_ROOT/maintenance.html"
      cp "$src/errors/upstream_down.html" "$WWW_ROOT/errors/upstream_down.html"
    fi
    date -u +%Y-%m-%dT%H:%M:%SZ >"$flag"
    echo "maintenance page ON ($flag)"
    ;;
  off)
    rm -f "$flag"
    echo "maintenance page OFF"
    ;;
  status)
    if [ -f "$flag" ]; then echo "maintenance page ON since $(cat "$flag")"; else echo "maintenance page OFF"; fi
    ;;
  *)
    echo "usage: $0 on|off|status" >&2
    exit 2
    ;;
esac
