#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PID 1 of an end-to-end VM (busybox initramfs built by tests/e2e/run.sh):
# the host's root over 9p (vm-host.sh), with, on top of it, what a device
# has writable: a copy of /etc (the broker's user is created in it by the
# shipped sysusers file), the kernel image's modules at /lib/modules/KVER,
# and the writable log share at the host's path of BUILD/test-logs. Runs
# tests/e2e/story.sh E2E_STORY E2E_POLICY in a chroot, dumps the kernel log, powers off.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo 30 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null
. /e2e.env
. /vm-host.sh
# the host's tree does not change while a story runs: cache it (execs of
# python3, ModemManager... over 9p are otherwise most of the run)
VM_9P_OPTS=cache=loose,msize=262144

echo "E2E-BEGIN $E2E_STORY $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
if vm_host_mount "$IDG_SRC" "$IDG_BUILD" "$E2E_LOGS" "$E2E_IMG"; then
	# /etc, writable: an overlay on the host's (a copy over 9p takes long)
	mkdir -p /etc-rw/upper /etc-rw/work
	insmod "/host$E2E_IMG/lib/modules/$E2E_KVER/kernel/fs/overlayfs/overlay.ko" 2>/dev/null
	mount -t overlay overlay -o lowerdir=/host/etc,upperdir=/etc-rw/upper,workdir=/etc-rw/work \
		/host/etc 2>/dev/null || {
		echo "# init: no overlay on /etc, copying it"
		cp -a /host/etc/. /etc-rw/upper/
		mount -o bind /etc-rw/upper /host/etc
	}
	echo "# init: host root mounted, /etc copied (uptime $(cut -d' ' -f1 /proc/uptime)s)"
	# the image's modules where modprobe and udev look for them
	mount -t tmpfs tmpfs /host/lib/modules
	mkdir -p "/host/lib/modules/$E2E_KVER"
	mount -o bind "/host$E2E_IMG/lib/modules/$E2E_KVER" "/host/lib/modules/$E2E_KVER"
	mount -t 9p -o trans=virtio,version=9p2000.L e2elogs "/host$E2E_LOGS" ||
		echo "not ok - mount the log share"
	# absolute paths: busybox runs its own applets by name, even in the chroot
	chroot /host /usr/bin/env IDG_BUILD="$IDG_BUILD" IDG_SRC="$IDG_SRC" E2E_UDEV="$E2E_UDEV" \
		E2E_LOGS="$E2E_LOGS" HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh "$IDG_SRC/tests/e2e/story.sh" "$E2E_STORY" "${E2E_POLICY:-pseudonym}"
	echo "# story exit $?"
	sync
	umount "/host$E2E_LOGS"
else
	echo "not ok - mount the host's root over 9p"
fi

echo "E2E-DMESG-BEGIN"
dmesg
echo "E2E-DMESG-END"
echo "E2E-END"
sync
poweroff -f
