#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What idguardctl shows a person is what the store holds: a request whose
# purpose carries a bidi override (U+202E) and whose requester carries a C1
# control (U+0085), as a store written before the API refused them could
# hold, is listed with those characters escaped (\u202e, \u0085), never
# raw: raw, they reverse or break what the deciding user reads.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup api-display "$@"

idg_broker_config_bare
chmod 0700 "$T/state"
NOW=$(date +%s)
cat > "$T/state/store.journal" <<EOJ
{"journal":1,"generation":0}
{"r":{"id":"r-00000000000000aa","selector":"uid:65534","requester":"uid=65534 gid=65534 pid=1 exe=/usr/bin/x\u0085y","service":"uid:65534","scopes":"imei","purpose":"carrier \u202enoitavitca","state":"pending","created":$NOW,"decided":0,"grant":null}}
EOJ
idg_broker
idg_ctl requests > "$T/requests.out" || { cat "$T/broker.log" >&2; idg_fail "requests failed"; }
grep -q "r-00000000000000aa" "$T/requests.out" || { cat "$T/requests.out" >&2; idg_fail "the stored request is not listed"; }
for raw in '\342\200\256' '\302\205'; do
  ! grep -q "$(printf "$raw")" "$T/requests.out" || idg_fail "a control or format character is shown raw"
done
grep -qF 'carrier \u202enoitavitca' "$T/requests.out" || { cat "$T/requests.out" >&2; idg_fail "the bidi override is not shown escaped"; }
echo "api-display: pass"
