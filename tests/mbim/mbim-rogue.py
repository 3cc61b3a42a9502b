#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mbim-rogue.py MODE SOCKET DEVICE [ARG]: a hand-made client of the MBIM
door for the integration tests (a libmbim client cannot misbehave).

Modes (exit 0 when the door behaved):
  garbage    random bytes: the door must close this connection
  oversized  a header claiming 1 MiB: closed
  lying      a command whose buffer length runs past the message: closed
  truncated  half a message, then silence for ARG seconds (the door keeps
             serving the others)
  hog        configure, send ARG hundred queries, never read, then leave
  badpath    configure with /dev/null: a failure status
  apdu       a UICC APDU: refused with OPERATION_NOT_ALLOWED (28)
  subscribe  subscribe to Basic Connect Signal State only, then print a
             line per indication for ARG seconds (Subscriber Ready Status
             must no longer come)
  frag       OPEN with a max control transfer of 64, a Device Caps query
             sent in two fragments; the fragmented answer is reassembled
             and its DeviceId printed
"""
import os
import socket
import struct
import sys
import time
import uuid

PROXY = uuid.UUID("838cf7fb-8d0d-4d7f-871e-d71dbefbb39b").bytes
BASIC = uuid.UUID("a289cc33-bcbb-8b4f-b6b0-133ec2aae6df").bytes
UICC = uuid.UUID("c2f6588e-f037-4bc9-8665-f4d44bd09367").bytes


def command(tid, service, cid, ctype, buf, total=1, current=0):
    body = service + struct.pack("<III", cid, ctype, len(buf)) + buf
    return struct.pack("<IIIII", 3, 20 + len(body), tid, total, current) + body


def config(path):
    p = path.encode("utf-16-le")
    buf = struct.pack("<III", 12, len(p), 10) + p + b"\0" * ((4 - len(p) % 4) % 4)
    return command(1, PROXY, 1, 1, buf)


def connect(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + name)
    s.settimeout(10)
    return s


def read_msg(s):
    head = b""
    while len(head) < 12:
        chunk = s.recv(12 - len(head))
        if not chunk:
            raise EOFError("closed")
        head += chunk
    length = struct.unpack("<I", head[4:8])[0]
    rest = b""
    while len(rest) < length - 12:
        chunk = s.recv(length - 12 - len(rest))
        if not chunk:
            raise EOFError("closed")
        rest += chunk
    return head + rest


def read_until(s, mtype):
    while True:
        m = read_msg(s)
        if struct.unpack("<I", m[:4])[0] == mtype:
            return m


def expect_closed(s):
    try:
        while True:
            if not s.recv(4096):
                return 0
    except (ConnectionResetError, EOFError):
        return 0
    except socket.timeout:
        print("the door kept a misbehaving client", file=sys.stderr)
        return 1


def setup(name, dev, max_transfer=4096):
    s = connect(name)
    s.sendall(config(dev))
    done = read_until(s, 0x80000003)
    status = struct.unpack("<I", done[40:44])[0]
    if status != 0:
        return s, status
    s.sendall(struct.pack("<IIII", 1, 16, 2, max_transfer))
    opened = read_until(s, 0x80000001)
    return s, struct.unpack("<I", opened[12:16])[0]


def main():
    mode, name, dev = sys.argv[1:4]
    arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if mode == "garbage":
        s = connect(name)
        s.sendall(os.urandom(1024))
        return expect_closed(s)
    if mode == "oversized":
        s = connect(name)
        s.sendall(struct.pack("<III", 3, 1 << 20, 1) + b"\0" * 4096)
        return expect_closed(s)
    if mode == "lying":
        s, st = setup(name, dev)
        m = bytearray(command(9, BASIC, 1, 0, b""))
        m[44:48] = struct.pack("<I", 4096)
        s.sendall(bytes(m))
        return expect_closed(s)
    if mode == "truncated":
        s = connect(name)
        s.sendall(config(dev)[:30])
        time.sleep(arg)
        return 0
    if mode == "hog":
        s, st = setup(name, dev)
        for i in range(arg * 100):
            s.sendall(command(100 + i, BASIC, 1, 0, b""))
        time.sleep(2)
        return 0
    if mode == "badpath":
        s, st = setup(name, "/dev/null")
        return 0 if st != 0 else 1
    if mode == "apdu":
        s, st = setup(name, dev)
        if st != 0:
            print("setup failed: %d" % st, file=sys.stderr)
            return 1
        apdu = bytes([0x00, 0xA4, 0x00, 0x04, 0x02, 0x2F, 0xE2])
        buf = struct.pack("<IIIII", 0, 0, 0, 20, len(apdu)) + apdu + b"\0"
        s.sendall(command(5, UICC, 4, 1, buf))
        done = read_until(s, 0x80000003)
        st = struct.unpack("<I", done[40:44])[0]
        print("apdu status %d" % st)
        return 0 if st == 28 else 1
    if mode == "subscribe":
        s, st = setup(name, dev)
        if st != 0:
            print("setup failed: %d" % st, file=sys.stderr)
            return 1
        entry = BASIC + struct.pack("<II", 1, 11)
        buf = struct.pack("<III", 1, 12, len(entry)) + entry
        s.sendall(command(6, BASIC, 19, 1, buf))
        done = read_until(s, 0x80000003)
        st = struct.unpack("<I", done[40:44])[0]
        if done[48:] != buf:
            print("subscribe list not echoed", file=sys.stderr)
            return 1
        print("subscribed status %d" % st, flush=True)
        end = time.time() + arg
        s.settimeout(0.5)
        while time.time() < end:
            try:
                m = read_msg(s)
            except socket.timeout:
                continue
            if struct.unpack("<I", m[:4])[0] == 0x80000007:
                print("indication cid %d" % struct.unpack("<I", m[36:40])[0], flush=True)
        return 0
    if mode == "frag":
        s, st = setup(name, dev, 64)
        if st != 0:
            print("setup failed: %d" % st, file=sys.stderr)
            return 1
        whole = command(7, BASIC, 1, 0, b"")
        data = whole[20:]
        for i, part in enumerate([data[:14], data[14:]]):
            s.sendall(struct.pack("<IIIII", 3, 20 + len(part), 7, 2, i) + part)
        frags = []
        while True:
            m = read_msg(s)
            if struct.unpack("<I", m[:4])[0] != 0x80000003:
                continue
            if len(m) > 64:
                print("fragment of %d bytes > 64" % len(m), file=sys.stderr)
                return 1
            total, current = struct.unpack("<II", m[12:20])
            if current != len(frags):
                print("fragment %d out of order" % current, file=sys.stderr)
                return 1
            frags.append(m[20:])
            if len(frags) == total:
                break
        body = b"".join(frags)
        status, blen = struct.unpack("<II", body[20:28])
        ib = body[28:28 + blen]
        off, ln = struct.unpack("<II", ib[40:48])
        print("fragments %d status %d deviceid %s" % (len(frags), status,
                                                       ib[off:off + ln].decode("utf-16-le")))
        return 0 if status == 0 and len(frags) > 1 else 1
    print("unknown mode", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
