# SPDX-License-Identifier: GPL-2.0-or-later
# bench-smoke (meson test): `make bench` in quick mode still produces every
# figure with a number. Never a timing threshold.
# usage: smoke.sh SRC_DIR BUILD_DIR
set -eu
[ "$(id -u)" = 0 ] || { echo "SKIP: bench needs root (unshare -n)"; exit 77; }
out="$2/bench-smoke"
rm -rf "$out"
BENCH_QUICK=1 BENCH_OUT="$out" sh "$1/bench/run.sh" "$2"
python3 "$1/bench/check-json.py" "$out/bench.json"
