#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# idguard-settings' strings are translatable: every source of
# userspace/settings with _() or N_() is listed in po/POTFILES, every listed
# file exists, and xgettext extracts the prompt's words from them.
set -eu
: "${IDG_SRC:?}" "${IDG_BUILD:?}"
cd "$IDG_SRC"
out="$IDG_BUILD/test-logs/settings-potfiles"
mkdir -p "$out"
grep -v '^#' po/POTFILES | while read -r f; do
  [ -z "$f" ] || [ -f "$f" ] || { echo "FAIL: po/POTFILES lists $f, which does not exist" >&2; exit 1; }
done
for f in userspace/settings/*.c; do
  if grep -q '\(^\|[^A-Za-z0-9_]\)N\?_ (' "$f"; then
    grep -qx "$f" po/POTFILES || { echo "FAIL: $f has translatable strings but is not in po/POTFILES" >&2; exit 1; }
  fi
done
xgettext --files-from=po/POTFILES --directory="$IDG_SRC" --from-code=UTF-8 \
  --keyword=_ --keyword=N_ --keyword=g_dngettext:2,3 --add-comments=TRANSLATORS \
  --output="$out/idguard.pot" 2> "$out/xgettext.err" || { cat "$out/xgettext.err" >&2; exit 1; }
for msg in 'Allow once' 'Always allow' 'Deny' 'Who is asking' 'Privacy report' \
           'Decide which services may read your phone'"'"'s identifiers'; do
  grep -qF "msgid \"$msg\"" "$out/idguard.pot" || { echo "FAIL: '$msg' is not extracted" >&2; exit 1; }
done
echo "settings-potfiles: $(grep -c '^msgid ' "$out/idguard.pot") strings: pass"
