#!/usr/bin/env bash
# Install the Debian packages the build, the tests and the demo need, if missing.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

packages=(postgresql-15 postgresql-server-dev-15 postgresql-contrib python3-dev python3-venv
          libpq-dev gcc make rsync sqlsmith)
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
