#!/usr/bin/env bash
# make demo: run the end-to-end demo with the installed Python environment.
set -euo pipefail
venv=${1:-/opt/hubspot_fdw/venv}
exec "$venv/bin/python" -m hubspot_fdw.devtools.demo
