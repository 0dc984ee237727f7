#!/usr/bin/env bash
# Usage: scripts/run-in-sandbox.sh CMD [ARGS...]
#
# Runs CMD in its own mount namespace and its own network namespace, which has nothing but loopback:
#  - the e2e harness bind-mounts a test policies.json over Firefox's distribution folder; in a private
#    mount namespace that mount is invisible to the rest of the machine and vanishes with CMD;
#  - Firefox and the test servers can reach 127.0.0.1 only, so no test ever touches the real network.
# CMD sees CHAIN_SENTRY_SANDBOX=1; the harness refuses to start Firefox without it.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi
for tool in unshare mount ip; do
  command -v "$tool" >/dev/null || { echo "run-in-sandbox: '$tool' not found (run scripts/setup.sh)" >&2; exit 1; }
done

# Root gets the namespaces directly; anyone else needs an unprivileged user namespace (mapped to root
# inside it) to be allowed to create them.
userns=()
[ "$(id -u)" -eq 0 ] || userns=(--map-root-user)

# unshare execs without forking, so CMD's exit status and signals pass straight through.
exec unshare "${userns[@]}" --mount --net -- bash -c '
  set -e
  mount --make-rprivate /     # nothing mounted in here propagates back to the host
  ip link set lo up           # a new network namespace starts with lo down
  export CHAIN_SENTRY_SANDBOX=1
  exec "$@"
' run-in-sandbox "$@"
