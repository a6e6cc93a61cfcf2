#!/usr/bin/env bash
# Installs a real Incus daemon (bookworm-backports), busybox-static and
# dnsmasq-base (for managed bridges) on a fresh Debian 12 machine, starts
# incusd without systemd, initialises it with a preseed, and imports a local
# busybox image (no internet needed).
# Idempotent: safe to run again on a machine that already has it.
set -euo pipefail

IMAGE_ALIAS=${RACK_ACC_INCUS_IMAGE:-rack-busybox}

if ! command -v incus >/dev/null 2>&1 || [ ! -x /usr/libexec/incus/incusd ] || [ ! -x /bin/busybox ]; then
  # Use the same archive mirror the machine already uses, with the backports suite.
  mirror=$( { grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
              grep -h -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}'; } \
            | grep -v security | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "deb ${mirror%/} bookworm-backports main" > /etc/apt/sources.list.d/rack-backports.list
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -t bookworm-backports incus-base busybox-static dnsmasq-base >/dev/null
fi

# incusd runs dnsmasq for each managed bridge: without it, creating one
# (rack_incus_network's tests) fails.
if ! command -v dnsmasq >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null
fi

sock=/var/lib/incus/unix.socket
if ! incus info >/dev/null 2>&1; then
  mkdir -p /var/log/incus
  nohup /usr/libexec/incus/incusd --group root >/var/log/incus/rack-incusd.log 2>&1 &
  incus admin waitready --timeout 60
fi

if ! incus storage show default >/dev/null 2>&1; then
  incus admin init --preseed <<'YAML'
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: default
      type: disk
YAML
fi

if ! incus image alias list --format csv | grep -q "^${IMAGE_ALIAS},"; then
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
  incus image import "$work/meta.tar.gz" "$work/rootfs.tar.gz" --alias "$IMAGE_ALIAS" >/dev/null
  rm -rf "$work"
fi
echo "incus ready on $sock with image $IMAGE_ALIAS"
