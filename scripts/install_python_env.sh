#!/usr/bin/env bash
# Create (or update) the virtual environment the PostgreSQL backend imports from.
# It is made from Debian's /usr/bin/python3, whose libpython the C host links,
# and holds the hubspot_fdw package, its pinned dependencies and the test tools.
set -euo pipefail

venv=${1:-/opt/hubspot_fdw/venv}
here=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  /usr/bin/python3 -m venv "$venv"
fi
# setuptools reuses build/lib between builds: a module removed from the checkout would
# stay installed. Build from a clean slate (build/ keeps make demo's log).
rm -rf "$here/build/lib" "$here"/build/bdist.* "$here"/*.egg-info
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" -r "$here/requirements-dev.txt" "$here"
# Reinstall our own package every time (same version number, new code). A plain,
# non-editable install: backends must not depend on the checkout's path.
"${pip[@]}" --force-reinstall --no-deps "$here"
chmod -R a+rX "$venv"
