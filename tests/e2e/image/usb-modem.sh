#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usb-modem.sh qmi|mbim PTY GADGET: a USB modem with no hardware inside the
# booted e2e image, as the unit idguard-e2e-usb-modem.service that check.sh
# writes (so that on the second boot the modem is there from the start, as
# a built-in modem would be). dummy_hcd plus the gadget bridge GADGET
# (tests/e2e/gadget/idg-usb-gadget) in front of the simulated modem's PTY:
# the host side of dummy_hcd binds the real qmi_wwan (configfs +
# FunctionFS, 05c6:920d interface 0) or cdc_mbim (gadgetfs), the image's
# udevd loads the driver and applies the shipped rules, /dev/cdc-wdm0
# appears. Runs in the foreground for as long as the bridge does.
set -eu
proto=$1
pty=$2
gadget=$3
ready=/run/idguard-e2e-usb-modem.$proto
rm -f "$ready"
# the simulator's pty link (its unit is Type=exec: the link comes a little later)
i=0
while [ ! -e "$pty" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done

modprobe dummy_hcd
i=0
while [ -z "$(ls /sys/class/udc 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
udc=$(ls /sys/class/udc | head -n 1)
wait_ready() {
	i=0
	while ! grep -q '^ready' "$ready" 2>/dev/null; do
		kill -0 "$1" 2>/dev/null || { echo "usb-modem: the bridge exited" >&2; exit 1; }
		[ $i -lt 200 ] || { echo "usb-modem: the bridge is not ready" >&2; exit 1; }
		sleep 0.1; i=$((i + 1))
	done
}

case "$proto" in
qmi)
	modprobe usb_f_fs
	[ -d /sys/kernel/config/usb_gadget ] || mount -t configfs configfs /sys/kernel/config 2>/dev/null || true
	g=/sys/kernel/config/usb_gadget/idg
	mkdir -p "$g" "$g/configs/c.1" "$g/functions/ffs.qmi"
	echo 0x05c6 > "$g/idVendor"	# in qmi_wwan's table: 05c6:920d interface 0
	echo 0x920d > "$g/idProduct"
	[ -e "$g/configs/c.1/ffs.qmi" ] || ln -s "$g/functions/ffs.qmi" "$g/configs/c.1/"
	mkdir -p /dev/ffs-qmi
	mountpoint -q /dev/ffs-qmi || mount -t functionfs qmi /dev/ffs-qmi
	"$gadget" qmi /dev/ffs-qmi/ep0 "$pty" > "$ready" &
	pid=$!
	wait_ready $pid
	echo "$udc" > "$g/UDC"
	;;
mbim)
	modprobe gadgetfs
	mkdir -p /dev/gadget
	mountpoint -q /dev/gadget || mount -t gadgetfs gadgetfs /dev/gadget
	ep0=$(ls /dev/gadget/dummy_udc* | head -n 1)
	"$gadget" mbim "$ep0" "$pty" > "$ready" &
	pid=$!
	wait_ready $pid
	;;
*)
	echo "usage: usb-modem.sh qmi|mbim PTY GADGET" >&2
	exit 2
	;;
esac
echo "usb-modem: $proto modem on $udc"
wait $pid
