#!/usr/bin/env bash
# The reference vhost (nginx/host/) under a real nginx on loopback ports, with a self-signed certificate
# and a stand-in upstream that echoes the proxy headers it received:
#   nginx -t accepts it; HTTP → 301 to HTTPS; HTTPS proxies with X-Forwarded-For/-Proto, X-Real-IP and
#   X-Request-ID and answers with HSTS (preload); scripts/maintenance.sh on → 503 + maintenance page while
#   /health/ still reaches the app; off → the app again; the app down → the static upstream-down page.
# Installs nginx and openssl from Debian when missing (with CI set or INSTALL_TOOLS=1).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
if ! command -v nginx >/dev/null || ! command -v openssl >/dev/null; then
  [ -n "${INSTALL_TOOLS:-${CI:-}}" ] || { echo "error: nginx/openssl missing (apt-get install nginx openssl)" >&2; exit 1; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light openssl >/dev/null 2>&1 ||
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

T=$(mktemp -d "${TMPDIR:-/tmp}/sr-nginx-test.XXXXXX")
chmod 755 "$T"
NGINX_PID=''
UP_PID=''
cleanup() {
  [ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null || true
  [ -z "$UP_PID" ] || kill "$UP_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HTTP=$(free_port) HTTPS=$(free_port) APP=$(free_port)

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
chmod 644 "$T/key.pem"
mkdir -p "$T/www" "$T/acme"
cp "$REPO/nginx/host/proxy_params" "$T/proxy_params"
sed -e "s#listen 80;#listen 127.0.0.1:$HTTP;#" -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS ssl http2;#" \
  -e '/listen \[::\]/d' -e "s#server 127.0.0.1:8000;#server 127.0.0.1:$APP;#" \
  -e "s#/etc/letsencrypt/live/service-registry.bi.denbi.de/fullchain.pem#$T/cert.pem#" \
  -e "s#/etc/letsencrypt/live/service-registry.bi.denbi.de/privkey.pem#$T/key.pem#" \
  -e "s#/var/www/service-registry#$T/www#g" -e "s#/var/www/letsencrypt#$T/acme#" \
  -e "s#/etc/nginx/proxy_params_service_registry#$T/proxy_params#" \
  "$REPO/nginx/host/service-registry.conf" >"$T/vhost.conf"
cat >"$T/nginx.conf" <<EOF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/error.log warn;
events {}
http {
    access_log $T/access.log;
    client_body_temp_path $T/body;
    proxy_temp_path $T/proxy;
    fastcgi_temp_path $T/fastcgi;
    uwsgi_temp_path $T/uwsgi;
    scgi_temp_path $T/scgi;
    default_type text/html;
    include $T/vhost.conf;
}
EOF

# The stand-in registry: answers every GET with the proxy headers it got, as JSON.
cat >"$T/app.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "ok", "path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$T/app.py" "$APP" &
UP_PID=$!

"$NGINX" -t -q -p "$T" -c "$T/nginx.conf"
"$NGINX" -p "$T" -c "$T/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 1 50); do
  curl -sk -o /dev/null "https://127.0.0.1:$HTTPS/health/live/" && curl -s -o /dev/null "http://127.0.0.1:$APP/" && break
  sleep 0.1
done

passed=0 failed=0
check() { if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1" >&2; fi; }
has() { grep -qiE -- "$2" "$1"; }
fetch() { curl -sk -D "$T/h" -o "$T/b" "$@" || true; }

fetch "http://127.0.0.1:$HTTP/register/?x=1"
check "HTTP answers 301" has "$T/h" '^HTTP/[0-9.]+ 301'
check "to the same URL on https" has "$T/h" '^location: https://[^/]+/register/\?x=1'

fetch "https://127.0.0.1:$HTTPS/catalogue/" -H "X-Forwarded-For: 203.0.113.9"
check "HTTPS proxies to the app" has "$T/h" '^HTTP/[0-9.]+ 200'
check "HSTS with preload" has "$T/h" '^strict-transport-security: max-age=63072000; includeSubDomains; preload'
check "X-Frame-Options DENY" has "$T/h" '^x-frame-options: DENY'
check "X-Forwarded-Proto https" has "$T/b" '"x-forwarded-proto": "https"'
check "X-Forwarded-For appends the client" has "$T/b" '"x-forwarded-for": "203.0.113.9, 127.0.0.1"'
check "X-Real-IP" has "$T/b" '"x-real-ip": "127.0.0.1"'
check "X-Request-ID" has "$T/b" '"x-request-id": "[0-9a-f]{32}"'

WWW_ROOT=$T/www "$REPO/scripts/maintenance.sh" on >/dev/null
fetch "https://127.0.0.1:$HTTPS/register/"
check "maintenance: 503" has "$T/h" '^HTTP/[0-9.]+ 503'
check "maintenance: the page" has "$T/b" 'Scheduled maintenance'
check "maintenance: Retry-After" has "$T/h" '^retry-after: 600'
fetch "https://127.0.0.1:$HTTPS/health/ready/"
check "maintenance: /health/ still reaches the app" has "$T/b" '"status": "ok"'
check "maintenance.sh status" has <(WWW_ROOT=$T/www "$REPO/scripts/maintenance.sh" status) 'ON since'
WWW_ROOT=$T/www "$REPO/scripts/maintenance.sh" off >/dev/null
fetch "https://127.0.0.1:$HTTPS/register/"
check "maintenance off: the app again" has "$T/h" '^HTTP/[0-9.]+ 200'

kill "$UP_PID"; wait "$UP_PID" 2>/dev/null || true; UP_PID=
fetch "https://127.0.0.1:$HTTPS/"
check "app down: 502" has "$T/h" '^HTTP/[0-9.]+ 502'
check "app down: the static page" has "$T/b" 'Temporarily unavailable'

fetch "https://127.0.0.1:$HTTPS/.env"
check "dot-files refused" has "$T/h" '^HTTP/[0-9.]+ 403'

echo "nginx-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
