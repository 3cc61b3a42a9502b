#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end stories in qemu (make check-e2e): a USB modem with no hardware
# on the real kernel drivers, udev and ModemManager, through idguard's
# doors. For each story a VM boots Debian's kernel image (the one
# tests/kernel/run.sh uses, fetched once into tests/kernel/cache/) with a
# busybox initramfs whose /init (tests/e2e/init.sh) mounts the host's root
# read-only over 9p and runs tests/e2e/story.sh PROTO in a chroot of it:
# dummy_hcd + the gadget bridge (tests/e2e/gadget/) + the simulator make
# the modem, qmi_wwan or cdc_mbim bind it, udevd applies the shipped rules,
# idguardd owns /dev/cdc-wdm0, ModemManager manages it through the door.
#
# The stories write their logs into BUILD/test-logs/e2e-PROTO (a second,
# writable 9p share): leakscan.py checks them here, as make check does for
# the other suites. Fails on any "not ok", a missing end marker, or a
# kernel splat.
#
# Usage: tests/e2e/run.sh [STORY...] (default: qmi mbim)
# Environment: IDG_E2E_BUILD (meson build dir, default build),
# IDG_E2E_POLICY (the broker's policy in every story; default: pseudonym
# for qmi, redact for mbim),
# IDG_E2E_TIMEOUT (seconds per VM, default 600), IDG_E2E_SMP (default 2).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$KDIR" ] || { echo "check-e2e: no linux-headers-*-amd64 in /usr/src (make deps)"; exit 2; }
KVER=${KDIR##*/linux-headers-}
BUILD=$(cd "${IDG_E2E_BUILD:-$ROOT/build}" && pwd -P)
TIMEOUT=${IDG_E2E_TIMEOUT:-600}
SMP=${IDG_E2E_SMP:-2}
STORIES=${*:-qmi mbim}
OUT=$BUILD/e2e
LOGS=$BUILD/test-logs

say() { echo "check-e2e: $*"; }

for b in userspace/broker/idguardd userspace/sim/idguard-modem-sim userspace/ctl/idguardctl \
	tests/e2e/gadget/idg-usb-gadget; do
	[ -x "$BUILD/$b" ] || { say "$BUILD/$b is not built (ninja -C build)"; exit 2; }
done
command -v ModemManager > /dev/null || { say "ModemManager is not installed (make deps)"; exit 2; }

# The kernel image, its modules.dep (modprobe and udev load the USB
# drivers by name in the VM).
. "$ROOT/tests/kernel/vm-lib.sh"
idg_vm_kernel || { say "cannot fetch linux-image-$KVER"; exit 1; }
idg_vm_depmod || { say "depmod failed on $IMG"; exit 1; }

# udev: the host's, else the package matching the installed systemd (its
# udevadm links systemd's private library), unpacked into the cache.
UDEV=""
if ! command -v udevadm > /dev/null; then
	SDVER=$(dpkg-query -W -f '${Version}' systemd)
	UDEV=$CACHE/udev-$SDVER
	if [ ! -x "$UDEV/bin/udevadm" ]; then
		say "fetching udev $SDVER"
		(cd "$CACHE" && { apt-get download -q "udev=$SDVER" ||
			{ apt-get update -qq && apt-get download -q "udev=$SDVER"; }; })
		rm -rf "$UDEV.tmp"
		dpkg-deb -x "$CACHE/udev_$(echo "$SDVER" | sed 's/:/%3a/')_amd64.deb" "$UDEV.tmp"
		mv "$UDEV.tmp" "$UDEV"
	fi
fi

# The initramfs: busybox, the 9p modules, /init.
rm -rf "$OUT"
mkdir -p "$OUT/root/bin" "$OUT/root/proc" "$OUT/root/sys" "$OUT/root/dev" "$OUT/root/tmp" "$LOGS"
cp /bin/busybox "$OUT/root/bin/busybox"
idg_vm_9p_modules "$OUT/root/mods" || { say "no 9p modules in $IMG"; exit 1; }
cp "$ROOT/tests/kernel/vm-host.sh" "$OUT/root/vm-host.sh"
cp "$ROOT/tests/e2e/init.sh" "$OUT/root/init"
chmod 755 "$OUT/root/init"

fail=0
for story in $STORIES; do
	# both policies in one run: QMI under pseudonym, MBIM under redact (the
	# shipped default), unless IDG_E2E_POLICY names one for both
	case "$story" in
	qmi) policy=${IDG_E2E_POLICY:-pseudonym} ;;
	mbim) policy=${IDG_E2E_POLICY:-redact} ;;
	*) say "unknown story $story"; exit 2 ;;
	esac
	{
		echo "IDG_BUILD=$BUILD"
		echo "IDG_SRC=$ROOT"
		echo "E2E_STORY=$story"
		echo "E2E_POLICY=$policy"
		echo "E2E_IMG=$IMG"
		echo "E2E_KVER=$KVER"
		echo "E2E_UDEV=$UDEV"
		echo "E2E_LOGS=$LOGS"
	} > "$OUT/root/e2e.env"
	(cd "$OUT/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initrd-$story.gz"
	rm -rf "$LOGS/e2e-$story"
	say "$story ($policy): booting $KVER under TCG ($SMP cpus, 1.5 GiB, timeout ${TIMEOUT}s)"
	start=$(date +%s)
	set +e
	timeout "$TIMEOUT" qemu-system-x86_64 -M pc -accel tcg,thread=multi -smp "$SMP" -m 1536 \
		-nographic -no-reboot -kernel "$VMLINUZ" -initrd "$OUT/initrd-$story.gz" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$LOGS,mount_tag=e2elogs,security_model=none,multidevs=remap" \
		-append 'console=ttyS0 panic=-1 quiet' < /dev/null > "$OUT/serial-$story.log" 2>&1
	qrc=$?
	set -e
	LOG=$OUT/console-$story.log
	tr -d '\r' < "$OUT/serial-$story.log" > "$LOG"
	say "$story: VM ran $(($(date +%s) - start))s (qemu exit $qrc); console in $LOG"
	grep -E '^(ok|not ok|#) ' "$LOG" | sed "s/^/check-e2e: $story: /"
	npass=$(grep -c '^ok ' "$LOG" || true)
	nfail=$(grep -c '^not ok ' "$LOG" || true)
	if ! grep -q '^E2E-END' "$LOG"; then
		say "$story: the VM did not finish (timeout, panic or crash); last lines:"
		tail -n 30 "$LOG"
		fail=1
	fi
	[ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ] || fail=1
	if grep -nE 'Oops|WARNING:|BUG:|Call Trace|general protection|RIP:|UBSAN|KASAN:' "$LOG"; then
		say "$story: the kernel log shows a splat"
		fail=1
	fi
	cp "$LOG" "$LOGS/e2e-$story/console.log" 2> /dev/null || true
	say "$story: $npass passed, $nfail failed"
done

# No identifier in anything the stories wrote (console included).
python3 "$ROOT/tests/tools/leakscan.py" "$LOGS" || fail=1
[ "$fail" -eq 0 ] && say "PASS" || say "FAIL"
exit "$fail"
