#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The QRTR story inside the kernel test VM (init.sh runs it in the chroot
# of the host root once qrtr.ko and the out-of-tree qrtr-tun.ko are
# loaded): a Qualcomm SoC modem as Linux sees it, a remote QRTR node
# (idg-qrtr-node on /dev/qrtr-tun, its QMI services bridged to the
# simulator), with
#  - the route it opens: any process reads the IMEI over AF_QIPCRTR
#    (qmicli -d qrtr://N, no proxy), also uid 65534 with no capabilities;
#  - the route closed for a service: under RestrictAddressFamilies=~AF_QIPCRTR
#    (what systemd/idguard-qrtr.conf gives every unit; idg-qrtr-confine
#    applies the same seccomp rule here, where systemd is not PID 1) the
#    socket is refused, as root and as uid 65534, and nothing is read;
#  - idguardd with [modem] qmi=qrtr://N serving the node on @qmi-proxy:
#    qmicli -p -d qrtr://N gets a redacted IMEI, then the real one with a
#    grant to its uid and executable (an exe: alone is refused), redacted
#    again once revoked; the door's audit names it;
#  - the QRTR guard (idguard-qrtr-guard, BPF LSM) loaded: root and uid 65534
#    outside the broker's cgroup are refused the DMS read, the broker (in the
#    cgroup systemd would give idguardd.service, trusted) still serves;
#  - ModemManager, not trusted by the guard, finds the node on the QRTR bus
#    and manages it through the door: a redacted IMEI, none in its debug
#    log, the real one after a grant to it.
# Each qmicli costs seconds under TCG: the story keeps to the checks above.
# Identifiers are the VM's random ones (KTEST_IDS); nothing here prints
# them, and run.sh fails if one reaches the console.
#
# Environment: IDG_BUILD, IDG_SRC, KTEST_IDS (as for tests/kernel/story.sh).
set -u
. "$IDG_SRC/tests/tools/lib.sh"

T=/tmp/qrtr-story
START=$(date +%s)
rm -rf "$T"
mkdir -p "$T"
grep -E '^(imei|imeisv|esn|meid|imsi|iccid|eid|msisdn)=' "$KTEST_IDS" > "$T/ids.consented"
eval "$(sed -n 's/^\(imei\|imsi\|iccid\)=\(.*\)$/ID_\1="\2"/p' "$KTEST_IDS")"
: "${ID_imei:?}" "${ID_imsi:?}"
trap 'idg_cleanup' EXIT

NODE_BIN=$IDG_BUILD/tests/qrtr/idg-qrtr-node
CONFINE_BIN=$IDG_BUILD/tests/qrtr/idg-qrtr-confine
QMICLI=$(command -v qmicli)
# a random node number, never the local node (1)
NODE=$(( $(od -An -tu2 -N2 /dev/urandom | tr -d ' ') % 4000 + 2 ))

n=0
fails=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - qrtr: $2"
	else
		echo "not ok $n - qrtr: $2"
		fails=$((fails + 1))
		return 1
	fi
}
# show FILE: its last lines for a failed check, every digit masked (the
# console must never carry an identifier)
show() { tail -n "${2:-6}" "$1" | sed 's/[0-9]/#/g; s/^/#   /'; }
# has FILE VALUE / lacks FILE VALUE: never print the value
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
# imei_line FILE: qmicli printed an IMEI field (whatever its value)
imei_line() { grep -q "IMEI: '" "$1"; }

test -c /dev/qrtr-tun
check $? "/dev/qrtr-tun (qrtr-tun.ko built out of tree against the headers)"

idg_sim
idg_bg "$T/node.log" "$NODE_BIN" --node "$NODE" --qmi "$T/qmi"
idg_wait_for 10 grep -q '^ready' "$T/node.log"
check $? "fake modem node announced DMS, UIM, NAS, WDS"

# 1. The raw route: anyone reads the IMEI, no capability needed.
# qmicli OUT [PREFIX...] -- ARGS: qmicli's output into OUT. qmicli gives the
# QRTR bus lookup 1 s, which a TCG VM on a loaded host misses (three times
# in a row at load 29): such a timeout, never a refused socket, is retried,
# four times at most.
qmicli_to() {
	out=$1
	shift
	pre=""
	while [ "$1" != -- ]; do pre="$pre $1"; shift; done
	shift
	tries=0
	while :; do
		# shellcheck disable=SC2086 # pre is a word list of our own
		timeout 30 $pre "$QMICLI" "$@" > "$out" 2>&1
		rc=$?
		tries=$((tries + 1))
		grep -q "couldn't access QRTR bus" "$out" && ! grep -q "Failed to create QRTR socket" "$out" &&
			[ $tries -lt 5 ] || return $rc
		echo "# qmicli: QRTR bus lookup timed out, again"
	done
}
raw() { out=$1; shift; qmicli_to "$out" "$@" -- -d "qrtr://$NODE" --dms-get-ids; }
door() { out=$1; shift; qmicli_to "$out" "$@" -- -p -d "qrtr://$NODE" --dms-get-ids; }
idg_wait_for 10 raw "$T/raw-root.consented"
has "$T/raw-root.consented" "$ID_imei"
check $? "unconfined root reads the real IMEI over AF_QIPCRTR (the route is real)" || show "$T/raw-root.consented"
raw "$T/raw-nobody.consented" "$CONFINE_BIN" --uid 65534 --unconfined
has "$T/raw-nobody.consented" "$ID_imei"
check $? "so does uid 65534 with no capabilities, unconfined" || show "$T/raw-nobody.consented"

# 2. A service under the drop-in's RestrictAddressFamilies=~AF_QIPCRTR.
raw "$T/confined-root.consented" "$CONFINE_BIN"
rc=$?
[ $rc != 0 ] && lacks "$T/confined-root.consented" "$ID_imei" && ! imei_line "$T/confined-root.consented" &&
	grep -q "couldn't access QRTR bus: Failed to create QRTR socket" "$T/confined-root.consented"
check $? "confined root: qmicli -d qrtr:// cannot reach the QRTR bus (exit $rc), no IMEI" ||
	show "$T/confined-root.consented"
raw "$T/confined-nobody.consented" "$CONFINE_BIN" --uid 65534
rc=$?
[ $rc != 0 ] && lacks "$T/confined-nobody.consented" "$ID_imei" &&
	grep -q "couldn't access QRTR bus: Failed to create QRTR socket" "$T/confined-nobody.consented"
check $? "confined uid 65534: qmicli -d qrtr:// cannot reach the QRTR bus (exit $rc), no IMEI" ||
	show "$T/confined-nobody.consented"
"$CONFINE_BIN" python3 -c '
import errno, socket, sys
try:
    socket.socket(socket.AF_QIPCRTR, socket.SOCK_DGRAM)
except OSError as e:
    sys.exit(0 if e.errno == errno.EAFNOSUPPORT else 1)
sys.exit(1)' > "$T/confined-socket.log" 2>&1
check $? "confined: socket(AF_QIPCRTR) fails with EAFNOSUPPORT, as under systemd"

# 3. The QRTR guard (BPF LSM): every process outside the trusted cgroups,
# root included, is refused QRTR data; name-service lookups still work.
GUARD_BIN=$IDG_BUILD/userspace/qrtr-guard/idguard-qrtr-guard
GUARD=no
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
if [ -x "$GUARD_BIN" ]; then
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	"$GUARD_BIN" load > "$T/guard-load.log" 2>&1
	check $? "idguard-qrtr-guard load: the BPF LSM program attached and pinned" && GUARD=yes ||
		show "$T/guard-load.log"
	"$GUARD_BIN" status > "$T/guard-status.log" 2>&1
	grep -q '^guard: loaded' "$T/guard-status.log" && grep -q '^trusted cgroups: 0' "$T/guard-status.log"
	check $? "the guard is pinned in bpffs after its loader exited, nobody trusted yet" || show "$T/guard-status.log"
	"$GUARD_BIN" load > "$T/guard-load2.log" 2>&1
	check $? "a second load is a no-op"
else
	echo "# idguard-qrtr-guard not built (-Dqrtr-guard): the guard stage is skipped"
fi
# refused OUT: a raw DMS read was refused, no IMEI
refused() { [ "$1" != 0 ] && lacks "$2" "$ID_imei" && ! imei_line "$2"; }
sent_refusals() { "$GUARD_BIN" status | sed -n 's/^refused send: //p'; }
if [ "$GUARD" = yes ]; then
	before=$(sent_refusals)
	raw "$T/guard-root.log"
	rc=$?
	refused $rc "$T/guard-root.log" && [ "$(sent_refusals)" -gt "$before" ]
	check $? "guard: unconfined root outside the broker's cgroup is refused the DMS read (exit $rc), no IMEI" ||
		show "$T/guard-root.log"
	raw "$T/guard-nobody.log" "$CONFINE_BIN" --uid 65534 --unconfined
	rc=$?
	refused $rc "$T/guard-nobody.log"
	check $? "guard: uid 65534, no capabilities, no systemd unit: refused (exit $rc), no IMEI" ||
		show "$T/guard-nobody.log"
fi

# 4. idguardd holds the node and serves it on @qmi-proxy, from the cgroup
# systemd would give idguardd.service, trusted as its ExecStartPre=+ does.
mkdir -p /sys/fs/cgroup/idguardd.service
# in_unit CMD...: CMD in idguardd.service's cgroup
in_unit() { sh -c 'echo $$ > /sys/fs/cgroup/idguardd.service/cgroup.procs && exec "$@"' in_unit "$@"; }
if [ "$GUARD" = yes ]; then
	in_unit "$GUARD_BIN" trust > "$T/guard-trust.log" 2>&1 &&
		"$GUARD_BIN" status | grep -q '^trusted cgroups: 1'
	check $? "idguard-qrtr-guard trust from the broker's cgroup" || show "$T/guard-trust.log"
fi
idg_broker_config_bare
cat >> "$T/idguard.conf" <<EOC
[modem]
qmi=qrtr://$NODE
[proxy]
qmi-socket=qmi-proxy
mbim-socket=
at-socket=
at-link=
EOC
idg_bg "$T/broker.log" in_unit "$BROKER_BIN" --config "$T/idguard.conf" --foreground --debug
BROKER_PID=$LAST_PID
idg_wait_for 30 sh -c "'$CTL_BIN' --socket '$T/run/api.sock' status | grep -q 'qmi: ready'"
rc=$?
check $rc "idguardd opened qrtr://N (QRTR bus, node, DMS) and read the identifiers"
[ $rc = 0 ] || sed -n '/qmi modem/p' "$T/broker.log" | tail -n 5

door "$T/door-nogrant.log"
imei_line "$T/door-nogrant.log" && lacks "$T/door-nogrant.log" "$ID_imei"
check $? "qmicli -p -d qrtr://N through the door, no grant: an IMEI field, not the IMEI" || show "$T/door-nogrant.log"

idg_ctl grant --to "exe:$QMICLI" --scope imei --purpose "qrtr story" > "$T/grant-exe.log" 2>&1
[ $? != 0 ]
check $? "a grant to an executable alone is refused"

idg_ctl --json grant --to "uid:0,exe:$QMICLI" --scope imei --purpose "qrtr story" > "$T/grant.json"
GRANT=$(sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' "$T/grant.json")
[ -n "$GRANT" ]
check $? "grant to uid 0 and qmicli's executable"
door "$T/door-grant.consented"
has "$T/door-grant.consented" "$ID_imei"
check $? "qmicli -p -d qrtr://N with the grant: the real IMEI" || { show "$T/door-grant.consented"; show "$T/broker.log" 15; }

idg_ctl revoke "$GRANT" > /dev/null
door "$T/door-revoked.log"
imei_line "$T/door-revoked.log" && lacks "$T/door-revoked.log" "$ID_imei"
check $? "revoked: redacted again" || show "$T/door-revoked.log"

idg_ctl --json audit > "$T/audit.log" 2>&1
python3 -c 'import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r.get("door") == "qmi-proxy" and r.get("kind") == "imei"]
sys.exit(not ({"rewrite", "release"} <= set(r.get("decision") for r in rows)))' "$T/audit.log"
check $? "the audit has the QMI door's IMEI rewrites and its release"

if [ "$GUARD" = yes ]; then
	raw "$T/guard-root-after.log"
	rc=$?
	refused $rc "$T/guard-root-after.log"
	check $? "guard: with the broker up, root outside its cgroup is still refused (exit $rc)" ||
		show "$T/guard-root-after.log"
fi

# 5. ModemManager on the QRTR modem, under the guard: its QrtrBus watcher
# finds the node (name-service lookups, which the guard lets through), its
# qcom-soc plugin opens qrtr://N with libqmi's proxy flag, i.e. through the
# door. A QMI modem needs a data port: qemu's NIC stands in for the SoC's
# IPA interface, given the properties ModemManager's qcom-soc udev rules
# set, in udev's database (no udevd here: ModemManager reads the database
# through libudev when it enumerates at start).
MM=$(command -v ModemManager)
MM_OK=no
# (every mmcli under a timeout: with no ModemManager on the bus a call
# would wait for the bus to activate one)
mm_ei() { timeout 20 mmcli -m any --output-keyvalue 2>/dev/null | sed -n 's/^modem.generic.equipment-identifier *: //p'; }
mm_up() { _ei=$(mm_ei); [ -n "$_ei" ] && [ "$_ei" != -- ]; }
# wall_wait SECS CMD...: CMD until it succeeds, SECS of wall time at most
# (idg_wait_for counts tries, and an mmcli try can take seconds)
wall_wait() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@" > /dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 1
	done
}
# mm_start LOG: ModemManager --debug with personal info in LOG (so that what
# it learns is there to find); waits for the modem
mm_start() {
	idg_bg "$T/mm.out" "$MM" --debug --log-personal-info --log-file="$1"
	MM_PID=$LAST_PID
	_t=$(date +%s)
	wall_wait 180 mm_up
	_rc=$?
	echo "# ModemManager: $(($(date +%s) - _t)) s to a modem with an equipment identifier (rc $_rc)"
	return $_rc
}
mm_stop() {
	kill "$MM_PID" 2>/dev/null
	wall_wait 15 sh -c "! kill -0 $MM_PID 2>/dev/null"
}
NIC=""
for d in /sys/class/net/*; do
	[ -e "$d/device/driver" ] && NIC=${d##*/} && break
done
if [ "$GUARD" != yes ] || [ -z "$MM" ]; then
	echo "# ModemManager stage skipped (no guard or no ModemManager)"
elif [ -z "$NIC" ]; then
	check 1 "a net device with a driver (qemu's NIC) as the modem's data port"
else
	mkdir -p /run/dbus
	idg_bg "$T/dbus.log" dbus-daemon --system --nofork --nopidfile
	idg_wait_for 10 test -S /run/dbus/system_bus_socket
	mkdir -p /run/udev/data
	{
		echo "I:$(($(date +%s) * 1000000))"
		for env in ID_MM_QCOM_SOC=1 ID_MM_PHYSDEV_UID=qcom-soc ID_MM_DEVICE_PROCESS=1 ID_MM_CANDIDATE=1; do
			echo "E:$env"
		done
		echo "V:1"
	} > "/run/udev/data/n$(cat "/sys/class/net/$NIC/ifindex")"
	before=$(sent_refusals)
	mm_start "$T/mm-1.log"
	rc=$?
	timeout 20 mmcli -m any --output-keyvalue > "$T/mmcli-1.log" 2>&1
	[ $rc = 0 ] && grep -q "qrtr$NODE (qmi)" "$T/mmcli-1.log" && MM_OK=yes
	check $rc "ModemManager found the QRTR node through the guard and manages it (port qrtr$NODE)" ||
		{ show "$T/mmcli-1.log"; show "$T/mm.out" 3
		  grep -i "base-manager\|qrtr\|filter\|qcom-soc\|error\|warn\|couldn" "$T/mm-1.log" |
			grep -v "couldn't retrieve drivers\|loaded plugin\|filter\]  " > "$T/mm-1.why" 2>&1; show "$T/mm-1.why" 70; }
	if [ "$MM_OK" = yes ]; then
		lacks "$T/mmcli-1.log" "$ID_imei" && lacks "$T/mmcli-1.log" "$ID_imsi" &&
			[ "$(sent_refusals)" = "$before" ]
		check $? "mmcli shows an equipment identifier, not the IMEI; ModemManager sent nothing the guard refused"
		grep -q "Opening device with flags: .*proxy" "$T/mm-1.log" && grep -q "Get IDs" "$T/mm-1.log" &&
			lacks "$T/mm-1.log" "$ID_imei" && lacks "$T/mm-1.log" "$ID_imsi" && lacks "$T/mm-1.log" "$ID_iccid"
		check $? "ModemManager's debug log (personal info on): opened through the proxy, read the IDs, holds no identifier"
		mm_stop
		idg_ctl grant --to "uid:0,exe:$MM" --scope imei,imsi,iccid --purpose "modem management" > /dev/null
		check $? "grant to ModemManager (uid 0 and its executable)"
		mm_start "$T/mm-2.log.consented"
		timeout 20 mmcli -m any --output-keyvalue > "$T/mmcli-2.consented" 2>&1
		[ "$(mm_ei)" = "$ID_imei" ]
		check $? "with the grant, ModemManager's next start shows the real IMEI" || show "$T/mmcli-2.consented"
	fi
	mm_stop
	# polkitd, started by the bus for ModemManager's checks
	pk=$(timeout 10 dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.PolicyKit1 2>/dev/null |
		sed -n 's/^ *uint32 //p')
	[ -z "$pk" ] || kill "$pk"
fi

kill -0 "$BROKER_PID" 2>/dev/null
check $? "idguardd still running"
for f in "$T"/*.log; do
	if has "$f" "$ID_imei" || has "$f" "$ID_imsi"; then
		echo "# ${f##*/} holds an identifier"
		check 1 "no identifier outside consented output"
	fi
done

echo "# qrtr story: $n checks, $fails failed, $(($(date +%s) - START)) s"
[ "$fails" = 0 ]
