#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-one.sh FUZZER SECONDS CORPUS_DIR
# Runs a libFuzzer target for a bounded time over the corpus kept in the
# repository; new inputs go to a scratch directory, never into the repo.
# FUZZ_SECONDS in the environment overrides SECONDS (make fuzz).
set -eu
exe=$1 secs=${FUZZ_SECONDS:-$2} corpus=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$corpus"
"$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$scratch/" "$scratch" "$corpus"
