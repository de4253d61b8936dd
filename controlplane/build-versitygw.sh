#!/usr/bin/env bash
# Builds versitygw (the local control plane's S3 server) from its Go module, once: the release is pinned by
# VERSITYGW_VERSION in versions.env and by modules/versitygw/go.mod and go.sum, the binary is cached under
# a folder keyed by them, and a later run reuses it. Its key is its own so that pinning another release
# rebuilds versitygw alone, not Kubernetes. Prints the path of the binary on the last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
module=$here/modules/versitygw
# shellcheck source=versions.env
source "$here/versions.env"

cache_root=${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}
version=${VERSITYGW_VERSION:-}
key=$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-12)
bin=$cache_root/versitygw/versitygw-$version-$key/bin

log() { echo "versitygw: $*" >&2; }

if [ -n "$version" ] && [ -x "$bin/versitygw" ]; then
  echo "$bin/versitygw"
  exit 0
fi

[ -n "$version" ] || { log "no VERSITYGW_VERSION in $here/versions.env"; exit 1; }
# The version go.mod requires (in a require block or on a require line) must be the pinned one.
required=$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/versity/versitygw") { print $(i + 1); exit } }' "$module/go.mod")
if [ "$required" != "$version" ]; then
  log "versions.env pins $version but $module/go.mod requires ${required:-nothing}; run: (cd $module && go get github.com/versity/versitygw/cmd/versitygw@$version)"
  exit 1
fi
command -v go >/dev/null || { log "Go is not installed: versitygw is built from its Go module (Go 1.26 or newer)."; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"

# What versitygw's own Makefile sets, so that `versitygw --version` names the release.
ld="-s -w -X main.Version=$version -X main.BuildTime=1970-01-01T00:00:00Z"

log "building versitygw $version (first time only; a few minutes on 2 cores)…"
started=$SECONDS
mkdir -p "$bin.partial"
(cd "$module" && go build -v -ldflags "$ld" -o "$bin.partial/versitygw" github.com/versity/versitygw/cmd/versitygw 2>&1) |
  awk '
    /^(go: |#|.*\.go:[0-9]+)/ { print; fflush(); next }
    { n++; if (n % 200 == 0) { printf "versitygw:   %d packages compiled\n", n; fflush() } }' >&2
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  log "building versitygw failed (go build exit $rc); see the messages above. Check that the Go module proxy is reachable and that 'go version' is $(go version | awk '{print $3}') or newer than the module requires."
  exit 1
fi
mkdir -p "$bin"
mv "$bin.partial/versitygw" "$bin/versitygw"
rmdir "$bin.partial" 2>/dev/null || true
log "  versitygw built in $((SECONDS - started)) s"
echo "$bin/versitygw"
