#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench-smoke: bench.json holds every figure, each with a number.

Asserts the shape only, never a timing: a benchmark is not a pass/fail test.
"""
import json
import numbers
import shutil
import sys

REQUIRED = [
    "qmi latency p50 1 client", "qmi latency p99 64 clients", "qmi throughput 16 clients",
    "qmi throughput 64 clients", "qmi direct-to-simulator throughput 64 clients",
    "qmi proxy CPU time per 10000 messages",
    "mbim latency p50 1 client", "mbim throughput 64 clients",
    "mbim fragmented throughput 16 clients", "mbim fragmented proxy CPU time per 10000 messages",
    "qmi all-identifier throughput 16 clients", "qmi all-identifier proxy CPU time per 10000 messages",
    "mbim all-identifier throughput 16 clients", "mbim all-identifier proxy CPU time per 10000 messages",
    "footprint RSS idle", "footprint RSS with 64 proxy clients", "footprint idle wake-ups per minute",
    "service read imei libidguard peer socket p50",
    "scale store load", "scale grant lookup per message", "scale broker start-up",
    "scale broker RSS",
    "tripwire scan binary traffic", "tripwire scan text traffic",
    "tripwire false hits binary traffic",
    "kernel read token work native", "kernel read estimate native",
]
# bench/run.sh reads over a private system bus whenever dbus-daemon exists
# (it prints "skipped: dbus-daemon not installed" otherwise).
if shutil.which("dbus-daemon"):
    REQUIRED += ["service read imei libidguard D-Bus p50", "service read imei libidguard D-Bus p99"]


def is_num(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def main(path):
    with open(path, encoding="utf-8") as f:
        figures = json.load(f)
    bad = []
    if not isinstance(figures, list) or not figures:
        print(f"{path}: not a non-empty list")
        return 1
    for fig in figures:
        name = fig.get("name")
        if not isinstance(name, str) or not is_num(fig.get("value")) or not isinstance(fig.get("unit"), str):
            bad.append(f"figure without a name, a number or a unit: {fig!r}")
            continue
        for key in ("baseline", "ratio"):
            if key not in fig or not (fig[key] is None or is_num(fig[key])):
                bad.append(f"{name}: {key} is neither a number nor null")
        if (fig["baseline"] is None) != (fig["ratio"] is None):
            bad.append(f"{name}: a baseline without a ratio or the reverse")
    names = [f.get("name", "") for f in figures]
    for req in REQUIRED:
        if not any(n.startswith(req) for n in names):
            bad.append(f"missing figure: {req}")
    for b in bad:
        print(b)
    print(f"{len(figures)} figures, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
