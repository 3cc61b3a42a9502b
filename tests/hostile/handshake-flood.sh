#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# uid 65534 holds 300 connections to api.sock that send only the
# credentials byte, reopening each one the broker closes, for 12 s. Uid 0's
# consented read and `idguardctl status` must still succeed in time, and
# the broker's memory stay bounded: handshakes are budgeted per uid at
# accept and end after [api] handshake-timeout.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup hostile-handshake-flood "$@"
. "$IDG_SRC/tests/api/api-common.sh"
. "$IDG_SRC/tests/hostile/hostile-common.sh"
hostile_start
socket_attack nul 300
echo "hostile-handshake-flood: pass"
