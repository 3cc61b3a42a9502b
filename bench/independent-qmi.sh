# SPDX-License-Identifier: GPL-2.0-or-later
# bench/independent-qmi.sh BUILD_DIR [CLIENTS] [SECONDS] [ROUNDS]
#
# The QMI door against libqmi's qmi-proxy measured by the independent load
# generator (idg-bench-qmi-libqmi: libqmi's own client stack, DMS Get IDs
# only, none consented), to check the ratio of bench/run.sh's own generator.
# libqmi's clients always open "@qmi-proxy", so each side gets a network
# namespace of its own where it holds that name: one with the stock
# qmi-proxy, one with idguardd (policy redact, its QMI door on "qmi-proxy",
# the tripwire on), each with its own simulated modem (same identifiers).
# Rounds alternate the order; per side it prints each round's throughput
# and the proxy's CPU per 10,000 messages, then the medians and the ratios
# (> 1: idguardd better).
set -eu

BUILD=$(cd "${1:?usage: bench/independent-qmi.sh BUILD_DIR [CLIENTS] [SECONDS] [ROUNDS]}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
CLIENTS=${2:-16}
SECS=${3:-2}
ROUNDS=${4:-5}
GEN="$BUILD/bench/idg-bench-qmi-libqmi"
W="$BUILD/independent-work"
CLK_TCK=$(getconf CLK_TCK)

[ "$(id -u)" = 0 ] || { echo "independent-qmi: needs root (network namespaces)" >&2; exit 1; }
command -v nsenter > /dev/null || { echo "independent-qmi: nsenter not installed" >&2; exit 1; }
rm -rf "$W"
mkdir -p "$W"
python3 "$SRC/tests/tools/gen-ids.py" > "$W/ids.consented"

# side NAME: a namespace holding "@qmi-proxy" (stock or idg), its pid in
# $W/NAME.pid once ready, the proxy's pid in $W/NAME.proxy
cat > "$W/side.sh" <<'EOS'
set -eu
W=$1 BUILD=$2 NAME=$3
ip link set lo up 2>/dev/null || true
"$BUILD/userspace/sim/idguard-modem-sim" --qmi "$W/$NAME.qmi" --ids "$W/ids.consented" > "$W/$NAME.sim.log" 2>&1 &
SIM=$!
i=0; until grep -q '^ready' "$W/$NAME.sim.log"; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done
if [ "$NAME" = stock ]; then
  /usr/libexec/qmi-proxy --no-exit > "$W/$NAME.proxy.log" 2>&1 &
else
  mkdir -p "$W/state" "$W/run"
  printf '[broker]\nstate-dir=%s/state\nruntime-dir=%s/run\npolicy=redact\n[modem]\nqmi=%s/%s.qmi\n[proxy]\nqmi-socket=qmi-proxy\nmbim-socket=\nat-socket=\n' \
    "$W" "$W" "$W" "$NAME" > "$W/idguard.conf"
  "$BUILD/userspace/broker/idguardd" --config "$W/idguard.conf" --foreground > "$W/$NAME.proxy.log" 2>&1 &
fi
PROXY=$!
echo "$PROXY" > "$W/$NAME.proxy"
trap 'kill $PROXY $SIM 2>/dev/null; exit 0' TERM INT
sleep 1
echo "$$" > "$W/$NAME.pid"
while kill -0 $PROXY 2>/dev/null; do sleep 1; done
EOS

unshare -n sh "$W/side.sh" "$W" "$BUILD" stock &
STOCK_HOLDER=$!
unshare -n sh "$W/side.sh" "$W" "$BUILD" idg &
IDG_HOLDER=$!
trap 'kill $STOCK_HOLDER $IDG_HOLDER 2>/dev/null || true' EXIT
i=0
until [ -s "$W/stock.pid" ] && [ -s "$W/idg.pid" ]; do
  i=$((i + 1)); [ $i -lt 300 ] || { echo "independent-qmi: a side did not come up" >&2; exit 1; }
  sleep 0.1
done

cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# gen NAME: one measurement in that side's namespace; appends
# "NAME round count rps ticks" to $W/raw.txt
gen() {
  ns=/proc/$(cat "$W/$1.pid")/ns/net
  proxy=$(cat "$W/$1.proxy")
  t0=$(cpu_ticks "$proxy")
  # libqmi warns that a pty is no cdc-wdm port: kept in gen.err
  out=$(timeout 120 nsenter --net="$ns" "$GEN" -d "$W/$1.qmi" -c "$CLIENTS" -t "$SECS" 2> "$W/gen.err") ||
    { echo "independent-qmi: $1: generator failed: $(tail -3 "$W/gen.err")" >&2; exit 1; }
  t1=$(cpu_ticks "$proxy")
  count=$(echo "$out" | sed 's/.*count=\([0-9]*\).*/\1/')
  errors=$(echo "$out" | sed 's/.*errors=\([0-9]*\).*/\1/')
  rps=$(echo "$out" | sed 's/.*rps=\([0-9.]*\).*/\1/')
  echo "$1 $2 $count $rps $((t1 - t0)) $errors" >> "$W/raw.txt"
  echo "round $2 $1: $out proxy_cpu_ticks=$((t1 - t0))"
}

# warm-up: each proxy opens its modem
gen stock 0 > /dev/null
gen idg 0 > /dev/null
: > "$W/raw.txt"
r=1
while [ $r -le "$ROUNDS" ]; do
  if [ $((r % 2)) = 1 ]; then gen stock $r; gen idg $r; else gen idg $r; gen stock $r; fi
  r=$((r + 1))
done

awk -v hz="$CLK_TCK" '
  function median(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return a[int((n - 1) / 2)] }
  { rps[$1, n[$1]++] = $4; msgs[$1] += $3; ticks[$1] += $5; errs[$1] += $6 }
  END {
    for (s = 0; s < 2; s++) { side = s ? "idg" : "stock"
      for (i = 0; i < n[side]; i++) v[i] = rps[side, i]
      med[side] = median(v, n[side])
      cpu[side] = msgs[side] ? ticks[side] * 1000 / hz * 10000 / msgs[side] : 0
      printf "%-5s throughput median %.1f msg/s, proxy CPU %.1f ms per 10000 messages, %d errors\n", side, med[side], cpu[side], errs[side] }
    printf "ratio throughput (idg/stock) %.3g, ratio CPU (stock/idg) %.3g\n", med["idg"] / med["stock"], cpu["stock"] / cpu["idg"]
  }' "$W/raw.txt"
