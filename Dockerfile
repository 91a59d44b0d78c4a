# syntax=docker/dockerfile:1
# The service-registry image: one binary for every role (web, worker, scheduler), static files and
# templates embedded in it. Build: `make build` or `docker build -t service-registry:dev .`
# scripts/ci/dockerfile-mirror.sh repeats these steps without Docker and .ci/run runs it; hadolint reads
# this file (scripts/ci/deploy-lint.sh). Keep the three in step.

# ---------------------------------------------------------------- build stage
FROM rust:1.95.0-slim-bookworm AS builder
# The flags the mirror script reads back (scripts/ci/dockerfile-mirror.sh); --locked: Cargo.lock as committed.
ARG CARGO_BUILD_FLAGS="--release --locked --bin service-registry"
WORKDIR /build

# Dependencies first, in a layer of their own: it is rebuilt only when Cargo.toml or Cargo.lock change.
# The targets Cargo.toml names must exist for cargo to read it, so they get empty stand-ins.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches tests/it \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs benches/edam.rs tests/it/main.rs \
 && cargo build ${CARGO_BUILD_FLAGS} \
 && rm -rf src

# The application itself (the embedded files: templates/, static/, seed/).
COPY src ./src
COPY templates ./templates
COPY static ./static
COPY seed ./seed
# touch: the stand-ins above are newer than the real sources' checkout times.
RUN touch src/main.rs src/lib.rs \
 && cargo build ${CARGO_BUILD_FLAGS} \
 && install -D -m 0755 target/release/service-registry /out/usr/local/bin/service-registry

# ---------------------------------------------------------------- runtime stage
FROM debian:12.12-slim AS runtime
# ca-certificates: for tools run in the container (the binary itself carries its TLS roots).
# postgresql-client-17 from the PostgreSQL project's apt repository (its signing key ships in Debian's
# postgresql-common): `service-registry backup` on PostgreSQL runs pg_dump, which must be of the
# server's major version or newer — 17 dumps the compose files' PostgreSQL 16 and every older server.
# DL3008: versions are not pinned because Debian replaces them on every point release; the base image
# tag pins the release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends postgresql-client-17 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 registry \
 && useradd --system --uid 10001 --gid registry --home-dir /app --shell /usr/sbin/nologin registry \
 && mkdir -p /app/config /app/mediafiles /app/data \
 && chown -R registry:registry /app/mediafiles /app/data

COPY --from=builder /out/usr/local/bin/service-registry /usr/local/bin/service-registry
COPY scripts/entrypoint.sh /usr/local/bin/entrypoint
# The default site configuration; production bind-mounts its own over it (read-only).
COPY config/site.toml /app/config/site.toml

WORKDIR /app
ENV ENVIRONMENT=production \
    BIND=0.0.0.0:8000 \
    DATA_DIR=/app/data \
    MEDIA_ROOT=/app/mediafiles \
    SITE_CONFIG=/app/config/site.toml \
    LOG_FORMAT=json
# Uploaded logos must outlive the container (docker-compose.prod.yml mounts the named volume media_data).
VOLUME ["/app/mediafiles"]
USER 10001:10001
EXPOSE 8000

# Readiness: database reachable, migrations applied (Redis too when configured). Worker and scheduler
# containers serve no HTTP: the compose files turn this off for them.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["service-registry", "healthcheck", "--url", "http://127.0.0.1:8000"]

ENTRYPOINT ["/usr/local/bin/entrypoint"]
# Roles: serve (web + worker + scheduler in one process), web, worker, scheduler; anything else is run
# as a command, e.g. `docker compose run --rm web service-registry migrate status`.
CMD ["serve"]
