#!/usr/bin/env bash
# Installs what the build and the tests need; does nothing when it is all there already.
#  - Debian packages: firefox-esr (the e2e tests' browser), libnss3-tools (certutil), iproute2 (`ip`,
#    which scripts/run-in-sandbox.sh uses to bring up loopback; missing from minimal Debian images).
#  - Node dependencies: `npm ci` when node_modules is missing or older than package-lock.json.
# Prints one line per thing it installs; on failure, the installer's output.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "setup: $*" >&2; exit 1; }

# Runs a command with its output kept aside, shown only if it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "failed: $*"
  fi
  rm -f "$log"
}

packages=()
command -v firefox-esr >/dev/null || packages+=(firefox-esr)
command -v certutil >/dev/null || packages+=(libnss3-tools)
command -v ip >/dev/null || packages+=(iproute2)
if [ ${#packages[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing ${packages[*]} and no apt-get to install them (Debian 12 expected)"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "missing ${packages[*]}: run this script as root to install them"
    sudo=(sudo)
  fi
  echo "setup: installing ${packages[*]} with apt-get" >&2
  quietly "${sudo[@]}" apt-get update
  quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
fi

command -v npm >/dev/null || fail "npm not found: install Node.js 20 (>= 20.19) first"
# npm ci writes node_modules/.package-lock.json last: if it is missing or older than the lockfile,
# node_modules is missing, half-installed or out of date.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing Node dependencies (npm ci)" >&2
  quietly npm ci --no-audit --no-fund
fi
