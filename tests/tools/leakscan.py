#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""leakscan.py TEST_LOGS_DIR -- looks for every identifier a test gave the
simulator (each test's ids.consented) in every file the test suite wrote
(logs, audit records, CLI output, captures), in every wire encoding: ASCII,
UTF-16LE, swapped-nibble BCD and its hex text. Files whose name ends in
.consented hold the output of reads that had consent and are skipped.
Exits 1 and names file and kind on any hit."""
import os
import sys


def bcd(digits):
    if len(digits) % 2:
        digits += "F"
    out = bytearray()
    for i in range(0, len(digits), 2):
        lo, hi = digits[i], digits[i + 1]
        out.append(int(hi, 16) << 4 | int(lo, 16))
    return bytes(out)


def needles(kind, value):
    v = value.lstrip("+")
    # Shorter ids (ESN: 8 hex) are matched only in their full form.
    yield "ascii", v.encode()
    yield "ascii-lower", v.lower().encode()
    yield "utf16le", v.encode("utf-16-le")
    if v.isdigit() and len(v) >= 10:
        b = bcd(v)
        # leave out the last byte: its padding nibble differs per encoding
        yield "bcd", b[:-1] if len(v) % 2 else b
        yield "bcd-hex", (b[:-1] if len(v) % 2 else b).hex().upper().encode()
    if kind == "imsi":
        # EF_IMSI: parity nibble first, then the digits
        p = ("9" if len(v) % 2 else "1") + v
        b = bcd(p)
        yield "ef-imsi", b[1:-1]
        yield "ef-imsi-hex", b[1:-1].hex().upper().encode()


def main():
    root = sys.argv[1]
    if not os.path.isdir(root):
        print("leakscan: no test logs under %s" % root)
        return 0
    ids = []
    for test in sorted(os.listdir(root)):
        f = os.path.join(root, test, "ids.consented")
        if os.path.exists(f):
            for line in open(f):
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    for enc, n in needles(k, v):
                        ids.append((test, k, enc, n))
    hits = 0
    files = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".consented"):
                continue
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue  # pty links, sockets, fifos
            try:
                data = open(path, "rb").read()
            except OSError:
                continue
            files += 1
            for test, k, enc, n in ids:
                if n in data:
                    print("leakscan: %s holds the %s of test %s (%s)" % (path, k, test, enc))
                    hits += 1
    print("leakscan: %d files scanned for %d needles, %d leaks" % (files, len(ids), hits))
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
