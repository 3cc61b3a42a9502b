################################################################################
#
# idguard
#
################################################################################

# SPDX-License-Identifier: GPL-2.0-or-later
# Not built by a Buildroot build here: see ../../README.md for what was
# checked (utils/check-package, make idguard-show-info) and what was not.

IDGUARD_VERSION = 0.1.0
IDGUARD_SITE = https://example.invalid/idguard.git
IDGUARD_SITE_METHOD = git
IDGUARD_LICENSE = GPL-2.0-or-later, LGPL-2.1-or-later (libidguard), GPL-2.0-only (kernel module)
IDGUARD_LICENSE_FILES = LICENSES/GPL-2.0-or-later.txt LICENSES/LGPL-2.1-or-later.txt LICENSES/GPL-2.0-only.txt
IDGUARD_INSTALL_STAGING = YES
IDGUARD_DEPENDENCIES = host-pkgconf host-libglib2 libglib2 libqmi libqrtr-glib libmbim json-glib
# Every optional feature explicit (meson_options.txt): nothing is picked
# up or dropped silently depending on what happens to be in staging.
# Buildroot's own CFLAGS carry the _FORTIFY_SOURCE level it was configured
# with (BR2_FORTIFY_SOURCE_*); the build adds none of its own then.
IDGUARD_CONF_OPTS = -Dfuzzing=false -Dtests=disabled -Ddocs=disabled -Dsettings=disabled

# Without libsystemd there is no socket activation: the socket units are
# not installed and the broker binds the proxy names itself.
ifeq ($(BR2_INIT_SYSTEMD),y)
IDGUARD_DEPENDENCIES += systemd
IDGUARD_CONF_OPTS += -Dsystemd=enabled -Dsystemdunitdir=/usr/lib/systemd/system
else
IDGUARD_CONF_OPTS += -Dsystemd=disabled
endif

ifeq ($(BR2_PACKAGE_POLKIT),y)
IDGUARD_DEPENDENCIES += polkit
IDGUARD_CONF_OPTS += -Dpolkit=enabled
else
IDGUARD_CONF_OPTS += -Dpolkit=disabled
endif

define IDGUARD_USERS
	idguard -1 idguard -1 * /var/lib/idguard - - idguard identifier broker
endef

define IDGUARD_PERMISSIONS
	/var/lib/idguard d 0700 idguard idguard - - - - -
endef

define IDGUARD_INSTALL_INIT_SYSTEMD
	mkdir -p $(TARGET_DIR)/etc/systemd/system/multi-user.target.wants \
		$(TARGET_DIR)/etc/systemd/system/sockets.target.wants
	ln -sf /usr/lib/systemd/system/idguardd.service \
		$(TARGET_DIR)/etc/systemd/system/multi-user.target.wants/idguardd.service
	ln -sf /usr/lib/systemd/system/idguard-qmi-proxy.socket \
		$(TARGET_DIR)/etc/systemd/system/sockets.target.wants/idguard-qmi-proxy.socket
	ln -sf /usr/lib/systemd/system/idguard-mbim-proxy.socket \
		$(TARGET_DIR)/etc/systemd/system/sockets.target.wants/idguard-mbim-proxy.socket
endef

# The QRTR guard (a BPF LSM program; the kernel needs CONFIG_BPF_LSM,
# CONFIG_DEBUG_INFO_BTF and bpf in CONFIG_LSM).
ifeq ($(BR2_PACKAGE_IDGUARD_QRTR_GUARD),y)
IDGUARD_DEPENDENCIES += libbpf host-bpftool host-clang
IDGUARD_CONF_OPTS += -Dqrtr-guard=enabled
ifeq ($(BR2_INIT_SYSTEMD),y)
define IDGUARD_QRTR_GUARD_ENABLE
	mkdir -p $(TARGET_DIR)/etc/systemd/system/sysinit.target.wants
	ln -sf /usr/lib/systemd/system/idguard-qrtr-guard.service \
		$(TARGET_DIR)/etc/systemd/system/sysinit.target.wants/idguard-qrtr-guard.service
endef
IDGUARD_POST_INSTALL_TARGET_HOOKS += IDGUARD_QRTR_GUARD_ENABLE
endif
else
IDGUARD_CONF_OPTS += -Dqrtr-guard=disabled
endif

ifeq ($(BR2_PACKAGE_IDGUARD_MODULE),y)
# The top Kbuild serves `make -C KDIR M=...`; the module lands in driver/.
IDGUARD_MODULE_SUBDIRS = .
$(eval $(kernel-module))
endif

$(eval $(meson-package))
