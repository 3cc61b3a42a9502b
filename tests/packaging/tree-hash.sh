#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tree-hash.sh SRC: the sha256 of the files a clone of SRC has (tracked and
# not-ignored, their contents and modes, not their times), but for tests/
# and bench/, which the packages do not hold. debs.sh stamps the packages
# it keeps in $IDG_BUILD/debs with it; tests/e2e/image uses those packages
# only if the stamp is the tree's (make check builds them anew each time).
set -eu
cd "$1"
if [ -e .git ] && command -v git >/dev/null; then
  git ls-files -co --exclude-standard -z |
    xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\n" "$f"; done' sh | grep -v '^\(tests\|bench\)/' | LC_ALL=C sort
else
  find . -path ./.git -prune -o -path './build*' -prune -o -path ./tests -prune -o -path ./bench -prune \
    -o -type f -print | LC_ALL=C sort
fi | tar -cf - --mtime=@0 --owner=0 --group=0 --numeric-owner --no-recursion -T - | sha256sum | cut -d' ' -f1
