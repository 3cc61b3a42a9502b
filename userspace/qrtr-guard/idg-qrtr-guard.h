/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The QRTR guard's loader (idguard-qrtr-guard(8)): loads the BPF LSM
 * program of idg-qrtr-guard.bpf.c, pins its links and its map of trusted
 * cgroups in bpffs, and adds the caller's cgroup to that map.
 */
#pragma once

#include <glib.h>

#define IDG_QRTR_GUARD_PIN_DIR "/sys/fs/bpf/idguard-qrtr"

gboolean idg_qrtr_guard_load   (const char  *pin_dir,
                                GError     **error);
gboolean idg_qrtr_guard_trust  (const char  *pin_dir,
                                gboolean    *loaded,
                                GError     **error);
gboolean idg_qrtr_guard_unload (const char  *pin_dir,
                                GError     **error);
gboolean idg_qrtr_guard_status (const char  *pin_dir,
                                GString     *out,
                                GError     **error);
