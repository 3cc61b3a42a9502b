#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds qrtr-tun.ko (net/qrtr/tun.c: a QRTR endpoint a process drives
# through /dev/qrtr-tun) out of tree against the kernel headers KDIR, the
# way Debian ships the qrtr core (qrtr.ko) but not this module.
#
#   sh tests/qrtr/build-tun.sh KDIR CACHE OUTDIR
#
# The two source files come from Debian's linux-source package of the same
# version as the headers: fetched once with apt-get download into CACHE
# (gitignored), unpacked there keyed on that version (only net/qrtr/tun.c
# and qrtr.h leave the tarball). Writes OUTDIR/qrtr-tun.ko. Exit 77 when
# the source package cannot be had (the QRTR stage is then skipped).
set -eu

KDIR=$1 CACHE=$2 OUTDIR=$3
KVER=${KDIR##*/linux-headers-}
VER=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER" 2>/dev/null) || {
	echo "qrtr-tun: no package owns $KDIR" >&2
	exit 77
}
SERIES=$(echo "$KVER" | cut -d. -f1,2)
SRC=$CACHE/qrtr-src-$VER
mkdir -p "$CACHE"
if [ ! -f "$SRC/tun.c" ] || [ ! -f "$SRC/qrtr.h" ]; then
	DEB=$(ls "$CACHE/linux-source-${SERIES}_${VER}_all.deb" 2>/dev/null || true)
	if [ -z "$DEB" ]; then
		(cd "$CACHE" && { apt-get download -q "linux-source-$SERIES=$VER" ||
			{ apt-get update -qq && apt-get download -q "linux-source-$SERIES=$VER"; }; }) >&2 ||
			{ echo "qrtr-tun: linux-source-$SERIES $VER not downloadable" >&2; exit 77; }
		DEB=$CACHE/linux-source-${SERIES}_${VER}_all.deb
	fi
	rm -rf "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO "./usr/src/linux-source-$SERIES.tar.xz" | xz -dc |
		tar -x -C "$SRC.tmp" --strip-components=3 \
			"linux-source-$SERIES/net/qrtr/tun.c" "linux-source-$SERIES/net/qrtr/qrtr.h"
	mv "$SRC.tmp" "$SRC"
fi
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
cp "$SRC/tun.c" "$SRC/qrtr.h" "$OUTDIR/"
printf 'obj-m := qrtr-tun.o\nqrtr-tun-y := tun.o\n' > "$OUTDIR/Kbuild"
make -s -C "$KDIR" M="$OUTDIR" modules >&2
test -f "$OUTDIR/qrtr-tun.ko"
