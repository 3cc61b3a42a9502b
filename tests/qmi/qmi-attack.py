#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""qmi-attack.py MODE SOCKET-NAME DEVICE-PATH IDS-FILE OUT-FILE POLICY

Issue 12's attack classes through the real QMI door, as a hostile client
would send them (raw QMUX on the proxy socket):
  same-id     two file reads with one transaction id in one write (a
              harmless EF_AD, then EF_IMSI): the second is refused with
              INVALID_TRANSACTION_ID, never paired with the first's answer;
  two-frames  a harmless read and a Send APDU in one write: both judged;
              a harmless read and an EF_IMSI read in one write: both judged;
  trailing    an EF_IMSI read with bytes after its TLVs: MALFORMED_MESSAGE,
              no file bytes;
  slices      EF_IMSI and EF_ICCID read at every offset and length, EF_MSISDN
              record 1 at every length.
MODE "denied": the client holds no grant; no identifier and no part of one
may come back, in the TLVs of any frame (the headers are the door's own):
no run of 6 digits of an identifier's unique part (IMSI after MCC+MNC,
ICCID after 89, MSISDN after its first digit) in ASCII or BCD of either
nibble order, no 4 consecutive bytes of its BCD form; and in every file
slice, no 6 consecutive digit places holding the real digit. Under POLICY
pseudonym the masked digits are random, and a random run of 6 digits
matches some 6 of the real ones by chance (about once in ten runs of this
test): there the anywhere-scan looks for runs of 8 digits (4 BCD bytes),
the place-by-place check for 6 stays. MODE "consented": the client holds
every scope; the file slices are the real bytes. Every frame received is
written to OUT-FILE in hex.
Exits 0 when the door behaved, 1 otherwise (the reason on stderr, no value).
"""
import importlib.util
import os
import struct
import sys

spec = importlib.util.spec_from_file_location(
    "rogue", os.path.join(os.path.dirname(os.path.abspath(__file__)), "qmi-rogue.py"))
rogue = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rogue)

UIM = 0x0B
RT, RR, APDU = 0x0020, 0x0021, 0x003B
SESSION = (0x01, b"\x06\x00")
MALFORMED, INVALID_TRID, ACCESS_DENIED = 0x0001, 0x0016, 0x0052
LOG = []


def fail(why):
    sys.stderr.write("qmi-attack: %s\n" % why)
    sys.exit(1)


def ids(path):
    out = {}
    for line in open(path):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            out[k] = v            # the last value of a key is the current one
    return out


def swapped_bcd(digits):
    d = digits + "F" * (len(digits) % 2)
    return bytes(int(d[i + 1] + d[i], 16) for i in range(0, len(d), 2))


def ef_imsi(imsi):
    parity = "9" if len(imsi) % 2 else "1"
    b = swapped_bcd(parity + imsi)
    return bytes([len(b)]) + b + b"\xff" * (8 - len(b))


def ef_msisdn(number, reclen=28):
    digits = number.lstrip("+")
    bcd = swapped_bcd(digits)
    ton = 0x91 if number.startswith("+") else 0x81
    return (b"\xff" * (reclen - 14) + bytes([len(bcd) + 1, ton]) + bcd +
            b"\xff" * (10 - len(bcd)) + b"\xff\xff")


def file_tlv(fid, path):
    p = b"".join(struct.pack("<H", x) for x in path)
    return (0x02, struct.pack("<HB", fid, len(p)) + p)


def read(trid, msg, fid, path, a, b, extra=b""):
    f = rogue.frame(UIM, CID, trid, msg, [SESSION, file_tlv(fid, path), (0x03, struct.pack("<HH", a, b))])
    if extra:
        f = f[:1] + struct.pack("<H", len(f) - 1 + len(extra)) + f[3:] + extra
    return f


def recv(s):
    f = rogue.read_frame(s)
    if f is None:
        fail("connection closed by the door")
    LOG.append(f.hex())
    return f


def trid_of(f):
    return struct.unpack("<H", f[7:9])[0]


def file_bytes(f):
    v = rogue.tlvs(f).get(0x11)
    if v is None or len(v) < 2:
        return None
    return v[2:2 + struct.unpack("<H", v[:2])[0]]


class Secrets:
    """The unique parts of the identifiers, in every encoding checked."""

    def __init__(self, v, run):
        imsi, iccid, msisdn = v["imsi"], v["iccid"], v["msisdn"].lstrip("+")
        self.run = run
        self.digits = [imsi[5:], iccid[2:], msisdn[1:]]
        self.bcd = [ef_imsi(imsi)[4:], swapped_bcd(iccid)[1:], swapped_bcd(msisdn)[1:]]

    def leak(self, data, nibble_run=None):
        """nibble_run: the run looked for in the nibbles of binary data
        (BCD of either order); a binary message's lengths, ids and padding
        read as nibbles match a run of 6 digits by chance now and then
        ("08 39 00 00" is "083900"), so callers pass 8 there: 4 bytes, what
        the tripwire promises for binary BCD (docs/design.md). Text and hex
        text keep self.run."""
        nibble_run = nibble_run or self.run
        texts = [(data.decode("latin-1"), self.run),
                 ("".join("%x" % (b & 15) + "%x" % (b >> 4) for b in data), nibble_run),
                 ("".join("%x" % (b >> 4) + "%x" % (b & 15) for b in data), nibble_run)]
        for d in self.digits:
            for t, run in texts:
                for i in range(len(d) - run + 1):
                    if d[i:i + run] in t:
                        return "a run of %d digits of an identifier" % run
        for b in self.bcd:
            for i in range(len(b) - 3):
                if b[i:i + 4] in data:
                    return "4 consecutive BCD bytes of an identifier"
        return None


def unique_places(fid, n):
    """For each nibble of a file of n bytes (low nibble first): TRUE where it
    holds a digit of the identifier's unique part."""
    out = []
    for i in range(2 * n):
        b, high = i // 2, i % 2
        if fid == 0x6F07:
            out.append(b >= 1 and (b - 1) * 2 + high - 1 >= 5)
        elif fid == 0x2FE2:
            out.append(i >= 2)
        else:
            out.append(16 <= b < 26 and (b - 16) * 2 + high >= 1)
    return out


def same_run(fid, real, off, data):
    """The longest run of unique-part digit places where data holds the real
    digit (real is the whole file, data was read at off)."""
    places = unique_places(fid, len(real))
    best = cur = 0
    for i in range(2 * len(data)):
        j = 2 * off + i
        got = (data[i // 2] >> 4) if i % 2 else (data[i // 2] & 15)
        want = (real[j // 2] >> 4) if j % 2 else (real[j // 2] & 15)
        if places[j] and want <= 9 and got == want:
            cur += 1
            best = max(best, cur)
        elif places[j] and want <= 9:
            cur = 0
    return best


def tlv_region(f):
    return f[12:] if f[4] == 0 else f[13:]


def expect_error(f, code, what):
    r = rogue.result(f)
    if r != (1, code):
        fail("%s: expected error 0x%04x, got %r" % (what, code, r))


def main():
    global CID
    mode, name, path, ids_file, out, policy = sys.argv[1:7]
    v = ids(ids_file)
    sec = Secrets(v, 8 if policy == "pseudonym" else 6)
    placed = []
    s = rogue.opened(name, path)
    CID = rogue.client_id(s, UIM)
    usim = [0x3F00, 0x7FFF]
    slices = []

    # 1. one transaction id twice in flight
    s.sendall(read(5, RT, 0x6FAD, usim, 0, 0) + read(5, RT, 0x6F07, usim, 0, 0))
    got = [recv(s), recv(s)]
    if sorted(trid_of(f) for f in got) != [5, 5]:
        fail("same-id: answers not under the client's transaction id")
    errs = [f for f in got if rogue.result(f) == (1, INVALID_TRID)]
    if len(errs) != 1:
        fail("same-id: the repeated id was not refused with INVALID_TRANSACTION_ID")
    slices += [file_bytes(f) for f in got if file_bytes(f)]

    # 2. several frames in one buffer
    apdu = bytes.fromhex("00B0000009")
    s.sendall(read(6, RT, 0x6FAD, usim, 0, 0) +
              rogue.frame(UIM, CID, 7, APDU, [(0x01, b"\x01"), (0x02, struct.pack("<H", len(apdu)) + apdu)]))
    got = {trid_of(f): f for f in (recv(s), recv(s))}
    if set(got) != {6, 7}:
        fail("two-frames: not one answer per frame")
    if mode == "denied":
        expect_error(got[7], ACCESS_DENIED, "two-frames: Send APDU as a second frame")
    elif rogue.result(got[7]) != (0, 0):
        fail("two-frames: Send APDU of a client holding every SIM scope refused: %r" % (rogue.result(got[7]),))
    s.sendall(read(8, RT, 0x6FAD, usim, 0, 0) + read(9, RT, 0x6F07, usim, 0, 0))
    got = {trid_of(f): f for f in (recv(s), recv(s))}
    if set(got) != {8, 9} or file_bytes(got[9]) is None:
        fail("two-frames: the EF_IMSI read of the second frame not answered")
    slices.append(file_bytes(got[9]))
    if mode == "consented" and file_bytes(got[9]) != ef_imsi(v["imsi"]):
        fail("two-frames: a consented client did not get EF_IMSI as it is")

    # 3. trailing bytes after the TLVs
    s.sendall(read(10, RT, 0x6F07, usim, 0, 0, extra=b"\x03\x04\x00\x04\x00\x05\x00"))
    f = recv(s)
    expect_error(f, MALFORMED, "trailing")
    if trid_of(f) != 10 or file_bytes(f) is not None:
        fail("trailing: file bytes came back")

    # 4. every slice of EF_IMSI and EF_ICCID, every length of the EF_MSISDN record
    trid = 100
    files = [(RT, 0x6F07, usim, ef_imsi(v["imsi"])),
             (RT, 0x2FE2, [0x3F00], swapped_bcd(v["iccid"]))]
    for msg, fid, p, real in files:
        for off in range(len(real)):
            for n in range(0, len(real) - off + 1):
                trid += 1
                s.sendall(read(trid, msg, fid, p, off, n))
                f = recv(s)
                data = file_bytes(f)
                want = real[off:off + n] if n else real[off:]
                if data is None or trid_of(f) != trid or len(data) != len(want):
                    fail("slices: read of file %04x at %d+%d not answered in shape" % (fid, off, n))
                if mode == "consented" and data != want:
                    fail("slices: a consented client did not get file %04x as it is" % fid)
                slices.append(data)
                placed.append((fid, real, off, data))
    rec = ef_msisdn(v["msisdn"])
    for n in range(0, len(rec) + 1):
        trid += 1
        s.sendall(read(trid, RR, 0x6F40, usim, 1, n))
        f = recv(s)
        data = file_bytes(f)
        want = rec[:n] if n else rec
        if data is None or len(data) != len(want):
            fail("slices: EF_MSISDN record read of %d bytes not answered in shape" % n)
        if mode == "consented" and data != want:
            fail("slices: a consented client did not get the EF_MSISDN record as it is")
        slices.append(data)
        placed.append((0x6F40, rec, 0, data))

    with open(out, "w") as fh:
        fh.write("\n".join(LOG) + "\n")
    if mode == "denied":
        for f in LOG:
            why = sec.leak(tlv_region(bytes.fromhex(f)), nibble_run=max(sec.run, 8))
            if why:
                fail("a frame holds %s" % why)
        for fid, real, off, data in placed:
            if same_run(fid, real, off, data) >= 6:
                fail("a read of file %04x at %d holds 6 real digits in their places" % (fid, off))
        # pieces put together: still nothing
        why = policy == "redact" and sec.leak(b"".join(x for x in slices if x))
        if why:
            fail("the slices put together hold %s" % why)
    print("qmi-attack: %s: %d frames, %d file slices checked" % (mode, len(LOG), len(slices)))


if __name__ == "__main__":
    main()
