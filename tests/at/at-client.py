#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""at-client.py TARGET COMMAND... -- a minimal AT client for the door tests.

TARGET is "@NAME" (an abstract unix socket, NAME used verbatim) or the path
of a tty. Each COMMAND line is sent with "\\r"; the bytes received up to and
including the final result code are printed, one reply per line, with CR
and LF shown as <CR> and <LF>. Exits 1 if a reply does not come in time.
  --hold N        after the commands, keep the connection open N seconds
                  without reading (a slow client)
  --flood N       send N extra "ATI" lines without reading any reply
A COMMAND "@wait PATH" sends nothing: it waits (10 s at most) until PATH
exists, on the same connection.
"""
import os
import re
import select
import socket
import sys
import termios
import time
import tty

FINALS = (b"OK", b"ERROR", b"+CME ERROR", b"+CMS ERROR", b"NO CARRIER", b"CONNECT")


def is_final(line):
    return any(line.strip().startswith(f) for f in FINALS)


class Conn:
    def __init__(self, target):
        if target.startswith("@"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect("\0" + target[1:])
            self.fd = self.sock.fileno()
        else:
            self.sock = None
            self.fd = os.open(target, os.O_RDWR | os.O_NOCTTY)
            tty.setraw(self.fd)
            termios.tcflush(self.fd, termios.TCIOFLUSH)
        self.buf = b""

    def send(self, data):
        os.write(self.fd, data)

    def reply(self, timeout=10.0):
        end = time.time() + timeout
        while True:
            pos = 0
            while True:
                m = re.search(rb"[\r\n]", self.buf[pos:])
                if not m:
                    break
                e = pos + m.start()
                nxt = e + 1
                if self.buf[e:e + 1] == b"\r" and self.buf[nxt:nxt + 1] == b"\n":
                    nxt += 1
                if is_final(self.buf[pos:e]):
                    out, self.buf = self.buf[:nxt], self.buf[nxt:]
                    return out
                pos = nxt
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                data = os.read(self.fd, 4096)
                if not data:
                    return None
                self.buf += data


def show(data):
    return data.decode("latin-1").replace("\r", "<CR>").replace("\n", "<LF>")


def main():
    args = sys.argv[1:]
    hold = flood = 0
    if "--hold" in args:
        i = args.index("--hold")
        hold = float(args[i + 1])
        del args[i:i + 2]
    if "--flood" in args:
        i = args.index("--flood")
        flood = int(args[i + 1])
        del args[i:i + 2]
    conn = Conn(args[0])
    for cmd in args[1:]:
        if cmd.startswith("@wait "):
            path = cmd[6:]
            end = time.time() + 10
            while not os.path.exists(path):
                if time.time() > end:
                    print("TIMEOUT waiting for " + path)
                    return 1
                time.sleep(0.05)
            print("waited")
            sys.stdout.flush()
            continue
        conn.send(cmd.encode() + b"\r")
        out = conn.reply()
        if out is None:
            print("TIMEOUT " + cmd)
            sys.stdout.flush()
            return 1
        print(show(out))
        sys.stdout.flush()
    if flood:
        conn.send(b"ATI\r" * flood)
    if hold:
        print("holding")
        sys.stdout.flush()
        time.sleep(hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
