#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""qmi-rogue.py MODE SOCKET-NAME DEVICE-PATH [SECONDS]

A hand-rolled qmi-proxy client for the QMI door's integration tests: it does
what a broken or hostile client would, and checks what the door does about
it. Exits 0 when the door behaved, 1 otherwise (with a reason on stderr).

Modes:
  garbage    bytes that are not QMUX: the door must close the connection
  big        a 64 KiB frame of garbage: the door must close the connection
  truncated  a proxy open, then half a frame, held for SECONDS: the door
             must keep the connection (and everyone else) going
  vanish     a proxy open, a client id, a DMS Get IDs, then gone at once
  badpath    a proxy open for a device that is not the modem: an
             ACCESS_DENIED response, then the connection closed
  apdu       a UIM Send APDU: answered ACCESS_DENIED by the door itself
  cids       40 client ids: the door refuses those past its per-client cap
             with CLIENT_IDS_EXHAUSTED
  hog        a client id, then 20,000 requests (1.6 MB of answers) never
             read: the door must drop this client once its bounded output
             queue is full, and serve the others meanwhile
"""
import socket
import struct
import sys
import time


def frame(service, cid, trid, msg, tlvs):
    body = b"".join(bytes([t]) + struct.pack("<H", len(v)) + v for t, v in tlvs)
    if service == 0:
        sdu = bytes([0x00, trid & 0xFF]) + struct.pack("<HH", msg, len(body)) + body
    else:
        sdu = bytes([0x00]) + struct.pack("<HHH", trid, msg, len(body)) + body
    hdr = bytes([0x00, service, cid])
    return bytes([0x01]) + struct.pack("<H", len(hdr) + len(sdu) + 2) + hdr + sdu


def proxy_open(path):
    return frame(0, 0, 1, 0xFF00, [(0x01, path.encode())])


def allocate(service, trid):
    return frame(0, 0, trid, 0x0022, [(0x01, bytes([service]))])


def connect(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect("\0" + name)
    return s


def read_frame(s):
    buf = b""
    while len(buf) < 3:
        chunk = s.recv(3 - len(buf))
        if not chunk:
            return None
        buf += chunk
    need = struct.unpack("<H", buf[1:3])[0] + 1
    while len(buf) < need:
        chunk = s.recv(need - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def tlvs(f):
    off = 12 if f[4] == 0 else 13
    out = {}
    while off + 3 <= len(f):
        t = f[off]
        n = struct.unpack("<H", f[off + 1:off + 3])[0]
        out[t] = f[off + 3:off + 3 + n]
        off += 3 + n
    return out


def result(f):
    r = tlvs(f).get(0x02)
    if r is None or len(r) != 4:
        return None
    return struct.unpack("<HH", r)


def closed_by_peer(s, secs=10):
    s.settimeout(secs)
    try:
        while True:
            if not s.recv(4096):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def fail(why):
    sys.stderr.write("qmi-rogue: %s\n" % why)
    sys.exit(1)


def opened(name, path):
    s = connect(name)
    s.sendall(proxy_open(path))
    f = read_frame(s)
    if f is None or result(f) != (0, 0):
        fail("proxy open not answered with success")
    return s


def client_id(s, service, trid=2):
    s.sendall(allocate(service, trid))
    f = read_frame(s)
    if f is None or result(f) != (0, 0) or f[7] != trid:
        fail("allocate cid not answered with success and our transaction id")
    info = tlvs(f).get(0x01)
    return info[1]


def main():
    mode, name, path = sys.argv[1], sys.argv[2], sys.argv[3]
    secs = float(sys.argv[4]) if len(sys.argv) > 4 else 5
    if mode == "garbage":
        s = connect(name)
        s.sendall(b"\xde\xad\xbe\xef" * 64)
        if not closed_by_peer(s):
            fail("garbage did not close the connection")
    elif mode == "big":
        s = connect(name)
        try:
            s.sendall(b"\x01\xff\xff" + b"\x5a" * 0xFFFF)
        except (BrokenPipeError, ConnectionResetError):
            return
        if not closed_by_peer(s):
            fail("a 64 KiB garbage frame did not close the connection")
    elif mode == "truncated":
        s = opened(name, path)
        s.sendall(b"\x01\x40\x00\x00\x02")
        time.sleep(secs)
        s.settimeout(0.5)
        try:
            if s.recv(1) == b"":
                fail("a client holding half a frame was dropped")
        except socket.timeout:
            pass
    elif mode == "vanish":
        s = opened(name, path)
        cid = client_id(s, 0x02)
        s.sendall(frame(0x02, cid, 1, 0x0025, []))
        s.close()
    elif mode == "badpath":
        s = connect(name)
        s.sendall(proxy_open("/dev/null"))
        f = read_frame(s)
        if f is None or result(f) != (1, 0x52):
            fail("proxy open of another device not refused with ACCESS_DENIED")
        if not closed_by_peer(s):
            fail("refused client not closed")
    elif mode == "apdu":
        s = opened(name, path)
        cid = client_id(s, 0x0B)
        apdu = bytes.fromhex("00A4000C023F00")
        s.sendall(frame(0x0B, cid, 0x77, 0x003B,
                        [(0x01, b"\x01"), (0x02, struct.pack("<H", len(apdu)) + apdu)]))
        f = read_frame(s)
        if f is None or f[9:11] != b"\x3b\x00" or struct.unpack("<H", f[7:9])[0] != 0x77:
            fail("no Send APDU response with our transaction id")
        if result(f) != (1, 0x52):
            fail("Send APDU not refused with ACCESS_DENIED: %r" % (result(f),))
    elif mode == "cids":
        s = opened(name, path)
        refused = 0
        for i in range(40):
            s.sendall(allocate(0x02, i + 2))
            f = read_frame(s)
            if f is None:
                fail("connection closed while allocating client ids")
            r = result(f)
            if r == (1, 0x05):
                refused += 1
            elif r != (0, 0):
                fail("unexpected allocation result %r" % (r,))
        if refused == 0 or refused == 40:
            fail("per-client cap on client ids not applied (%d of 40 refused)" % refused)
    elif mode == "hog":
        s = opened(name, path)
        cid = client_id(s, 0x02)
        s.settimeout(30)
        try:
            for i in range(20000):
                s.sendall(frame(0x02, cid, i + 1, 0x0025, []))
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            return
        time.sleep(secs)
        # now read: the door must have given up on us before the end
        got = 0
        s.settimeout(5)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        except ConnectionResetError:
            pass
        except socket.timeout:
            fail("a client that never read was kept (%d bytes waiting)" % got)
    else:
        fail("unknown mode " + mode)


if __name__ == "__main__":
    main()
