# SPDX-License-Identifier: GPL-2.0-or-later
# bench/profile-doors.sh BUILD_DIR [qmi|mbim|mbimfrag] [CLIENTS] [SECONDS] [--ids-only]
#
# The instruction profile of docs/performance.md: idguardd's door and the
# stock proxy (qmi-proxy or mbim-proxy), each under valgrind's callgrind,
# each serving the same load generator (bench/bench-qmi.c or bench-mbim.c)
# for SECONDS with CLIENTS clients, counting only while the load runs
# (the clients connect and open first).
# Prints the messages carried and the instructions per message of both, and
# leaves the callgrind files in BUILD_DIR/profile-work/ for
# callgrind_annotate. Instruction counts do not move with the load of a
# shared machine, so this is the figure to compare between two trees.
# mbimfrag: both modems cut every MBIM answer into 64-byte fragments
# (--mbim-max-control-transfer 64), as bench/run.sh's fragmented rows.
# idguardd runs as `make bench` runs it: policy=redact, no grant, the value
# tripwire on. IDG_PROFILE_BROKER=PATH profiles another idguardd binary
# (an older tree's) against the same simulator and load generator.
set -eu

BUILD=$(cd "${1:?usage: bench/profile-doors.sh BUILD_DIR [qmi|mbim] [CLIENTS] [SECONDS] [--ids-only]}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
PROTO=${2:-qmi}
CLIENTS=${3:-16}
SECS=${4:-10}
LOAD=${5:-}
W="$BUILD/profile-work"

if [ -z "${IDG_PROFILE_NETNS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "profile: needs root (unshare -n)" >&2; exit 1; }
  command -v valgrind > /dev/null || { echo "profile: valgrind not installed" >&2; exit 1; }
  rm -rf "$W"
  mkdir -p "$W"
  IDG_PROFILE_NETNS=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up 2>/dev/null || true
IDG_BUILD=$BUILD IDG_SRC=$SRC
# shellcheck source=tests/tools/lib.sh
. "$SRC/tests/tools/lib.sh"
trap idg_cleanup EXIT
trap 'exit 1' INT TERM
die() { echo "profile: FAILED: $*" >&2; exit 1; }

SIM_ARGS=
case $PROTO in
  qmi) GEN="$BUILD/bench/idg-bench-qmi"; STOCK=/usr/libexec/qmi-proxy ;;
  mbim) GEN="$BUILD/bench/idg-bench-mbim"; STOCK=/usr/libexec/mbim-proxy ;;
  mbimfrag) GEN="$BUILD/bench/idg-bench-mbim"; STOCK=/usr/libexec/mbim-proxy; PROTO=mbim
            SIM_ARGS="--mbim-max-control-transfer 64" ;;
  *) die "protocol qmi, mbim or mbimfrag" ;;
esac

python3 "$SRC/tests/tools/gen-ids.py" > "$W/ids.consented"
for n in stock idg; do
  # shellcheck disable=SC2086 # SIM_ARGS: empty or two words
  idg_bg "$W/$n.sim.log" "$BUILD/userspace/sim/idguard-modem-sim" --qmi "$W/$n.qmi" --mbim "$W/$n.mbim" \
    --ids "$W/ids.consented" $SIM_ARGS
  idg_wait_for 10 grep -q '^ready' "$W/$n.sim.log" || die "simulator $n not ready"
done
mkdir -p "$W/state" "$W/run"
cat > "$W/idguard.conf" <<EOC
[broker]
state-dir=$W/state
runtime-dir=$W/run
policy=redact
[modem]
qmi=$W/idg.qmi
mbim=$W/idg.mbim
[proxy]
qmi-socket=idg-qmi
mbim-socket=idg-mbim
at-socket=
EOC
cg="valgrind --tool=callgrind"
# shellcheck disable=SC2086
idg_bg "$W/broker.log" $cg --callgrind-out-file="$W/idguardd.cg" \
  "${IDG_PROFILE_BROKER:-$BUILD/userspace/broker/idguardd}" --config "$W/idguard.conf" --foreground
BP=$LAST_PID
# shellcheck disable=SC2086
idg_bg "$W/stock.log" $cg --callgrind-out-file="$W/stock.cg" "$STOCK" --no-exit
SP=$LAST_PID
idg_wait_for 120 "$BUILD/userspace/ctl/idguardctl" --socket "$W/run/api.sock" status ||
  die "broker not up (see $W/broker.log)"

# one warm-up client each (device open, first allocations); the counters
# are zeroed before the load and dumped right after it
timeout 120 "$GEN" -s "$PROTO-proxy" -d "$W/stock.$PROTO" -c 1 -t 0.5 > /dev/null || die "stock warm-up"
timeout 120 "$GEN" -s "idg-$PROTO" -d "$W/idg.$PROTO" -c 1 -t 0.5 > /dev/null || die "idguardd warm-up"

# shellcheck disable=SC2086
for p in stock:"$SP":"$PROTO-proxy" idg:"$BP":"idg-$PROTO"; do
  n=${p%%:*} rest=${p#*:}; pid=${rest%%:*} sock=${rest#*:}
  # connections, proxy opens and client ids first (the generator says
  # "holding"), then the counters are zeroed: only the load is counted
  timeout 300 "$GEN" -s "$sock" -d "$W/$n.$PROTO" -c "$CLIENTS" -t "$SECS" --hold 3 $LOAD \
    > "$W/$n.gen.out" 2>&1 &
  gen_pid=$!
  idg_wait_for 120 grep -q holding "$W/$n.gen.out" || die "$n: the clients never connected"
  callgrind_control -z "$pid" > /dev/null
  wait "$gen_pid" || die "$n load: $(cat "$W/$n.gen.out")"
  callgrind_control -d "$n" "$pid" > /dev/null
  out=$(grep '^count=' "$W/$n.gen.out")
  count=$(echo "$out" | sed 's/.*count=\([0-9]*\).*/\1/')
  f=$(ls -t "$W"/*.cg.* | head -1)
  ir=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(/,/, "", $1); print $1; exit }')
  echo "$n ${2:-qmi} clients=$CLIENTS load=${LOAD:-mix} messages=$count Ir=$ir per_message=$((ir / count)) file=$f"
done
