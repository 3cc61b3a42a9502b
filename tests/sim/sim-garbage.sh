#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Garbage, truncated frames and lying lengths on every pty never kill the
# simulator; the real clients still read it afterwards. Fault modes from the
# control socket make answers garbage or silent, and normal again.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup sim-garbage "$@"

idg_sim

python3 - "$T" <<'EOP'
import os, random, struct, sys, time
t = sys.argv[1]
rng = random.Random()
def spray(path, chunks):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    for c in chunks:
        os.write(fd, c)
        time.sleep(0.01)
    time.sleep(0.2)
    try:
        os.set_blocking(fd, False)
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    os.close(fd)
noise = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2048))) for _ in range(30)]
qmi = noise + [
    b"\x01\x0c\x00",                                    # truncated header
    b"\x01\xff\xff\x00\x02\x01\x00\x01\x00\x25\x00",    # lying length
    b"\x01\x0c\x00\x00\x77\x01\x00\x01\x00\x01\x00\x00\x00",  # unknown service
    b"\x01\x0f\x00\x00\x02\x01\x00\x01\x00\x25\x00\x03\x00\x10\x40\x00",  # bad TLV
    b"\x01" * 5000,
]
mbim = noise + [
    struct.pack("<III", 3, 0xFFFFFFF0, 1),              # huge length
    struct.pack("<IIIII", 3, 20, 2, 5, 3),              # stray fragment
    struct.pack("<IIII", 1, 16, 3, 0),                  # OPEN with max 0
    struct.pack("<III", 3, 48, 4) + b"\x00" * 36,       # command, zero uuid
]
at = noise + [b"AT" + b"X" * 5000 + b"\r", b"\x00\xff\r\n", b"AT+CRSM=176\r", b"AT+CSIM=4,\"00\"\r"]
spray(t + "/qmi", qmi)
spray(t + "/mbim", mbim)
spray(t + "/at", at)
EOP
sleep 0.7
kill -0 "$SIM_PID" || idg_fail "simulator died on garbage"

timeout 30 qmicli -d "$T/qmi" --device-open-qmi --dms-get-ids > "$T/qmi-after.consented" 2>&1 ||
  { cat "$T/qmi-after.consented" >&2; idg_fail "qmicli fails after garbage"; }
idg_expect_contains "$T/qmi-after.consented" "$ID_imei" "IMEI after garbage"
timeout 30 mbimcli -d "$T/mbim" --query-subscriber-ready-status > "$T/mbim-after.consented" 2>&1 ||
  { cat "$T/mbim-after.consented" >&2; idg_fail "mbimcli fails after garbage"; }
idg_expect_contains "$T/mbim-after.consented" "$ID_imsi" "IMSI after garbage"
python3 "$IDG_SRC/tests/sim/at-client.py" "$T/at" ATE0 AT+CIMI > "$T/at-after.consented" ||
  idg_fail "AT fails after garbage"
idg_expect_contains "$T/at-after.consented" "$ID_imsi" "IMSI over AT after garbage"

ctl() { printf '%s\n' "$*" | socat - "UNIX-CONNECT:$T/sim.ctl"; }
[ "$(ctl fault qmi silent)" = ok ] || idg_fail "fault command refused"
timeout 5 qmicli -d "$T/qmi" --device-open-qmi --dms-get-ids > "$T/silent.log" 2>&1 && idg_fail "silent QMI answered"
[ "$(ctl fault all garbage)" = ok ] || idg_fail "fault command refused"
timeout 5 mbimcli -d "$T/mbim" --query-device-caps > "$T/garbage.log" 2>&1 && idg_fail "garbage MBIM answered properly"
[ "$(ctl fault all normal)" = ok ] || idg_fail "fault command refused"
case "$(ctl fault usb loud)" in "error: "*) ;; *) idg_fail "bad fault command accepted";; esac
timeout 30 qmicli -d "$T/qmi" --device-open-qmi --dms-get-ids > "$T/normal.consented" 2>&1 ||
  { cat "$T/normal.consented" >&2; idg_fail "qmicli fails after fault normal"; }
idg_expect_contains "$T/normal.consented" "$ID_imei" "IMEI after fault normal"
kill -0 "$SIM_PID" || idg_fail "simulator died"
echo "PASS"
