#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PID 1 of the kernel test VM (busybox initramfs built by run.sh). Loads
# idguard.ko, runs the C tests, 100 load/unload cycles with files open,
# dumps the kernel log between markers and powers off. Every check prints
# "ok ..." or "not ok ..."; the host counts them and greps the kernel log.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo 30 > /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

n=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# run.sh's IDG_KTEST_ONLY=qrtr (make check-qrtr): the QRTR stage alone,
# in a VM of its own; the blocks marked "not ONLY" are skipped then.
ONLY=$(cat /only 2>/dev/null)

echo "IDGTEST-BEGIN $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
insmod /idguard.ko
check $? "insmod idguard.ko"
test -c /dev/idguard
check $? "/dev/idguard is a character device"

if [ -z "$ONLY" ]; then # not ONLY
/tests/idg-ktest all
check $? "idg-ktest all"

# Figures mean nothing on the debug kernel (KASAN, lockdep): skipped there.
if [ ! -f /debug ]; then
	/tests/idg-ktest bench
	check $? "idg-ktest bench (figures only)"
fi

rmmod idguard
check $? "rmmod after the tests"

# 100 load/unload cycles, each with a broker and a client file open.
bad=0
i=0
while [ $i -lt 100 ]; do
	i=$((i + 1))
	insmod /idguard.ko || { bad=1; echo "# cycle $i: insmod failed"; break; }
	/tests/idg-ktest hold > /tmp/hold &
	holder=$!
	w=0
	while ! grep -q holding /tmp/hold 2>/dev/null && [ $w -lt 200 ]; do
		usleep 20000; w=$((w + 1))
	done
	grep -q holding /tmp/hold || { bad=1; echo "# cycle $i: no broker"; }
	exec 3< /dev/idguard
	if rmmod idguard 2>/dev/null; then bad=1; echo "# cycle $i: unloaded with files open"; fi
	kill $holder
	wait $holder 2>/dev/null
	if rmmod idguard 2>/dev/null; then bad=1; echo "# cycle $i: unloaded with a file open"; fi
	exec 3<&-
	rmmod idguard || { bad=1; echo "# cycle $i: rmmod failed"; break; }
	rm -f /tmp/hold
done
check $bad "100 load/unload cycles with files open: rmmod refused while open, clean after"
else
rmmod idguard
fi # not ONLY

# With the host's root filesystem shared over 9p (run.sh decides), the real
# userspace runs against the module: idguardctl through libidguard.
if [ -f /host.env ]; then
	. /host.env
	. /vm-host.sh
	insmod /idguard.ko
	if vm_host_mount ${IDG_SRC:-} ${IDG_BUILD:-} ${IDG_CTL:-}; then
		mkdir -p /host/tmp/ktest
		cp /tests/idg-ktest /ids /host/tmp/ktest/
		if [ -z "$ONLY" ]; then # not ONLY
		IDG_KTEST_IDS=/tmp/ktest/ids chroot /host /tmp/ktest/idg-ktest story-lib "$IDG_CTL"
		check $? "story: libidguard through the module (host userspace over 9p)"
		fi # not ONLY
		if [ -n "${IDG_BUILD:-}" ]; then
			if [ -z "$ONLY" ]; then # not ONLY
			chroot /host env IDG_BUILD="$IDG_BUILD" IDG_SRC="$IDG_SRC" KTEST_IDS=/tmp/ktest/ids \
				KTEST_LIBBENCH="${KTEST_LIBBENCH:-}" \
				PATH=/usr/sbin:/usr/bin:/sbin:/bin sh "$IDG_SRC/tests/kernel/story.sh"
			check $? "story: real idguardd, simulator, idguardctl and libidguard with the module"
			fi # not ONLY
			# QRTR (Qualcomm SoC modems): a fake remote node on qrtr-tun
			if [ "$ONLY" = qrtr ] && [ -f /qrtr-tun.ko ]; then
				insmod /mods/qrtr.ko && insmod /qrtr-tun.ko
				check $? "insmod qrtr.ko (the image's) and qrtr-tun.ko (built out of tree)"
				# qemu's NIC: a data port for ModemManager's QRTR modem
				insmod /mods/e1000.ko 2>/dev/null
				chroot /host env IDG_BUILD="$IDG_BUILD" IDG_SRC="$IDG_SRC" KTEST_IDS=/tmp/ktest/ids \
					PATH=/usr/sbin:/usr/bin:/sbin:/bin sh "$IDG_SRC/tests/qrtr/story.sh"
				check $? "story: QRTR modem node, the raw route closed by RestrictAddressFamilies and the QRTR guard, the QMI door, ModemManager through it"
			fi
		fi
		vm_host_umount
	else
		check 1 "mount the host's root over 9p"
	fi
	rmmod idguard
fi

# Debug kernels: kmemleak reports land in the console log, which the host
# greps for "unreferenced object".
if mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null && [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
	echo "# kmemleak scanned"
fi

echo "IDGTEST-DMESG-BEGIN"
dmesg
echo "IDGTEST-DMESG-END"
echo "IDGTEST-END checks=$n"
sync
poweroff -f
