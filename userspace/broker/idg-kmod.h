/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The broker's side of /dev/idguard (driver/uapi/idguard.h). When the
 * device exists, idguardd claims the broker channel, pushes the identifier
 * values and the active grants (token hash, selector, scopes, expiry) and
 * keeps them in sync on every change of the store and of the identifier
 * table (SIM swap included). The module's audit events are merged into the
 * broker's audit log (door "kernel"). When idguardd exits, the kernel wipes
 * everything it was given: no broker, no identifiers.
 *
 * A grant that cannot be expressed to the kernel (a selector path longer
 * than the ABI's 255 bytes, no token yet) is not pushed: the kernel path
 * refuses it, the broker's API still serves it.
 */
#ifndef IDG_KMOD_H
#define IDG_KMOD_H

#include <glib.h>
#include "idg-broker.h"

G_BEGIN_DECLS

#define IDG_KMOD_DEVICE "/dev/idguard"

typedef struct _IdgKmod IdgKmod;

/* device: NULL for IDG_KMOD_DEVICE. If the device does not exist, returns
 * an idle bridge (component state "absent") and no error. NULL and an error
 * if the device exists but the channel cannot be claimed (not privileged,
 * another broker holds it, another ABI) or the first push fails. */
IdgKmod *idg_kmod_new  (IdgBroker    *broker,
                        const gchar  *device,
                        GError      **error);
/* Closes the channel: the kernel wipes identifiers and grants. */
void     idg_kmod_free (IdgKmod      *kmod);
/* TRUE while the channel is held. */
gboolean idg_kmod_is_attached (IdgKmod *kmod);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgKmod, idg_kmod_free)

G_END_DECLS

#endif
