#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""at-client.py PORT CMD...: sends each AT command to PORT (a tty path, or
@NAME for an abstract unix socket) and prints "CMD -> reply lines" per
command. Exit status 1 if a command gets no final result in 5 s."""
import os
import select
import socket
import sys
import termios
import time

FINAL = (b"OK", b"ERROR", b"NO CARRIER")


def main():
    port = sys.argv[1]
    if port.startswith("@"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect("\0" + port[1:])
        fd = s.fileno()
    else:
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
        attrs = termios.tcgetattr(fd)
        attrs[3] &= ~(termios.ECHO | termios.ICANON)
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
    status = 0
    for cmd in sys.argv[2:]:
        os.write(fd, cmd.encode() + b"\r")
        buf = b""
        deadline = time.time() + 5
        done = False
        while time.time() < deadline and not done:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                lines = [l.strip() for l in buf.split(b"\r\n")]
                done = any(l in FINAL or l.startswith(b"+CME ERROR") for l in lines)
        lines = [l.strip().decode(errors="replace") for l in buf.replace(b"\r\n", b"\n").split(b"\n")]
        lines = [l for l in lines if l and l != cmd]
        print("%s -> %s" % (cmd, " | ".join(lines)))
        if not done:
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
