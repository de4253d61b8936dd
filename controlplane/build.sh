#!/usr/bin/env bash
# Builds the pinned local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kwok, and versitygw, its S3 server) from Go modules, once: the binaries are cached under a folder
# keyed by the versions and the module files, and a later run reuses them. Prints the bin folder on the last
# line of stdout. Exits with status 3 when only versitygw could not be built.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
modules=$here/modules
# shellcheck source=versions.env
source "$here/versions.env"

cache_root=${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}
# The control plane's own modules only: helm (modules/helm, built by build-helm.sh) and versitygw
# (modules/versitygw and its lines in versions.env, built by build-versitygw.sh) have their own cache keys,
# so that pinning another release of either does not rebuild Kubernetes; nor do the real node's lines (containerd,
# runc, crane: build-node.sh).
key=$({ grep -iv -e versitygw -e containerd -e runc -e crane "$here/versions.env"; cat "$modules"/{etcd,kubernetes,kwok}/go.mod "$modules"/{etcd,kubernetes,kwok}/go.sum; } | sha256sum | cut -c1-12)
bin=$cache_root/controlplane/k8s-$KUBERNETES_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-$key/bin
mkdir -p "$bin"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"

log() { echo "controlplane: $*" >&2; }

need() { # need <binary>... → true when any is missing
  local b
  for b in "$@"; do [ -x "$bin/$b" ] || return 0; done
  return 1
}

# go build -v names each package as it compiles; show a running count so a long first build shows life.
build() { # build <module dir> <ldflags> <package>...
  local dir=$1 ldflags=$2; shift 2
  local started=$SECONDS
  (cd "$modules/$dir" && go build -v -ldflags "$ldflags" -o "$bin.partial/" "$@" 2>&1) |
    awk -v what="$dir" '
      /^(go: |#|.*\.go:[0-9]+)/ { print; fflush(); next }
      { n++; if (n % 200 == 0) { printf "controlplane:   %s: %d packages compiled\n", what, n; fflush() } }' >&2
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    log "building $dir failed (go build exit $rc); see the messages above. Check that the Go module proxy is reachable and that 'go version' is $(go version | awk '{print $3}') or newer than the modules require."
    exit 1
  fi
  mv "$bin.partial"/* "$bin/"
  log "  $dir built in $((SECONDS - started)) s"
}

command -v go >/dev/null || { log "Go is not installed: the control plane is built from Go modules (Go 1.26 or newer)."; exit 1; }
mkdir -p "$bin.partial"

if need etcd; then
  log "building etcd $ETCD_VERSION (first time only)…"
  build etcd "-s -w" go.etcd.io/etcd/server/v3
  mv "$bin/server" "$bin/etcd"
fi

if need kube-apiserver kube-controller-manager kube-scheduler kubectl; then
  minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  v="k8s.io/component-base/version"; c="k8s.io/client-go/pkg/version"
  ld="-s -w"
  for p in $v $c; do
    ld="$ld -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  log "building Kubernetes $KUBERNETES_VERSION (first time only; 10–20 minutes on 2 cores)…"
  build kubernetes "$ld" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
fi

# kwok is built from a patched copy of its module (see patch_kwok), cached in its own folder keyed by the
# module files and this script's patch, and linked into the bin folder: a change to the patch rebuilds kwok
# alone, not Kubernetes.
patch_kwok() { # patch_kwok <source dir> — kwok v0.8.0 pipes an exec's stdin into the process and never
  # closes the pipe, so a command reading its stdin to the end (a restore) never sees EOF; close it.
  local f=$1/pkg/utils/exec/exec.go
  grep -q '_, _ = io.Copy(inPipe, opt.In)$' "$f" || { log "kwok's pkg/utils/exec/exec.go is not as expected: the stdin patch in controlplane/build.sh needs updating for kwok $KWOK_VERSION"; exit 1; }
  sed -i 's/_, _ = io.Copy(inPipe, opt.In)$/_, _ = io.Copy(inPipe, opt.In)\n\t\t\t\t_ = inPipe.Close()/' "$f"
}
kwok_key=$({ echo "$KWOK_VERSION"; cat "$modules"/kwok/go.mod "$modules"/kwok/go.sum; declare -f patch_kwok; } | sha256sum | cut -c1-12)
kwok_bin=$cache_root/kwok/kwok-$KWOK_VERSION-$kwok_key/bin
if [ ! -x "$kwok_bin/kwok" ]; then
  log "building kwok $KWOK_VERSION, patched (first time only)…"
  started=$SECONDS
  src=$(mktemp -d)
  kwok_src=$(cd "$modules/kwok" && go mod download -json sigs.k8s.io/kwok | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$kwok_src" ] || { log "could not download the kwok module"; exit 1; }
  cp -r "$kwok_src" "$src/kwok" && chmod -R u+w "$src/kwok"
  patch_kwok "$src/kwok"
  cp -r "$modules/kwok" "$src/build"
  (cd "$src/build" && go mod edit -replace "sigs.k8s.io/kwok=$src/kwok")
  mkdir -p "$kwok_bin.partial"
  if ! (cd "$src/build" && GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" -o "$kwok_bin.partial/" sigs.k8s.io/kwok/cmd/kwok) >&2; then
    log "building kwok failed; see the messages above"
    exit 1
  fi
  mkdir -p "$kwok_bin" && mv "$kwok_bin.partial/kwok" "$kwok_bin/" && rmdir "$kwok_bin.partial"
  rm -rf "$src"
  log "  kwok built in $((SECONDS - started)) s"
fi
if [ "$(readlink "$bin/kwok")" != "$kwok_bin/kwok" ]; then
  rm -f "$bin/kwok"
  ln -s "$kwok_bin/kwok" "$bin/kwok"
fi

# kwok's Exec resource (how a pod's exec becomes a local process) is a CRD shipped in the kwok module.
crds=$(dirname "$bin")/kwok
if [ ! -f "$crds/kwok.x-k8s.io_execs.yaml" ]; then
  mkdir -p "$crds"
  kwok_src=$(cd "$modules/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  cp "$kwok_src/kustomize/crd/bases/kwok.x-k8s.io_execs.yaml" "$crds/"
fi

rmdir "$bin.partial" 2>/dev/null || true

# helm, for the chart's tests (test/e2e/helm.test.ts), is built here too so that a fresh machine's setup
# builds everything once. The control plane does not need it: a failure is reported and the helm test,
# which runs build-helm.sh again, fails with the reason.
bash "$here/build-helm.sh" >/dev/null || log "helm could not be built (see above); the control plane does not need it, the chart's tests do."

# versitygw is cached in its own folder (build-versitygw.sh); the bin folder links to the build of the
# pinned release, and the link follows when the pin changes.
versitygw=$(bash "$here/build-versitygw.sh" | tail -n 1) || versitygw=
if [ ! -x "$versitygw" ]; then
  log "versitygw (the local S3 server) could not be built; see the messages above."
  exit 3
fi
if need versitygw || [ "$(readlink "$bin/versitygw")" != "$versitygw" ]; then
  ln -sfn "$versitygw" "$bin/versitygw"
fi

echo "$bin"
