#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The MAC policy snippets of docs/threat-model.md stay valid: the AppArmor
# profile and abstraction parse (apparmor_parser -Q -K: no kernel needed),
# and the SELinux module compiles against the reference policy's devel
# files. Neither is loaded or enforced here. Skipped (77) when the tools are
# not installed (packages apparmor and selinux-policy-dev).
set -eu
: "${IDG_BUILD:?}" "${IDG_SRC:?}"
T="$IDG_BUILD/test-logs/packaging-mac-snippets"
rm -rf "$T"; mkdir -p "$T"
command -v apparmor_parser >/dev/null && [ -f /usr/share/selinux/devel/Makefile ] ||
  { echo "SKIP: apparmor_parser or /usr/share/selinux/devel/Makefile missing (apparmor, selinux-policy-dev)"; exit 77; }

# Code blocks are cut at the '# FILE' comment lines the doc puts above each file.
python3 - "$IDG_SRC/docs/threat-model.md" "$T" <<'PY'
import sys
doc, out = open(sys.argv[1]).read(), sys.argv[2]
def block(start):
    b = doc[doc.index(start):]
    return b[:b.index("```")]
aa = block("# /etc/apparmor.d/abstractions/idguard-no-modem")
abst, prof = aa.split("# /etc/apparmor.d/usr.sbin.idguardd\n")
open(out + "/idguard-no-modem", "w").write(abst.split("\n", 1)[1])
open(out + "/usr.sbin.idguardd", "w").write(prof)
te, fc = block("# idguard.te\n").split("# idguard.fc\n")
open(out + "/idguard.te", "w").write(te.split("\n", 1)[1])
open(out + "/idguard.fc", "w").write(fc)
PY
cat > "$T/uses-abstraction" <<PROFILE
#include <tunables/global>
profile uses-abstraction /usr/bin/uses-abstraction {
  #include <abstractions/base>
  #include "$T/idguard-no-modem"
}
PROFILE

fail=0
for p in usr.sbin.idguardd uses-abstraction; do
  if apparmor_parser -Q -K "$T/$p" > "$T/$p.log" 2>&1; then
    echo "AppArmor $p: parses"
  else
    cat "$T/$p.log"; echo "FAIL: AppArmor $p does not parse"; fail=1
  fi
done
if (cd "$T" && make -f /usr/share/selinux/devel/Makefile idguard.pp) > "$T/selinux.log" 2>&1 &&
   [ -s "$T/idguard.pp" ]; then
  echo "SELinux idguard.te/.fc: compiles"
else
  cat "$T/selinux.log"; echo "FAIL: the SELinux module does not compile"; fail=1
fi
[ "$fail" = 0 ] && echo "MAC snippets: pass"
exit "$fail"
