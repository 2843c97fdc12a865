#!/usr/bin/env bash
# Run the whole test suite. PostgreSQL refuses to run as root, so as root the
# suite runs as the unprivileged "postgres" user, from a copy of the checkout
# that user can read when the checkout itself is not readable to it.
set -euo pipefail

venv=${1:-/opt/hubspot_fdw/venv}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
python="$venv/bin/python"
pytest_args=("$@")
[ ${#pytest_args[@]} -eq 0 ] && pytest_args=(tests)

if [ "$(id -u)" -ne 0 ]; then
  cd "$here"
  exec "$python" -m pytest "${pytest_args[@]}"
fi

runner=postgres
workdir="$here"
if ! runuser -u "$runner" -- test -r "$here/pyproject.toml" -a -x "$here/tests"; then
  workdir=$(mktemp -d /tmp/hubspot_fdw-tests.XXXXXX)
  rsync -a --exclude .git --exclude '*.o' --exclude '*.so' --exclude '*.bc' "$here/" "$workdir/"
  chown -R "$runner" "$workdir"
fi
cd "$workdir"
exec runuser -u "$runner" -- env HOME=/tmp PATH="$venv/bin:$PATH" PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}" \
  HUBSPOT_OPENAPI_DIR="${HUBSPOT_OPENAPI_DIR:-}" HUBSPOT_RECORDED_DIR="${HUBSPOT_RECORDED_DIR:-}" \
  "$python" -m pytest "${pytest_args[@]}"
