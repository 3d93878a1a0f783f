#!/usr/bin/env bash
# Start virtlogd and libvirtd (no systemd on these machines), idempotently.
# virtlogd first: without it every domain start fails ("Failed to connect socket
# to '/run/libvirt/virtlogd-sock'").
set -euo pipefail

log() { echo "start-libvirt: $*" >&2; }

# A daemon counts as running when its pid file names a live process of that name.
running() {
    local name=$1 pidfile=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]
}

answers() {
    timeout 10 virsh -c qemu:///system version >/dev/null 2>&1
}

for tool in virtlogd libvirtd virsh; do
    command -v "$tool" >/dev/null || { log "ERROR: $tool not found (install libvirt-daemon-system libvirt-clients)"; exit 1; }
done

if ! running virtlogd /run/virtlogd.pid; then
    log "starting virtlogd"
    virtlogd -d
fi

if running libvirtd /run/libvirtd.pid; then
    answers && exit 0
    log "libvirtd (pid $(cat /run/libvirtd.pid)) is running but qemu:///system does not answer yet"
else
    log "starting libvirtd"
    libvirtd -d
fi

for _ in $(seq 1 60); do
    if answers; then
        log "libvirtd answers on qemu:///system"
        exit 0
    fi
    sleep 0.5
done
log "ERROR: libvirtd does not answer on qemu:///system after 30 s"
exit 1
