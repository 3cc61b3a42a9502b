# SPDX-License-Identifier: GPL-2.0-or-later
# Not built by bitbake here: see ../../README.md for what was checked.
SUMMARY = "idguard kernel module: /dev/idguard"
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://LICENSES/GPL-2.0-only.txt;md5=b234ee4d69f5fce4486a80fdaf4a4263"

SRC_URI = "git://example.invalid/idguard.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

inherit module

# The top Kbuild serves `make -C KDIR M=...`, exactly as `make module` and
# dkms.conf build it; the module lands in driver/.
do_compile() {
    unset CFLAGS CPPFLAGS CXXFLAGS LDFLAGS
    oe_runmake -C ${STAGING_KERNEL_DIR} M=${S} KERNEL_SRC=${STAGING_KERNEL_DIR} modules
}

do_install() {
    install -d ${D}${nonarch_base_libdir}/modules/${KERNEL_VERSION}/extra
    install -m 0644 ${S}/driver/idguard.ko ${D}${nonarch_base_libdir}/modules/${KERNEL_VERSION}/extra/
}

RPROVIDES:${PN} += "kernel-module-idguard"
KERNEL_MODULE_AUTOLOAD += "idguard"
