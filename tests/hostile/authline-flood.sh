#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# uid 65534 opens 64 connections to api.sock that send the credentials
# byte and then an auth line without CRLF, as fast as the socket takes
# it, reopening each one the broker closes, for 12 s. Uid 0's
# consented read and `idguardctl status` must still succeed in time, and
# the broker's memory stay bounded: handshakes are budgeted per uid at
# accept, a line is at most 256 bytes and a handshake ends after [api]
# handshake-timeout.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup hostile-authline-flood "$@"
. "$IDG_SRC/tests/api/api-common.sh"
. "$IDG_SRC/tests/hostile/hostile-common.sh"
hostile_start
socket_attack noline 64
echo "hostile-authline-flood: pass"
