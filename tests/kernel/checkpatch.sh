#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel's own style checker over driver/ (make check-kernel).
# checkpatch.pl is not in the headers package: it is taken, with the two
# data files it reads, from Debian's linux-source-6.1 package (fetched from
# the archive once, cached in tests/kernel/cache/ keyed on its version).
# Fails on any error or warning.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=$ROOT/tests/kernel/cache

VER=$(apt-cache policy linux-source-6.1 | awk '/Candidate:/ { print $2 }')
[ -n "$VER" ] && [ "$VER" != "(none)" ] || {
	echo "checkpatch: linux-source-6.1 is not in the package archive (apt-get update)"
	exit 2
}
DIR=$CACHE/checkpatch-$VER
if [ ! -f "$DIR/scripts/checkpatch.pl" ]; then
	mkdir -p "$CACHE"
	DEB=$(ls "$CACHE"/linux-source-6.1_"$VER"_all.deb 2>/dev/null || true)
	if [ -z "$DEB" ]; then
		(cd "$CACHE" && apt-get download -q "linux-source-6.1=$VER")
		DEB=$(ls "$CACHE"/linux-source-6.1_"$VER"_all.deb)
	fi
	rm -rf "$DIR.tmp" && mkdir -p "$DIR.tmp"
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ --wildcards -C "$DIR.tmp" --strip-components=1 \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
	mv "$DIR.tmp" "$DIR"
fi

cd "$ROOT"
# --no-tree: the module is out of tree; -f: whole files, not a patch; not
# kbuild's generated *.mod.c (make module, which check-kernel runs first).
FILES=$(find driver -name '*.[ch]' ! -name '*.mod.c' | sort)
OUT=$(perl "$DIR/scripts/checkpatch.pl" --no-tree --terse --show-types -f $FILES) || true
if [ -n "$OUT" ]; then
	echo "$OUT"
	echo "checkpatch: $(echo "$OUT" | grep -c -E ": (ERROR|WARNING|CHECK):") findings in driver/"
	exit 1
fi
echo "checkpatch: $(echo "$FILES" | wc -w) files in driver/, 0 errors, 0 warnings"
