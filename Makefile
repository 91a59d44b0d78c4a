# Everyday commands. `make help` lists them. The Docker targets use the development stack
# (docker-compose.yml); the others need only cargo. Override COMPOSE or RUN to aim elsewhere, e.g.
#   make migrate RUN="cargo run --quiet --"            (no Docker: the local binary on .env's database)
#   make migrate COMPOSE="docker compose -f docker-compose.prod.yml"
COMPOSE ?= docker compose
RUN ?= $(COMPOSE) exec web service-registry
CARGO ?= cargo

.DEFAULT_GOAL := help
.PHONY: help build dev dev-down logs superuser shell migrate migrate-status sync-edam collectstatic \
        test test-pg lint fmt audit deploy-lint nuke

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build the image (docker compose build)
	$(COMPOSE) build

dev: ## start the development stack: web :8000, PostgreSQL, Redis, Mailpit :8025 (migrates on start)
	$(COMPOSE) up -d
	@echo "registry on http://localhost:8000, caught e-mail on http://localhost:8025"

dev-down: ## stop the development stack (keeps its data)
	$(COMPOSE) down

logs: ## follow the web logs
	$(COMPOSE) logs -f web

superuser: ## create the first admin user (asks for name, e-mail, password)
	$(RUN) create-superuser

shell: ## a shell in the web container
	$(COMPOSE) exec web sh

migrate: ## apply pending migrations (also done on every start unless SKIP_MIGRATE=true)
	$(RUN) migrate up

migrate-status: ## list migrations and whether each is applied
	$(RUN) migrate status

sync-edam: ## update the EDAM terms from EDAM_OWL_URL / site.toml [edam] owl_url
	$(RUN) sync-edam

collectstatic: ## nothing to do: static files are embedded in the binary
	@echo "collectstatic is unnecessary: static/ and templates/ are compiled into the service-registry binary"
	@echo "(rust-embed; release builds such as the image's embed them, debug builds read them from the"
	@echo "checkout) and served under content-hashed names. Rebuild the image to change them."

test: ## the test suite on SQLite (no Docker, no services)
	$(CARGO) test --locked

test-pg: ## the test suite on PostgreSQL: make test-pg TEST_DATABASE_URL=postgres://user@host/db
	@test -n "$(TEST_DATABASE_URL)" || { echo "set TEST_DATABASE_URL=postgres://..." >&2; exit 2; }
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(CARGO) test --locked

lint: ## formatting and clippy, warnings as errors, and the deployment files' checks
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --locked -- -D warnings
	bash scripts/ci/deploy-lint.sh

fmt: ## format the code
	$(CARGO) fmt

audit: ## cargo-deny: RustSec advisories, licences, banned and duplicate crates, sources (deny.toml)
	$(CARGO) deny --locked check

deploy-lint: ## shellcheck, hadolint and the compose checks only
	bash scripts/ci/deploy-lint.sh

nuke: ## remove the development stack WITH its volumes (database, media, secret key)
	@printf 'This deletes the development database and uploaded files. Type yes: '; \
	  read -r answer; [ "$$answer" = yes ] || { echo aborted; exit 1; }
	$(COMPOSE) down -v --remove-orphans
