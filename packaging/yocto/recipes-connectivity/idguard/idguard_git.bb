# SPDX-License-Identifier: GPL-2.0-or-later
# Not built by bitbake here: see ../../README.md for what was checked.
SUMMARY = "idguard: consent for cellular modem identifiers (broker, CLI, library)"
HOMEPAGE = "https://example.invalid/idguard"
LICENSE = "GPL-2.0-or-later & LGPL-2.1-or-later"
LIC_FILES_CHKSUM = "file://LICENSES/GPL-2.0-or-later.txt;md5=b234ee4d69f5fce4486a80fdaf4a4263 \
                    file://LICENSES/LGPL-2.1-or-later.txt;md5=4fbd65380cdd255951079008b364516c"

SRC_URI = "git://example.invalid/idguard.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

DEPENDS = "glib-2.0 glib-2.0-native libqmi libqrtr-glib libmbim json-glib"

inherit meson pkgconfig systemd useradd

# Every optional feature explicit (meson_options.txt). libFuzzer targets
# need clang; the suites and the GTK settings app are not for the image.
# The _FORTIFY_SOURCE level is the distro's (SECURITY_CFLAGS): the build
# adds none of its own when one is set.
EXTRA_OEMESON = "-Dfuzzing=false -Dtests=disabled -Ddocs=enabled -Dsettings=disabled \
                 -Dsystemdunitdir=${systemd_system_unitdir}"
# Without libsystemd (no systemd in DISTRO_FEATURES) there is no socket
# activation: the socket units are not installed and the broker binds the
# proxy names itself; drop them from SYSTEMD_SERVICE then.
PACKAGECONFIG ??= "polkit ${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)}"
PACKAGECONFIG[polkit] = "-Dpolkit=enabled,-Dpolkit=disabled,polkit"
PACKAGECONFIG[systemd] = "-Dsystemd=enabled,-Dsystemd=disabled,systemd"
# The QRTR guard (idguard-qrtr-guard, a BPF LSM program) for Qualcomm SoC
# modems: needs clang-native (meta-clang) and a kernel with CONFIG_BPF_LSM,
# CONFIG_DEBUG_INFO_BTF and bpf in CONFIG_LSM. Off unless asked for.
PACKAGECONFIG[qrtr-guard] = "-Dqrtr-guard=enabled,-Dqrtr-guard=disabled,libbpf bpftool-native clang-native"

USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --user-group --home-dir /var/lib/idguard \
                       --no-create-home --shell /sbin/nologin idguard"

SYSTEMD_PACKAGES = "${PN}"
# The simulated modem's unit (idguard-modem-sim.service) is installed but not
# listed here: it is for images without a modem, and stays disabled.
SYSTEMD_SERVICE:${PN} = "idguardd.service idguard-qmi-proxy.socket idguard-mbim-proxy.socket"
SYSTEMD_SERVICE:${PN} += "${@bb.utils.contains('PACKAGECONFIG', 'qrtr-guard', 'idguard-qrtr-guard.service', '', d)}"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

PACKAGES =+ "libidguard"
FILES:libidguard = "${libdir}/libidguard.so.*"
FILES:${PN} += "${systemd_system_unitdir} \
                ${systemd_user_unitdir} \
                ${nonarch_libdir}/sysusers.d \
                ${nonarch_libdir}/tmpfiles.d \
                ${nonarch_base_libdir}/udev/rules.d \
                ${libdir}/udev/rules.d \
                ${datadir}/dbus-1 \
                ${datadir}/polkit-1 \
                ${datadir}/bash-completion \
                ${datadir}/zsh"
CONFFILES:${PN} = "${sysconfdir}/idguard/idguard.conf"
RDEPENDS:${PN} = "libidguard kmod"
RRECOMMENDS:${PN} = "idguard-module"
