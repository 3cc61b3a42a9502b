# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2034  # MM_P50/MM_P99/MM_ROUNDS are read by services.sh, which sources this
# Sourced by bench/services.sh: the baseline a service uses today to read the
# IMEI, ModemManager's EquipmentIdentifier property over D-Bus. ModemManager
# runs in test mode on a private bus (dbus-run-session) against its own
# simulated modem's AT socket; sets MM_P50/MM_P99 (and MM_ROUNDS=1: the
# libidguard reads ran in the same rounds, see services.sh), or leaves them
# null and says why.
if ! command -v ModemManager > /dev/null || ! command -v dbus-run-session > /dev/null; then
  skip "ModemManager EquipmentIdentifier over D-Bus" "ModemManager or dbus-run-session not installed"
else
  idg_bg "$W/mm.sim.log" "$SIM_BIN" --at "$W/mm.at" --at-socket abstract:idg-bench-at --ids "$W/ids.consented"
  idg_wait_for 10 grep -q '^ready' "$W/mm.sim.log" || die "simulator for ModemManager not ready"
  cat > "$W/mm.sh" <<EOS
ModemManager --test-session --test-enable --test-no-udev --no-auto-scan --test-no-suspend-resume \
  > "$W/mm-log.consented" 2>&1 &
MM=\$!
trap 'kill \$MM 2>/dev/null; wait \$MM' EXIT
i=0
until gdbus introspect --session --dest org.freedesktop.ModemManager1 --object-path /org/freedesktop/ModemManager1 >/dev/null 2>&1; do
  i=\$((i+1)); [ \$i -gt 100 ] && exit 3; sleep 0.2
done
gdbus call --session --dest org.freedesktop.ModemManager1 --object-path /org/freedesktop/ModemManager1 \
  --method org.freedesktop.ModemManager1.Test.SetProfile bench0 generic '["abstract:idg-bench-at"]' > /dev/null || exit 4
i=0
until gdbus call --session --dest org.freedesktop.ModemManager1 --object-path /org/freedesktop/ModemManager1/Modem/0 \
    --method org.freedesktop.DBus.Properties.Get org.freedesktop.ModemManager1.Modem EquipmentIdentifier 2>/dev/null |
    grep -q "'[0-9A-Fa-f]"; do
  i=\$((i+1)); [ \$i -gt 300 ] && exit 5; sleep 0.2
done
# ROUNDS rounds, both sides in each: ModemManager, then libidguard (peer
# socket, and the private system bus when there is one), in the order
# reversed every other round
r=1
while [ \$r -le $ROUNDS ]; do
  mm() {
    timeout 120 "$GEN_IDS" --dbus "\$DBUS_SESSION_BUS_ADDRESS" --dest org.freedesktop.ModemManager1 \
      --path /org/freedesktop/ModemManager1/Modem/0 --interface org.freedesktop.ModemManager1.Modem \
      --property EquipmentIdentifier --count "$ID_READS" > "$W/mm.\$r.out" || exit 6
  }
  lib() {
    env IDGUARD_SOCKET="$API_SOCK" IDGUARD_TRANSPORT=broker \
      timeout 120 "$GEN_IDS" --lib imei --token-file "$W/token" --count "$ID_READS" > "$W/lib.\$r.out" || exit 7
    if [ -n "$LIB_BUS" ]; then
      env -u IDGUARD_SOCKET DBUS_SYSTEM_BUS_ADDRESS="$LIB_BUS" IDGUARD_TRANSPORT=broker \
        timeout 120 "$GEN_IDS" --lib imei --token-file "$W/token" --count "$ID_READS" > "$W/bus.\$r.out" || exit 8
      # the floor of any call through that bus: idguardd's Version
      # property, the same Properties.Get as ModemManager's, no identity,
      # no consent, no audit
      timeout 120 "$GEN_IDS" --dbus "$LIB_BUS" --dest org.idguard.Broker1 --path /org/idguard/Broker1 \
        --interface org.idguard.Broker1 --property Version --count "$ID_READS" > "$W/busfloor.\$r.out" || exit 9
    fi
  }
  if [ \$((r % 2)) = 1 ]; then mm; lib; else lib; mm; fi
  r=\$((r + 1))
done
EOS
  if timeout 600 dbus-run-session -- sh "$W/mm.sh" 2> "$W/mm.err"; then
    MM_P50=$(rounds_median mm p50_us)
    MM_P99=$(rounds_median mm p99_us)
    MM_ROUNDS=1
  else
    skip "ModemManager EquipmentIdentifier over D-Bus" "ModemManager did not expose the modem in time (exit $?, see $W/mm-log.consented)"
  fi
fi
