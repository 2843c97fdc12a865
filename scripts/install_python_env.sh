#!/usr/bin/env bash
# Create (or update) the virtual environment the PostgreSQL backend imports from.
# It is made from the interpreter of the python3-config the C host was linked with
# (the Makefile passes it; default Debian's /usr/bin/python3), and holds the
# hubspot_fdw package, its pinned dependencies and the test tools.
set -euo pipefail

venv=${1:-/opt/hubspot_fdw/venv}
python=${2:-/usr/bin/python3}
here=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
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
