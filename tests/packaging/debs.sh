#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian packages, as a user would check them (lintian included):
#  1. dpkg-buildpackage -us -uc -F builds the source package and idguard, idguard-dkms, libidguard0
#     and libidguard-dev from a copy of the tree (what `git clone` gives);
#  2. each package holds the files it must (dpkg-deb -c), no file is in two
#     packages, the units start binaries the package ships, the config is a
#     conffile, dkms.conf's version is the package's;
#  3. they install into a scratch root (dpkg --root, maintainer scripts run
#     with DPKG_ROOT): the idguard user exists, the units are enabled, the
#     state directory is private; nothing touches the host (systemctl,
#     udevadm and deb-systemd-invoke are stubs that record calls); then they
#     purge cleanly;
#  4. DKMS itself builds the module from the packaged sources against the
#     installed Debian kernel headers (private dkms tree, nothing on the
#     host).
# Build products live in a temporary directory; logs in $T.
set -eu
: "${IDG_BUILD:?}" "${IDG_SRC:?}"
T="$IDG_BUILD/test-logs/packaging-debs"
rm -rf "$T"; mkdir -p "$T"
fail=0
say() { echo "$*"; }
bad() { echo "FAIL: $*"; fail=1; }

for tool in dpkg-buildpackage dh dh_dkms dpkg-deb fakeroot; do
  command -v "$tool" >/dev/null ||
    { echo "FAIL: $tool missing (make deps installs dpkg-dev, debhelper, dh-dkms, fakeroot)"; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/idguard-debs.XXXXXX")
cleanup() { rm -rf "$W"; }
trap cleanup EXIT INT TERM

version=$(cd "$IDG_SRC" && dpkg-parsechangelog -S Version)
upstream=${version%-*}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
src="$W/idguard-$upstream"
mkdir -p "$src"

# 1. A copy of the tree: tracked and not-ignored files, as a clone has them.
if [ -e "$IDG_SRC/.git" ] && command -v git >/dev/null; then
  (cd "$IDG_SRC" && git ls-files -co --exclude-standard -z) |
    (cd "$IDG_SRC" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh) > "$W/files"
  (cd "$IDG_SRC" && tar -cf - -T "$W/files") | (cd "$src" && tar -xf -)
else
  (cd "$IDG_SRC" && tar -cf - --exclude='./build*' --exclude=./.git .) | (cd "$src" && tar -xf -)
fi

say "building the packages (dpkg-buildpackage -us -uc -F, nocheck, 2 jobs)..."
start=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
        dpkg-buildpackage -us -uc -F) > "$T/dpkg-buildpackage.log" 2>&1; then
  tail -n 40 "$T/dpkg-buildpackage.log"
  echo "FAIL: dpkg-buildpackage (full log: $T/dpkg-buildpackage.log)"
  exit 1
fi
say "built in $(( $(date +%s) - start ))s"
# Kept for tests/e2e/image (which installs them into a booted image),
# stamped with the tree they were built from.
rm -rf "$IDG_BUILD/debs"; mkdir -p "$IDG_BUILD/debs"
cp "$W"/*_"$version"_*.deb "$IDG_BUILD/debs/"
sh "$IDG_SRC/tests/packaging/tree-hash.sh" "$IDG_SRC" > "$IDG_BUILD/debs/tree.sha256"

deb() {
  f=$(ls "$W"/"$1"_"$version"_*.deb 2>/dev/null | head -n 1)
  [ -n "$f" ] || { echo "FAIL: no $1 package was built" >&2; return 1; }
  echo "$f"
}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
d_main=$(deb idguard); d_dkms=$(deb idguard-dkms); d_lib=$(deb libidguard0); d_dev=$(deb libidguard-dev)

# 2. Contents.
for p in "$d_main" "$d_dkms" "$d_lib" "$d_dev"; do
  n=$(basename "$p" | cut -d_ -f1)
  dpkg-deb -c "$p" | awk '{ p = $6; sub(/^\.\//, "/", p); print p }' | sort > "$T/$n.contents"
done
expect() {  # package path...
  n=$1; shift
  for path; do
    grep -qx -- "$path" "$T/$n.contents" || bad "$n lacks $path"
  done
}
expect idguard /usr/sbin/idguardd /usr/bin/idguardctl /usr/bin/idguard-modem-sim \
  /etc/idguard/idguard.conf \
  /lib/systemd/system/idguardd.service /lib/systemd/system/idguard-qmi-proxy.socket \
  /lib/systemd/system/idguard-mbim-proxy.socket /lib/systemd/system/idguard-modem-sim.service \
  /lib/systemd/system/idguard-modem-majors.service \
  /lib/udev/rules.d/90-idguard.rules /usr/lib/sysusers.d/idguard.conf \
  /lib/systemd/system/ModemManager.service.d/idguard.conf \
  /usr/lib/tmpfiles.d/idguard.conf /usr/share/dbus-1/system.d/org.idguard.Broker1.conf \
  /usr/share/bash-completion/completions/idguardctl /usr/share/zsh/vendor-completions/_idguardctl \
  /usr/share/idguard/schema/idguardctl-grant.json /usr/share/idguard/schema/idguardctl-status.json \
  /usr/share/man/man8/idguardd.8.gz /usr/share/man/man1/idguardctl.1.gz \
  /usr/share/man/man1/idguard-modem-sim.1.gz /usr/share/man/man5/idguard.conf.5.gz \
  /lib/systemd/system/service.d/idguard-qrtr.conf /usr/lib/systemd/user/service.d/idguard-qrtr.conf \
  /lib/systemd/system/idguardd.service.d/idguard-qrtr.conf \
  /usr/sbin/idguard-qrtr-guard /lib/systemd/system/idguard-qrtr-guard.service \
  /lib/systemd/system/idguardd.service.d/idguard-qrtr-guard.conf /usr/share/man/man8/idguard-qrtr-guard.8.gz
grep -q '^/usr/share/polkit-1/actions/.*\.policy$' "$T/idguard.contents" ||
  bad "idguard lacks a polkit action file in /usr/share/polkit-1/actions"
expect idguard-dkms "/usr/src/idguard-$upstream/dkms.conf" "/usr/src/idguard-$upstream/Kbuild" \
  "/usr/src/idguard-$upstream/driver/uapi/idguard.h" /usr/lib/modules-load.d/idguard.conf
expect libidguard0 "/usr/lib/$multiarch/libidguard.so.0"
expect libidguard-dev /usr/include/idguard.h "/usr/lib/$multiarch/libidguard.so" \
  "/usr/lib/$multiarch/pkgconfig/idguard.pc" /usr/share/man/man3/libidguard.3.gz
# No file shipped twice.
cat "$T"/*.contents | grep -v '/$' | sort | uniq -d > "$T/dup"
[ -s "$T/dup" ] && bad "files in more than one package: $(tr '\n' ' ' < "$T/dup")"
# The module's sources carry no build products.
grep -E '\.(o|ko|mod|cmd)$' "$T/idguard-dkms.contents" && bad "idguard-dkms ships build products"
# idguard does not ask for the stock proxies itself (they come, if at all,
# with libqmi-glib5 and modemmanager; the ModemManager drop-in keeps them
# out of use).
for p in "$d_main" "$d_lib"; do
  dpkg-deb -f "$p" Depends Recommends Suggests | grep -E 'lib(qmi|mbim)-proxy' &&
    bad "$(basename "$p") names a stock proxy package in its dependencies"
done
# The config is a conffile.
mkdir -p "$W/ctrl"; dpkg-deb -e "$d_main" "$W/ctrl"
grep -qx /etc/idguard/idguard.conf "$W/ctrl/conffiles" || bad "/etc/idguard/idguard.conf is not a conffile"
# The units start what the package ships, or what a package it depends
# on ships (modprobe: kmod).
dpkg-deb -x "$d_main" "$W/main"
for u in "$W"/main/lib/systemd/system/*.service; do
  exe=$(sed -n 's/^ExecStart=[-+!@:]*\([^ ]*\).*/\1/p' "$u")
  case "$exe" in
  /sbin/modprobe) dpkg-deb -f "$d_main" Depends | grep -qw kmod ||
      bad "$(basename "$u") starts $exe but idguard does not depend on kmod" ;;
  *) [ -n "$exe" ] && [ -x "$W/main$exe" ] || bad "$(basename "$u") starts '$exe', not in the package" ;;
  esac
done
# dkms.conf names the version the package installs its sources under.
dkms_ver=$(dpkg-deb --fsys-tarfile "$d_dkms" | tar -xOf - "./usr/src/idguard-$upstream/dkms.conf" |
  sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p')
[ "$dkms_ver" = "$upstream" ] || bad "dkms.conf PACKAGE_VERSION '$dkms_ver' != package version '$upstream'"

# lintian: no error and no warning on the source and binary packages (info and pedantic
# tags are in the log, not fatal).
if command -v lintian >/dev/null; then
  changes=$(ls "$W"/*.changes 2>/dev/null | head -n 1)
  if [ -z "$changes" ]; then
    bad "no .changes file to run lintian on"
  elif lintian --fail-on error,warning --display-info "$changes" > "$T/lintian.log" 2>&1; then
    say "lintian: no error, no warning ($(grep -c '^[IP]:' "$T/lintian.log" || true) info/pedantic tags in $T/lintian.log)"
  else
    grep '^[EW]:' "$T/lintian.log"; bad "lintian reports errors or warnings (full log: $T/lintian.log)"
  fi
else
  bad "lintian missing (make deps installs it)"
fi

# 3. Install into a scratch root, maintainer scripts with DPKG_ROOT.
R="$W/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/etc" "$R/run"
: > "$R/var/lib/dpkg/status"; : > "$R/var/lib/dpkg/available"
mkdir -p "$W/stubs"
for c in systemctl deb-systemd-invoke udevadm; do
  printf '#!/bin/sh\necho "%s $*" >> "%s"\n' "$c" "$T/host-calls.log" > "$W/stubs/$c"
  chmod +x "$W/stubs/$c"
done
: > "$T/host-calls.log"
rootdpkg() {
  PATH="$W/stubs:$PATH" dpkg --root="$R" --force-script-chrootless --force-depends \
    --force-not-root --log="$T/dpkg-root.log" "$@"
}
if rootdpkg -i "$d_lib" "$d_main" "$d_dev" > "$T/install.log" 2>&1; then
  say "installed idguard, libidguard0, libidguard-dev into a scratch root"
else
  cat "$T/install.log"; bad "dpkg --root -i (maintainer scripts) failed"
fi
for p in libidguard0 idguard libidguard-dev; do
  st=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f '${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || bad "$p in the scratch root is '$st'"
done
uid=$(awk -F: '$1 == "idguard" { print $3 }' "$R/etc/passwd")
[ -n "$uid" ] || bad "postinst did not create the idguard user in the scratch root"
grep -q '^idguard:' "$R/etc/group" || bad "postinst did not create the idguard group"
st=$(stat -c '%a %u' "$R/var/lib/idguard" 2>/dev/null || echo missing)
[ "$st" = "700 $uid" ] || bad "/var/lib/idguard is '$st', want '700 $uid'"
for l in sockets.target.wants/idguard-qmi-proxy.socket sockets.target.wants/idguard-mbim-proxy.socket \
         multi-user.target.wants/idguardd.service; do
  [ -L "$R/etc/systemd/system/$l" ] || bad "postinst did not enable $l"
done
[ -e "$R/etc/systemd/system/multi-user.target.wants/idguard-modem-sim.service" ] &&
  bad "the simulated modem is enabled by default"
[ -s "$T/host-calls.log" ] && { cat "$T/host-calls.log"; bad "maintainer scripts called host tools during a DPKG_ROOT install"; }

# Reinstalling (the upgrade path of the maintainer scripts: prerm upgrade,
# postinst configure with the old version) is clean and keeps a locally
# edited config.
echo "# local edit" >> "$R/etc/idguard/idguard.conf"
if rootdpkg -i "$d_lib" "$d_main" "$d_dev" > "$T/reinstall.log" 2>&1; then
  grep -qx "# local edit" "$R/etc/idguard/idguard.conf" ||
    bad "reinstalling idguard replaced the locally edited /etc/idguard/idguard.conf"
  [ -L "$R/etc/systemd/system/multi-user.target.wants/idguardd.service" ] ||
    bad "reinstalling idguard lost the idguardd.service enablement"
else
  cat "$T/reinstall.log"; bad "reinstalling (upgrade path) failed"
fi
[ -s "$T/host-calls.log" ] && { cat "$T/host-calls.log"; bad "maintainer scripts called host tools during a DPKG_ROOT reinstall"; }
sed -i '/^# local edit$/d' "$R/etc/idguard/idguard.conf"

# The packaged programs run: the installed simulator and broker on the
# installed config (only its directories and modem ports moved), the
# installed idguardctl with the packaged libidguard, and the real qmicli -p,
# in a private network namespace, as root.
S="$T/installed-run"
mkdir -p "$S/state" "$S/run"; chmod 0700 "$S/state"
python3 "$IDG_SRC/tests/tools/gen-ids.py" > "$S/ids.consented"
imei=$(sed -n 's/^imei=//p' "$S/ids.consented")
IDG_CONFIG_IN="$R/etc/idguard/idguard.conf" sh "$IDG_SRC/tests/packaging/shipped-config.sh" "$S" "$S" \
  > "$S/idguard.conf"
rc=0
LD_LIBRARY_PATH="$R/usr/lib/$multiarch" unshare -n sh -c '
  R=$1; S=$2
  "$R/usr/bin/idguard-modem-sim" --qmi "$S/qmi" --mbim "$S/mbim" --at "$S/at" \
    --ids "$S/ids.consented" > "$S/sim.log" 2>&1 &
  sim=$!
  i=0; while ! grep -q "^ready" "$S/sim.log" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  "$R/usr/sbin/idguardd" --config "$S/idguard.conf" --foreground > "$S/broker.log" 2>&1 &
  broker=$!
  i=0; while ! grep -q "ready" "$S/broker.log" 2>/dev/null && kill -0 $broker 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  rc=0
  "$R/usr/bin/idguardctl" --socket "$S/run/api.sock" status > "$S/status.out" 2>&1 || rc=10
  timeout 30 qmicli -p -d "$S/qmi" --device-open-qmi --dms-get-ids > "$S/qmicli.out" 2>&1 || rc=$((rc + 20))
  kill -TERM $broker $sim 2>/dev/null; wait
  exit $rc' sh "$R" "$S" || rc=$?
case "$rc" in
  0) ;;
  10|30) cat "$S/status.out" "$S/broker.log"; bad "the installed idguardctl status failed against the installed idguardd" ;;
esac
case "$rc" in
  20|30) cat "$S/qmicli.out" "$S/broker.log"; bad "qmicli -p through the installed idguardd failed" ;;
esac
[ "$rc" = 0 ] && grep -q IMEI "$S/qmicli.out" && ! grep -qF "$imei" "$S/qmicli.out" &&
  say "installed programs: broker, simulator, idguardctl and qmicli -p work; no real IMEI without a grant"
grep -qF "$imei" "$S/qmicli.out" && bad "the installed broker released the real IMEI without a grant"
case "$rc" in 0|10|20|30) ;; *) bad "installed programs: unexpected status $rc" ;; esac

# The DKMS package unpacks (its postinst would build on the host: not here).
rootdpkg --unpack "$d_dkms" > "$T/unpack-dkms.log" 2>&1 || { cat "$T/unpack-dkms.log"; bad "unpacking idguard-dkms"; }

# idguard-settings: its files and none of another package's, AppStream
# metadata that validates as packaged, a clean install and purge (the icon
# cache update of its postinst is a stub too).
d_set=$(deb idguard-settings)
dpkg-deb -c "$d_set" | awk '{ p = $6; sub(/^\.\//, "/", p); print p }' | sort > "$T/idguard-settings.contents"
expect idguard-settings /usr/bin/idguard-settings /usr/share/applications/org.idguard.Settings.desktop \
  /etc/xdg/autostart/org.idguard.Settings.Agent.desktop /usr/share/metainfo/org.idguard.Settings.metainfo.xml \
  /usr/share/icons/hicolor/scalable/apps/org.idguard.Settings.svg \
  /usr/share/polkit-1/rules.d/50-idguard-settings.rules /usr/share/man/man1/idguard-settings.1.gz
cat "$T"/*.contents | grep -v '/$' | sort | uniq -d > "$T/dup"
[ -s "$T/dup" ] && bad "files in more than one package: $(tr '\n' ' ' < "$T/dup")"
dpkg-deb -x "$d_set" "$W/settings"
appstreamcli validate --no-net "$W/settings/usr/share/metainfo/org.idguard.Settings.metainfo.xml" \
  > "$T/appstream.log" 2>&1 || { cat "$T/appstream.log"; bad "the packaged metainfo does not validate"; }
mkdir -p "$W/settings-stubs"
printf '#!/bin/sh\n' > "$W/settings-stubs/update-icon-caches"; chmod +x "$W/settings-stubs/update-icon-caches"
if PATH="$W/settings-stubs:$PATH" rootdpkg -i "$d_set" > "$T/install-settings.log" 2>&1 &&
   PATH="$W/settings-stubs:$PATH" rootdpkg --purge idguard-settings >> "$T/install-settings.log" 2>&1; then
  say "idguard-settings installs and purges in the scratch root"
else
  cat "$T/install-settings.log"; bad "installing or purging idguard-settings failed"
fi

# Purge leaves nothing of ours behind.
if rootdpkg --purge idguard-dkms libidguard-dev idguard libidguard0 > "$T/purge.log" 2>&1; then
  left=$(find "$R" -mindepth 1 \( -path "$R/var/lib/dpkg" -o -path "$R/run" \) -prune -o \
           \( -name '*idguard*' -print \) | sed "s|^$R||")
  [ -z "$left" ] || bad "left after purge: $left"
else
  cat "$T/purge.log"; bad "dpkg --root --purge failed"
fi

# 4. DKMS builds the module from the packaged sources: the real dkms add
# and build, with its trees in $W and, in a private mount namespace, a
# scratch /var/lib/dkms (where dkms would write its signing key) so that
# the host is not touched.
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$kdir" ]; then
  bad "no linux-headers-*-amd64 installed (make deps installs linux-headers-amd64)"
elif ! command -v dkms >/dev/null; then
  bad "dkms missing (make deps installs it)"
else
  kver=${kdir#/usr/src/linux-headers-}
  dpkg-deb -x "$d_dkms" "$W/dkmsroot"
  mkdir -p "$W/dkmstree"
  if unshare -m --propagation private sh -c '
       mkdir -p /var/lib/dkms && mount -t tmpfs tmpfs /var/lib/dkms || exit 1
       dkms add -m idguard -v "$1" --sourcetree "$2" --dkmstree "$3" &&
       dkms build -m idguard -v "$1" --sourcetree "$2" --dkmstree "$3" \
         -k "$4" --kernelsourcedir "$5"' sh \
       "$upstream" "$W/dkmsroot/usr/src" "$W/dkmstree" "$kver" "$kdir" > "$T/dkms.log" 2>&1 &&
     [ -f "$W/dkmstree/idguard/$upstream/$kver/$(uname -m)/module/idguard.ko" ]; then
    say "DKMS: idguard.ko built for $kver from the packaged sources"
  else
    tail -n 30 "$T/dkms.log"
    bad "dkms add/build of the packaged sources failed"
  fi
fi

[ "$fail" = 0 ] && say "Debian packages: pass"
exit "$fail"
