# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the VMs' /init scripts (tests/kernel/init.sh, tests/e2e/init.sh;
# busybox sh, copied into the initramfs as /vm-host.sh): the host's root
# over 9p at /host, read-only, with proc, sys, dev and dev/pts, a scratch
# /tmp and /run. The host's checkout and build may themselves live under
# /tmp (CI clones anywhere): the top-level /tmp entries of the paths given
# are bound back over the scratch.
#
# vm_host_mount PATH...: loads /mods/*.ko, mounts; non-zero if the share
#   cannot be mounted. VM_9P_OPTS: more mount options (e.g. cache=loose,
#   msize=N: much faster execs, for a host tree that does not change while
#   the VM runs).
# vm_host_umount: undoes it.

vm_host_mount() {
	for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
		virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
		insmod /mods/$m.ko 2>/dev/null
	done
	mkdir -p /host
	mount -t 9p -o trans=virtio,version=9p2000.L,ro${VM_9P_OPTS:+,$VM_9P_OPTS} hostroot /host || return 1
	mount -t proc proc /host/proc
	mount -t sysfs sysfs /host/sys
	mount -t devtmpfs devtmpfs /host/dev
	mkdir -p /hosttmp
	mount -o bind /host/tmp /hosttmp
	mount -t tmpfs tmpfs /host/tmp
	vm_tmpbinds=""
	for p in "$@"; do
		case "$p" in
		/tmp/?*)
			top=${p#/tmp/}
			top=${top%%/*}
			case " $vm_tmpbinds " in *" $top "*) continue ;; esac
			mkdir -p "/host/tmp/$top"
			mount -o bind "/hosttmp/$top" "/host/tmp/$top" &&
				vm_tmpbinds="$vm_tmpbinds $top"
			;;
		esac
	done
	mount -t tmpfs tmpfs /host/run
	mkdir -p /host/dev/pts
	mount -t devpts devpts /host/dev/pts
}

vm_host_umount() {
	umount /host/dev/pts
	for top in $vm_tmpbinds; do umount "/host/tmp/$top"; done
	umount /host/run /host/tmp /hosttmp /host/dev /host/sys /host/proc /host
}
