#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mbim-attack.py MODE SOCKET-NAME DEVICE-PATH IDS-FILE OUT-FILE POLICY

Issue 12's attack classes through the real MBIM door, as a hostile client
sends them (raw MBIM on the proxy socket, after Proxy Control and OPEN):
  same-tid    an EF_AD read and an EF_IMSI read under one transaction id in
              one write: the second is refused with a DUPLICATED_TID
              function error, never paired with the first's answer;
  at-tunnel   (Intel and Fibocom) two lines in one buffer, backspaces, a
              CR-LF second line, A/ after a line, ;-chains of every
              identifier command, +CRSM reads of EF_IMSI/EF_ICCID at
              offsets and EF_MSISDN with short lengths, raw SIM access in
              a second line (refused: +CME ERROR: 3);
  qmi-tunnel  a QMUX frame then a UIM Read Transparent of EF_IMSI in one
              buffer: refused with MBIM_STATUS_ERROR_INVALID_PARAMETERS;
              one DMS Get IDs frame: judged and filtered;
  uicc        MS UICC Read Binary of EF_IMSI and EF_ICCID at every offset
              and length, Read Record of EF_MSISDN;
  plain       Device Caps and Subscriber Ready Status.
MODE "denied": the client holds no grant; no identifier and no part of one
may come back in any information buffer: no run of 6 digits of an
identifier's unique part (IMEI serial, IMSI after MCC+MNC, ICCID after 89,
MSISDN after its first digit) in ASCII, UTF-16LE, BCD of either nibble
order or hex text of BCD, no 4 consecutive bytes of its BCD form; in every
file slice no 6 consecutive digit places holding the real digit. Under
POLICY pseudonym the masked digits are random and a random run of 6 digits
matches some 6 real ones by chance: there the anywhere-scan looks for runs
of 8 (the place-by-place check keeps 6), as tests/qmi/qmi-attack.py does.
MODE "consented": the client holds every scope and gets the real values.
Every message received is written to OUT-FILE in hex.
Exits 0 when the door behaved, 1 otherwise (the reason on stderr, no value).
"""
import importlib.util
import os
import re
import struct
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


rogue = load("mbim_rogue", os.path.join(HERE, "mbim-rogue.py"))
qmi = load("qmi_attack", os.path.join(HERE, "..", "qmi", "qmi-attack.py"))
qrogue = qmi.rogue

BASIC = rogue.BASIC
UICC = rogue.UICC
QMI = uuid.UUID("d1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3").bytes
TUNNELS = [uuid.UUID("da138c64-6515-4893-92b2-a1e1ca7c81ca").bytes,
           uuid.UUID("ffffffff-abca-4b11-a4e2-f2fc87f94488").bytes]
COMMAND_DONE, FUNCTION_ERROR, INDICATE = 0x80000003, 0x80000004, 0x80000007
DUPLICATED_TID, INVALID_PARAMETERS = 4, 21
LOG = []
BUFFERS = []


def fail(why):
    sys.stderr.write("mbim-attack: %s\n" % why)
    sys.exit(1)


class Secrets(qmi.Secrets):
    """qmi-attack's unique parts and encodings, with the IMEI serial, text
    in UTF-16LE and hex text of BCD (AT +CRSM)."""

    def __init__(self, v, run):
        super().__init__(v, run)
        self.digits.append(v["imei"][8:])

    def leak(self, data):
        # the buffer itself (binary: nibble runs of 8, see qmi-attack), then
        # each run of hex text decoded (AT +CRSM through a tunnel: runs of 6)
        why = super().leak(data, nibble_run=max(self.run, 8))
        if why:
            return why
        for hexrun in re.findall(rb"[0-9A-Fa-f]{8,}", data):
            why = super().leak(bytes.fromhex(hexrun[:len(hexrun) // 2 * 2].decode()))
            if why:
                return why
        # UTF-16LE text: the characters of either alignment (only as text:
        # dropping bytes must not make nibbles of binary fields adjacent)
        for text in (data[0::2].decode("latin-1"), data[1::2].decode("latin-1")):
            for d in self.digits:
                for i in range(len(d) - self.run + 1):
                    if d[i:i + self.run] in text:
                        return "a run of %d digits of an identifier (UTF-16LE)" % self.run
        return None


class Door:
    def __init__(self, name, path):
        self.s, st = rogue.setup(name, path)
        if st != 0:
            fail("proxy configuration or OPEN failed")
        self.tid = 100

    def send(self, service, cid, ctype, buf, tid=None):
        if tid is None:
            self.tid += 1
            tid = self.tid
        self.s.sendall(rogue.command(tid, service, cid, ctype, buf))
        return tid

    def recv(self):
        """The next answer (indications are logged and scanned, skipped)."""
        while True:
            m = rogue.read_msg(self.s)
            LOG.append(m.hex())
            mtype = struct.unpack("<I", m[:4])[0]
            if mtype == INDICATE:
                BUFFERS.append(m[44:])
                continue
            if mtype == COMMAND_DONE:
                BUFFERS.append(m[48:])
            return m

    def call(self, service, cid, ctype, buf):
        tid = self.send(service, cid, ctype, buf)
        m = self.recv()
        if struct.unpack("<I", m[8:12])[0] != tid or struct.unpack("<I", m[:4])[0] != COMMAND_DONE:
            fail("an answer not under the client's transaction id")
        return struct.unpack("<I", m[40:44])[0], m[48:48 + struct.unpack("<I", m[44:48])[0]]


def read_binary(path, off, size):
    app = bytes.fromhex("A0000000871002")
    fixed = 44
    head = struct.pack("<IIIIIIIIIII", 1, fixed, len(app), fixed + 8, len(path), off, size, 0, 0, 0, 0)
    return head + app + b"\0" + path


def read_record(path, rec):
    app = bytes.fromhex("A0000000871002")
    fixed = 40
    head = struct.pack("<IIIIIIIIII", 1, fixed, len(app), fixed + 8, len(path), rec, 0, 0, 0, 0)
    return head + app + b"\0" + path


def file_data(buf):
    """The bytes of a Read Binary/Record answer: SW1, SW2, data."""
    if len(buf) < 20:
        return None
    _, sw1, sw2, off, n = struct.unpack("<IIIII", buf[:20])
    return buf[off:off + n] if n else b""


def main():
    mode, name, path, ids_file, out, policy = sys.argv[1:7]
    v = qmi.ids(ids_file)
    sec = Secrets(v, 8 if policy == "pseudonym" else 6)
    door = Door(name, path)
    placed = []
    real_imsi = qmi.ef_imsi(v["imsi"])
    real_iccid = qmi.swapped_bcd(v["iccid"])
    imsi_path = bytes.fromhex("7FFF6F07")

    # 1. one transaction id twice in flight
    door.s.sendall(rogue.command(5, UICC, 9, 0, read_binary(bytes.fromhex("7FFF6FAD"), 0, 0)) +
                   rogue.command(5, UICC, 9, 0, read_binary(imsi_path, 0, 0)))
    got = [door.recv(), door.recv()]
    kinds = sorted(struct.unpack("<I", m[:4])[0] for m in got)
    if kinds != [COMMAND_DONE, FUNCTION_ERROR] or any(struct.unpack("<I", m[8:12])[0] != 5 for m in got):
        fail("same-tid: not one answer and one function error under the client's id")
    ferr = [m for m in got if struct.unpack("<I", m[:4])[0] == FUNCTION_ERROR][0]
    if struct.unpack("<I", ferr[12:16])[0] != DUPLICATED_TID:
        fail("same-tid: the repeated id was not refused with DUPLICATED_TID")
    done = [m for m in got if struct.unpack("<I", m[:4])[0] == COMMAND_DONE][0]
    if file_data(done[48:]) == real_imsi:
        fail("same-tid: EF_IMSI came back as the answer")

    # 2. AT tunnels
    lines = [b"AT+CGMR\rAT+CIMI\r", b"AT+CGMR\b\b\b\bCIMI\r", b"AT+CGMR\r\nAT+CGSN\r\n",
             b"AT+CGMR\rA/", b"AT+CGSN;+CIMI;+CCID;+CNUM\r", b"AT+CGMI\rAT+CNUM\rAT+CCID\r",
             b"AT+CRSM=176,28423,0,0,9\r"]
    for off in range(1, 9):
        lines.append(b"AT+CRSM=176,28423,0,%d,%d\r" % (off, 9 - off))
    for off in range(0, 10):
        lines.append(b"AT+CRSM=176,12258,0,%d,%d\r" % (off, 10 - off))
    for n in (1, 4, 14, 20, 28):
        lines.append(b"AT+CRSM=178,28480,1,4,%d\r" % n)
    for t in TUNNELS:
        for line in lines:
            st, reply = door.call(t, 1, 1, line)
            if st != 0:
                fail("at-tunnel: a line the modem answers was refused (status %d)" % st)
            if mode == "consented" and line.startswith(b"AT+CGMR\rAT+CIMI") and v["imsi"].encode() not in reply:
                fail("at-tunnel: a consented client did not get the IMSI")
        st, reply = door.call(t, 1, 1, b"AT+CGMR\rAT+CSIM=10,\"00B0000009\"\r")
        if mode == "denied" and (st != 0 or b"+CME ERROR: 3" not in reply):
            fail("at-tunnel: raw SIM access in a second line not refused")
        st, reply = door.call(t, 1, 1, b"ATS3=43\r")
        if st != INVALID_PARAMETERS:
            fail("at-tunnel: an S3 write not refused with INVALID_PARAMETERS")

    # 3. QMI inside MBIM
    st, reply = door.call(QMI, 1, 1, qrogue.allocate(0x02, 1))
    if st != 0 or qrogue.result(reply) != (0, 0):
        fail("qmi-tunnel: allocating a DMS client failed")
    dms = qrogue.tlvs(reply)[0x01][1]
    st, reply = door.call(QMI, 1, 1, qrogue.allocate(0x0B, 2))
    uim = qrogue.tlvs(reply)[0x01][1]
    get_ids = qrogue.frame(0x02, dms, 3, 0x0025, [])
    read_imsi = qrogue.frame(0x0B, uim, 4, 0x0020, [(0x01, b"\x06\x00"), qmi.file_tlv(0x6F07, [0x3F00, 0x7FFF]),
                                                    (0x03, struct.pack("<HH", 0, 0))])
    st, reply = door.call(QMI, 1, 1, get_ids + read_imsi)
    if st != INVALID_PARAMETERS or reply:
        fail("qmi-tunnel: two frames in one buffer not refused with INVALID_PARAMETERS")
    st, reply = door.call(QMI, 1, 1, get_ids + b"\x00")
    if st != INVALID_PARAMETERS or reply:
        fail("qmi-tunnel: trailing bytes not refused with INVALID_PARAMETERS")
    st, reply = door.call(QMI, 1, 1, get_ids)
    if st != 0 or qrogue.result(reply) != (0, 0):
        fail("qmi-tunnel: DMS Get IDs alone failed")
    if mode == "consented" and v["imei"].encode() not in reply:
        fail("qmi-tunnel: a consented client did not get the IMEI")

    # 4. UICC reads at every offset and length
    for fid, p, real in ((0x6F07, imsi_path, real_imsi), (0x2FE2, bytes.fromhex("3F002FE2"), real_iccid)):
        for off in range(len(real)):
            for n in range(0, len(real) - off + 1):
                st, reply = door.call(UICC, 9, 0, read_binary(p, off, n))
                data = file_data(reply)
                want = real[off:off + n] if n else real[off:]
                if st != 0 or data is None or len(data) != len(want):
                    fail("uicc: read of file %04x at %d+%d not answered in shape" % (fid, off, n))
                if mode == "consented" and data != want:
                    fail("uicc: a consented client did not get file %04x as it is" % fid)
                placed.append((fid, real, off, data))
    st, reply = door.call(UICC, 10, 0, read_record(bytes.fromhex("7FFF6F40"), 1))
    data = file_data(reply)
    rec = qmi.ef_msisdn(v["msisdn"])
    if st != 0 or data is None or len(data) != len(rec):
        fail("uicc: EF_MSISDN record not answered in shape")
    if mode == "consented" and data != rec:
        fail("uicc: a consented client did not get the EF_MSISDN record as it is")
    placed.append((0x6F40, rec, 0, data))

    # 5. plain identifier CIDs
    for cid in (1, 2):
        st, reply = door.call(BASIC, cid, 0, b"")
        if st != 0:
            fail("plain: Basic Connect CID %d failed" % cid)
        if mode == "consented" and v["imsi" if cid == 2 else "imei"].encode("utf-16-le") not in reply:
            fail("plain: a consented client did not get the real value of CID %d" % cid)

    with open(out, "w") as fh:
        fh.write("\n".join(LOG) + "\n")
    if mode == "denied":
        for buf in BUFFERS:
            why = sec.leak(buf)
            if why:
                fail("an answer holds %s" % why)
        for fid, real, off, data in placed:
            if qmi.same_run(fid, real, off, data) >= 6:
                fail("a read of file %04x at %d holds 6 real digits in their places" % (fid, off))
    print("mbim-attack: %s: %d messages, %d file slices checked" % (mode, len(LOG), len(placed)))


if __name__ == "__main__":
    main()
