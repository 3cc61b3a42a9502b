#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen-ids.py [SEED] -- prints a random, valid identifier set as key=value
lines for idguard-modem-sim --ids. Tests use fresh values every run so that
nothing can depend on a fixed test value."""
import random
import sys


def luhn(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def main():
    rng = random.Random(sys.argv[1] if len(sys.argv) > 1 else None)
    imei14 = "35" + digits(rng, 12)
    imei = imei14 + luhn(imei14)
    imeisv = imei14 + digits(rng, 2)
    esn = "".join(rng.choice("0123456789ABCDEF") for _ in range(8))
    meid = "A1" + "".join(rng.choice("0123456789ABCDEF") for _ in range(12))
    imsi = rng.choice(["310260", "208150", "26201", "23410"]) + digits(rng, 9)
    imsi = imsi[:15]
    iccid18 = "8901" + digits(rng, 14)
    iccid = iccid18 + luhn(iccid18)
    eid30 = "89049032" + digits(rng, 22)
    r = int(eid30) * 100 % 97
    check = (98 - r) % 97
    if check < 2:
        check += 97
    eid = eid30 + "%02d" % check
    msisdn = "+1" + digits(rng, 10)
    for k, v in [("imei", imei), ("imeisv", imeisv), ("esn", esn), ("meid", meid),
                 ("imsi", imsi), ("iccid", iccid), ("eid", eid), ("msisdn", msisdn)]:
        print("%s=%s" % (k, v))


if __name__ == "__main__":
    main()
