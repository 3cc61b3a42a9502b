#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# libidguard.so.0 exports exactly the symbols of libidguard.map, versioned.
set -eu
lib=$1 map=$2
want=$(sed -n 's/^ *\(idguard_[a-z_]*\);$/\1/p' "$map" | sort)
got=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sed 's/@@IDGUARD_0.1$//' | sort)
[ "$want" = "$got" ] || { echo "exported: $got"; echo "expected: $want"; exit 1; }
nm -D --defined-only "$lib" | awk '$2 == "T"' | grep -qv '@@IDGUARD_0.1' && { echo "unversioned symbol"; exit 1; }
echo "libidguard symbols: pass"
