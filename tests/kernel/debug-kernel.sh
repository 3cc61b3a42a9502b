#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds a small 6.1 debug kernel (lockdep, PROVE_RCU, KASAN, kmemleak,
# DEBUG_LIST, atomic-sleep checks) from Debian's linux-source-6.1 into
# tests/kernel/cache/debug-6.1/, for `IDG_KTEST_DEBUG=1 make check-kernel`.
# Not part of make check: it takes a long while on 2 cores. Runs niced.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=$ROOT/tests/kernel/cache
SRC=$CACHE/debug-6.1
JOBS=${JOBS:-2}

sh "$ROOT/tests/tools/deps.sh" flex bison bc libelf-dev libssl-dev
mkdir -p "$CACHE"
if [ ! -f "$SRC/Makefile" ]; then
	(cd "$CACHE" && ls linux-source-6.1_*_all.deb > /dev/null 2>&1 || apt-get download -q linux-source-6.1)
	rm -rf "$SRC.tmp" && mkdir -p "$SRC.tmp"
	dpkg-deb --fsys-tarfile "$CACHE"/linux-source-6.1_*_all.deb |
		tar -xO ./usr/src/linux-source-6.1.tar.xz | tar -xJ -C "$SRC.tmp" --strip-components=1
	mv "$SRC.tmp" "$SRC"
fi
cd "$SRC"
# The options the tests need on top of tinyconfig: the ktest attacks
# (PR_SET_MM_MAP needs CHECKPOINT_RESTORE, the 32-bit client IA32
# emulation) and the userspace story over 9p (unix sockets, ptys, inotify,
# eventfd and timerfd for GLib, cgroups, namespaces), built in.
OPTS="-e 64BIT -e SMP -e MODULES -e MODULE_UNLOAD -e PRINTK -e BUG -e TTY \
	-e SERIAL_8250 -e SERIAL_8250_CONSOLE -e BLK_DEV_INITRD -e RD_GZIP \
	-e DEVTMPFS -e PROC_FS -e SYSFS -e TMPFS -e SHMEM -e CGROUPS \
	-e BINFMT_ELF -e BINFMT_SCRIPT -e MULTIUSER -e FUTEX -e EPOLL \
	-e POSIX_TIMERS -e FILE_LOCKING -e NAMESPACES -e USER_NS -e PID_NS \
	-e PCI -e ACPI -e CRYPTO -e CRYPTO_SHA256 \
	-e CHECKPOINT_RESTORE -e IA32_EMULATION -e COMPAT_32BIT_TIME \
	-e NET -e INET -e UNIX -e NET_NS -e UNIX98_PTYS -e INOTIFY_USER -e SIGNALFD \
	-e TIMERFD -e EVENTFD -e AIO -e FHANDLE -e MEMFD_CREATE -e SYSVIPC \
	-e CGROUP_PIDS -e MEMCG -e VIRTIO_MENU -e VIRTIO_PCI -e NET_9P \
	-e NET_9P_VIRTIO -e NETWORK_FILESYSTEMS -e 9P_FS \
	-e DEBUG_KERNEL -e PROVE_LOCKING -e PROVE_RCU -e DEBUG_ATOMIC_SLEEP \
	-e DEBUG_LIST -e DETECT_HUNG_TASK -d SLOB -e SLUB -e SLUB_DEBUG -e KASAN \
	-e KASAN_GENERIC -e KASAN_OUTLINE -e DEBUG_FS -e DEBUG_KMEMLEAK \
	-e DEBUG_KMEMLEAK_AUTO_SCAN -e STACKTRACE -e KALLSYMS \
	-d MODULE_SIG -d DEBUG_INFO_BTF -d RANDOMIZE_BASE -d WERROR"
# A changed option list starts again from tinyconfig.
if [ ! -f .config ] || [ "$(cat .idg-opts 2>/dev/null)" != "$OPTS" ]; then
	make -s tinyconfig
	# shellcheck disable=SC2086
	./scripts/config $OPTS
	make -s olddefconfig
	printf '%s' "$OPTS" > .idg-opts
fi
nice -n 19 make -s -j"$JOBS" bzImage modules modules_prepare
echo "debug kernel: $SRC/arch/x86/boot/bzImage"
