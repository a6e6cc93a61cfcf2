#!/usr/bin/env bash
# Starts a real two-member Incus cluster on loopback, next to the standalone
# daemon of install-incus.sh (run that first: it installs incusd and builds
# nothing shared with this one). Member c1 (INCUS_DIR=/var/lib/incus-c1,
# 127.0.0.11:8443) and c2 (/var/lib/incus-c2, 127.0.0.12:8443) form the
# cluster; each has the `dir` pool `local`, the default profile a root disk
# on it, and the test image is imported. Nothing leaves the machine.
# Idempotent: a member already running and clustered is left as it is, so a
# second run takes a second or so.
set -euo pipefail

IMAGE_ALIAS=${RACK_ACC_INCUS_IMAGE:-rack-busybox}
C1=/var/lib/incus-c1
C2=/var/lib/incus-c2

c1() { INCUS_DIR=$C1 incus "$@"; }
c2() { INCUS_DIR=$C2 incus "$@"; }

start() { # start DIR NAME: an incusd for DIR, unless one answers already
  local dir=$1 name=$2
  if INCUS_DIR=$dir incus info >/dev/null 2>&1; then
    return
  fi
  mkdir -p "$dir" /var/log/incus
  INCUS_DIR=$dir nohup /usr/libexec/incus/incusd --group root >"/var/log/incus/rack-incusd-$name.log" 2>&1 &
  INCUS_DIR=$dir incus admin waitready --timeout 60
}

started=$(date +%s)
start "$C1" c1
if ! c1 cluster list >/dev/null 2>&1; then
  c1 config set core.https_address 127.0.0.11:8443
  c1 storage show local >/dev/null 2>&1 || c1 storage create local dir >/dev/null
  c1 cluster enable c1 >/dev/null
fi

start "$C2" c2
if ! c1 cluster show c2 >/dev/null 2>&1; then
  # A token left by a join that did not finish would block a new one.
  c1 cluster revoke-token c2 >/dev/null 2>&1 || true
  token=$(c1 cluster add c2 --quiet)
  c2 admin init --preseed <<YAML
cluster:
  enabled: true
  server_name: c2
  server_address: 127.0.0.12:8443
  cluster_token: ${token}
  member_config:
  - entity: storage-pool
    name: local
    key: source
    value: ""
YAML
fi

if ! c1 profile device show default 2>/dev/null | grep -q '^root:'; then
  c1 profile device add default root disk path=/ pool=local >/dev/null
fi

if ! c1 image alias list --format csv | grep -q "^${IMAGE_ALIAS},"; then
  work=$(mktemp -d)
  mkdir -p "$work/rootfs/bin" "$work/rootfs/sbin"
  for d in dev proc sys tmp etc root run; do mkdir -p "$work/rootfs/$d"; done
  cp /bin/busybox "$work/rootfs/bin/busybox"
  ln -s busybox "$work/rootfs/bin/sh"
  ln -s ../bin/busybox "$work/rootfs/sbin/init"
  cat > "$work/metadata.yaml" <<YAML
architecture: x86_64
creation_date: $(date +%s)
properties:
  description: busybox test image for terraform-provider-rack
  os: busybox
  release: "1"
YAML
  tar -czf "$work/meta.tar.gz" -C "$work" metadata.yaml
  tar -czf "$work/rootfs.tar.gz" -C "$work/rootfs" .
  c1 image import "$work/meta.tar.gz" "$work/rootfs.tar.gz" --alias "$IMAGE_ALIAS" >/dev/null
  rm -rf "$work"
fi

# Members restarted after a stop show OFFLINE until their next heartbeats
# (about 10 s apart): wait for them before failing.
online() { c1 cluster list --format csv | grep -q "^$1,.*,ONLINE,"; }
for m in c1 c2; do
  for _ in $(seq 60); do
    online "$m" && break
    sleep 1
  done
  online "$m" || {
    echo "cluster member $m is not ONLINE:" >&2
    c1 cluster list >&2
    exit 1
  }
done
echo "incus cluster ready (c1, c2) on $C1/unix.socket with image $IMAGE_ALIAS in $(($(date +%s) - started))s"
