#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# story.sh qmi|mbim: the real path end to end, inside the e2e VM (run by
# tests/e2e/init.sh as root in a chroot of the host's root, the kernel
# image's modules at /lib/modules, /etc writable):
#  1. the modem: the simulator on a pty, dummy_hcd and the gadget bridge
#     (tests/e2e/gadget/) make a USB device; the real qmi_wwan or cdc_mbim
#     binds it; udevd (the host's, else Debian's package unpacked by
#     run.sh) applies the shipped rule: /dev/cdc-wdm0 belongs to the
#     broker's user (created by the shipped sysusers file);
#  2. idguardd as that user with the unit's capabilities, [modem] on
#     /dev/cdc-wdm0, on a system bus of its own (dbus-daemon --system);
#  3. ModemManager (--debug) finds the modem through udev and manages it
#     through the door; it reaches "disabled", is enabled (and registered
#     where the simulator allows); its D-Bus properties (mmcli -J) and its
#     debug log hold no identifier, the equipment identifier is a
#     stand-in (a valid IMEI, not the real one) under the policy POLICY
#     (second argument: pseudonym or redact, default pseudonym);
#  4. a SIM swap through the simulator reaches ModemManager, hidden alike;
#  5. a grant to ModemManager (uid 0 and its executable): the real IMEI on
#     its next start.
# Prints "ok N - ..." / "not ok N - ..." lines (the harness counts them)
# and "# ..." notes (figures: the time each step took); never an
# identifier. Logs go to $E2E_LOGS/e2e-PROTO (leakscan.py reads them
# there; files from consented reads end in .consented).
set -u
PROTO=$1
POLICY=${2:-pseudonym}
case "$POLICY" in pseudonym | redact) ;; *) echo "not ok - unknown policy $POLICY"; exit 1 ;; esac
: "${IDG_BUILD:?}" "${IDG_SRC:?}" "${E2E_LOGS:?}"

SIM_BIN=$IDG_BUILD/userspace/sim/idguard-modem-sim
BROKER_BIN=$IDG_BUILD/userspace/broker/idguardd
CTL_BIN=$IDG_BUILD/userspace/ctl/idguardctl
GADGET=$IDG_BUILD/tests/e2e/gadget/idg-usb-gadget
MM=$(command -v ModemManager)
MM_EXE=$(readlink -f "$MM")
R=/tmp/e2e			# runtime: ptys, sockets, broker state
L=$E2E_LOGS/e2e-$PROTO		# logs, scanned for identifiers
WDM=/dev/cdc-wdm0
rm -rf "$R" "$L"
mkdir -p "$R" "$L"
T0=$(date +%s)
PIDS=""

n=0
fails=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $PROTO: $2"
	else
		echo "not ok $n - $PROTO: $2"
		fails=$((fails + 1))
	fi
}
note() { echo "# $PROTO: $* (t=$(($(date +%s) - T0))s, uptime $(cut -d' ' -f1 /proc/uptime)s)"; }
# wait_for SECONDS CMD...: poll until CMD succeeds, at most SECONDS of
# wall time; every 0.2 s, or every $STEP s (mmcli under TCG is costly
# enough to slow ModemManager down)
wait_for() {
	_end=$(($(date +%s) + $1))
	shift
	while ! "$@" > /dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep "${STEP:-0.2}"
	done
}
bg() {	# bg LOG CMD...: in the background, remembered for the cleanup
	_log=$1
	shift
	"$@" > "$_log" 2>&1 &
	LAST_PID=$!
	PIDS="$LAST_PID $PIDS"
}
stop() {	# stop PID: TERM, wait up to 5 s, KILL
	kill -TERM "$1" 2> /dev/null || return 0
	_i=0
	while kill -0 "$1" 2> /dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2> /dev/null
	wait "$1" 2> /dev/null
}
cleanup() { for p in $PIDS; do stop "$p"; done; }
trap cleanup EXIT
bail() {
	check 1 "$1"
	[ -n "${2:-}" ] && [ -f "$2" ] && tail -n 25 "$2" | sed 's/^/#   /'
	exit 1
}

# the identifiers: random per run; a swap appends the new SIM's values
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$L/ids.consented"
ids() { sed -n "s/^$1=//p" "$L/ids.consented" | tail -n 1; }
IMEI=$(ids imei)
OLD_IMSI=$(ids imsi)
OLD_ICCID=$(ids iccid)
# no_ids FILE: none of the simulator's identifiers (any SIM so far) in FILE
no_ids() {
	while IFS='=' read -r _k _v; do
		[ -n "$_v" ] || continue
		_v=${_v#+}
		grep -qiF -- "$_v" "$1" && { echo "#   $_k found in ${1##*/}"; return 1; }
		case "$_k" in
		imei) grep -qF -- "$(echo "$_v" | cut -c1-14)" "$1" &&
			{ echo "#   imei (14 digits) found in ${1##*/}"; return 1; } ;;
		esac
	done < "$L/ids.consented"
	return 0
}

# ---- 1. the modem on the real drivers, udev, the shipped rule ----

note "story starts"
# udev and its tools in this chroot of the host's root
export SYSTEMD_IGNORE_CHROOT=1
systemd-sysusers "$IDG_SRC/systemd/idguard.sysusers"
check $? "the shipped sysusers file creates the broker's user"

if [ -n "${E2E_UDEV:-}" ]; then
	UDEVADM=$E2E_UDEV/bin/udevadm
	mkdir -p /run/udev/rules.d
	cp "$E2E_UDEV"/lib/udev/rules.d/*.rules /run/udev/rules.d/
else
	UDEVADM=$(command -v udevadm)
fi
# the shipped rule, where a package puts it (/lib is read-only here; /etc
# and /run take precedence over it alike)
mkdir -p /etc/udev/rules.d
cp "$IDG_SRC/udev/90-idguard.rules" /etc/udev/rules.d/
ln -s "$UDEVADM" "$R/systemd-udevd"
"$R/systemd-udevd" --daemon > "$L/udevd.log" 2>&1
check $? "systemd-udevd started"
# coldplug what exists (the modem comes later, as a hotplug event)
"$UDEVADM" trigger --action=add --subsystem-match=usb --subsystem-match=usbmisc \
	--subsystem-match=net --subsystem-match=tty --subsystem-match=misc > /dev/null 2>&1
"$UDEVADM" settle --timeout=60
note "udev settled"

SIM_ARGS="--ids $L/ids.consented --control $R/sim.ctl"
if [ "$PROTO" = qmi ]; then
	bg "$L/sim.log" "$SIM_BIN" --qmi "$R/modem" $SIM_ARGS
else
	# gadgetfs carries 256 bytes per control transfer (wMaxControlMessage)
	bg "$L/sim.log" "$SIM_BIN" --mbim "$R/modem" --mbim-max-control-transfer 256 $SIM_ARGS
fi
SIM_PID=$LAST_PID
wait_for 20 grep -q '^ready' "$L/sim.log" || bail "simulator ready" "$L/sim.log"

modprobe dummy_hcd || bail "modprobe dummy_hcd"
UDC=$(ls /sys/class/udc | head -n 1)
if [ "$PROTO" = qmi ]; then
	modprobe qmi_wwan
	modprobe usb_f_fs || bail "modprobe usb_f_fs (libcomposite)"
	[ -d /sys/kernel/config/usb_gadget ] ||
		mount -t configfs configfs /sys/kernel/config || bail "mount configfs"
	G=/sys/kernel/config/usb_gadget/idg
	mkdir "$G" "$G/configs/c.1" "$G/functions/ffs.qmi" || bail "configfs gadget"
	echo 0x05c6 > "$G/idVendor"	# in qmi_wwan's table: 05c6:920d interface 0
	echo 0x920d > "$G/idProduct"
	ln -s "$G/functions/ffs.qmi" "$G/configs/c.1/"
	mkdir -p /dev/ffs-qmi
	mount -t functionfs qmi /dev/ffs-qmi || bail "mount functionfs"
	bg "$L/gadget.log" "$GADGET" qmi /dev/ffs-qmi/ep0 "$R/modem"
	wait_for 20 grep -q '^ready' "$L/gadget.log" || bail "gadget bridge ready" "$L/gadget.log"
	echo "$UDC" > "$G/UDC" || bail "bind the gadget to $UDC"
else
	modprobe cdc_mbim
	modprobe gadgetfs || bail "modprobe gadgetfs"
	mkdir -p /dev/gadget
	mount -t gadgetfs gadgetfs /dev/gadget || bail "mount gadgetfs"
	EP0=$(ls /dev/gadget/dummy_udc* | head -n 1)
	bg "$L/gadget.log" "$GADGET" mbim "$EP0" "$R/modem"
	wait_for 20 grep -q '^ready' "$L/gadget.log" || bail "gadget bridge ready" "$L/gadget.log"
fi
GADGET_PID=$LAST_PID
wait_for 60 test -c "$WDM" || bail "$WDM appears" "$L/gadget.log"
"$UDEVADM" settle --timeout=60
DRIVER=$(basename "$(readlink -f /sys/class/usbmisc/cdc-wdm0/device/driver)")
[ "$DRIVER" = "$([ "$PROTO" = qmi ] && echo qmi_wwan || echo cdc_mbim)" ]
check $? "$WDM appears, bound by the real $DRIVER driver"
note "modem up"
owner() { [ "$(stat -c '%U:%G %a' "$WDM")" = "idguard:idguard 600" ]; }
wait_for 10 owner
check $? "udev applied the shipped rule: $WDM is idguard:idguard 0600 ($(stat -c '%U:%G %a' "$WDM"))"
"$UDEVADM" info "$WDM" > "$L/udev-info.txt" 2>&1

# ---- 2. the broker, as the unit runs it ----

mkdir -p /run/dbus
bg "$L/dbus.log" dbus-daemon --system --nofork --nopidfile
wait_for 10 test -S /run/dbus/system_bus_socket
check $? "system bus up"
cp "$IDG_SRC/data/org.idguard.Broker1.conf" /etc/dbus-1/system.d/ 2> /dev/null &&
	dbus-send --system --dest=org.freedesktop.DBus --type=method_call / \
		org.freedesktop.DBus.ReloadConfig 2> /dev/null

mkdir -p "$R/state" "$R/run"
chown idguard:idguard "$R/state" "$R/run"
chmod 0700 "$R/state"
cat > "$R/idguard.conf" << EOF
[broker]
state-dir=$R/state
runtime-dir=$R/run
policy=$POLICY
[modem]
$PROTO=$WDM
[proxy]
qmi-socket=qmi-proxy
mbim-socket=mbim-proxy
EOF
bg "$L/broker.log" setpriv --reuid=idguard --regid=idguard --init-groups \
	--inh-caps=+sys_admin,+sys_ptrace --ambient-caps=+sys_admin,+sys_ptrace \
	--bounding-set=-all,+sys_admin,+sys_ptrace \
	"$BROKER_BIN" --config "$R/idguard.conf" --foreground --debug
BROKER_PID=$LAST_PID
ctl() { "$CTL_BIN" --socket "$R/run/api.sock" "$@"; }
wait_for 90 ctl status || bail "idguardd up (as idguard)" "$L/broker.log"
ctl status > "$L/status.txt" 2>&1
[ "$(stat -c %U /proc/$BROKER_PID)" = idguard ] && grep -q "/dev/cdc-wdm" /proc/$BROKER_PID/maps 2> /dev/null ||
	ls -l /proc/$BROKER_PID/fd 2> /dev/null | grep -q "$WDM"
check $? "idguardd runs as idguard and holds $WDM open"
note "broker up"

# the door answers a plain client: libqmi/libmbim's own tools through the
# proxy name, the IMEI hidden
client() {	# the stock client, to $L/client.txt
	if [ "$PROTO" = qmi ]; then
		qmicli -p -d "$WDM" --dms-get-ids > "$L/client.txt" 2>&1
	else
		mbimcli -p -d "$WDM" --query-device-caps > "$L/client.txt" 2>&1
	fi
}
wait_for 90 client
rc=$?
grep -q "$([ "$PROTO" = qmi ] && echo IMEI || echo 'Device ID')" "$L/client.txt" && no_ids "$L/client.txt"
check $((rc + $?)) "$([ "$PROTO" = qmi ] && echo qmicli || echo mbimcli) -p through the door: answered, no identifier"

# ---- 3. ModemManager through the door ----

mm_state() { mmcli -m any --output-keyvalue 2> /dev/null | sed -n 's/^modem.generic.state *: //p'; }
mm_in() {
	_s=$(mm_state)
	for _w in "$@"; do [ "$_s" = "$_w" ] && return 0; done
	return 1
}
mm_start() {	# mm_start NAME [SUFFIX]: ModemManager --debug, waits for the modem
	# --log-personal-info: whatever identifier ModemManager learns, it
	# logs; the logs without a grant must still hold none
	bg "$L/mm-$1.out${2:-}" "$MM" --debug --log-file="$L/mm-$1.log${2:-}" --log-personal-info \
		--log-timestamps
	MM_PID=$LAST_PID
	_t=$(date +%s)
	STEP=1 wait_for 240 mm_in disabled enabled searching registered locked failed
	_rc=$?
	note "ModemManager: modem object in $(($(date +%s) - _t))s, state $(mm_state)"
	return $_rc
}
mm_stop() { stop "$MM_PID"; }
# mm_dump NAME [SUFFIX]: mmcli's JSON of the modem and of its SIM
mm_dump() {
	mmcli -m any -J > "$L/mmcli-m-$1.json${2:-}" 2>&1
	_sim=$(json "$L/mmcli-m-$1.json${2:-}" sim)
	mmcli -i "${_sim:-none}" -J > "$L/mmcli-i-$1.json${2:-}" 2>&1
}
json() {	# json FILE KEY: the string value of KEY in mmcli's JSON
	sed -n 's/.*"'"$2"'": *"\([^"]*\)".*/\1/p' "$1" | head -n 1
}
luhn_ok() {	# a 15-digit IMEI with a valid check digit (mawk: no {15})
	echo "$1" | awk 'length($0) != 15 || !/^[0-9]+$/ { exit 1 }
		{ s = 0
		  for (i = 15; i >= 1; i--) { d = substr($0, i, 1) + 0; if ((15 - i) % 2) { d *= 2; if (d > 9) d -= 9 }; s += d }
		  exit s % 10 != 0 }'
}

mm_start 1
check $? "ModemManager manages the modem through the door (state $(mm_state))"
mmcli -m any --output-keyvalue > "$L/mmcli-1.txt" 2>&1
PLUGIN=$(sed -n 's/^modem.generic.plugin *: //p' "$L/mmcli-1.txt")
PORTS=$(sed -n 's/^modem.generic.ports.value\[[0-9]*\] *: //p' "$L/mmcli-1.txt" | tr '\n' ' ')
note "plugin $PLUGIN, ports $PORTS"
mmcli -m any -e > "$L/enable.txt" 2>&1
STEP=1 wait_for 120 mm_in registered enabled searching
check $? "ModemManager enables it (state $(mm_state))"
STEP=1 wait_for 60 mm_in registered
note "after enable: $(mm_state)"
mm_dump 1
EQ=$(json "$L/mmcli-m-1.json" equipment-identifier)
[ -n "$EQ" ] && [ "$EQ" != "$IMEI" ] && luhn_ok "$EQ"
check $? "equipment identifier ($POLICY): a valid IMEI (15 digits, check digit valid), not the real one"
ICCID1=$(json "$L/mmcli-i-1.json" iccid)
SIM1=$(json "$L/mmcli-m-1.json" sim)
no_ids "$L/mmcli-m-1.json" && no_ids "$L/mmcli-i-1.json" && no_ids "$L/mmcli-1.txt"
check $? "ModemManager's D-Bus properties (mmcli -m, mmcli -i) hold no identifier"

# ---- 4. a SIM swap, hidden alike ----

python3 "$IDG_SRC/tests/tools/gen-ids.py" | grep -E '^(imsi|iccid|msisdn|eid)=' >> "$L/ids.consented"
printf 'swap\n' | socat - "UNIX-CONNECT:$R/sim.ctl" > "$L/swap.txt" 2>&1
grep -qx ok "$L/swap.txt"
check $? "SIM swap in the simulator"
sim_changed() {
	mm_dump swap
	_i=$(json "$L/mmcli-i-swap.json" iccid)
	# redact: every SIM's ICCID reads 89000...; ModemManager shows the
	# new SIM as a new SIM object
	[ -n "$_i" ] && { [ "$_i" != "$ICCID1" ] || [ "$(json "$L/mmcli-m-swap.json" sim)" != "$SIM1" ]; }
}
_t=$(date +%s)
STEP=1 wait_for 180 sim_changed
check $? "the swap reaches ModemManager: another SIM (another SIM object, or its ICCID stand-in changed) in $(($(date +%s) - _t))s"
mm_dump swap
no_ids "$L/mmcli-m-swap.json" && no_ids "$L/mmcli-i-swap.json"
check $? "after the swap: no identifier, old or new SIM, in ModemManager's properties"
mm_stop
# the log shows the answers that carry identifiers (values printed: personal
# info on), and none of the simulator's identifiers
READS=$([ "$PROTO" = qmi ] && echo '"Get IDs"' || echo "DeviceId = '")
no_ids "$L/mm-1.log" && grep -q "$READS" "$L/mm-1.log" && grep -q "SubscriberId\|IMSI\|imsi" "$L/mm-1.log"
check $? "ModemManager's debug log (personal info on) shows the identifier reads and holds no identifier"

# ---- 5. a grant to ModemManager: the real IMEI on its next start ----

ctl grant --to "uid:0,exe:$MM_EXE" --scope imei,imeisv,imsi,iccid --purpose "modem management" \
	> "$L/grant.txt" 2>&1
check $? "grant to uid 0 + exe $MM_EXE"
mm_start 2 .consented
mm_dump 2 .consented
EQ2=$(json "$L/mmcli-m-2.json.consented" equipment-identifier)
[ "$EQ2" = "$IMEI" ]
check $? "with the grant, ModemManager's next start shows the real IMEI"
IMSI2=$(json "$L/mmcli-i-2.json.consented" imsi)
[ "$IMSI2" = "$(ids imsi)" ]
check $? "with the grant, the swapped SIM's real IMSI"
mm_stop

ctl audit > "$L/audit.txt" 2>&1
grep -q "exe:$MM_EXE" "$L/audit.txt"
check $? "the audit names ModemManager's executable"

stop "$BROKER_PID"
stop "$GADGET_PID"
stop "$SIM_PID"
"$UDEVADM" control --exit 2> /dev/null
note "done"
[ "$fails" = 0 ]
