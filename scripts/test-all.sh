#!/usr/bin/env bash
# The whole check, as `npm test` and CI run it: setup, typecheck, lint and format, unit and component tests, build,
# web-ext lint (0 errors), package, then the end-to-end tests in real Firefox inside the sandbox.
# Stops at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

# web-ext would otherwise look for a newer version of itself on the network.
export NO_UPDATE_NOTIFIER=1

step=""
section() {
  step=$1
  printf '\n=== %s\n' "$1"
}
trap 'status=$?; [ $status -eq 0 ] || printf "\n=== FAILED: %s (exit %s)\n" "$step" "$status" >&2' EXIT

section "setup"
bash scripts/setup.sh

section "typecheck"
npm run --silent typecheck

section "lint and format"
npm run --silent lint
npm run --silent format:check

section "unit and component tests"
npx jest

section "build"
npm run --silent build

section "web-ext lint (errors fail, warnings are listed)"
npx web-ext lint --source-dir dist --self-hosted

section "package"
npx web-ext build --source-dir dist --overwrite-dest

section "end-to-end tests (real Firefox, sandboxed)"
npm run --silent test:e2e

printf '\n=== all passed\n'
