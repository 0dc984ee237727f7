#!/usr/bin/env bash
# Builds a variant of Chain Sentry for a diagnostic comparison, without touching the checkout:
#   bash bench/build-variant.sh bench/variants/<name>.patch   → prints the variant's dist/ path
# then: BENCH_EXTRA="<name>=<that path>" bash scripts/run-in-sandbox.sh node --import tsx bench/firefox.ts
# The patch applies to a copy of the sources in /tmp (node_modules linked), built with the same config.
set -euo pipefail
cd "$(dirname "$0")/.."
patch_file=$(realpath "$1")
name=$(basename "$patch_file" .patch)
dir=/tmp/chain-sentry-variant-$name
rm -rf "$dir"
mkdir -p "$dir"
cp -r src background popup data icons scripts manifest.json package.json tsconfig.json vite.config.ts "$dir"/
ln -s "$PWD/node_modules" "$dir/node_modules"
(cd "$dir" && patch -s -p1 < "$patch_file" && npx vite build --logLevel error >/dev/null)
echo "$dir/dist"
