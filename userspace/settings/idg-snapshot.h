/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One look at the broker for the pages: its grants (ListGrants) and the
 * last 7 days of its audit (Audit), counted (IdgTally). Read calls only,
 * without interactive authorization.
 */
#ifndef IDG_SNAPSHOT_H
#define IDG_SNAPSHOT_H

#include <gio/gio.h>
#include "idg-settings-dbus.h"
#include "idg-tally.h"

G_BEGIN_DECLS

typedef struct {
  GVariant *grants;   /* aa{sv} */
  GVariant *records;  /* aa{sv}: the audit of the last 7 days */
  IdgTally *tally;
  gint64    now;      /* unix seconds when it was taken */
} IdgSnapshot;

void         idg_snapshot_load        (IdgDBusAdmin1        *admin,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
IdgSnapshot *idg_snapshot_load_finish (GAsyncResult         *result,
                                       GError              **error);
void         idg_snapshot_free        (IdgSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgSnapshot, idg_snapshot_free)

G_END_DECLS

#endif
