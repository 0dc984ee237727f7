#!/usr/bin/env bash
# npm run demo [-- OPTIONS]: installs what is missing, builds the extension, and runs scripts/demo.ts
# (Firefox ESR with the extension and the demo policy, against local demo sites) inside the sandbox
# (scripts/run-in-sandbox.sh: private mounts, loopback-only network). `--help` lists the options.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
for arg in "$@"; do
  case "$arg" in
    -h | --help) exec node_modules/.bin/tsx scripts/demo.ts --help ;;
  esac
done

echo "demo: building the extension (npm run build)" >&2
log=$(mktemp)
if ! npm run --silent build >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "demo: the build failed" >&2
  exit 1
fi
rm -f "$log"
exec bash scripts/run-in-sandbox.sh node_modules/.bin/tsx scripts/demo.ts "$@"
