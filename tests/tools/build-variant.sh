#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The build a distribution does, which the main build does not exercise:
# clang, the builder's own -D_FORTIFY_SOURCE=3 (Buildroot's
# BR2_FORTIFY_SOURCE_3, Debian's hardening=+all in later releases), no
# polkit, no libsystemd, no tests, no docs, warnings as errors. Builds the
# userspace only and checks what a systemd-less build installs: no socket
# units (the broker binds the proxy names itself), idguardd.service as
# Type=exec in the foreground. Usage: build-variant.sh BUILDDIR
set -eu
B=${1:?usage: build-variant.sh BUILDDIR}
cd "$(dirname "$0")/../.."
cc=clang
command -v ccache >/dev/null && cc="ccache clang"
if [ ! -f "$B/build.ninja" ]; then
  CC="$cc" CFLAGS="-O2 -D_FORTIFY_SOURCE=3" meson setup "$B" --werror \
    -Dbuildtype=plain -Dpolkit=disabled -Dsystemd=disabled \
    -Dtests=disabled -Ddocs=disabled -Dfuzzing=false \
    --prefix=/usr --sysconfdir=/etc --localstatedir=/var >/dev/null
fi
ninja -C "$B"

fail () { echo "build-variant: FAIL: $*" >&2; exit 1; }
grep -q -- '-D_FORTIFY_SOURCE=3' "$B/compile_commands.json" || fail "CFLAGS' _FORTIFY_SOURCE=3 not used"
grep -q -- '-D_FORTIFY_SOURCE=2' "$B/compile_commands.json" && fail "a second _FORTIFY_SOURCE level was added"
grep -q '"polkit' "$B/compile_commands.json" && fail "polkit used although disabled"
plan=$(meson introspect --installed "$B")
echo "$plan" | grep -q '\.socket' && fail "socket units installed without libsystemd"
echo "$plan" | grep -q 'idguardd.service' || fail "idguardd.service not installed"
echo "$plan" | grep -q '/usr/share/man' && fail "man pages installed with -Ddocs=disabled"
unit="$B/systemd/idguardd.service"
grep -qx 'Type=exec' "$unit" || fail "idguardd.service is not Type=exec without libsystemd"
grep -q '^ExecStart=.* --foreground$' "$unit" || fail "idguardd.service does not run idguardd --foreground"
grep -q 'proxy\.socket' "$unit" && fail "idguardd.service names the socket units"
if command -v systemd-analyze >/dev/null; then
  SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$unit" 2>&1 |
    grep -v 'idguard\(d\)\?: \|Command .* is not executable\|No such file' | grep . &&
    fail "systemd-analyze verify complains about idguardd.service"
fi
echo "build-variant: pass (clang, _FORTIFY_SOURCE=3, polkit/systemd/tests/docs disabled, --werror)"
