#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tripwire-mbim.py SOCKET-NAME DEVICE-PATH -- an mbim-proxy client for
tests/broker/tripwire-door.sh: Proxy Control configuration, OPEN, then the
simulator's test-only AT+XLEAK through the Intel AT tunnel (MBIM CID 1,
set). Prints the answer's information buffer as text, CR and LF shown as
<CR> and <LF>; exits 1 if the door does not answer it. The MBIM helpers are
the MBIM door tests' (tests/mbim/mbim-rogue.py)."""
import importlib.util
import os
import struct
import sys
import uuid

_spec = importlib.util.spec_from_file_location(
    "mbim_rogue", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mbim", "mbim-rogue.py"))
mbim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mbim)

INTEL_AT_TUNNEL = uuid.UUID("da138c64-6515-4893-92b2-a1e1ca7c81ca").bytes


def main():
    name, path = sys.argv[1], sys.argv[2]
    s, status = mbim.setup(name, path)
    if status != 0:
        sys.exit("tripwire-mbim: configuration or OPEN failed")
    s.sendall(mbim.command(7, INTEL_AT_TUNNEL, 1, 1, b"AT+XLEAK\r"))
    while True:
        m = mbim.read_until(s, 0x80000003)
        if struct.unpack("<I", m[8:12])[0] == 7:
            break
    n = struct.unpack("<I", m[44:48])[0]
    text = m[48:48 + n].decode("latin-1")
    print(text.replace("\r", "<CR>").replace("\n", "<LF>"))


if __name__ == "__main__":
    main()
