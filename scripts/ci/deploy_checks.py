#!/usr/bin/env python3
"""Checks of the deployment files that need no Docker engine (run by scripts/ci/deploy-lint.sh).

  deploy_checks.py compose          docker-compose.yml and docker-compose.prod.yml: YAML parses (anchors and
                                    merge keys resolved), only Compose-spec keys, and the project's rules
  deploy_checks.py ci               .github/workflows/ci.yml and .gitlab-ci.yml parse and have the pipeline's jobs
  deploy_checks.py dockerfile       the Dockerfile rules we rely on, beside hadolint's
  deploy_checks.py dockerfile-env   the runtime stage's facts as shell assignments, for dockerfile-mirror.sh

Needs python3-yaml (PyYAML) only.
"""
import re
import shlex
import sys
from pathlib import Path

import yaml

import os

# DEPLOY_CHECKS_ROOT: check copies elsewhere (deploy-lint.sh breaks copies to see the checks fail).
ROOT = Path(os.environ.get("DEPLOY_CHECKS_ROOT") or Path(__file__).resolve().parents[2])

# Top-level and service-level keys of the Compose specification that these files may use.
TOP_KEYS = {"name", "services", "volumes", "networks", "secrets", "configs"}
SERVICE_KEYS = {
    "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "volumes",
    "depends_on", "healthcheck", "restart", "networks", "user", "init", "stop_grace_period",
    "logging", "deploy", "labels", "expose", "read_only", "tmpfs", "profiles", "secrets",
}
ROLES = {"serve", "web", "worker", "scheduler"}
INTERPOLATION = re.compile(r"\$(\$|\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)")

errors = []


def fail(where, msg):
    errors.append(f"{where}: {msg}")


def check_strings(where, node):
    """Every `$` must start a valid interpolation (`$$` escapes one), as Compose requires."""
    if isinstance(node, dict):
        for k, v in node.items():
            check_strings(f"{where}.{k}", v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_strings(f"{where}[{i}]", v)
    elif isinstance(node, str):
        rest = INTERPOLATION.sub("", node)
        if "$" in rest:
            fail(where, f"invalid interpolation in {node!r}")


def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    return env


def mounts(svc):
    out = {}
    for v in svc.get("volumes") or []:
        if isinstance(v, str):
            # `${VAR:-default}` sources contain colons of their own.
            parts = re.sub(r"\$\{[^}]*\}", "$VAR", v).split(":")
        else:
            parts = [v.get("source"), v.get("target")]
        if len(parts) >= 2:
            out[parts[1]] = parts[0]
    return out


def load_compose(name):
    path = ROOT / name
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        fail(name, f"does not parse: {e}")
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        fail(name, "no services mapping")
        return None
    for key in doc:
        if key not in TOP_KEYS and not key.startswith("x-"):
            fail(name, f"unknown top-level key {key!r}")
    declared_volumes = set((doc.get("volumes") or {}).keys())
    for sname, svc in doc["services"].items():
        where = f"{name}:{sname}"
        for key in svc:
            if key not in SERVICE_KEYS:
                fail(where, f"unknown service key {key!r}")
        if "image" not in svc and "build" not in svc:
            fail(where, "needs image or build")
        if "image" in svc and re.search(r":latest$", str(svc["image"])) and sname != "web":
            fail(where, f"third-party image not pinned: {svc['image']}")
        for dep in svc.get("depends_on") or {}:
            if dep not in doc["services"]:
                fail(where, f"depends_on unknown service {dep!r}")
        for target, source in mounts(svc).items():
            if not source.startswith((".", "/", "$")) and source not in declared_volumes:
                fail(where, f"volume {source!r} (at {target}) is not declared")
    check_strings(name, doc)
    return doc


def check_compose():
    dev = load_compose("docker-compose.yml")
    prod = load_compose("docker-compose.prod.yml")
    if dev:
        s = dev["services"]
        for needed in ("web", "db", "redis", "mailpit"):
            if needed not in s:
                fail("docker-compose.yml", f"development stack lacks {needed!r}")
        web = s.get("web", {})
        if "build" not in web:
            fail("docker-compose.yml:web", "must build this checkout")
        if env_of(web).get("EMAIL_HOST") != "mailpit":
            fail("docker-compose.yml:web", "e-mail must go to the mailpit catcher")
    if prod:
        s = prod["services"]
        if "db" in s or any("postgres" in str(v.get("image", "")) for v in s.values()):
            fail("docker-compose.prod.yml", "PostgreSQL is external in production, no db service")
        images = set()
        for role in ("web", "worker", "scheduler"):
            svc = s.get(role)
            if svc is None:
                fail("docker-compose.prod.yml", f"lacks {role!r}")
                continue
            images.add(svc.get("image"))
            cmd = svc.get("command") or []
            if cmd[:1] != [role]:
                fail(f"docker-compose.prod.yml:{role}", f"command must be [{role!r}], is {cmd!r}")
            if mounts(svc).get("/app/mediafiles") != "media_data":
                fail(f"docker-compose.prod.yml:{role}", "media_data must be mounted at /app/mediafiles")
            if "/app/config/site.toml" not in mounts(svc):
                fail(f"docker-compose.prod.yml:{role}", "site.toml must be bind-mounted")
            skip = str(env_of(svc).get("SKIP_MIGRATE", "")).lower()
            if role == "web" and skip == "true":
                fail("docker-compose.prod.yml:web", "web is the one that migrates")
            if role != "web" and skip != "true":
                fail(f"docker-compose.prod.yml:{role}", "needs SKIP_MIGRATE: \"true\"")
        if len(images) != 1:
            fail("docker-compose.prod.yml", f"web, worker and scheduler must share one image: {images}")
        if "media_data" not in (prod.get("volumes") or {}):
            fail("docker-compose.prod.yml", "named volume media_data not declared")


def check_ci():
    """The GitHub Actions and GitLab CI files: parse, and have the seed pipeline's jobs."""
    gh = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    # PyYAML reads the key `on` as True (YAML 1.1).
    on = gh.get("on", gh.get(True)) or {}
    if "v*" not in ((on.get("push") or {}).get("tags") or []):
        fail("ci.yml", "must run on v* tags")
    jobs = gh.get("jobs") or {}
    for job in ("test", "lint", "audit", "build"):
        if job not in jobs:
            fail("ci.yml", f"lacks job {job!r}")
        elif "runs-on" not in jobs[job] or not jobs[job].get("steps"):
            fail(f"ci.yml:{job}", "needs runs-on and steps")
    if set((jobs.get("build") or {}).get("needs") or []) != {"test", "lint", "audit"}:
        fail("ci.yml:build", "must need test, lint and audit")
    gl = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())
    stages_ = gl.get("stages") or []
    for job in ("test", "lint", "audit", "build", "deploy-staging", "deploy-production"):
        spec = gl.get(job)
        if not isinstance(spec, dict):
            fail(".gitlab-ci.yml", f"lacks job {job!r}")
            continue
        if spec.get("stage") not in stages_:
            fail(f".gitlab-ci.yml:{job}", f"stage {spec.get('stage')!r} is not in stages")
        if "script" not in spec:
            fail(f".gitlab-ci.yml:{job}", "needs a script")
    prod_rules = (gl.get("deploy-production") or {}).get("rules") or [{}]
    if prod_rules[0].get("when") != "manual":
        fail(".gitlab-ci.yml:deploy-production", "must be manual")


def stages(text):
    """The Dockerfile's instructions (continuations joined, comments dropped) per stage."""
    lines, buf = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") and not buf:
            continue
        buf += raw.rstrip("\\").strip() + " " if raw.endswith("\\") else raw.strip()
        if not raw.endswith("\\"):
            if buf:
                lines.append(buf)
            buf = ""
    out = []
    for line in lines:
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            out.append([])
        if out:
            out[-1].append((word.upper(), rest.strip()))
    return out


def check_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    st = stages(text)
    if len(st) < 2:
        fail("Dockerfile", "must be multi-stage (build, runtime)")
        return
    for stage in st:
        base = stage[0][1].split()[0]
        if ":" not in base or base.endswith(":latest") or not re.search(r":\S*\d", base):
            fail("Dockerfile", f"base image not pinned to a version: {base}")
    for word, rest in (i for s in st for i in s):
        if word == "ADD" and re.search(r"https?://", rest):
            fail("Dockerfile", f"ADD of a URL: {rest}")
    runtime = dict()
    for word, rest in st[-1]:
        runtime.setdefault(word, []).append(rest)
    users = runtime.get("USER", [])
    if not users or users[-1].split(":")[0] in ("root", "0"):
        fail("Dockerfile", "the runtime stage must end as a non-root USER")
    elif not users[-1].split(":")[0].isdigit():
        fail("Dockerfile", "USER should be numeric (runAsNonRoot checks need a UID)")
    hc = " ".join(runtime.get("HEALTHCHECK", []))
    if "service-registry" not in hc or "healthcheck" not in hc:
        fail("Dockerfile", "HEALTHCHECK must run `service-registry healthcheck`")
    if '"/app/mediafiles"' not in " ".join(runtime.get("VOLUME", [])):
        fail("Dockerfile", "VOLUME /app/mediafiles missing")
    env = runtime_env(st[-1])
    for key, want in (("MEDIA_ROOT", "/app/mediafiles"), ("SITE_CONFIG", "/app/config/site.toml")):
        if env.get(key) != want:
            fail("Dockerfile", f"ENV {key} must be {want}")
    if not any("--locked" in r and "--release" in r for w, r in st[0] if w == "ARG"):
        fail("Dockerfile", "the build flags (ARG CARGO_BUILD_FLAGS) must include --release --locked")


def runtime_env(stage):
    env = {}
    for word, rest in stage:
        if word == "ENV":
            for tok in shlex.split(rest):
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    env[k] = v
    return env


def dockerfile_env():
    """Shell assignments for the mirror: the build flags, USER, ENV, ENTRYPOINT and CMD of the image."""
    st = stages((ROOT / "Dockerfile").read_text())
    facts = {}
    for word, rest in st[0]:
        if word == "ARG" and rest.startswith("CARGO_BUILD_FLAGS="):
            facts["DF_CARGO_BUILD_FLAGS"] = shlex.split(rest.split("=", 1)[1])[0]
    for word, rest in st[-1]:
        if word == "USER":
            facts["DF_USER"] = rest
        if word == "WORKDIR":
            facts["DF_WORKDIR"] = rest
        if word in ("ENTRYPOINT", "CMD"):
            facts[f"DF_{word}"] = " ".join(yaml.safe_load(rest))
    # The build stage's WORKDIR, COPY and RUN instructions in order, one per line (tab after the word).
    facts["DF_BUILD_STEPS"] = "\n".join(
        f"{w}\t{r}" for w, r in st[0][1:] if w in ("WORKDIR", "COPY", "RUN")
    )
    env = runtime_env(st[-1])
    facts["DF_ENV_NAMES"] = " ".join(env)
    for k, v in env.items():
        facts[f"DF_ENV_{k}"] = v
    for k, v in facts.items():
        print(f"{k}={shlex.quote(v)}")


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "compose":
        check_compose()
    elif what == "ci":
        check_ci()
    elif what == "dockerfile":
        check_dockerfile()
    elif what == "dockerfile-env":
        dockerfile_env()
        return 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if not errors:
        print(f"{what}: ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
