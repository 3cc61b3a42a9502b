#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The fast path of api.sock (userspace/common/idg-api-frame.h) against
malformed input.

api-fast.py SOCKET CORPUS_DIR
  each malformed case must make the broker close the connection without
  an answer; a well-formed request with a token that grants nothing must be
  answered with an error frame, twice on the same connection. Prints one
  line per case.
api-fast.py SOCKET --hold N
  opens N connections that say the hello and nothing more, waits 2 s, and
  prints "held H closed C": how many the broker kept and closed."""
import select
import socket
import struct
import sys
import time

path, corpus = sys.argv[1], sys.argv[2]
HELLO = b"IDG1"


def hold(n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.sendall(b"IDG1")
        except OSError:
            pass
        socks.append(s)
    time.sleep(2)
    closed = 0
    for s in socks:
        r, _, _ = select.select([s], [], [], 0)
        try:
            if r and s.recv(1) == b"":
                closed += 1
        except OSError:
            closed += 1
    print(f"held {n - closed} closed {closed}")
    sys.exit(0)


if corpus == "--hold":
    hold(int(sys.argv[3]))


def frame(name):
    with open(f"{corpus}/{name}", "rb") as f:
        return f.read()


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(10)
    return s


def closed_without_answer(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return True
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


def answer(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        assert chunk, "connection closed before the answer"
        head += chunk
    (n,) = struct.unpack("<I", head)
    assert 1 <= n <= 4096, f"answer length {n}"
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        assert chunk, "connection closed inside the answer"
        body += chunk
    return body


get = frame("get-identifier")
cases = [
    ("another hello", b"IDX1" + get),
    ("length zero", HELLO + b"\0\0\0\0"),
    ("length over the maximum", HELLO + struct.pack("<I", 4097) + b"x" * 4097),
    ("length 2^32-1", HELLO + b"\xff\xff\xff\xff"),
    ("an answer sent as a request", HELLO + frame("answer-error")),
    ("a body of junk", HELLO + struct.pack("<I", 64) + bytes(range(64))),
    ("a body shorter than it says, then end of file", None),
    ("a good request, then junk", HELLO + get + struct.pack("<I", 8) + b"\xff" * 8),
]
for what, data in cases:
    s = connect()
    if data is None:
        s.sendall(HELLO + get[:-3])
        s.shutdown(socket.SHUT_WR)
        ok = s.recv(1) == b""
    elif what.startswith("a good request"):
        s.sendall(data)
        body = answer(s)
        ok = body.find(b"org.idguard.Error.") >= 0 and s.recv(1) == b""
    else:
        ok = closed_without_answer(s, data)
    s.close()
    print(f"{'ok' if ok else 'FAIL'}: {what}")
    if not ok:
        sys.exit(1)

s = connect()
s.sendall(HELLO + get)
for i in range(2):
    if i:
        s.sendall(get)
    body = answer(s)
    if body.find(b"org.idguard.Error.") < 0:
        print("FAIL: a request with a token that grants nothing was not refused")
        sys.exit(1)
print("ok: a token that grants nothing is refused, twice on one connection")

# pipelined: 100 requests in one write (more than one read of the broker's
# 4 KiB buffer), 100 answers in order, none left waiting
s = connect()
s.sendall(HELLO + get * 100)
for i in range(100):
    if answer(s).find(b"org.idguard.Error.") < 0:
        print(f"FAIL: pipelined request {i} not answered as refused")
        sys.exit(1)
print("ok: 100 pipelined requests, 100 answers")
