#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""at-attack.py MODE SOCKET-NAME IDS-FILE OUT-FILE

Issue 12's AT attack classes through the real AT door, as a hostile client
writes them (raw bytes on the door's abstract socket):
  editing     backspaces turning a harmless line into +CNUM, +CIMI, +CSIM;
              control characters and NULs inside a command name;
  a-slash     "A/" after an identifier read, after a refused line, twice;
  s-registers ATS3=, ATS4=, ATS5= (refused: ERROR), and the lines that
              would run differently had the modem obeyed them;
  chains      ';' chains and concatenated basic commands holding identifier
              reads; V0/Q1/data mode (refused);
  slices      +CRSM READ BINARY of EF_ICCID and EF_IMSI at every offset and
              length, READ RECORD of EF_MSISDN and EF_ADN at every length;
  formats     +CGSN, +CGSN=1/2/3, +GSN, ATI, ICCID vendor commands, +EGMR.
MODE "denied": the client holds no grant. No identifier may come back, in
ASCII or in the hex of its BCD form (either case), and no run of 6 digits
of its unique part (IMEI serial, IMSI after MCC+MNC, MSISDN, ICCID after
"89"), in the text or in the digits of any hex run read as swapped BCD (both
alignments); raw SIM access and the framing changes are refused.
MODE "consented": the client holds every scope and gets the real values.
Everything received is written to OUT-FILE.
Exits 0 when the door behaved; 1 on a whole identifier or a misbehaving
door; 2 when the only finding is a run of 6 digits (under policy pseudonym
masked digits are random and match 6 real ones by chance now and then: the
caller repeats with fresh identifiers, and a real leak repeats). The reason
goes to stderr, never a value.
"""
import re
import socket
import sys
import time

SENTINEL = b"\rAT+CSQ\r"
MODEL = b"+CSQ: "


def fail(why, code=1):
    print("at-attack: " + why, file=sys.stderr)
    sys.exit(code)


def ids(path):
    v = {}
    with open(path) as f:
        for line in f:
            k, _, val = line.strip().partition("=")
            if k:
                v[k] = val          # the last value of a key wins (swaps)
    return v


def swapped(digits):
    d = digits + "F" * (len(digits) % 2)
    return "".join(d[i + 1] + d[i] for i in range(0, len(d), 2))


def streams(mode):
    denied = mode == "denied"
    refused_sim = b"+CME ERROR: 3" if denied else None
    s = [
        (b"ATE0\r", None),
        # line editing
        (b"AT+CGMR\b\b\bNUM\r", b"+CNUM:"),
        (b"AT+CGMM\b\b\b\bCIMI\r", None),
        (b"AT+CGMI\b\b\bSIM=10,\"00B0000009\"\r", refused_sim),
        (b"AT+CGMI\b\b\bGLA=1,10,\"00B0000009\"\r", None),
        (b"AT+C\x00N\x01U\x1bM\r", b"+CNUM:"),
        (b"XY\b\bAT+CIMI\r", None),
        # A/
        (b"AT+CIMI\rA/", None),
        (b"AT+CNUM\rA/A/", None),
        (b"AT+CGMR\rAT\b/", None),
        (b"ATS3=65\rA/", b"ERROR"),
        # S registers: refused, and the lines after them read with the
        # default framing
        (b"ATS3=65\r", b"ERROR"),
        (b"ATS3=65\rAT+CNUMA\r", b"ERROR"),
        (b"ATS5=35\rAT+CGMR###NUM\r", b"ERROR"),
        (b"ATS4=0\r", b"ERROR"),
        (b"AT S 5 = 1\r", b"ERROR"),
        (b"ATE0S3=33+CNUM\r", b"ERROR"),
        (b"ATS7=60;+CNUM\r", None),
        # chains, concatenated basic commands
        (b"AT+CGMI;+CNUM;+CIMI;+CCID;+CGSN\r", None),
        (b"ATE0Q0V1+CGSN;+CIMI\r", None),
        (b"ATE0I\r", None),
        (b"AT+CGMI;+CSIM=10,\"00B0000009\"\r", refused_sim),
        (b"ATV0\r", b"ERROR"),
        (b"ATQ1\r", b"ERROR"),
        (b"ATD*99#\r", b"ERROR"),
        (b"ATD123;+CNUM\r", b"ERROR"),
        (b"AT+CGDATA=\"PPP\",1\r", b"ERROR"),
        # formats
        (b"ATI\r", None),
        (b"AT+GSN\r", None),
        (b"AT+CGSN\r", None),
        (b"AT+CGSN=1\r", None),
        (b"AT+CGSN=2\r", None),
        (b"AT+CGSN=3\r", None),
        (b"at + cnum\r", None),
        (b"AT^ICCID?;+QCCID;+ICCID;#CCID;+CICCID\r", None),
        (b"AT+EGMR=0,7\r", None),
        (b"AT+EGMR=1,7,\"012345678901234\"\r", b"+CME ERROR: 3"),
        (b"AT+CSIM=10,\"00B0000009\"\r", refused_sim),
        (b"AT+CRSM=176,0x2FE2,0,0,10\r", b"ERROR"),
        (b"AT+CRSM=176,28423,0\r", b"ERROR"),
    ]
    # slices at every offset and length, one chain per offset
    for fid, size in ((12258, 10), (28423, 9)):
        for off in range(size):
            reads = [b"+CRSM=176,%d,0,%d,%d" % (fid, off, n) for n in range(1, size - off + 1)]
            s.append((b"AT" + b";".join(reads) + b"\r", None))
    for fid in (28480, 28474):
        for n in range(0, 29, 4):
            reads = [b"+CRSM=178,%d,1,4,%d" % (fid, k) for k in range(n, min(n + 4, 29))]
            s.append((b"AT" + b";".join(reads) + b"\r", None))
    return s


def converse(sock, data):
    """Sends data then the sentinel; returns what came back before the
    sentinel's answer."""
    sock.sendall(data + SENTINEL)
    buf = b""
    end = time.time() + 15
    while True:
        m = buf.find(MODEL)
        if m >= 0 and re.search(rb"\r\nOK\r\n", buf[m:]):
            return buf[:m]
        left = end - time.time()
        if left <= 0:
            fail("the door stopped answering")
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            fail("the door closed the connection")
        buf += chunk


class Secrets:
    def __init__(self, v):
        imsi, iccid, msisdn = v["imsi"], v["iccid"], v["msisdn"].lstrip("+")
        imei = v["imei"]
        self.whole = [imei, v["imeisv"], imsi, iccid, msisdn, v["esn"].upper(), v["meid"].upper(),
                      swapped(iccid), swapped(msisdn),
                      swapped(("9" if len(imsi) % 2 else "1") + imsi)]
        self.unique = [imei[8:14], imsi[5:], msisdn, iccid[2:]]

    def check(self, text):
        up = text.upper()
        for w in self.whole:
            if w.upper() in up:
                return 1, "a whole identifier"
        # the text, and every hex run read as swapped BCD in both alignments
        hay = [up]
        for run in re.findall(r"[0-9A-F]{4,}", up):
            for a in (0, 1):
                r = run[a:]
                hay.append("".join(r[i + 1] + r[i] for i in range(0, len(r) - 1, 2)))
        for u in self.unique:
            for i in range(len(u) - 5):
                if any(u[i:i + 6] in h for h in hay):
                    return 2, "a run of 6 digits of an identifier's unique part"
        return 0, None


def main():
    mode, name, ids_file, out_file = sys.argv[1:5]
    v = ids(ids_file)
    secrets = Secrets(v)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect("\0" + name)
    got = []
    with open(out_file, "w") as f:
        for data, expect in streams(mode):
            reply = converse(sock, data)
            got.append(reply)
            f.write(reply.decode("latin-1").replace("\r", "<CR>").replace("\n", "<LF>") + "\n")
            f.flush()
            if expect and expect not in reply:
                fail("%r was answered without %r" % (data[:40], expect))
    text = b"".join(got).decode("latin-1")
    if mode == "denied":
        code, why = secrets.check(text)
        if code:
            fail(why, code)
    else:
        for k in ("imei", "imsi", "iccid"):
            if v[k] not in text:
                fail("a consented client did not get its %s" % k)
        if v["msisdn"].lstrip("+") not in text:
            fail("a consented client did not get its msisdn")
        if swapped(v["iccid"]).upper() not in text.upper():
            fail("a consented client did not get EF_ICCID")
    return 0


if __name__ == "__main__":
    sys.exit(main())
