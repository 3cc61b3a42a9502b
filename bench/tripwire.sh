# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by bench/run.sh: the value tripwire alone (idg-bench-tripwire):
# build time, size, scan cost per KiB and false hits per MiB for random
# binary, printable and digit-only traffic, and, when valgrind is there, the
# instructions per KiB of idg_tripwire_scan under callgrind. Reference
# figures: there is no stock counterpart. Its cost inside the doors is in
# the qmi and mbim figures above (the doors call it on every message).

GEN_TRIPWIRE="$BUILD/bench/idg-bench-tripwire"
if [ "${BENCH_QUICK:-0}" = 1 ]; then tw_args="-r 1 -m 0.25"; else tw_args="-r 5 -m 8"; fi
# shellcheck disable=SC2086
"$GEN_TRIPWIRE" $tw_args > "$W/tripwire.txt" || die "idg-bench-tripwire failed"
while IFS='|' read -r name value unit; do
  fig "$name" "$value" "$unit" null null
done < "$W/tripwire.txt"
if command -v valgrind > /dev/null 2>&1; then
  valgrind --tool=callgrind --toggle-collect=idg_tripwire_scan --callgrind-out-file="$W/tripwire.callgrind" \
    "$GEN_TRIPWIRE" --callgrind -s 256 -m 1 > "$W/tripwire-cg.txt" 2> "$W/tripwire-cg.err" ||
    die "callgrind of idg-bench-tripwire failed: $(tail -3 "$W/tripwire-cg.err")"
  kib=$(cut -d'|' -f2 "$W/tripwire-cg.txt")
  ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$W/tripwire-cg.err")
  fig "tripwire scan instructions per KiB (callgrind, binary, 256-byte messages)" \
    "$(awk -v i="$ir" -v k="$kib" 'BEGIN { printf "%.0f", i / k }')" Ir/KiB null null
else
  skip "tripwire scan instructions per KiB (callgrind)" "valgrind not installed"
fi
