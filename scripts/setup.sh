#!/usr/bin/env bash
# Everything the demo and the tests need on a fresh machine. Safe to run again: it only does what is missing.
#   - Node.js 24 (from the npm registry when the machine's node is older)
#   - Debian packages listed in scripts/debian-packages.txt (apt-get, as root)
#   - npm packages (npm ci, when package-lock.json changed)
#   - the local control plane's binaries, built once from Go modules and cached
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh

say() { echo "setup: $*" >&2; }

missing=()
while read -r package probe; do
  [ -z "${package:-}" ] || [ "${package:0:1}" = "#" ] && continue
  [ -e "$probe" ] || command -v "$probe" >/dev/null 2>&1 || missing+=("$package")
done < scripts/debian-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} — run: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v go >/dev/null 2>&1; then
  say "Go 1.26 or newer is needed to build the local control plane (etcd, kube-apiserver, kwok…) and is not installed."
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

bash controlplane/build.sh >/dev/null
