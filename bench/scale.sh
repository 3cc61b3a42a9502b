# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by bench/run.sh: the consent store at scale. For each size, a
# store of that many grants (none for the benchmark client) is written in
# the store's own file format, then: the store's load time and the
# per-message grant lookup (idg_store_allowed_kinds, the broker's code,
# timed in-process), the broker's start-up time to a serving API socket,
# its RSS, and the QMI door's p50 latency for one client. Each figure's
# baseline is the smallest size: ratio 1.00 means flat growth.

sim scale
first=""
for n in $SCALE_SIZES; do
  d="$W/scale$n"
  mkdir -p "$d/run"
  "$GEN_STORE" --write "$d/state" --grants "$n" || die "writing a store of $n grants"
  out=$("$GEN_STORE" --lookup "$d/state") || die "store of $n grants does not load"
  load_ms=$(field "$out" load_ms)
  lookup_ns=$(field "$out" lookup_ns)
  cat > "$d/idguard.conf" <<EOC
[broker]
state-dir=$d/state
runtime-dir=$d/run
policy=redact
[modem]
qmi=$W/scale.qmi
[proxy]
qmi-socket=idg-scale-qmi
mbim-socket=
at-socket=
EOC
  t0=$(date +%s%N)
  idg_bg "$d/broker.log" "$BROKER_BIN" --config "$d/idguard.conf" --foreground
  pid=$LAST_PID
  i=0
  until "$CTL_BIN" --socket "$d/run/api.sock" status > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 3000 ] && die "broker with $n grants not up (see $d/broker.log)"
    sleep 0.02
  done
  start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  qout=$(timeout 120 "$GEN_QMI" -s idg-scale-qmi -d "$W/scale.qmi" -c 1 -t "$SECS") ||
    die "QMI through a broker with $n grants"
  p50=$(field "$qout" p50_us)
  rss=$(rss_kb "$pid")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  if [ -z "$first" ]; then
    first=$n f_load=$load_ms f_lookup=$lookup_ns f_start=$start_ms f_rss=$rss f_p50=$p50
  fi
  fig "scale store load $n grants" "$load_ms" ms "$f_load" "$(ratio "$f_load" "$load_ms")"
  fig "scale grant lookup per message $n grants" "$lookup_ns" ns "$f_lookup" "$(ratio "$f_lookup" "$lookup_ns")"
  fig "scale broker start-up $n grants" "$start_ms" ms "$f_start" "$(ratio "$f_start" "$start_ms")"
  fig "scale broker RSS $n grants" "$rss" KiB "$f_rss" "$(ratio "$f_rss" "$rss")"
  fig "scale qmi latency p50 1 client $n grants" "$p50" us "$f_p50" "$(ratio "$f_p50" "$p50")"
  rm -rf "$d/state"
done
