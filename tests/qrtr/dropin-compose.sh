#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The QRTR drop-ins as systemd's own loader reads them (systemd --test
# --system over a scratch unit path, as an unprivileged user, which is what
# test mode asks for): the top-level service.d/idguard-qrtr.conf reaches a
# unit without any RestrictAddressFamilies=, a unit with its own allow-list
# (ModemManager.service's line) and one with a deny-list; idguardd.service
# gets its own idguardd.service.d/idguard-qrtr.conf instead (same name: it
# replaces the top-level one), and nothing in them is refused by the
# parser. What the merged family set then is follows systemd.exec(5)
# (docs/threat-model.md, "QRTR"); the VM story checks the rule itself.
set -eu
: "${IDG_BUILD:?}" "${IDG_SRC:?}"
T="$IDG_BUILD/test-logs/qrtr-dropin-compose"
rm -rf "$T"; mkdir -p "$T/u/service.d" "$T/u/idguardd.service.d"
[ -x /lib/systemd/systemd ] || { echo "SKIP: no /lib/systemd/systemd"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to run systemd --test as another user"; exit 77; }

cp "$IDG_SRC/systemd/qrtr-restrict.conf" "$T/u/service.d/idguard-qrtr.conf"
cp "$IDG_SRC/systemd/qrtr-idguardd.conf" "$T/u/idguardd.service.d/idguard-qrtr.conf"
sed 's|^ExecStart=.*|ExecStart=/bin/true|' "$IDG_BUILD/systemd/idguardd.service" > "$T/u/idguardd.service"
printf '[Service]\nExecStart=/bin/true\n' > "$T/u/plain.service"
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=AF_NETLINK AF_UNIX AF_QIPCRTR\n' > "$T/u/allowlist.service"
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=~AF_PACKET\n' > "$T/u/denylist.service"
chmod -R a+rX "$T"

fail=0
# dropins UNIT: the drop-in paths systemd loaded for UNIT
dropins() {
  SYSTEMD_UNIT_PATH="$T/u:" SYSTEMD_LOG_LEVEL=warning \
    setpriv --reuid=65534 --regid=65534 --clear-groups \
    /lib/systemd/systemd --test --system --unit="$1" --no-pager > "$T/$1.dump" 2> "$T/$1.err" || true
  awk -v u="-> Unit $1:" '$0 ~ u { p = 1; next } /-> Unit / { p = 0 } p && /DropIn Path:/ { print $3 }' \
    "$T/$1.dump"
}
expect() {
  got=$(dropins "$1" | sed "s|^$T/u/||" | tr '\n' ' ')
  if [ "$got" != "$2 " ]; then
    echo "FAIL: $1 loads drop-ins '$got', expected '$2'"
    fail=1
  else
    echo "ok: $1: $2"
  fi
  if grep -i -E 'family|AF_QIPCRTR|RestrictAddressFamilies' "$T/$1.err"; then
    echo "FAIL: systemd complained while loading $1"
    fail=1
  fi
}
expect plain.service service.d/idguard-qrtr.conf
expect allowlist.service service.d/idguard-qrtr.conf
expect denylist.service service.d/idguard-qrtr.conf
expect idguardd.service idguardd.service.d/idguard-qrtr.conf
exit $fail
