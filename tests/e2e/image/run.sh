#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The booted device image (make check-image): the project's .debs in a
# Debian 12 image built with mmdebstrap from the package archive (systemd,
# udev, dbus, polkitd, modemmanager), booted twice under qemu TCG with
# systemd as PID 1 and Debian's 6.1 kernel. The checks themselves run inside
# the image (check.sh, from a per-run seed disk); this script builds or
# reuses the image, boots it, and fails unless both boots report pass.
#
# Cache (tests/kernel/cache, gitignored):
#   image-KVER/                 the kernel .deb unpacked (as tests/kernel/run.sh)
#   e2e-base-KEY.tar            Debian's packages only; KEY hashes the package
#                               list and each listed package's candidate version
#   e2e-image-KEY2.img          base + the project's .debs, DKMS module built;
#                               KEY2 adds the hash of the .debs' contents
# Per run: a qcow2 overlay on the cached image (the cache is never written),
# a seed disk (check.sh, random identifiers), a results disk (logs), all in
# $OUT; the results land in build/test-logs/e2e-image (leak-scanned).
#
# Environment: IDG_E2E_BUILD (meson build dir, default build),
# IDG_E2E_TIMEOUT (seconds per boot, default 420).
set -eu

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${IDG_E2E_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CACHE=$ROOT/tests/kernel/cache
LOGS=$BUILD/test-logs/e2e-image
TIMEOUT=${IDG_E2E_TIMEOUT:-420}
HERE=$ROOT/tests/e2e/image
say() { echo "check-image: $* ($(date +%H:%M:%S))"; }
die() { echo "check-image: FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, chroot, mounts)"
for tool in mmdebstrap qemu-system-x86_64 qemu-img mke2fs dpkg-deb busybox cpio; do
	command -v "$tool" >/dev/null || die "$tool missing (make deps)"
done
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$KDIR" ] || die "no linux-headers-*-amd64 in /usr/src (make deps)"
KVER=${KDIR##*/linux-headers-}
KPKGVER=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER")

rm -rf "$LOGS"; mkdir -p "$LOGS" "$CACHE"
W=$(mktemp -d "${TMPDIR:-/tmp}/idguard-e2e-image.XXXXXX")
MOUNTS=""
cleanup() {
	for m in $MOUNTS; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
START=$(date +%s)

# 1. The kernel (the same cache and layout as tests/kernel/run.sh).
IMG=$CACHE/image-$KVER
if [ ! -f "$IMG/boot/vmlinuz-$KVER" ]; then
	say "fetching linux-image-$KVER $KPKGVER"
	(cd "$CACHE" && { apt-get download -q "linux-image-$KVER=$KPKGVER" ||
		{ apt-get update -qq && apt-get download -q "linux-image-$KVER=$KPKGVER"; }; })
	rm -rf "$IMG.tmp"
	dpkg-deb -x "$CACHE/linux-image-${KVER}_"*"_amd64.deb" "$IMG.tmp"
	mv "$IMG.tmp" "$IMG"
fi
[ -f "$IMG/lib/modules/$KVER/modules.dep" ] || depmod -b "$IMG" "$KVER"

# 2. The base image: Debian's packages only. The project's packages' own
# dependencies are listed so that step 4 needs no network.
PKGS="systemd systemd-sysv udev dbus polkitd modemmanager libqmi-utils libmbim-utils libglib2.0-bin kmod dkms
linux-headers-$KVER iproute2 procps util-linux passwd
libglib2.0-0 libqmi-glib5 libmbim-glib4 libjson-glib-1.0-0 libpolkit-gobject-1-0 libsystemd0"
# shellcheck disable=SC2086
base_key=$( { echo "$PKGS"; echo "$KVER"; apt-cache policy $PKGS | sed -n 's/^  Candidate: //p'; } |
	sha256sum | cut -c1-16)
BASE=$CACHE/e2e-base-$base_key.tar
if [ ! -f "$BASE" ]; then
	say "building the base image (mmdebstrap, key $base_key)"
	t=$(date +%s)
	nice -n 10 mmdebstrap --mode=root --variant=apt --format=tar --components=main \
		--dpkgopt=force-unsafe-io --aptopt='Acquire::Languages "none"' \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/idguard/*' \
		--include="$(echo $PKGS | tr ' ' ',')" \
		bookworm "$BASE.tmp" \
		"deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" \
		> "$LOGS/mmdebstrap.log" 2>&1 || { tail -n 30 "$LOGS/mmdebstrap.log"; die "mmdebstrap failed"; }
	mv "$BASE.tmp" "$BASE"
	rm -f $(ls "$CACHE"/e2e-base-*.tar | grep -v "$BASE") 2>/dev/null || true
	say "base image built in $(( $(date +%s) - t ))s"
fi

# 3. The project's packages: those tests/packaging/debs.sh kept for this
# very tree, or built now (by that same test).
tree=$(sh "$ROOT/tests/packaging/tree-hash.sh" "$ROOT")
if [ "$(cat "$BUILD/debs/tree.sha256" 2>/dev/null)" != "$tree" ]; then
	say "building the .debs (tests/packaging/debs.sh)"
	IDG_BUILD=$BUILD IDG_SRC=$ROOT sh "$ROOT/tests/packaging/debs.sh" > "$LOGS/debs.log" 2>&1 ||
		{ tail -n 20 "$LOGS/debs.log"; die "the .debs did not build"; }
	[ -s "$BUILD/debs/tree.sha256" ] || die "debs.sh kept no packages"
fi
# The gadget bridge (not packaged: a test tool; it needs libc only).
GADGET=$BUILD/tests/e2e/gadget/idg-usb-gadget
[ -x "$GADGET" ] || ninja -C "$BUILD" tests/e2e/gadget/idg-usb-gadget > "$LOGS/gadget-build.log" 2>&1 ||
	die "cannot build $GADGET (meson setup $BUILD first)"
DEBS=$(ls "$BUILD"/debs/idguard_*.deb "$BUILD"/debs/idguard-dkms_*.deb "$BUILD"/debs/libidguard0_*.deb)
# Their contents, not their timestamps: rebuilding the same tree reuses the image.
debs_hash=$(for d in $DEBS; do dpkg-deb -f "$d" Package Version; dpkg-deb --fsys-tarfile "$d" |
	tar -tvf - | awk '{ print $1, $3, $6 }'; dpkg-deb --fsys-tarfile "$d" | sha256sum; done |
	sha256sum | cut -c1-16)

# 4. The image: the base plus the project's packages, installed as apt
# installs them (maintainer scripts: sysusers, tmpfiles, units enabled, DKMS
# builds the module for the kernel whose headers are there), the kernel's
# modules, the e2e entry unit; an ext4 disk. Nothing started.
DISK=$CACHE/e2e-image-$base_key-$debs_hash.img
if [ ! -f "$DISK" ]; then
	say "installing the .debs into the image (key $debs_hash)"
	t=$(date +%s)
	R=$W/rootfs
	mkdir -p "$R"
	tar -xf "$BASE" -C "$R"
	mkdir -p "$R/tmp/debs"
	cp $DEBS "$R/tmp/debs/"
	for m in proc sys dev dev/pts; do
		mkdir -p "$R/$m"
		case $m in
		proc) mount -t proc proc "$R/proc" ;;
		sys) mount -t sysfs sys "$R/sys" ;;
		dev) mount --bind /dev "$R/dev" ;;
		dev/pts) mount --bind /dev/pts "$R/dev/pts" ;;
		esac
		MOUNTS="$R/$m $MOUNTS"
	done
	printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod +x "$R/usr/sbin/policy-rc.d"
	# dkms builds for the kernels in /lib/modules that have headers: the
	# image's (from linux-headers), whatever the build host runs.
	if ! chroot "$R" sh -c 'apt-get install -y -o Dpkg::Options::=--force-unsafe-io /tmp/debs/*.deb' \
		> "$LOGS/install.log" 2>&1; then
		tail -n 40 "$LOGS/install.log"; die "installing the .debs in the image failed"
	fi
	for m in $MOUNTS; do umount "$m"; done; MOUNTS=""
	rm -f "$R/usr/sbin/policy-rc.d"; rm -rf "$R/tmp/debs"
	ls "$R/lib/modules/$KVER/updates/dkms/idguard.ko"* > /dev/null 2>&1 ||
		{ tail -n 40 "$LOGS/install.log"; die "DKMS did not install idguard.ko for $KVER in the image"; }
	# The kernel's own modules (the image has no linux-image: the kernel is
	# booted from the cache): the classes a VM and a USB modem use.
	(cd "$IMG/lib/modules/$KVER" && for p in modules.builtin modules.builtin.modinfo modules.order \
		kernel/fs kernel/lib kernel/crypto kernel/arch kernel/net kernel/drivers/virtio \
		kernel/drivers/block kernel/drivers/char kernel/drivers/tty kernel/drivers/usb \
		kernel/drivers/net/usb kernel/drivers/net/mii.ko kernel/drivers/net/wwan \
		kernel/drivers/input kernel/drivers/hid; do [ -e "$p" ] && echo "$p"; done |
		tar -cf - -T -) | (cd "$R/lib/modules/$KVER" && tar -xf -)
	chroot "$R" depmod "$KVER"
	# The console carries the results: no getty on it. Root has no password
	# and no login anywhere.
	ln -sf /dev/null "$R/etc/systemd/system/serial-getty@ttyS0.service"
	# First boot (empty machine-id): no interactive systemd-firstboot prompt
	# on the console.
	ln -sf /dev/null "$R/etc/systemd/system/systemd-firstboot.service"
	echo idguard-e2e > "$R/etc/hostname"
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$R/etc/fstab"
	cp "$HERE/idguard-e2e.service" "$R/etc/systemd/system/"
	ln -sf /etc/systemd/system/idguard-e2e.service "$R/etc/systemd/system/multi-user.target.wants/idguard-e2e.service"
	rm -f "$R/etc/machine-id"; : > "$R/etc/machine-id"
	rm -rf "$R/var/cache/apt/archives"/*.deb "$R/var/lib/apt/lists"/*_Packages
	mke2fs -q -t ext4 -L idguard-e2e -d "$R" "$DISK.tmp" 2G
	mv "$DISK.tmp" "$DISK"
	rm -rf "$R"
	rm -f $(ls "$CACHE"/e2e-image-*.img | grep -v "$DISK") 2>/dev/null || true
	say "image built in $(( $(date +%s) - t ))s"
fi

# 5. The initramfs: busybox, the modules that mount the root disk, an /init
# that mounts it and hands over to systemd.
I=$W/initramfs
mkdir -p "$I/bin" "$I/mods" "$I/dev" "$I/proc" "$I/sys" "$I/newroot"
cp "$(command -v busybox)" "$I/bin/busybox"
for a in sh mount umount insmod switch_root mkdir sleep cat echo; do ln -s busybox "$I/bin/$a"; done
modprobe -a -d "$IMG" -S "$KVER" --show-depends virtio_pci virtio_blk ext4 crc32c_generic 2>/dev/null |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' > "$W/mods.list"
[ -s "$W/mods.list" ] || die "cannot resolve the root disk's modules in $IMG"
n=0
while read -r ko; do
	n=$((n + 1)); cp "$ko" "$I/mods/$(printf %02d $n)-${ko##*/}"
done < "$W/mods.list"
cp "$HERE/init.sh" "$I/init"; chmod +x "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet) | gzip -1 > "$W/initrd.gz"

# 6. Per run: identifiers, the seed disk (a tar on a raw disk), a results
# disk, an overlay on the image.
python3 "$ROOT/tests/tools/gen-ids.py" > "$W/ids.consented"
# leakscan.py takes the identifiers from DIR/*/ids.consented
mkdir -p "$LOGS/ids"; cp "$W/ids.consented" "$LOGS/ids/"
mkdir -p "$W/seed"
cp "$HERE/check.sh" "$HERE/usb-modem.sh" "$HERE/idguard-e2e-usb-modem.service" "$W/ids.consented" "$W/seed/"
cp "$GADGET" "$W/seed/"
cp "$ROOT/tests/tools/gen-ids.py" "$W/seed/" 2>/dev/null || true
tar -cf "$W/seed.tar" -C "$W/seed" .
truncate -s 1M "$W/seed.tar"
qemu-img create -q -f qcow2 -F raw -b "$DISK" "$W/run.qcow2"
say "image ready after $(( $(date +%s) - START ))s"

boot() {  # boot N
	truncate -s 0 "$W/results-$1.img"; truncate -s 64M "$W/results-$1.img"
	t=$(date +%s)
	rc=0
	timeout "$TIMEOUT" nice -n 10 qemu-system-x86_64 -M pc -m 1536 -smp 2 -nographic -no-reboot \
		-kernel "$IMG/boot/vmlinuz-$KVER" -initrd "$W/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet root=/dev/vda systemd.show_status=false idguard.e2e=$1" \
		-drive "file=$W/run.qcow2,if=virtio,format=qcow2" \
		-drive "file=$W/seed.tar,if=virtio,format=raw,readonly=on" \
		-drive "file=$W/results-$1.img,if=virtio,format=raw" \
		-nic none < /dev/null > "$LOGS/console-$1.log" 2>&1 || rc=$?
	say "boot $1: qemu exited $rc after $(( $(date +%s) - t ))s"
	mkdir -p "$LOGS/boot-$1"
	tar -xf "$W/results-$1.img" -C "$LOGS/boot-$1" 2>/dev/null || true
	grep -a "^IDG-E2E" "$LOGS/console-$1.log" | tr -d '\r' || true
	grep -aq "^IDG-E2E-END $1 pass" "$LOGS/console-$1.log"
}

fail=0
boot 1 || { fail=1; echo "check-image: FAIL: first boot (console: $LOGS/console-1.log)"; }
[ "$fail" = 0 ] && { boot 2 || { fail=1; echo "check-image: FAIL: second boot (console: $LOGS/console-2.log)"; }; }
python3 "$ROOT/tests/tools/leakscan.py" "$LOGS" || fail=1
say "total $(( $(date +%s) - START ))s"
[ "$fail" = 0 ] && echo "check-image: pass"
exit "$fail"
