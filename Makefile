# SPDX-License-Identifier: GPL-2.0-or-later
#
# Entry points for users and CI. Userspace builds with meson into build/,
# the kernel module with Kbuild next to its sources.

BUILD      ?= build
MESONFLAGS ?=
KVER       ?= $(shell uname -r)
KDIR       ?= $(shell if [ -d /lib/modules/$(KVER)/build ]; then echo /lib/modules/$(KVER)/build; \
                      else ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; fi)
FUZZ_SECONDS ?= 300
# What CI asks of the build on top of a user's: warnings are errors and every
# optional feature must be found (a user's build leaves both to them).
CI_MESONFLAGS = --werror -Dpolkit=enabled -Dsystemd=enabled -Dtests=enabled -Ddocs=enabled -Dsettings=enabled -Dqrtr-guard=enabled

# Every Debian package the build, tests, demo, benchmarks and kernel tests need.
DEPS = meson ninja-build pkg-config gcc make libc6-dev \
       libglib2.0-dev libglib2.0-bin libqmi-glib-dev libqrtr-glib-dev libmbim-glib-dev \
       libbpf-dev bpftool \
       libjson-glib-dev libpolkit-gobject-1-dev libsystemd-dev \
       libqmi-utils libmbim-utils modemmanager dbus \
       clang libclang-rt-14-dev \
       qemu-system-x86 linux-headers-amd64 busybox-static kmod cpio \
       iproute2 util-linux procps socat python3 strace valgrind \
       dpkg-dev debhelper dh-dkms dkms fakeroot systemd \
       libgtk-4-dev libadwaita-1-dev xvfb xauth python3-dogtail gir1.2-atspi-2.0 \
       gir1.2-gtk-3.0 at-spi2-core gettext appstream desktop-file-utils \
       lintian python3-jsonschema zsh mmdebstrap qemu-utils

.PHONY: all deps build check check-sanitize check-variants check-unit check-kernel check-qrtr check-e2e check-image demo bench module fuzz clean install

all: build

deps:
	@sh tests/tools/deps.sh $(DEPS)

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESONFLAGS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Every test: unit, fuzz (bounded), integration with the real clients,
# kernel tests in qemu, packaging. Non-zero on any failure.
check: MESONFLAGS += $(CI_MESONFLAGS)
check: build
	meson configure $(BUILD) $(CI_MESONFLAGS)
	ninja -C $(BUILD)
	rm -rf $(BUILD)/test-logs
	meson test -C $(BUILD) --print-errorlogs --num-processes 2
	python3 tests/tools/leakscan.py $(BUILD)/test-logs
	$(MAKE) check-sanitize
	$(MAKE) check-variants
	$(MAKE) check-kernel
	$(MAKE) check-qrtr
	$(MAKE) check-e2e
	$(MAKE) check-image

# Unit and fuzz suites again, built with clang under ASan and UBSan.
check-sanitize: deps
	test -f $(BUILD)-asan/build.ninja || CC=clang meson setup $(BUILD)-asan \
	  -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug $(CI_MESONFLAGS)
	ninja -C $(BUILD)-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(BUILD)-asan --print-errorlogs --num-processes 2 --suite unit --suite fuzz

# The build a distribution does: clang, its own _FORTIFY_SOURCE=3, no polkit,
# no libsystemd, no tests or docs, warnings as errors. Build only (userspace).
check-variants: deps
	sh tests/tools/build-variant.sh $(BUILD)-variant

check-unit: build
	meson test -C $(BUILD) --print-errorlogs --suite unit

check-kernel: deps module
	sh tests/kernel/checkpatch.sh
	sh tests/kernel/run.sh

# QRTR (Qualcomm SoC modems) in a VM of its own: qrtr-tun.ko built out of
# tree, a fake modem node, the drop-in's rule, the QRTR guard (BPF LSM), the
# QMI door and ModemManager through it (tests/qrtr/).
check-qrtr: deps module
	IDG_KTEST_ONLY=qrtr sh tests/kernel/run.sh

# USB modems on the real drivers, udev and ModemManager, through the doors,
# in qemu (tests/e2e/run.sh; logs in $(BUILD)/test-logs/e2e-*, leak-scanned).
check-e2e: build
	IDG_E2E_BUILD=$(BUILD) sh tests/e2e/run.sh

# The booted device image: the .debs in a Debian image (mmdebstrap), booted
# twice with systemd as PID 1 in qemu (tests/e2e/image/run.sh; the image is
# cached in tests/kernel/cache, logs in $(BUILD)/test-logs/e2e-image; the
# gadget bridge of its USB modem comes from $(BUILD)).
check-image: build
	IDG_E2E_BUILD=$(BUILD) sh tests/e2e/image/run.sh

demo: build
	sh tests/demo.sh $(BUILD)

bench: build
	sh bench/run.sh $(BUILD)

module:
	@test -n "$(KDIR)" || { echo "make module: no kernel build dir (set KDIR)"; exit 2; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(BUILD)

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD)
	-test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
