#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The checks inside the booted e2e image (tests/e2e/image/run.sh), as root,
# run by idguard-e2e.service from the seed disk; the boot number is
# idguard.e2e=N on the kernel command line. One "IDG-E2E ok|not ok N - what"
# line per check on the console, logs tarred onto /dev/vdc, then
# "IDG-E2E-END N pass|fail" and power off.
#
# Boot 1 (as installed): every unit active, none failed; the module built by
# DKMS and loaded at boot; /dev/idguard attached to the broker; the socket
# units' names handed to idguardd; with no modem configured both doors
# refuse at once and ModemManager cannot run the stock proxies. Then the
# shipped config edited for the modem ports only: QMI on /dev/cdc-wdm0, a
# USB modem with no hardware (usb-modem.sh: dummy_hcd + the gadget bridge
# in front of the simulated modem's QMI pty, which its packaged unit runs
# with this run's identifiers) bound by the real qmi_wwan driver, given to
# the broker's user by the shipped udev rule as the image's udevd applies
# it; MBIM and AT on the simulator's ptys. The real qmicli and mbimcli
# through the doors see no identifier; ModemManager, started by systemd
# with the package's drop-in, manages the modem through the door: a modem
# object, enabled, registered, its D-Bus properties and its debug log
# (personal info on) hold no identifier; a grant to ModemManager: the real
# IMEI and IMSI after its restart. polkit: a user in group idguard is
# authorized with the documented rule (not without it), a user outside is
# not; the group member's session hears the Settings UI signals
# (GrantsChanged, RequestPending), the outsider's nothing.
# Before the reboot the [modem] lines are swapped: boot 2 (the same disk)
# has the same modem as a USB MBIM modem (the real cdc_mbim over gadgetfs)
# from the start, QMI on the simulator's pty. Boot 2: all of the above that
# is not setup; mbimcli -p on the USB MBIM modem sees no identifier; the
# grants and the audit of boot 1 are still there; ModemManager manages the
# MBIM modem and, with boot 1's grant, shows the real values from boot on.
set -u
BOOT=$(sed -n 's/.*idguard\.e2e=\([0-9]*\).*/\1/p' /proc/cmdline)
E=/run/e2e
O=$E/out
mkdir -p "$O"
P=/var/lib/idguard-e2e          # what boot 1 leaves for boot 2 (on the disk)
MMLOG=/var/log/ModemManager-e2e.log
# The USB modem speaks QMI on boot 1 and MBIM on boot 2 (the [modem] lines
# swapped before the reboot): the real qmi_wwan, then cdc_mbim.
if [ "$BOOT" = 1 ]; then
	USB=qmi; DRV=qmi_wwan; QMIDEV=/dev/cdc-wdm0; MBIMDEV=/run/idguard-modem-sim/mbim
else
	USB=mbim; DRV=cdc_mbim; QMIDEV=/run/idguard-modem-sim/qmi; MBIMDEV=/dev/cdc-wdm0
fi
mkdir -p "$P"
# gen-ids.py writes key=value lines: read them as shell variables
eval "$(sed 's/^\([a-z]*\)=\(.*\)$/ID_\1="\2"/' "$E/ids.consented")"
n=0; failed=0
ok() { n=$((n + 1)); echo "IDG-E2E ok $n - $*"; echo "ok $n - $*" >> "$O/check.log"; }
nok() { n=$((n + 1)); failed=1; echo "IDG-E2E not ok $n - $*"; echo "not ok $n - $*" >> "$O/check.log"; }
check() { what=$1; shift; if "$@" >> "$O/commands.log" 2>&1; then ok "$what"; else nok "$what"; fi; }
# idguardctl --json, on one line without blanks (tests/e2e/image has no jq)
js() { idguardctl --json "$@" 2>&1 | tr -d ' \n'; }
wait_for() { s=$1; shift; i=0; while ! "$@" > /dev/null 2>&1; do i=$((i + 1)); [ $i -gt $((s * 2)) ] && return 1; sleep 0.5; done; }

finish() {
	journalctl -b --no-pager -o short-monotonic > "$O/journal.log" 2>&1
	systemctl list-units --all --no-pager > "$O/units.log" 2>&1
	idguardctl --json status > "$O/status.json" 2>&1
	idguardctl audit > "$O/audit.log" 2>&1
	cp /etc/idguard/idguard.conf "$O/idguard.conf"
	cp "$MMLOG" "$O/mm-$BOOT-end.consented" 2>/dev/null  # with the grant: the real values
	tar -cf /dev/vdc -C "$O" . 2>/dev/null
	sync
	if [ "$failed" = 0 ]; then echo "IDG-E2E-END $BOOT pass"; else echo "IDG-E2E-END $BOOT fail"; fi
	systemctl poweroff --no-block
	exit 0
}

echo "IDG-E2E boot $BOOT: checks start"

# --- the system as booted ------------------------------------------------
state=$(systemctl is-system-running --wait 2>&1)
[ "$state" = running ] && ok "boot finished: system running" || nok "boot finished: system is '$state'"
systemctl --failed --no-legend --plain > "$O/failed.log" 2>&1
[ ! -s "$O/failed.log" ] && ok "no failed unit" || { nok "failed units: $(tr '\n' ' ' < "$O/failed.log")"; }
units="systemd-udevd.service dbus.service polkit.service systemd-modules-load.service idguard-modem-majors.service
       idguard-qmi-proxy.socket idguard-mbim-proxy.socket idguardd.service ModemManager.service"
[ "$BOOT" = 2 ] && units="$units idguard-modem-sim.service idguard-e2e-usb-modem.service"
for u in $units; do
	check "$u active" systemctl is-active --quiet "$u"
done

# The module: built by DKMS inside the image, loaded at boot by modules-load.d.
kver=$(uname -r)
check "DKMS reports idguard installed for $kver" sh -c "dkms status idguard -k $kver | grep -q installed"
check "idguard.ko is DKMS's (updates/dkms)" sh -c "modinfo -n idguard | grep -q '^/lib/modules/$kver/updates/dkms/idguard.ko'"
check "the module is loaded" sh -c "grep -q '^idguard ' /proc/modules"
check "/dev/idguard root:idguard 0666 (udev rule)" sh -c "[ \"\$(stat -c '%U %G %a' /dev/idguard)\" = 'root idguard 666' ]"
kernel_attached() { js status | grep -q '"name":"kernel","state":"attached"'; }
wait_for 30 kernel_attached
check "the broker holds /dev/idguard (kernel component attached)" kernel_attached

# The socket units' names, handed to idguardd: one listening socket per
# name, held by systemd and by idguardd.
ss -xlp > "$O/ss.log" 2>&1
for name in qmi-proxy mbim-proxy; do
	check "@$name: one listener, systemd's socket in idguardd's hands" \
		sh -c "[ \$(grep -c '@$name ' '$O/ss.log') = 1 ] && grep '@$name ' '$O/ss.log' | grep -q '\"systemd\"' && grep '@$name ' '$O/ss.log' | grep -q '\"idguardd\"'"
	check "idguard-$name.socket running (handed over)" sh -c "[ \"\$(systemctl show -P SubState idguard-$name.socket)\" = running ]"
done

# ModemManager through the doors only.
check "ModemManager requires both socket units" sh -c \
	"systemctl show -P Requires ModemManager.service | grep -q idguard-qmi-proxy.socket && systemctl show -P Requires ModemManager.service | grep -q idguard-mbim-proxy.socket"
mm=$(systemctl show -P MainPID ModemManager.service)
check "the stock qmi-proxy and mbim-proxy are installed (libqmi-proxy, libmbim-proxy)" test -x /usr/libexec/qmi-proxy -a -x /usr/libexec/mbim-proxy
check "ModemManager cannot execute them (InaccessiblePaths=)" sh -c \
	"[ \"$mm\" -gt 0 ] && ! nsenter -t $mm -m -- /usr/libexec/qmi-proxy --version && ! nsenter -t $mm -m -- /usr/libexec/mbim-proxy --version"

if [ "$BOOT" = 1 ]; then
	# --- no modem configured yet: the doors refuse at once --------------
	t=$(date +%s); timeout 30 qmicli -p -d /dev/null --device-open-qmi --dms-get-ids > "$O/nomodem-qmicli.log" 2>&1; rc=$?
	el=$(( $(date +%s) - t ))
	[ $rc != 0 ] && [ $el -lt 10 ] && grep -q AccessDenied "$O/nomodem-qmicli.log" &&
		ok "no modem: qmicli -p refused in ${el}s (AccessDenied)" || nok "no modem: qmicli -p rc=$rc after ${el}s"
	t=$(date +%s); timeout 40 mbimcli -p -d /dev/null --query-device-caps > "$O/nomodem-mbimcli.log" 2>&1; rc=$?
	el=$(( $(date +%s) - t ))
	[ $rc != 0 ] && [ $el -lt 10 ] && grep -qi failure "$O/nomodem-mbimcli.log" &&
		ok "no modem: mbimcli -p refused in ${el}s (Failure)" || nok "no modem: mbimcli -p rc=$rc after ${el}s"
	check "no stock proxy was started" sh -c "! pgrep -x qmi-proxy && ! pgrep -x mbim-proxy"

	# --- the integrator's edit: the modem port, nothing else -------------
	sum=$(dpkg-query -W -f='${Conffiles}\n' idguard | awk '$1 == "/etc/idguard/idguard.conf" { print $2 }')
	check "idguard.conf is the package's conffile, unedited" sh -c "[ \"\$(md5sum < /etc/idguard/idguard.conf | cut -d' ' -f1)\" = '$sum' ]"
	cp /etc/idguard/idguard.conf "$O/idguard.conf.shipped"
	# QMI: the USB modem (the real qmi_wwan driver, below); MBIM and AT:
	# the simulated modem's ptys
	sed -i -e 's|^#qmi=/dev/cdc-wdm0$|qmi=/dev/cdc-wdm0|' \
	       -e 's|^#mbim=/run/idguard-modem-sim/mbim$|mbim=/run/idguard-modem-sim/mbim|' \
	       -e 's|^#at=/run/idguard-modem-sim/at$|at=/run/idguard-modem-sim/at|' /etc/idguard/idguard.conf
	diff "$O/idguard.conf.shipped" /etc/idguard/idguard.conf > "$O/idguard.conf.diff"
	check "the config's only edit: the three [modem] lines" sh -c \
		"[ \$(grep -c '^[<>]' '$O/idguard.conf.diff') = 6 ] && ! grep '^[<>]' '$O/idguard.conf.diff' | grep -qv '^[<>] #\?\(qmi=/dev/cdc-wdm0\|mbim=/run/idguard-modem-sim/mbim\|at=/run/idguard-modem-sim/at\)$'"
	# The simulated modem's packaged unit, with this run's identifiers.
	install -m 0640 -g idguard "$E/ids.consented" /etc/idguard/modem-sim-ids
	mkdir -p /etc/systemd/system/idguard-modem-sim.service.d
	exec_line=$(systemctl show -P ExecStart idguard-modem-sim.service | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p')
	printf '[Service]\nExecStart=\nExecStart=%s --ids /etc/idguard/modem-sim-ids\n' "$exec_line" \
		> /etc/systemd/system/idguard-modem-sim.service.d/ids.conf
	systemctl daemon-reload
	check "the simulated modem enabled and started" systemctl enable --now idguard-modem-sim.service
	check "idguardd restarted on the edited config" systemctl restart idguardd.service
	# ModemManager as shipped, plus (for this test only) its debug log with
	# personal info shown: whatever it learns, it writes there
	mkdir -p /etc/systemd/system/ModemManager.service.d
	printf '[Service]\nExecStart=\nExecStart=/usr/sbin/ModemManager --debug --log-personal-info --log-timestamps --log-file=%s\n' \
		"$MMLOG" > /etc/systemd/system/ModemManager.service.d/zz-e2e-debug.conf
	systemctl daemon-reload
	check "ModemManager restarted with its debug log" systemctl restart ModemManager.service
	# The USB modem: dummy_hcd + the gadget bridge in front of the
	# simulator's QMI pty; a unit, so that boot 2 has it from the start
	cp "$E/usb-modem.sh" "$E/idg-usb-gadget" "$P/"
	chmod 0755 "$P/idg-usb-gadget"
	cp "$E/idguard-e2e-usb-modem.service" /etc/systemd/system/
	systemctl daemon-reload
	check "the USB modem (dummy_hcd + gadget bridge) enabled and started" systemctl enable --now idguard-e2e-usb-modem.service
fi

# --- the USB modem: the real driver, the image's udevd, the shipped rule ---
wait_for 60 test -c /dev/cdc-wdm0
drv=$(basename "$(readlink -f /sys/class/usbmisc/cdc-wdm0/device/driver)" 2>/dev/null)
[ "$drv" = "$DRV" ] && ok "/dev/cdc-wdm0 appears, bound by the real $DRV driver" ||
	nok "/dev/cdc-wdm0: driver '$drv' ($(systemctl is-active idguard-e2e-usb-modem.service))"
owner() { [ "$(stat -c '%U:%G %a' /dev/cdc-wdm0)" = "idguard:idguard 600" ]; }
wait_for 20 owner
check "udevd applied the shipped rule: /dev/cdc-wdm0 is idguard:idguard 0600" owner
udevadm info /dev/cdc-wdm0 > "$O/udev-cdc-wdm0.log" 2>&1

# --- the modem through the doors ----------------------------------------
ready() { js status > "$O/status-wait.json" &&
	grep -q '"name":"qmi","state":"ready"' "$O/status-wait.json" && grep -q '"name":"mbim","state":"ready"' "$O/status-wait.json" &&
	grep -q '"ids-settled":true' "$O/status-wait.json"; }
wait_for 90 ready && ok "the broker reads the modem (qmi, mbim ready)" || nok "modem not ready: $(tr -d '\n' < "$O/status-wait.json")"

if [ "$BOOT" = 1 ]; then
	timeout 60 qmicli -p -d $QMIDEV --device-open-qmi --dms-get-ids > "$O/qmicli-redacted.log" 2>&1
	check "qmicli -p through the door: an IMEI line" grep -q IMEI "$O/qmicli-redacted.log"
	check "qmicli -p without a grant: not the real IMEI" sh -c "! grep -q '$ID_imei' '$O/qmicli-redacted.log'"
	timeout 60 mbimcli -p -d /run/idguard-modem-sim/mbim --query-device-caps > "$O/mbimcli-redacted.log" 2>&1
	check "mbimcli -p through the door: a Device ID" grep -q "Device ID" "$O/mbimcli-redacted.log"
	check "mbimcli -p without a grant: not the real IMEI" sh -c "! grep -q '$ID_imei' '$O/mbimcli-redacted.log'"

	# --- polkit: the admin API for a non-root user ---------------------
	useradd -m -G idguard alice 2>> "$O/commands.log"
	useradd -m bob 2>> "$O/commands.log"
	runuser -u alice -- gdbus monitor --system --dest org.idguard.Broker1 --object-path /org/idguard/Broker1 > "$O/alice-signals.log" 2>&1 &
	alice_mon=$!
	runuser -u bob -- gdbus monitor --system --dest org.idguard.Broker1 --object-path /org/idguard/Broker1 > "$O/bob-signals.log" 2>&1 &
	bob_mon=$!
	wait_for 20 grep -q "Monitoring" "$O/alice-signals.log"; wait_for 20 grep -q "Monitoring" "$O/bob-signals.log"
	# refused by polkit itself (it asks for an administrator), not for want of it
	check "without the rule, alice (group idguard) is not authorized by polkit" sh -c \
		"! runuser -u alice -- idguardctl grants > '$O/alice-norule.log' 2>&1 && grep -q 'not authorized' '$O/alice-norule.log' && ! grep -q 'not available' '$O/alice-norule.log'"
	cp /usr/share/doc/idguard/examples/50-idguard-group.rules /etc/polkit-1/rules.d/
	# polkitd reloads rules.d on change (inotify): wait until it has
	wait_for 30 sh -c "journalctl -b -u polkit.service | grep -c 'Reloading rules' | grep -qv '^0$'"
	sleep 1
	check "with the documented rule, alice grants over the system bus (polkit)" sh -c \
		"runuser -u alice -- idguardctl --json grant --to exe:/usr/bin/qmicli --uid root --scope imei,imsi --purpose 'e2e image' --ttl 1h > '$O/grant.consented'"
	check "bob (not in the group) is still not authorized by polkit" sh -c \
		"! runuser -u bob -- idguardctl grants > '$O/bob.log' 2>&1 && grep -q 'not authorized' '$O/bob.log' && ! grep -q 'not available' '$O/bob.log'"
	check "bob cannot factory-reset" sh -c "! runuser -u bob -- idguardctl reset --factory --yes > '$O/bob-reset.log' 2>&1"
	wait_for 10 grep -q GrantsChanged "$O/alice-signals.log" && ok "alice's session hears GrantsChanged" ||
		nok "alice heard no GrantsChanged"
	# a service (bob's) asks for consent: the Settings UI hears it
	check "bob, as a service, requests consent over the system bus" sh -c \
		"runuser -u bob -- idguardctl request --scope imei --purpose 'e2e image request' > '$O/bob-request.log' 2>&1"
	wait_for 10 grep -q RequestPending "$O/alice-signals.log" && ok "alice's session hears RequestPending" ||
		nok "alice heard no RequestPending"
	sleep 1
	check "bob hears no admin signal" sh -c "! grep -q 'GrantsChanged\|RequestPending' '$O/bob-signals.log'"
	kill $alice_mon $bob_mon 2>/dev/null
	grant=$(tr -d ' \n' < "$O/grant.consented" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
	echo "$grant" > "$P/grant-id"
fi

if [ "$BOOT" = 2 ]; then
	# mbimcli has no grant: through the door on the USB MBIM modem, redacted
	timeout 60 mbimcli -p -d $MBIMDEV --query-device-caps > "$O/mbimcli-redacted-2.log" 2>&1
	check "mbimcli -p on the USB MBIM modem: a Device ID, not the real IMEI" sh -c \
		"grep -q 'Device ID' '$O/mbimcli-redacted-2.log' && ! grep -q '$ID_imei' '$O/mbimcli-redacted-2.log'"
fi
timeout 60 qmicli -p -d $QMIDEV --device-open-qmi --dms-get-ids > "$O/qmicli-granted.consented" 2>&1
check "qmicli -p with the grant: the real IMEI" grep -q "$ID_imei" "$O/qmicli-granted.consented"
check "ModemManager still active" systemctl is-active --quiet ModemManager.service

# --- ModemManager, started by systemd, manages the USB modem through the door
mm_state() { mmcli -m any --output-keyvalue 2>/dev/null | sed -n 's/^modem.generic.state *: //p'; }
# (wait_for's own variables are s and i: these helpers use others)
mm_in() { mm_s=$(mm_state); for mm_w in "$@"; do [ "$mm_s" = "$mm_w" ] && return 0; done; return 1; }
mm_wait_modem() {  # the modem object, in any state past probing
	mm_t=$(date +%s)
	wait_for "$1" mm_in disabled enabled searching registered locked failed; mm_r=$?
	echo "# ModemManager: modem object after $(( $(date +%s) - mm_t ))s, state $(mm_state)" >> "$O/commands.log"
	return $mm_r
}
json() { sed -n 's/.*"'"$2"'": *"\([^"]*\)".*/\1/p' "$1" | head -n 1; }
mm_dump() {  # mm_dump FILE-PREFIX SUFFIX: mmcli's JSON of the modem and of its SIM
	mmcli -m any -J > "$1-modem.json$2" 2>&1
	mm_sim=$(json "$1-modem.json$2" sim)
	mmcli -i "${mm_sim:-none}" -J > "$1-sim.json$2" 2>&1
}
# no_ids FILE: none of this run's identifiers (nor the IMEI's first 14 digits)
no_ids() {
	while IFS='=' read -r k v; do
		v=${v#+}
		[ -n "$v" ] || continue
		grep -qiF -- "$v" "$1" && { echo "$k found in ${1##*/}" >> "$O/commands.log"; return 1; }
		[ "$k" = imei ] && grep -qF -- "$(echo "$v" | cut -c1-14)" "$1" && return 1
	done < "$E/ids.consented"
	return 0
}
luhn_ok() {  # a 15-digit IMEI with a valid check digit
	echo "$1" | awk 'length($0) != 15 || !/^[0-9]+$/ { exit 1 }
		{ s = 0; for (i = 15; i >= 1; i--) { d = substr($0, i, 1) + 0; if ((15 - i) % 2) { d *= 2; if (d > 9) d -= 9 }; s += d }
		  exit s % 10 != 0 }'
}
if [ "$BOOT" = 1 ]; then
	mm_wait_modem 150 && ok "ModemManager manages the USB modem through the door (state $(mm_state))" ||
		nok "ModemManager shows no modem (state '$(mm_state)')"
	mmcli -m any --output-keyvalue > "$O/mmcli-1.txt" 2>&1
	check "its port is cdc-wdm0 (qmi)" grep -q 'cdc-wdm0 (qmi)' "$O/mmcli-1.txt"
	mmcli -m any -e >> "$O/commands.log" 2>&1
	wait_for 90 mm_in registered
	check "ModemManager enables it: registered (state $(mm_state))" mm_in registered
	mm_dump "$O/mm-1" ""
	eq=$(json "$O/mm-1-modem.json" equipment-identifier)
	[ -n "$eq" ] && [ "$eq" != "$ID_imei" ] && luhn_ok "$eq" &&
		ok "equipment identifier: a redacted IMEI (15 digits, check digit valid), not the real one" ||
		nok "equipment identifier '${#eq} chars' is not a redacted IMEI"
	no_ids "$O/mm-1-modem.json" && no_ids "$O/mm-1-sim.json" && no_ids "$O/mmcli-1.txt" && grep -q imsi "$O/mm-1-sim.json" &&
		ok "ModemManager's D-Bus properties (mmcli -m, mmcli -i) hold no identifier" ||
		nok "ModemManager's D-Bus properties hold an identifier (or no SIM)"
	# A grant to ModemManager: the real values on its next start
	# (docs/integration.md, section 4: the command as documented)
	idguardctl --json grant --to unit:ModemManager.service,exe:/usr/sbin/ModemManager \
		--scope imei,imsi,iccid --purpose 'modem management' > "$O/grant-mm.consented" 2>&1
	check "granted ModemManager (unit:ModemManager.service,exe:/usr/sbin/ModemManager)" grep -q '"id"' "$O/grant-mm.consented"
	tr -d ' \n' < "$O/grant-mm.consented" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' > "$P/grant-mm-id"
	systemctl stop ModemManager.service
	mv "$MMLOG" "$O/mm-1.log"
	no_ids "$O/mm-1.log" && grep -q '"Get IDs"' "$O/mm-1.log" && grep -qi imsi "$O/mm-1.log" &&
		ok "ModemManager's debug log (personal info on) shows the identifier reads and holds no identifier" ||
		nok "ModemManager's debug log: an identifier, or no identifier read"
	systemctl start ModemManager.service
fi
mm_wait_modem 150
mm_dump "$O/mm-granted" .consented
eq=$(json "$O/mm-granted-modem.json.consented" equipment-identifier)
imsi=$(json "$O/mm-granted-sim.json.consented" imsi)
# (check() uses $what: mm_what here)
[ "$BOOT" = 1 ] && mm_what="after its restart" || mm_what="from boot (boot 1's grant), over MBIM"
[ "$BOOT" = 2 ] && check "ModemManager manages the USB MBIM modem: its port is cdc-wdm0 (mbim)" sh -c \
	"mmcli -m any --output-keyvalue | grep -q 'cdc-wdm0 (mbim)'"
[ "$eq" = "$ID_imei" ] && ok "with the grant, ModemManager shows the real IMEI $mm_what" || nok "with the grant, no real IMEI $mm_what"
[ "$imsi" = "$ID_imsi" ] && ok "with the grant, ModemManager shows the SIM's real IMSI $mm_what" || nok "with the grant, no real IMSI $mm_what"
gmm=$(cat "$P/grant-mm-id" 2>/dev/null)
idguardctl audit > "$O/audit-mm.log" 2>&1
check "the audit records the IMEI released to ModemManager under its grant" sh -c \
	"[ -n '$gmm' ] && grep -Eq '^[-0-9]+ [0-9:]+ +release +imei +$USB-proxy +unit:ModemManager.service +$gmm ' '$O/audit-mm.log'"

if [ "$BOOT" = 1 ]; then
	js audit > "$O/audit-boot1.json"
	grep -o '"time":"[^"]*"' "$O/audit-boot1.json" > "$P/audit-boot1"
	check "the audit records the release" sh -c "[ -s '$P/audit-boot1' ] && grep -q '\"kind\":\"imei\"' '$O/audit-boot1.json'"
	# Boot 2: the same modem as a USB MBIM modem (cdc_mbim, gadgetfs: the
	# simulator carries 256 bytes per control transfer), QMI on its pty;
	# still only the [modem] lines of the config
	sed -i -e 's|^qmi=/dev/cdc-wdm0$|qmi=/run/idguard-modem-sim/qmi|' \
	       -e 's|^mbim=/run/idguard-modem-sim/mbim$|mbim=/dev/cdc-wdm0|' /etc/idguard/idguard.conf
	printf '[Service]\nExecStart=\nExecStart=%s --ids /etc/idguard/modem-sim-ids --mbim-max-control-transfer 256\n' "$exec_line" \
		> /etc/systemd/system/idguard-modem-sim.service.d/ids.conf
	mkdir -p /etc/systemd/system/idguard-e2e-usb-modem.service.d
	printf '[Service]\nExecStart=\nExecStart=/bin/sh %s/usb-modem.sh mbim /run/idguard-modem-sim/mbim %s/idg-usb-gadget\n' "$P" "$P" \
		> /etc/systemd/system/idguard-e2e-usb-modem.service.d/mbim.conf
	check "boot 2 prepared: the [modem] lines swapped (MBIM on /dev/cdc-wdm0)" sh -c \
		"grep -qx 'mbim=/dev/cdc-wdm0' /etc/idguard/idguard.conf && grep -qx 'qmi=/run/idguard-modem-sim/qmi' /etc/idguard/idguard.conf"
	sync
else
	grant=$(cat "$P/grant-id" 2>/dev/null)
	js grants > "$O/grants-boot2.json"
	check "boot 1's grant is still there and active" sh -c "[ -n '$grant' ] && grep -o '{[^{}]*\"id\":\"$grant\"[^{}]*}' '$O/grants-boot2.json' | grep -q '\"state\":\"active\"'"
	grant=$(cat "$P/grant-mm-id" 2>/dev/null)
	check "boot 1's grant to ModemManager is still there and active" sh -c "[ -n '$grant' ] && grep -o '{[^{}]*\"id\":\"$grant\"[^{}]*}' '$O/grants-boot2.json' | grep -q '\"state\":\"active\"'"
	js audit > "$O/audit-boot2.json"
	grep -o '"time":"[^"]*"' "$O/audit-boot2.json" > "$O/audit-boot2.times"
	check "boot 1's audit records are all still there" sh -c "[ -s '$P/audit-boot1' ] && ! grep -vxFf '$O/audit-boot2.times' '$P/audit-boot1'"
	check "the audit grew (boot 2's release)" sh -c "[ \$(wc -l < '$O/audit-boot2.times') -gt \$(wc -l < '$P/audit-boot1') ]"
fi
finish
