#!/usr/bin/env bash
# Builds helm (used by the tests to lint and render charts/rss-operator) from its Go module, once: the
# version is pinned by modules/helm/go.mod and go.sum, the binary is cached under a folder keyed by them,
# and a later run reuses it. Prints the path of the helm binary on the last line of stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
module=$here/modules/helm

cache_root=${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}
# The version go.mod requires of a module (in a require block or on a require line).
required() { awk -v m="$1" '{ for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$module/go.mod"; }
version=$(required helm.sh/helm/v3)
key=$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-12)
bin=$cache_root/helm/helm-$version-$key/bin

log() { echo "helm: $*" >&2; }

if [ -x "$bin/helm" ]; then
  echo "$bin/helm"
  exit 0
fi

command -v go >/dev/null || { log "Go is not installed: helm is built from its Go module (Go 1.26 or newer)."; exit 1; }
[ -n "$version" ] || { log "no helm.sh/helm/v3 requirement in $module/go.mod"; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"

# What helm's own Makefile sets: its version, and the Kubernetes version it assumes when it renders
# without a cluster (.Capabilities.KubeVersion, `helm lint`'s deprecation checks) from its client-go
# module (v0.N → 1.N).
client_go=$(required k8s.io/client-go)
k8s_minor=$(echo "$client_go" | cut -d. -f2)
p=helm.sh/helm/v3
ld="-s -w -X $p/internal/version.version=$version -X $p/internal/version.gitTreeState=clean"
ld="$ld -X $p/pkg/lint/rules.k8sVersionMajor=1 -X $p/pkg/lint/rules.k8sVersionMinor=$k8s_minor"
ld="$ld -X $p/pkg/chartutil.k8sVersionMajor=1 -X $p/pkg/chartutil.k8sVersionMinor=$k8s_minor"

log "building helm $version (first time only; a few minutes on 2 cores)…"
started=$SECONDS
mkdir -p "$bin.partial"
(cd "$module" && go build -v -ldflags "$ld" -o "$bin.partial/helm" helm.sh/helm/v3/cmd/helm 2>&1) |
  awk '
    /^(go: |#|.*\.go:[0-9]+)/ { print; fflush(); next }
    { n++; if (n % 200 == 0) { printf "helm:   %d packages compiled\n", n; fflush() } }' >&2
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
  log "building helm failed (go build exit $rc); see the messages above. Check that the Go module proxy is reachable and that 'go version' is $(go version | awk '{print $3}') or newer than the module requires."
  exit 1
fi
mkdir -p "$bin"
mv "$bin.partial/helm" "$bin/helm"
rmdir "$bin.partial" 2>/dev/null || true
log "  helm built in $((SECONDS - started)) s"
echo "$bin/helm"
