#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# 100 clients (idguardctl processes) reading at once all get the right
# answer; the broker's resident memory does not grow over 10,000 reads
# through libidguard (a new API connection per read) after a warm-up.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-load "$@"
. "$IDG_SRC/tests/api/api-common.sh"
READER="$IDG_BUILD/tests/api/api-reader"
# Under ASan (the build-asan suite), freed memory waits in a quarantine
# (256 MB by default) and would read as growth: keep it small so that the
# RSS check below still means something there. No effect on other builds.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
export ASAN_OPTIONS
api_start

grant_json load --to uid:0 --scope imei,imsi --purpose "load test"

idg_log "100 concurrent readers"
i=0 pids=""
while [ $i -lt 100 ]; do
  k=imei; [ $((i % 2)) = 1 ] && k=imsi
  ( printf '%s\n' "$TOKEN" | "$CTL_BIN" --socket "$T/run/api.sock" get $k \
      > "$T/conc-$i-$k.consented" 2> "$T/conc-$i.err"; echo $? > "$T/conc-$i.rc" ) &
  pids="$pids $!"
  i=$((i + 1))
done
# only these: a bare `wait` would wait for the broker too
for p in $pids; do wait "$p"; done
i=0 bad=0
while [ $i -lt 100 ]; do
  k=imei; [ $((i % 2)) = 1 ] && k=imsi
  eval want=\$ID_$k
  if [ "$(cat "$T/conc-$i.rc")" != 0 ] || [ "$(cat "$T/conc-$i-$k.consented")" != "$want" ]; then
    bad=$((bad + 1)); cat "$T/conc-$i.err" >&2
  fi
  i=$((i + 1))
done
[ $bad = 0 ] || idg_fail "$bad of 100 concurrent readers got a wrong answer or an error"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$BROKER_PID/status"; }
grep "^imei=" "$T/ids.consented" | cut -d= -f2 > "$T/expected-imei.consented"

idg_log "warm-up: 2,000 reads"
IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TOKEN=$TOKEN "$READER" imei "$T/expected-imei.consented" 2000 8 \
  > "$T/warmup.out" 2>&1 || { cat "$T/warmup.out" >&2; idg_fail "warm-up reads failed"; }
before=$(rss)
idg_log "10,000 reads (broker VmRSS before: $before kB)"
IDGUARD_SOCKET="$T/run/api.sock" IDGUARD_TOKEN=$TOKEN "$READER" imei "$T/expected-imei.consented" 10000 8 \
  > "$T/reads.out" 2>&1 || { cat "$T/reads.out" >&2; idg_fail "10,000 reads: not all right"; }
after=$(rss)
idg_log "$(cat "$T/reads.out"); broker VmRSS after: $after kB"
# allow 1 MiB of allocator slack; a leak of even 100 bytes per read is 1 MB.
# ASan's allocator and shadow add about 1 MiB of their own here (its leak
# checker watches the broker's exit instead): 4 MiB there.
slack=1024
grep -qa __asan_report_load "$BROKER_BIN" && slack=4096
[ $((after - before)) -lt $slack ] || idg_fail "broker memory grew by $((after - before)) kB over 10,000 reads"
kill -0 "$BROKER_PID" || idg_fail "broker died"
echo "api-load: pass"
