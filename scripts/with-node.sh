#!/usr/bin/env bash
# Runs a command with Node.js 24 first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
exec "$@"
