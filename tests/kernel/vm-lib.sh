# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the qemu harnesses (tests/kernel/run.sh, tests/e2e/run.sh),
# sourced on the host. Needs ROOT (the checkout) and KDIR/KVER (the
# headers dir and its release).
#
# idg_vm_kernel: the Debian kernel image matching the headers, fetched with
#   apt-get download into tests/kernel/cache/ once (gitignored) and unpacked
#   there (not installed); sets CACHE, IMG (the unpacked package) and
#   VMLINUZ.
# idg_vm_9p_modules DIR [MODULE...]: copies the virtio and 9p modules of that
#   image, and the MODULEs given (paths under kernel/ without .ko), into DIR
#   (the initramfs's /mods), so that /init can mount the host's root.
# idg_vm_depmod: modules.dep for the unpacked image (the .deb ships none),
#   once: modprobe and udev in the VM load the image's modules by name.

idg_vm_kernel() {
	CACHE=$ROOT/tests/kernel/cache
	IMG=$CACHE/image-$KVER
	VMLINUZ=$IMG/boot/vmlinuz-$KVER
	[ -f "$VMLINUZ" ] && return 0
	_ver=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER")
	mkdir -p "$CACHE"
	echo "vm: fetching linux-image-$KVER $_ver"
	(cd "$CACHE" && { apt-get download -q "linux-image-$KVER=$_ver" ||
		{ apt-get update -qq && apt-get download -q "linux-image-$KVER=$_ver"; }; }) || return 1
	rm -rf "$IMG.tmp"
	dpkg-deb -x "$CACHE/linux-image-${KVER}_"*"_amd64.deb" "$IMG.tmp" || return 1
	mv "$IMG.tmp" "$IMG"
}

idg_vm_9p_modules() {
	_mods=$IMG/lib/modules/$KVER/kernel
	[ -d "$_mods" ] || return 1
	_dir=$1
	shift
	mkdir -p "$_dir"
	for _m in drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_modern_dev \
		drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs \
		fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p "$@"; do
		# Built in when absent; newer Debian kernels compress modules.
		if [ -f "$_mods/$_m.ko" ]; then
			cp "$_mods/$_m.ko" "$_dir/"
		elif [ -f "$_mods/$_m.ko.xz" ]; then
			xz -dc "$_mods/$_m.ko.xz" > "$_dir/${_m##*/}.ko"
		fi
	done
}

idg_vm_depmod() {
	[ -s "$IMG/lib/modules/$KVER/modules.dep" ] && return 0
	depmod -b "$IMG" "$KVER"
}
