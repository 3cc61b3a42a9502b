#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A full disk under the consent store (a 64 KiB tmpfs in a private mount
# namespace): grants, a revocation and a request that cannot be saved are
# refused with an error (no token handed out for a grant that is not on
# disk), the broker keeps serving, and after a restart with space again
# every acknowledged grant is there, still active, and nothing refused is.
if [ -z "${IDG_IN_MNTNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root for unshare -m" >&2; exit 77; }
  IDG_IN_MNTNS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup core-enospc "$@"

idg_broker_config_bare
mount -t tmpfs -o size=64k,mode=0700 idg-enospc "$T/state" || idg_skip "cannot mount a tmpfs"
idg_broker

idg_ctl --json grant --to uid:0 --scope imei --purpose "before the disk fills" > "$T/a.json" ||
  idg_fail "first grant failed"
A=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/a.json")

idg_log "fill the store's file system"
dd if=/dev/zero of="$T/state/filler" bs=1k count=1024 2> /dev/null
df -k "$T/state" | tail -1 | awk '{ exit $4 == 0 ? 0 : 1 }' || idg_fail "the tmpfs is not full"

# what still fits in the journal's last page is saved and acknowledged;
# from the first refusal on, nothing is
echo "$A" > "$T/acked"
i=0 refused=0
while [ $i -lt 300 ] && [ $refused -lt 3 ]; do
  if idg_ctl --json grant --to uid:$((1000 + i)) --scope imsi --purpose "disk full $i" \
      > "$T/full.out" 2> "$T/full-$i.err"; then
    [ $refused = 0 ] || idg_fail "a grant was acknowledged after one was refused"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/full.out" >> "$T/acked"
  else
    ! grep -q token "$T/full.out" || idg_fail "a token was handed out for an unsaved grant"
    grep -q "not saved" "$T/full-$i.err" || { cat "$T/full-$i.err" >&2; idg_fail "unclear error on a full disk"; }
    refused=$((refused + 1))
  fi
  i=$((i + 1))
done
[ $refused -gt 0 ] || idg_fail "300 grants fitted in a full file system"
idg_log "$(($(wc -l < "$T/acked") - 1)) grants fitted, then refusals"
idg_ctl revoke "$A" > "$T/revoke-full.out" 2> "$T/revoke-full.err" &&
  idg_fail "a revocation was acknowledged on a full disk"
idg_ctl request --scope imei --purpose "disk full request" > "$T/request-full.out" 2> "$T/request-full.err" &&
  idg_fail "a request was acknowledged on a full disk"
idg_ctl status > /dev/null || idg_fail "the broker stopped serving on a full disk"
idg_ctl --json grants > "$T/grants-full.json" || idg_fail "grants on a full disk"

idg_log "space again, restart: the acknowledged grant is there and active, nothing else"
rm -f "$T/state/filler"
kill -TERM "$BROKER_PID"
i=0
while kill -0 "$BROKER_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mv "$T/broker.log" "$T/broker.log.1"
idg_broker
idg_ctl --json grants > "$T/grants-after.json" || idg_fail "grants after the restart"
for f in "$T/grants-full.json" "$T/grants-after.json"; do
  python3 - "$f" "$T/acked" <<'PY' || idg_fail "store after a full disk: $f"
import json, sys
g = json.load(open(sys.argv[1]))
acked = open(sys.argv[2]).read().split()
assert sorted(x["id"] for x in g) == sorted(acked), (g, acked)
assert all(x["state"] == "active" for x in g), g
PY
done
idg_ctl --json requests > "$T/requests-after.json" || idg_fail "requests after the restart"
! grep -q "disk full request" "$T/requests-after.json" || idg_fail "a refused request came back"
idg_ctl grant --to uid:0 --scope imsi --purpose "after the disk" > "$T/after.out" ||
  idg_fail "no grant possible once there is space again"
umount "$T/state"
echo "core-enospc: pass"
