#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line as a user meets it, without a broker:
#  - every installed binary answers --version with its name and the
#    project's version;
#  - every idguardctl command (userspace/ctl/commands.json) has its own
#    --help, starting with that command's synopsis;
#  - errors name the command once: "idguardctl: grant: ...", never
#    "idguardctl: idguardctl: ...";
#  - reset --factory without a terminal and without --yes is refused
#    before anything is sent;
#  - the generated bash completion completes commands, options, kinds and
#    scope lists from the table; the zsh completion parses and names them.
set -u
: "${IDG_BUILD:?}" "${IDG_SRC:?}"
CTL="$IDG_BUILD/userspace/ctl/idguardctl"
T="$IDG_BUILD/test-logs/ctl-cli"
rm -rf "$T"; mkdir -p "$T"
fail() { echo "FAIL: $*"; exit 1; }

version=$(sed -n "s/^ *version: '\([^']*\)',$/\1/p" "$IDG_SRC/meson.build" | head -n 1)
[ -n "$version" ] || fail "no version in meson.build"
for b in userspace/ctl/idguardctl userspace/broker/idguardd userspace/sim/idguard-modem-sim; do
  name=$(basename "$b")
  out=$("$IDG_BUILD/$b" --version) || fail "$name --version: exit $?"
  [ "$out" = "$name $version" ] || fail "$name --version printed '$out', expected '$name $version'"
done
echo "--version: idguardctl, idguardd, idguard-modem-sim"

# one line per command: NAME --option...
python3 -c 'import json,sys
for c in json.load(open(sys.argv[1]))["commands"]:
    print(" ".join([c["name"]] + ["--" + o["name"] for o in c["options"]]))' \
  "$IDG_SRC/userspace/ctl/commands.json" > "$T/table" || fail "cannot read the command table"
commands=$(cut -d" " -f1 "$T/table" | tr "\n" " ")
[ -n "$commands" ] || fail "no commands in the table"
"$CTL" --help > "$T/main.help" || fail "idguardctl --help: exit $?"
for c in $commands; do
  "$CTL" "$c" --help > "$T/$c.help" 2> "$T/$c.help.err" || fail "$c --help: exit $?"
  head -n 1 "$T/$c.help" | grep -q "^usage: idguardctl \[--socket PATH\] \[--json\] $c\( \|$\)" ||
    fail "$c --help does not start with its synopsis: $(head -n 1 "$T/$c.help")"
  [ -s "$T/$c.help.err" ] && fail "$c --help wrote to stderr"
  cmp -s "$T/$c.help" "$T/main.help" && fail "$c --help prints the general help"
  grep -q "^  $c\( \|$\)" "$T/main.help" || fail "idguardctl --help does not list $c"
  # its own options, each in its help
  for o in $(sed -n "s/^$c //p" "$T/table"); do
    grep -q -- "^  $o\( \|$\)" "$T/$c.help" || fail "$c --help does not describe $o"
  done
  "$CTL" "$c" --no-such-option > /dev/null 2> "$T/$c.err"; rc=$?
  [ $rc = 2 ] || fail "$c --no-such-option: exit $rc, expected 2"
  [ "$(wc -l < "$T/$c.err")" = 1 ] || fail "$c: the error is not one line"
  grep -q "^idguardctl: $c: unknown option '--no-such-option' (see idguardctl $c --help)$" "$T/$c.err" ||
    fail "$c: error line: $(cat "$T/$c.err")"
done
[ "$(cat "$T"/*.help | md5sum)" != "$(cat "$T/main.help" "$T/main.help" | md5sum)" ] || fail "help texts are all the same"
n_distinct=$(for c in $commands; do md5sum < "$T/$c.help"; done | sort -u | wc -l)
[ "$n_distinct" = "$(echo $commands | wc -w)" ] || fail "two commands print the same --help"
echo "--help: one text per command ($n_distinct), each with its synopsis and options"

"$CTL" --no-such-option 2> "$T/global.err" >/dev/null; rc=$?
[ $rc = 2 ] || fail "--no-such-option: exit $rc"
grep -q "^idguardctl: unknown option '--no-such-option' (see idguardctl --help)$" "$T/global.err" ||
  fail "global error line: $(cat "$T/global.err")"
"$CTL" frobnicate 2> "$T/unknown.err" >/dev/null; rc=$?
[ $rc = 2 ] || fail "unknown command: exit $rc"
grep -q "^idguardctl: unknown command 'frobnicate'" "$T/unknown.err" || fail "unknown command: $(cat "$T/unknown.err")"
grep -rq "idguardctl: idguardctl:" "$T"/*.err && fail "a doubled prefix: $(grep -rh "idguardctl: idguardctl:" "$T"/*.err)"
"$CTL" --socket "$T/none.sock" grant --to uid:0 --scope imei --purpose x > /dev/null 2> "$T/unreach.err"; rc=$?
[ $rc = 3 ] || fail "unreachable broker: exit $rc, expected 3"
grep -q "^idguardctl: grant: broker unreachable at " "$T/unreach.err" || fail "unreachable: $(cat "$T/unreach.err")"
echo "errors: 'idguardctl: COMMAND: ...', one line, no doubled prefix"

"$CTL" --socket "$T/none.sock" reset --factory < /dev/null > /dev/null 2> "$T/reset.err"; rc=$?
[ $rc = 2 ] || fail "reset --factory without a terminal or --yes: exit $rc, expected 2 (refused before connecting)"
grep -q "^idguardctl: reset: .*--yes" "$T/reset.err" || fail "reset: $(cat "$T/reset.err")"
"$CTL" --socket "$T/none.sock" reset --factory --yes < /dev/null > /dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "reset --factory --yes: exit $rc, expected 3 (it went on to the broker)"
echo "reset --factory: --yes required without a terminal"

# bash: the generated completion, with _init_completion as bash-completion
# defines it for the simple case (no redirections, no '=')
BASH_COMP="$IDG_BUILD/data/idguardctl"
[ -f "$BASH_COMP" ] || fail "no generated bash completion"
complete_words() {  # words... (the last one is completed)
  bash -c '
    _init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; }
    _filedir() { COMPREPLY=(FILE); }
    compopt() { :; }
    . "$0"
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _idguardctl
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' "$BASH_COMP" "$@"
}
expect_completion() {  # "expected" words...
  want=$1; shift
  got=$(complete_words "$@")
  [ "$got" = "$want " ] || fail "bash completion of '$*': '$got', expected '$want'"
}
expect_completion "grant grants" idguardctl gr
expect_completion "--scope --socket" idguardctl grant --s
expect_completion "iccid imei imeisv imsi" idguardctl get i
expect_completion "imei,imei imei,imeisv imei,imsi" idguardctl grant --scope imei,im
expect_completion "--factory" idguardctl reset --f
expect_completion "12h 15m 30s 90d" idguardctl approve r-1 --ttl ""
expect_completion "FILE" idguardctl get imei --token-file ""
for c in $commands; do
  case " $(complete_words idguardctl "$c")" in
    *" $c "*) ;;
    *) fail "bash completion does not offer the command $c" ;;
  esac
done
echo "bash completion: commands, options, kinds and lists from the table"

ZSH_COMP="$IDG_BUILD/data/_idguardctl"
[ -f "$ZSH_COMP" ] || fail "no generated zsh completion"
head -n 1 "$ZSH_COMP" | grep -q "^#compdef idguardctl$" || fail "zsh completion lacks #compdef"
for c in $commands; do
  grep -q "^    '$c:" "$ZSH_COMP" || fail "zsh completion lacks the command $c"
done
if command -v zsh > /dev/null; then
  zsh -n "$ZSH_COMP" || fail "zsh completion does not parse"
  echo "zsh completion: parses, names every command"
else
  echo "zsh completion: names every command (zsh not installed: not parsed)"
fi
echo "ctl-cli: pass"
