#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The shipped /etc/idguard/idguard.conf is one the built idguardd accepts:
# with its directories pointed into a scratch dir (the only edit), the
# broker starts and says "ready"; the simulated-modem lines, uncommented,
# are accepted too; a misspelt key is refused with one line and a non-zero
# exit (so this check can fail). In a private network namespace, so that
# the abstract names are our own.
set -eu
: "${IDG_BUILD:?}" "${IDG_SRC:?}"
T="$IDG_BUILD/test-logs/packaging-default-config"
rm -rf "$T"; mkdir -p "$T/state" "$T/run"
chmod 0700 "$T/state"
daemon="$IDG_BUILD/userspace/broker/idguardd"
[ -x "$daemon" ] || { echo "FAIL: $daemon not built"; exit 1; }
fail=0

shipped() { sh "$IDG_SRC/tests/packaging/shipped-config.sh" "$T" "$@"; }

# Starts idguardd on config $1 for up to 5 s; succeeds if it said "ready".
starts() {
  rm -rf "$T/state"/* "$T/run"/*
  unshare -n sh -c '
    "$0" --config "$1" --foreground > "$2" 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 50 ] && ! grep -q "ready" "$2" 2>/dev/null && kill -0 $pid 2>/dev/null; do
      sleep 0.1; i=$((i + 1))
    done
    kill -TERM $pid 2>/dev/null || true
    wait $pid || true
    grep -q "ready" "$2"' "$daemon" "$1" "$1.out"
}

shipped > "$T/shipped.conf"
if starts "$T/shipped.conf"; then
  echo "shipped config: accepted"
else
  cat "$T/shipped.conf.out"; echo "FAIL: idguardd does not start on the shipped config"; fail=1
fi

# [modem] pointed at the simulated modem's links (absent here: the backends
# retry, the broker still starts).
shipped /run/idguard-modem-sim > "$T/sim.conf"
grep -q '^qmi=/run/idguard-modem-sim/qmi$' "$T/sim.conf" ||
  { echo "FAIL: the shipped config lost its simulated-modem lines"; fail=1; }
if starts "$T/sim.conf"; then
  echo "shipped config with the simulated modem's ports: accepted"
else
  cat "$T/sim.conf.out"; echo "FAIL: idguardd does not start with the simulated modem's lines"; fail=1
fi

# The commented examples of [proxy] are valid as written.
shipped | sed -e 's|^#\(at-link-selector=.*\)$|\1|' -e 's|^#\(clients=.*\)$|\1|' > "$T/examples.conf"
grep -q '^clients=' "$T/examples.conf" && grep -q '^at-link-selector=' "$T/examples.conf" ||
  { echo "FAIL: the shipped config lost its clients/at-link-selector examples"; fail=1; }
if starts "$T/examples.conf"; then
  echo "shipped config with its [proxy] examples uncommented: accepted"
else
  cat "$T/examples.conf.out"; echo "FAIL: idguardd refuses the shipped config's [proxy] examples"; fail=1
fi

# A misspelt key: refused, one line, non-zero.
shipped | sed 's|^policy=redact|polcy=redact|' > "$T/typo.conf"
rc=0
unshare -n "$daemon" --config "$T/typo.conf" --foreground > "$T/typo.out" 2>&1 || rc=$?
if [ "$rc" -eq 0 ] || [ "$(wc -l < "$T/typo.out")" -ne 1 ]; then
  cat "$T/typo.out"; echo "FAIL: a misspelt key was not refused with one line (rc=$rc)"; fail=1
else
  echo "misspelt key: refused ($(cat "$T/typo.out"))"
fi

[ "$fail" = 0 ] && echo "default config: pass"
exit "$fail"
