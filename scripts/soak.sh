#!/usr/bin/env bash
# npm run soak: a day of browsing with Chain Sentry (bench/soak.ts; BENCHMARKS.md, "A day of browsing").
# Not part of npm test (no timing is asserted); about 25 minutes. Prints a table and writes
# bench/soak-results.json (gitignored). SOAK_QUICK=1 runs a short smoke version (about 3 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_UPDATE_NOTIFIER=1
bash scripts/setup.sh
npm run --silent build >/dev/null
exec bash scripts/run-in-sandbox.sh node --import tsx bench/soak.ts
