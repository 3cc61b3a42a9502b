#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the e2e image's initramfs (busybox): loads the modules that mount
# the root disk (copied in dependency order as /mods/NN-name.ko), mounts
# /dev/vda and hands over to systemd as PID 1.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in /mods/*.ko; do insmod "$m" 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 -o rw /dev/vda /newroot; then
	echo "IDG-E2E-END 0 fail: cannot mount the root disk"
	echo o > /proc/sysrq-trigger
fi
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /sbin/init
