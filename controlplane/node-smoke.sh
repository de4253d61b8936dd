#!/usr/bin/env bash
# A smoke test of the real node's container runtime alone (no kubelet, no network): starts the pinned
# containerd (build-node.sh) with its own root, state, sockets and config under a temporary folder, packs the
# pause binary into a one-layer image with crane, imports it, runs it with runc in a container on the host's
# network namespace, checks that it runs in its own PID namespace, stops it, and stops containerd by its
# process id. Everything it made (mounts, cgroups, folders) is removed on the way out, whatever happened.
#
# Usage: bash controlplane/node-smoke.sh   (as root; needs the binaries of build-node.sh, which it runs)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "node-smoke: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "containerd and runc need root"
bin=$(bash "$here/build-node.sh" | tail -n 1)
for b in containerd containerd-shim-runc-v2 ctr runc pause crane; do
  [ -x "$bin/$b" ] || fail "$b is missing from $bin"
done

work=$(mktemp -d /tmp/rss-node-smoke.XXXXXX)
ns=rss-node-smoke
id=smoke-$$
sock=$work/containerd.sock
ctr() { "$bin/ctr" --address "$sock" --namespace "$ns" "$@"; }
containerd_pid=
runner_pid=
# What exists before, so that only what this run made is removed.
# containerd's shims put their sockets under /run/containerd/s whatever containerd's state folder is, and
# mount(8) keeps /run/mount.
run_containerd_existed=$([ -e /run/containerd ] && echo yes || echo no)
run_mount_existed=$([ -e /run/mount ] && echo yes || echo no)

cleanup() {
  local rc=$?
  set +e
  if [ -n "$runner_pid" ] && kill -0 "$runner_pid" 2>/dev/null; then
    ctr task kill -s KILL "$id" >/dev/null 2>&1
    wait "$runner_pid" 2>/dev/null
  fi
  if [ -n "$containerd_pid" ] && kill -0 "$containerd_pid" 2>/dev/null; then
    ctr task kill -s KILL "$id" >/dev/null 2>&1
    ctr container rm "$id" >/dev/null 2>&1
    kill -TERM "$containerd_pid"
    for _ in $(seq 50); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$containerd_pid" 2>/dev/null && kill -KILL "$containerd_pid"
    wait "$containerd_pid" 2>/dev/null
  fi
  # Mounts under the folder (snapshots, the shim's rootfs), deepest first.
  awk -v w="$work" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  # The cgroups runc made for the namespace (one per controller), empty once the container is gone.
  for c in /sys/fs/cgroup/*/"$ns" /sys/fs/cgroup/"$ns"; do
    [ -d "$c" ] && { rmdir "$c"/* 2>/dev/null; rmdir "$c" 2>/dev/null; }
  done
  if [ "$run_containerd_existed" = no ] && [ -d /run/containerd ]; then
    rmdir /run/containerd/s /run/containerd 2>/dev/null
  fi
  if [ "$run_mount_existed" = no ] && [ -d /run/mount ]; then
    rmdir /run/mount 2>/dev/null
  fi
  rm -rf "$work"
  [ "$rc" -eq 0 ] && log "cleaned up" || log "cleaned up after a failure (exit $rc)"
}
trap cleanup EXIT

# --- the image: the pause binary alone, entrypoint /pause, as a docker-archive tarball.
mkdir -p "$work/layer"
cp "$bin/pause" "$work/layer/pause"
tar -C "$work/layer" --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" pause
started=$SECONDS
# crane append writes an image without a registry; crane mutate needs one, so a loopback-only in-memory
# registry (crane registry serve) holds it while the entrypoint and platform are set.
"$bin/crane" registry serve --address 127.0.0.1:0 >"$work/registry.log" 2>&1 &
registry_pid=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "$work/registry.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { kill "$registry_pid"; fail "crane registry serve did not start: $(cat "$work/registry.log")"; }
ref=127.0.0.1:$port/rss/pause:smoke
if ! { "$bin/crane" append --insecure --oci-empty-base -f "$work/layer.tar" -t "$ref" >/dev/null &&
  "$bin/crane" mutate --insecure "$ref" --entrypoint /pause --set-platform linux/amd64 -t localhost/rss/pause:smoke -o "$work/pause.tar" >/dev/null; }; then
  kill "$registry_pid"; wait "$registry_pid" 2>/dev/null
  fail "packing the pause image with crane failed"
fi
kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true
log "image packed in $((SECONDS - started)) s ($(stat -c %s "$work/pause.tar") bytes)"

# --- containerd, on its own folders and sockets; CNI pointed at an empty folder (no network is made).
snapshotter=overlayfs
mkdir -p "$work/overlay-probe"/{lower,upper,work,merged}
if ! mount -t overlay overlay -o "lowerdir=$work/overlay-probe/lower,upperdir=$work/overlay-probe/upper,workdir=$work/overlay-probe/work" "$work/overlay-probe/merged" 2>/dev/null; then
  snapshotter=native
else
  umount "$work/overlay-probe/merged"
fi
rm -rf "$work/overlay-probe"
mkdir -p "$work/cni"
cat >"$work/config.toml" <<EOF
version = 4
root = "$work/root"
state = "$work/state"

[plugins.'io.containerd.server.v1.grpc']
  address = "$sock"

[plugins.'io.containerd.server.v1.ttrpc']
  address = "$sock.ttrpc"

[plugins.'io.containerd.internal.v1.opt']
  path = "$work/opt"

[plugins.'io.containerd.nri.v1.nri']
  disable = true

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "$snapshotter"

[plugins.'io.containerd.cri.v1.runtime']
  # No CAP_SYS_RESOURCE here: a container's oom_score_adj may not go below containerd's own.
  restrict_oom_score_adj = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ["/usr/lib/cni"]
  conf_dir = "$work/cni"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  BinaryName = "$bin/runc"
  Root = "$work/runc"
EOF
# containerd reads its config without complaint about keys it does not know: check, before starting it, that
# it would serve on this run's socket and keep its files here, not on the system's defaults.
"$bin/containerd" --config "$work/config.toml" config dump >"$work/config.dump" 2>"$work/config.err" ||
  fail "containerd rejects its config: $(cat "$work/config.err")"
for want in "root = '$work/root'" "state = '$work/state'" "address = '$sock'" "address = '$sock.ttrpc'" "path = '$work/opt'"; do
  grep -qxF -- "$want" <(sed 's/^[[:space:]]*//' "$work/config.dump") || fail "containerd's merged config lacks: $want"
done
started=$SECONDS
PATH=$bin:$PATH "$bin/containerd" --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
containerd_pid=$!
for _ in $(seq 100); do
  ctr version >/dev/null 2>&1 && break
  kill -0 "$containerd_pid" 2>/dev/null || { tail -n 20 "$work/containerd.log" >&2; fail "containerd exited on start"; }
  sleep 0.2
done
ctr version >/dev/null 2>&1 || { tail -n 20 "$work/containerd.log" >&2; fail "containerd did not answer on $sock"; }
log "containerd (pid $containerd_pid, snapshotter $snapshotter) ready in $((SECONDS - started)) s"
# The CRI plugin (what a kubelet talks to) must have loaded with this config; ctr does not use it.
ctr plugins ls >"$work/plugins.txt"
awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" && $NF == "ok" { found = 1 } END { exit !found }' "$work/plugins.txt" ||
  { grep -E 'cri|STATUS' "$work/plugins.txt" >&2; grep -i 'cri' "$work/containerd.log" | tail -n 10 >&2; fail "containerd's CRI plugin did not load"; }
log "CRI plugin loaded"

ctr images import --snapshotter "$snapshotter" --platform linux/amd64 "$work/pause.tar" >&2 ||
  fail "ctr images import failed"
ctr images ls -q | grep -qx 'localhost/rss/pause:smoke' || fail "the imported image is not listed: $(ctr images ls -q)"

# --- run it with runc (ctr run --rm waits for the task and removes the container).
started=$SECONDS
ctr run --rm --net-host --snapshotter "$snapshotter" --runc-binary "$bin/runc" --runc-root "$work/runc" --fifo-dir "$work/fifo" \
  localhost/rss/pause:smoke "$id" >"$work/run.log" 2>&1 &
runner_pid=$!
pid=
for _ in $(seq 100); do
  pid=$(ctr task ls 2>/dev/null | awk -v id="$id" '$1 == id && $3 == "RUNNING" { print $2 }')
  [ -n "$pid" ] && break
  kill -0 "$runner_pid" 2>/dev/null || { cat "$work/run.log" >&2; tail -n 20 "$work/containerd.log" >&2; fail "ctr run exited"; }
  sleep 0.2
done
[ -n "$pid" ] || { cat "$work/run.log" >&2; fail "the task did not reach RUNNING"; }
log "container running in $((SECONDS - started)) s: host pid $pid"
[ "$(readlink "/proc/$pid/exe" | xargs basename)" = pause ] || fail "pid $pid is not the pause binary: $(readlink "/proc/$pid/exe")"
[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] || fail "the container shares the host's PID namespace"
[ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ] || fail "the container is not on the host's network namespace (--net-host)"
[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || fail "the container shares the host's mount namespace"
inner=$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status")
[ "$inner" = 1 ] || fail "pause is pid $inner in its namespace, not 1"
log "pause is pid 1 in its own PID and mount namespaces, on the host's network; cgroup: $(grep -m1 memory "/proc/$pid/cgroup" | cut -d: -f3)"

# SIGTERM: pause exits 0 at once; ctr run --rm then removes the container and its snapshot.
ctr task kill -s TERM "$id"
for _ in $(seq 50); do kill -0 "$runner_pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$runner_pid" 2>/dev/null; then fail "the container did not stop on SIGTERM"; fi
wait "$runner_pid" || fail "ctr run exited with $? ($(cat "$work/run.log"))"
runner_pid=
! kill -0 "$pid" 2>/dev/null || fail "pid $pid still runs after the task stopped"
[ -z "$(ctr containers ls -q)" ] || fail "containers left: $(ctr containers ls -q)"
log "container stopped and removed"

# The container's shim (its command line names this containerd's socket) exits once the container is gone.
shims() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- "-address $sock " && { p=${f#/proc/}; echo "${p%/cmdline}"; }
  done
  return 0
}
for _ in $(seq 50); do [ -z "$(shims)" ] && break; sleep 0.1; done
[ -z "$(shims)" ] || fail "shim processes left: $(shims)"
log "OK"
