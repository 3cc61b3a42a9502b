#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Yocto recipes and the Buildroot package, checked without bitbake or a
Buildroot tree (neither is in Debian's archive, and CI reaches nothing
else). What can be checked here:

  - every line of a .bb is a construct bitbake parses (assignment with an
    optional :override and one of = ?= ??= := += =+ .= =., a shell function,
    inherit/require/include, a comment), continuations closed, quotes even;
  - LIC_FILES_CHKSUM md5s and the Buildroot .hash sha256s match LICENSES/;
  - every -DNAME=VALUE the recipes pass (EXTRA_OEMESON, PACKAGECONFIG,
    IDGUARD_CONF_OPTS) is an option of meson_options.txt (or a meson
    built-in) with a valid value;
  - SYSTEMD_SERVICE names units the build installs;
  - every file meson installs with the recipe's options is in one of the
    recipe's packages (its FILES or bitbake's default FILES for the main,
    -dev and -doc packages): bitbake's "installed but not shipped" QA error;
  - the Buildroot .mk starts with the header utils/check-package wants, its
    variables all carry the IDGUARD_ prefix, and Config.in's options are
    the ones the .mk tests.

What cannot: fetching, compiling, packaging, the systemd/useradd classes'
own checks, a kernel module build against a Yocto/Buildroot kernel.
Usage: recipes.py SRCDIR
"""
import fnmatch
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

SRC = sys.argv[1] if len(sys.argv) > 1 else "."
bad = []


def fail(msg):
    bad.append(msg)


# ---- meson options ----------------------------------------------------------
def meson_options():
    text = open(os.path.join(SRC, "meson_options.txt")).read()
    opts = {}
    for m in re.finditer(r"option\('([^']+)',\s*type:\s*'([^']+)'", text):
        opts[m.group(1)] = m.group(2)
    return opts


BUILTIN = {"prefix", "sysconfdir", "localstatedir", "libdir", "bindir", "sbindir", "datadir",
           "buildtype", "b_lto", "b_pie", "werror", "default_library", "wrap_mode", "auto_features"}
VALID = {"feature": {"enabled", "disabled", "auto"}, "boolean": {"true", "false"}}


def check_defines(where, words, opts):
    for w in words:
        if not w.startswith("-D"):
            continue
        name, _, value = w[2:].partition("=")
        if name in BUILTIN:
            continue
        if name not in opts:
            fail("%s: -D%s is not an option of meson_options.txt" % (where, name))
        elif opts[name] in VALID and value not in VALID[opts[name]]:
            fail("%s: -D%s=%s: not one of %s" % (where, name, value, sorted(VALID[opts[name]])))


# ---- bitbake ---------------------------------------------------------------
ASSIGN = re.compile(r'^([A-Za-z_][A-Za-z0-9_\-${}.]*)((?::[A-Za-z0-9_${}\-.]+)*)(\[[A-Za-z0-9_\-]+\])?\s*'
                    r'(\?\?=|\?=|:=|\+=|=\+|\.=|=\.|=)\s*"(.*)$')


def parse_bb(path):
    """{VAR or VAR:override or VAR[flag]: [values]} and the functions."""
    var, funcs = {}, []
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        n = i + 1
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^(inherit|require|include)\s+\S", line):
            continue
        m = re.match(r"^(python\s+)?([A-Za-z_][A-Za-z0-9_:\-]*)\s*\(\)\s*\{\s*$", line)
        if m:
            funcs.append(m.group(2))
            while i < len(lines) and lines[i] != "}":
                i += 1
            if i == len(lines):
                fail("%s:%d: function %s() never closed by a '}' line" % (path, n, m.group(2)))
            i += 1
            continue
        m = ASSIGN.match(line)
        if not m:
            fail("%s:%d: not a bitbake statement: %s" % (path, n, line))
            continue
        value = m.group(5)
        while value.endswith("\\"):
            if i == len(lines):
                fail("%s:%d: continuation at the end of the file" % (path, n))
                break
            value = value[:-1] + " " + lines[i].strip()
            i += 1
        if not value.endswith('"') or value.count('"') % 2 != 1:
            fail("%s:%d: unbalanced quotes" % (path, n))
            continue
        key = m.group(1) + m.group(2) + (m.group(3) or "")
        var.setdefault(key, []).append(value[:-1])
    return var, funcs


def flat(var, key):
    return " ".join(var.get(key, []))


# Yocto's defaults for the directories, with usrmerge off (the recipe must
# work either way; its FILES name both udev directories).
YOCTO_DIRS = [("/usr/lib/systemd/system", "${systemd_system_unitdir}"),
              ("/usr/share/man", "${mandir}"), ("/usr/include", "${includedir}"),
              ("/usr/bin", "${bindir}"), ("/usr/sbin", "${sbindir}"), ("/usr/share", "${datadir}"),
              ("/usr/lib", "${libdir}"), ("/lib", "${nonarch_base_libdir}"), ("/etc", "${sysconfdir}")]
EQUIV = {"${nonarch_libdir}": "${libdir}", "${base_libdir}": "${nonarch_base_libdir}",
         "${prefix}/lib": "${libdir}", "${base_prefix}/lib": "${nonarch_base_libdir}",
         "${systemd_user_unitdir}": "${libdir}/systemd/user", "${docdir}": "${datadir}/doc"}
# bitbake.conf's FILES for ${PN}, ${PN}-dev, ${PN}-doc (the parts that apply)
DEFAULT_FILES = ["${bindir}/*", "${sbindir}/*", "${libexecdir}/*", "${libdir}/lib*.so.*", "${sysconfdir}",
                 "${localstatedir}", "${nonarch_base_libdir}/udev", "${libdir}/udev",
                 "${datadir}/${BPN}", "${libdir}/${BPN}/*", "${datadir}/applications", "${datadir}/pixmaps",
                 "${includedir}", "${libdir}/lib*.so", "${libdir}/pkgconfig", "${datadir}/pkgconfig",
                 "${mandir}", "${docdir}", "${infodir}"]


def to_yocto(path):
    for abs_dir, v in YOCTO_DIRS:
        if path == abs_dir or path.startswith(abs_dir + "/"):
            return v + path[len(abs_dir):]
    return path


def normalise(pattern, bpn):
    for k, v in EQUIV.items():
        pattern = pattern.replace(k, v)
    return pattern.replace("${BPN}", bpn).replace("${PN}", bpn)


def covered(path, patterns):
    for p in patterns:
        if path == p or path.startswith(p.rstrip("/") + "/") or fnmatch.fnmatch(path, p):
            return True
    return False


def installed_files(defines):
    """What meson installs with these options (configure only, no build)."""
    with tempfile.TemporaryDirectory(prefix="idg-recipe-") as d:
        cmd = ["meson", "setup", os.path.join(d, "b"), SRC, "--prefix=/usr", "--sysconfdir=/etc",
               "--localstatedir=/var", "--libdir=lib"] + defines
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            fail("meson setup with the recipe's options failed: %s" % (r.stdout + r.stderr)[-800:])
            return []
        out = subprocess.run(["meson", "introspect", "--installed", os.path.join(d, "b")],
                             capture_output=True, text=True, check=True).stdout
        return sorted(json.loads(out).values())


def check_yocto(opts):
    d = os.path.join(SRC, "packaging/yocto/recipes-connectivity/idguard")
    recipes = sorted(f for f in os.listdir(d) if f.endswith(".bb"))
    if not recipes:
        fail("no Yocto recipe")
    for name in recipes:
        path = os.path.join(d, name)
        var, funcs = parse_bb(path)
        for item in flat(var, "LIC_FILES_CHKSUM").split():
            m = re.match(r"^file://([^;]+);md5=([0-9a-f]{32})$", item)
            if not m:
                fail("%s: LIC_FILES_CHKSUM item '%s'" % (name, item))
                continue
            lic = os.path.join(SRC, m.group(1))
            if not os.path.exists(lic):
                fail("%s: %s does not exist" % (name, m.group(1)))
            elif hashlib.md5(open(lic, "rb").read()).hexdigest() != m.group(2):
                fail("%s: md5 of %s is not %s" % (name, m.group(1), m.group(2)))
        if name != "idguard_git.bb":
            print("yocto %s: %d statements, %d functions, license checksums"
                  % (name, sum(len(v) for v in var.values()), len(funcs)))
            continue
        oemeson = shlex.split(flat(var, "EXTRA_OEMESON").replace("${systemd_system_unitdir}",
                                                                 "/usr/lib/systemd/system"))
        check_defines(name + " EXTRA_OEMESON", oemeson, opts)
        pc = {k.split("[")[1][:-1]: v for k, v in var.items() if k.startswith("PACKAGECONFIG[")}
        pc_on = []
        for flag, values in pc.items():
            parts = values[-1].split(",")
            check_defines("%s PACKAGECONFIG[%s]" % (name, flag), parts[:2], opts)
            pc_on.append(parts[0])
        files = installed_files(oemeson + pc_on)
        patterns = [normalise(p, "idguard") for p in DEFAULT_FILES]
        for k, v in var.items():
            if k.startswith("FILES:"):
                patterns += [normalise(p, "idguard") for p in " ".join(v).split()]
        for f in files:
            y = to_yocto(f)
            if not covered(y, patterns):
                fail("%s: %s (%s) is installed but in no package's FILES" % (name, f, y))
        units = {os.path.basename(f) for f in files if f.startswith("/usr/lib/systemd/system/")}
        # bb.utils.contains('PACKAGECONFIG', FLAG, A, B, d): every flag is on above
        service = re.sub(r"\$\{@bb\.utils\.contains\('PACKAGECONFIG',\s*'([^']+)',\s*'([^']*)',\s*'([^']*)',\s*d\)\}",
                         lambda m: m.group(2) if m.group(1) in pc else m.group(3),
                         flat(var, "SYSTEMD_SERVICE:${PN}"))
        for u in service.split():
            if u not in units:
                fail("%s: SYSTEMD_SERVICE names %s, which the build does not install" % (name, u))
        print("yocto %s: %d statements, %d functions, %d installed files in packages"
              % (name, sum(len(v) for v in var.values()), len(funcs), len(files)))


def check_buildroot(opts):
    d = os.path.join(SRC, "packaging/buildroot/package/idguard")
    mk = open(os.path.join(d, "idguard.mk")).read().split("\n")
    header = ["#" * 80, "#", "# idguard", "#", "#" * 80, ""]
    if mk[:6] != header:
        fail("idguard.mk: does not start with Buildroot's 80-hash header block")
    for n, line in enumerate(mk, 1):
        m = re.match(r"^([A-Z0-9_]+)\s*(\+?=|:=|\?=)", line)
        if m and not m.group(1).startswith("IDGUARD_"):
            fail("idguard.mk:%d: variable %s without the IDGUARD_ prefix" % (n, m.group(1)))
        if re.search(r"\s+$", line):
            fail("idguard.mk:%d: trailing whitespace" % n)
    text = "\n".join(mk)
    for m in re.finditer(r"^IDGUARD_CONF_OPTS\s*\+?=\s*(.*)$", text, re.M):
        check_defines("idguard.mk IDGUARD_CONF_OPTS", m.group(1).split(), opts)
    hashes = {}
    for line in open(os.path.join(d, "idguard.hash")):
        if line.startswith("#") or not line.strip():
            continue
        algo, digest, f = line.split()
        hashes[f] = (algo, digest)
    lic_files = re.search(r"^IDGUARD_LICENSE_FILES\s*=\s*(.*)$", text, re.M).group(1).split()
    for f in lic_files:
        if f not in hashes:
            fail("idguard.hash: no hash for %s" % f)
            continue
        algo, digest = hashes[f]
        if hashlib.new(algo, open(os.path.join(SRC, f), "rb").read()).hexdigest() != digest:
            fail("idguard.hash: %s of %s is wrong" % (algo, f))
    config = open(os.path.join(d, "Config.in")).read()
    declared = set(re.findall(r"^config (BR2_PACKAGE_IDGUARD\w*)", config, re.M))
    used = set(re.findall(r"\b(BR2_PACKAGE_IDGUARD\w*)\b", text))
    if used - declared:
        fail("idguard.mk tests %s, which Config.in does not declare" % sorted(used - declared))
    print("buildroot idguard.mk: header, prefixes, options, %d license hashes" % len(lic_files))


opts = meson_options()
check_yocto(opts)
check_buildroot(opts)
for b in bad:
    print("FAIL: " + b)
print("recipes: " + ("pass" if not bad else "%d problems" % len(bad)))
sys.exit(1 if bad else 0)
