#!/usr/bin/env bash
# Rebuilds the EDAM release built into the binary from the PyPI package `edam-ontology`:
# keeps the columns the registry reads, compresses, and records the version.
# Usage: scripts/update-edam-seed.sh [PACKAGE_VERSION]   (default 1.25.3, EDAM release 1.25)
set -euo pipefail
pkg_version="${1:-1.25.3}"
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps "edam-ontology==${pkg_version}" -d "$work"
python3 - "$work" "$pkg_version" <<'PY'
import csv, glob, gzip, io, sys, zipfile
work, version = sys.argv[1], sys.argv[2]
wheel = glob.glob(f"{work}/edam_ontology-*.whl")[0]
obo = "http://www.geneontology.org/formats/oboInOwl#"
keep = ["Class ID", "Preferred Label", "Synonyms", "Definitions", "Obsolete", "Parents",
        obo + "hasDefinition", obo + "hasExactSynonym", obo + "hasNarrowSynonym",
        obo + "hasBroadSynonym", obo + "hasRelatedSynonym"]
with zipfile.ZipFile(wheel) as z:
    text = z.read("edam_ontology/EDAM.tsv").decode("utf-8")
csv.field_size_limit(1 << 30)
rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
idx = [rows[0].index(k) for k in keep]
out = io.StringIO()
for r in rows:
    out.write("\t".join(r[i] if i < len(r) else "" for i in idx) + "\n")
with gzip.GzipFile("seed/edam/EDAM.tsv.gz", "wb", mtime=0) as f:
    f.write(out.getvalue().encode("utf-8"))
open("seed/edam/VERSION", "w").write(version + "\n")
print(f"seed/edam/EDAM.tsv.gz: {len(rows) - 1} rows from edam-ontology {version}")
PY
