#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A hostile local client of the broker's API socket, for tests/hostile/.

attack.py MODE SOCKET SECONDS CONNECTIONS
  SOCKET   a path, or @NAME for an abstract name (the protocol doors)
  nul      each connection sends the credentials byte (NUL) and nothing
           more: it holds a handshake slot for as long as the broker lets it
  noline   each connection sends the NUL byte, then an auth line that never
           ends (no CRLF), as fast as the socket takes it
  idle     each connection sends nothing: it holds a door's client slot
A connection the broker closes is opened again at once, for SECONDS in all.
Prints "ready" once the first CONNECTIONS connects were tried, and at the
end one line of figures (key=value): connects tried, connects refused or
closed by the broker, bytes written into the socket, per second.
"""
import errno
import os
import select
import socket
import sys
import time

mode, path, seconds, want = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
if path.startswith("@"):
    path = "\0" + path[1:]
CHUNK = b"A" * 65536
socks = {}
tried = closed = failed = 0
sent = 0


def connect():
    global tried, failed
    tried += 1
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.setblocking(False)
        if mode != "idle":
            s.send(b"\0")
        if mode == "noline":
            s.send(b"AUTH EXTERNAL ")
    except OSError:
        failed += 1
        s.close()
        return
    socks[s.fileno()] = s


def drop(fd):
    global closed
    closed += 1
    socks.pop(fd).close()


start = time.monotonic()
for _ in range(want):
    connect()
print("ready", flush=True)
while time.monotonic() - start < seconds:
    while len(socks) < want and time.monotonic() - start < seconds:
        connect()
        if failed > 100 * want:
            break
    poller = select.poll()
    for fd in socks:
        poller.register(fd, select.POLLIN | (select.POLLOUT if mode == "noline" else 0))
    events = poller.poll(50)
    r = [fd for fd, ev in events if ev & (select.POLLIN | select.POLLHUP | select.POLLERR)]
    w = [fd for fd, ev in events if ev & select.POLLOUT]
    for fd in r:
        if fd not in socks:
            continue
        try:
            data = socks[fd].recv(4096)
        except OSError:
            data = b""
        if not data:
            drop(fd)
    for fd in w:
        if fd not in socks:
            continue
        try:
            sent += socks[fd].send(CHUNK)
        except BlockingIOError:
            pass
        except OSError:
            drop(fd)
    if not socks and failed > 100 * want:
        time.sleep(0.05)
took = time.monotonic() - start
print("attack mode=%s seconds=%.1f connects=%d connects_per_s=%.0f closed_by_broker=%d "
      "connect_failed=%d bytes_sent=%d bytes_sent_per_s=%.0f held_at_end=%d"
      % (mode, took, tried, tried / took, closed, failed, sent, sent / took, len(socks)), flush=True)
