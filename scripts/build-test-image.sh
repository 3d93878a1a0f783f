#!/usr/bin/env bash
# Build the novalite test image from Debian packages only (no internet image):
# a busybox initramfs whose /init prints known console lines, the Debian cloud
# kernel, syslinux on a FAT disk, converted to qcow2. Also keeps the kernel and
# initramfs as a kernel/ramdisk ("AMI style") pair.
#
# Output: /var/cache/novalite/test-image/<key>/{disk.qcow2,vmlinuz,initrd.img,manifest.json}
# and the symlink <repo>/.cache/test-image -> that directory. <key> hashes the
# inputs (this script, scripts/test-image/*, the exact package versions); when the
# key's directory exists the script only refreshes the symlink.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INPUTS="$REPO/scripts/test-image"
CACHE_ROOT=${NOVALITE_TEST_IMAGE_CACHE:-/var/cache/novalite/test-image}
KERNEL_META=linux-image-cloud-amd64

log() { echo "build-test-image: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in apt-cache apt-get dpkg-deb dpkg-query depmod modprobe cpio gzip mkfs.vfat syslinux mcopy qemu-img sha256sum flock; do
    command -v "$tool" >/dev/null || die "missing tool '$tool' (install the packages in bindep.txt: make up)"
done
[ -x /bin/busybox ] && dpkg-query -W busybox-static >/dev/null 2>&1 || die "busybox-static is not installed"
SYSLINUX_MODULES=/usr/lib/syslinux/modules/bios
[ -f "$SYSLINUX_MODULES/ldlinux.c32" ] || die "syslinux-common is not installed ($SYSLINUX_MODULES/ldlinux.c32 missing)"

# The metapackage names the exact kernel package; its candidate version is part of the key.
kernel_pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
[ -n "$kernel_pkg" ] || die "cannot resolve $KERNEL_META to a kernel package (apt-get update needed?)"
kernel_ver=$(apt-cache policy "$kernel_pkg" | sed -n 's/^ *Candidate: //p')
[ -n "$kernel_ver" ] && [ "$kernel_ver" != "(none)" ] || die "no candidate version for $kernel_pkg"

pkg_versions="$kernel_pkg=$kernel_ver
$(dpkg-query -W -f '${Package}=${Version}\n' busybox-static syslinux syslinux-common)"
key=$( { cat "${BASH_SOURCE[0]}"; for f in "$INPUTS"/*; do echo "== ${f##*/}"; cat "$f"; done; echo "$pkg_versions"; } \
      | sha256sum | cut -c1-16)
out="$CACHE_ROOT/$key"

link_cache() {
    mkdir -p "$REPO/.cache"
    ln -sfn "$out" "$REPO/.cache/test-image.tmp$$"
    mv -T "$REPO/.cache/test-image.tmp$$" "$REPO/.cache/test-image"
}

mkdir -p "$CACHE_ROOT"
# QEMU runs as libvirt-qemu and reads these files (directly or as backing files).
chmod 0755 /var/cache/novalite "$CACHE_ROOT" 2>/dev/null || true

# Several developers / CI jobs may build at once: one builds, the others wait.
exec 9>"$CACHE_ROOT/.lock"
flock 9
if [ -f "$out/manifest.json" ]; then
    link_cache
    log "up to date: $out"
    echo "$out"
    exit 0
fi

work=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "building $key in $work"

# 1. kernel + its modules, unpacked from the .deb
( cd "$work" && apt-get download -q "$kernel_pkg=$kernel_ver" >/dev/null 2>&1 ) \
    || die "apt-get download $kernel_pkg=$kernel_ver failed"
dpkg-deb -x "$work"/"$kernel_pkg"_*.deb "$work/kernel"
kver=${kernel_pkg#linux-image-}
[ -f "$work/kernel/boot/vmlinuz-$kver" ] || die "vmlinuz-$kver not found in $kernel_pkg"
# The .deb ships no modules.dep (its postinst runs depmod); make one to resolve dependencies.
depmod -b "$work/kernel" "$kver"

# 2. initramfs: busybox, /init, the modules in load order
root="$work/initramfs"
mkdir -p "$root"/{bin,dev,etc,lib/modules,proc,sys,mnt,tmp}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"  # for the #!/bin/sh of /init; /init installs the other applets
install -m 0755 "$INPUTS/init" "$root/init"
install -m 0755 "$INPUTS/udhcpc.script" "$root/etc/udhcpc.script"
: > "$root/etc/modules.order"
grep -v '^\s*\(#\|$\)' "$INPUTS/modules" | while read -r module; do
    if grep -q "/$module.ko\$" "$work/kernel/lib/modules/$kver/modules.builtin" 2>/dev/null; then
        continue  # built into this kernel
    fi
    modprobe -d "$work/kernel" -S "$kver" --show-depends "$module" \
        || die "kernel module '$module' not found in $kernel_pkg"
done | awk '$1 == "insmod" { print $2 }' | while read -r path; do
    name=${path##*/}
    grep -qx "$name" "$root/etc/modules.order" && continue
    cp "$path" "$root/lib/modules/$name"
    echo "$name" >> "$root/etc/modules.order"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$work/initrd.img"
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"

# 3. FAT disk with syslinux, converted to qcow2
size_kb=$(( ( $(stat -c %s "$work/vmlinuz") + $(stat -c %s "$work/initrd.img") ) / 1024 + 2048 ))
mkfs.vfat -n NOVALITE -C "$work/disk.raw" "$size_kb" >/dev/null
syslinux --install "$work/disk.raw"
mcopy -i "$work/disk.raw" "$work/vmlinuz" "$work/initrd.img" "$INPUTS/syslinux.cfg" ::/
qemu-img convert -q -f raw -O qcow2 "$work/disk.raw" "$work/disk.qcow2"

# 4. manifest, then publish atomically
cat > "$work/manifest.json" <<JSON
{
  "key": "$key",
  "built_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "kernel_package": "$kernel_pkg=$kernel_ver",
  "packages": [$(echo "$pkg_versions" | sed 's/.*/"&"/' | paste -sd, -)],
  "modules": [$(sed 's/.*/"&"/' "$root/etc/modules.order" | paste -sd, -)],
  "console_lines": {
    "booted": "NOVALITE TEST IMAGE BOOTED",
    "config_drive": "NOVALITE CONFIG DRIVE uuid=<uuid>",
    "user_data": "NOVALITE USER DATA <first line>",
    "no_config_drive": "NOVALITE NO CONFIG DRIVE",
    "markers": "NOVALITE MARKERS <disk>: <words written to it, or none, or unreadable>",
    "marker_written": "NOVALITE MARKER WRITTEN vda: <word> (user data line NOVALITE-MARKER <word>)",
    "consoles_ready": "NOVALITE CONSOLES READY (tty0 shows a blue screen; ttyS1 answers a line with NOVALITE ECHO <line>)",
    "markers_done": "NOVALITE MARKERS DONE",
    "ip": "NOVALITE IP <iface> <address> (a DHCP lease; NOVALITE NO IP <iface> when none came)",
    "user_script": "NOVALITE USER SCRIPT START / its output / NOVALITE USER SCRIPT DONE rc=<rc> (user data starting with #!)",
    "shutting_down": "NOVALITE TEST IMAGE SHUTTING DOWN"
  },
  "files": {
    "disk.qcow2": {"format": "qcow2", "sha256": "$(sha256sum "$work/disk.qcow2" | cut -d' ' -f1)", "size": $(stat -c %s "$work/disk.qcow2")},
    "vmlinuz": {"sha256": "$(sha256sum "$work/vmlinuz" | cut -d' ' -f1)", "size": $(stat -c %s "$work/vmlinuz")},
    "initrd.img": {"sha256": "$(sha256sum "$work/initrd.img" | cut -d' ' -f1)", "size": $(stat -c %s "$work/initrd.img")}
  }
}
JSON
publish="$work/publish"
mkdir "$publish"
mv "$work"/{disk.qcow2,vmlinuz,initrd.img,manifest.json} "$publish/"
chmod 0755 "$publish"
chmod 0644 "$publish"/*
mv -T "$publish" "$out"
link_cache
log "built $out ($(du -sh "$out" | cut -f1))"
echo "$out"
