#!/usr/bin/env bash
# npm run bench: the performance benchmarks of BENCHMARKS.md. Not part of npm test (no timing is
# ever asserted); prints a table and writes bench/results.json (gitignored).
#  1. setup (installs Firefox ESR and the Node dependencies when missing) and the build (dist/);
#  2. bench/core.ts in Node: the listener's decision per request, throughput, heap, blocklist load;
#  3. bench/firefox.ts in the sandbox (scripts/run-in-sandbox.sh): page-load time with no extension,
#     a floor extension, the limit extension and Chain Sentry, in one Firefox that swaps them in turn,
#     at each round-trip time of BENCH_RTT (default 0; e.g. BENCH_RTT=0,20,80); the popup; the
#     blocklist load in Firefox's engine;
#  4. bench/report.ts: the table against the targets.
# BENCH_QUICK=1 runs a smaller, faster version (a smoke test of the benchmark itself). The other
# knobs (BENCH_ROUNDS, BENCH_RTT, BENCH_PARTS, BENCH_EXTRA…) are listed in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_UPDATE_NOTIFIER=1
started=$(date +%s)

section() { printf '\n=== %s\n' "$1" >&2; }

section "setup"
bash scripts/setup.sh

section "build"
npm run --silent build >/dev/null

rm -f bench/results.json

# The machine may be shared: as root, give the Node benchmark a higher CPU priority so that other
# processes preempt it less (Firefox runs at normal priority, all three configurations alike).
priority=()
[ "$(id -u)" -eq 0 ] && priority=(nice -n -10)

section "core (Node)"
"${priority[@]}" node --expose-gc --import tsx bench/core.ts

section "Firefox (sandboxed)"
bash scripts/run-in-sandbox.sh node --import tsx bench/firefox.ts

section "report"
node --import tsx bench/report.ts --runtime-seconds "$(( $(date +%s) - started ))"
