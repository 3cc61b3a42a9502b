#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make fuzz: every libFuzzer target for FUZZ_SECONDS each (default 300) and the
# store's crash-consistency test at IDG_CRASH_ROUNDS kill points (default
# 100), in the clang ASan+UBSan build (fuzzers exist only in clang builds).
set -eu
build="${1:-build}-asan"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
fi
ninja -C "$build"
export FUZZ_SECONDS="${FUZZ_SECONDS:-300}"
export IDG_CRASH_ROUNDS="${IDG_CRASH_ROUNDS:-100}"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# meson's per-test timeouts are sized for make check's short runs: a timeout
# multiplier of 0 or below disables them.
meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 0 \
  --suite fuzz broker-store-crash
