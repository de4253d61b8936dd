#!/usr/bin/env bash
# Builds the components of a real node beside the local control plane, once: kubelet (from the same
# k8s.io/kubernetes release as the control plane), containerd with its runc shim and ctr, runc, the pause
# image's binary, and crane, which packs images from local files. The releases are pinned by versions.env and
# by modules/{kubelet,containerd,runc,crane}/go.mod and go.sum; the binaries are cached under a folder keyed by them, and a later run reuses them. The node's key is
# its own, so that pinning another containerd or runc does not rebuild the control plane, nor the reverse.
# Prints the bin folder on the last line of stdout.
#
# Needs Go 1.26 or newer, gcc, and Debian's libseccomp-dev and pkg-config (runc is built with cgo against
# libseccomp; scripts/debian-packages.txt lists them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
modules=$here/modules
# shellcheck source=versions.env
source "$here/versions.env"

cache_root=${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}

log() { echo "node: $*" >&2; }
fail() { log "$*"; exit 1; }

for v in KUBERNETES_VERSION CONTAINERD_VERSION RUNC_VERSION CRANE_VERSION; do
  [ -n "${!v:-}" ] || fail "no $v in $here/versions.env"
done

# The version a module's go.mod requires (in a require block or on a require line).
required() { # required <module dir> <module path>
  awk -v m="$2" '$1 !~ /^\/\// { for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$modules/$1/go.mod"
}
check_pin() { # check_pin <component> <module dir> <module path> <pinned version> <package to go get>
  local got
  got=$(required "$2" "$3")
  [ "$got" = "$4" ] ||
    fail "$1: versions.env pins $4 but modules/$2/go.mod requires ${got:-nothing}; run: (cd $modules/$2 && go get $5@$4 && go mod tidy)"
}
check_pin kubelet kubelet k8s.io/kubernetes "$KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kubelet
check_pin containerd containerd github.com/containerd/containerd/v2 "$CONTAINERD_VERSION" github.com/containerd/containerd/v2/cmd/containerd
check_pin runc runc github.com/opencontainers/runc "$RUNC_VERSION" github.com/opencontainers/runc
check_pin crane crane github.com/google/go-containerregistry "$CRANE_VERSION" github.com/google/go-containerregistry/cmd/crane

# The build flags are part of the key: changing how a component is built rebuilds it.
key=$({ grep -E '^(KUBERNETES|CONTAINERD|RUNC|CRANE)_VERSION=' "$here/versions.env"
  cat "$modules"/{kubelet,containerd,runc,crane}/go.mod "$modules"/{kubelet,containerd,runc,crane}/go.sum
  sed -n '/^# --- build steps/,$p' "$0"; } | sha256sum | cut -c1-12)
bin=$cache_root/node/k8s-$KUBERNETES_VERSION-containerd-$CONTAINERD_VERSION-runc-$RUNC_VERSION-$key/bin
mkdir -p "$bin"

need() { # need <binary>... → true when any is missing
  local b
  for b in "$@"; do [ -x "$bin/$b" ] || return 0; done
  return 1
}

command -v go >/dev/null || fail "Go is not installed: the node's components are built from Go modules (Go 1.26 or newer)."
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -trimpath"

# go build -v names each package as it compiles; show a running count so a long first build shows life.
build() { # build <component> <module dir> <cgo 0|1> <tags> <ldflags> <package>...
  local what=$1 dir=$2 cgo=$3 tags=$4 ldflags=$5; shift 5
  local started=$SECONDS
  mkdir -p "$bin.partial"
  (cd "$modules/$dir" && CGO_ENABLED=$cgo go build -v -tags "$tags" -ldflags "$ldflags" -o "$bin.partial/" "$@" 2>&1) |
    awk -v what="$what" '
      /^(go: |#|.*\.go:[0-9]+|.*: (error|warning|undefined reference))/ { print; fflush(); next }
      { n++; if (n % 200 == 0) { printf "node:   %s: %d packages compiled\n", what, n; fflush() } }' >&2
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    rm -rf "$bin.partial"
    fail "building $what failed (go build exit $rc); see the messages above. Check that the Go module proxy is reachable and that 'go version' is $(go version | awk '{print $3}') or newer than modules/$dir requires."
  fi
  mv "$bin.partial"/* "$bin/"
  rmdir "$bin.partial"
  log "  $what built in $((SECONDS - started)) s"
}

# --- build steps (this part of the script is in the cache key) ---

if need kubelet; then
  minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  log "building kubelet $KUBERNETES_VERSION (first time only; a few minutes, less when the control plane was built)…"
  build kubelet kubelet 0 "" "$ld" k8s.io/kubernetes/cmd/kubelet
fi

# containerd without cgo, hence without its btrfs snapshotter (no_btrfs); the shim without gRPC (no_grpc), as
# containerd's own Makefile builds them.
if need containerd containerd-shim-runc-v2 ctr; then
  p=github.com/containerd/containerd/v2
  ld="-s -w -X $p/version.Version=$CONTAINERD_VERSION -X $p/version.Package=$p"
  log "building containerd $CONTAINERD_VERSION (first time only; a few minutes on 2 cores)…"
  build containerd containerd 0 "no_btrfs urfave_cli_no_docs osusergo netgo" "$ld" $p/cmd/containerd $p/cmd/ctr
  build containerd-shim-runc-v2 containerd 0 "no_btrfs urfave_cli_no_docs osusergo netgo no_grpc" "$ld" $p/cmd/containerd-shim-runc-v2
fi

# runc needs cgo (its nsenter part is C) and libseccomp (tag seccomp); linked statically, as its own Makefile's
# static target does, so that it does not depend on the host's shared libraries. Without the libpathrs tag:
# libpathrs is a Rust library that Debian does not ship; runc then uses its Go implementation.
if need runc; then
  command -v gcc >/dev/null || fail "runc: gcc is needed (runc is built with cgo)."
  pkg-config --exists libseccomp 2>/dev/null ||
    fail "runc: libseccomp's development files are missing (pkg-config libseccomp); install Debian's libseccomp-dev and pkg-config."
  log "building runc $RUNC_VERSION (first time only; about a minute)…"
  build runc runc 1 "seccomp urfave_cli_no_docs netgo osusergo" "-s -w -extldflags -static" github.com/opencontainers/runc
fi

# The pause image's binary, compiled from the k8s.io/kubernetes module's build/pause/linux/pause.c as
# kubernetes' build/pause/Makefile does.
if need pause; then
  command -v gcc >/dev/null || fail "pause: gcc is needed to compile build/pause/linux/pause.c."
  k8s=$(cd "$modules/kubelet" && go mod download -json k8s.io/kubernetes | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$k8s/build/pause/linux/pause.c" ] || fail "pause: build/pause/linux/pause.c not found in the k8s.io/kubernetes module (${k8s:-not downloaded})."
  tag=$(sed -n 's/^TAG ?= *//p' "$k8s/build/pause/Makefile")
  mkdir -p "$bin.partial"
  gcc -Os -Wall -Werror -static -DVERSION="v${tag:-unknown}-$KUBERNETES_VERSION" -o "$bin.partial/pause" "$k8s/build/pause/linux/pause.c" >&2 ||
    fail "pause: compiling build/pause/linux/pause.c failed (gcc's messages above); a static build needs glibc's static library (Debian's libc6-dev)."
  strip "$bin.partial/pause" 2>/dev/null || true
  mv "$bin.partial/pause" "$bin/" && rmdir "$bin.partial"
  log "  pause built"
fi

if need crane; then
  log "building crane $CRANE_VERSION (first time only; under a minute)…"
  build crane crane 0 "" "-s -w -X github.com/google/go-containerregistry/cmd/crane/cmd.Version=$CRANE_VERSION" \
    github.com/google/go-containerregistry/cmd/crane
fi

echo "$bin"
