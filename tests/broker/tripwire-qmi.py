#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tripwire-qmi.py SOCKET-NAME DEVICE-PATH -- a qmi-proxy client for
tests/broker/tripwire-door.sh: proxy open, a DMS client id, then the
simulator's test-only DMS message 0x5556 (identifiers in TLVs no filter
knows). Prints the response frame as hex (lower case) on one line; exits 1
if the door does not answer it. The QMUX helpers are the QMI door tests'
(tests/qmi/qmi-rogue.py)."""
import importlib.util
import os
import struct
import sys

_spec = importlib.util.spec_from_file_location(
    "qmi_rogue", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qmi", "qmi-rogue.py"))
qmi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(qmi)


def response(s, msg):
    """The DMS response to msg (indications in between are skipped)."""
    while True:
        f = qmi.read_frame(s)
        if f is None:
            qmi.fail("the door closed the connection")
        if f[4] == 0x02 and f[6] & 0x02 and struct.unpack("<H", f[9:11])[0] == msg:
            return f


def main():
    name, path = sys.argv[1], sys.argv[2]
    s = qmi.opened(name, path)
    cid = qmi.client_id(s, 0x02)
    s.sendall(qmi.frame(0x02, cid, 7, 0x5556, []))
    print(response(s, 0x5556).hex())


if __name__ == "__main__":
    main()
