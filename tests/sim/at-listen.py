#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""at-listen.py @NAME READYFILE UNTIL: connects to the abstract unix socket
NAME, turns echo off (ATE0, waits for its OK), creates READYFILE, then
collects what the modem sends on its own until the text UNTIL has come and
0.5 s passed without more bytes (at most 10 s). Prints it with <CR>/<LF>
shown. Exit status 1 if UNTIL never came."""
import os
import select
import socket
import sys
import time


def read_until(s, pred, limit):
    buf = b""
    deadline = time.time() + limit
    while time.time() < deadline and not pred(buf):
        r, _, _ = select.select([s], [], [], 0.1)
        if r:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    return buf


def main():
    name, ready, until = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + name[1:])
    s.sendall(b"ATE0\r")
    if b"\r\nOK\r\n" not in read_until(s, lambda b: b"\r\nOK\r\n" in b, 5):
        sys.exit("no OK to ATE0")
    open(ready, "w").close()
    buf = read_until(s, lambda b: until in b, 10)
    seen = until in buf
    while seen:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            break
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    print(buf.decode(errors="replace").replace("\r", "<CR>").replace("\n", "<LF>"))
    sys.exit(0 if seen else 1)


if __name__ == "__main__":
    main()
