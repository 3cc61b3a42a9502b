// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the consent store's snapshot body (store.snapshot past
 * its header and check sum, idg-store-snapshot.c) on arbitrary bytes. */
#include <glib.h>
#include <string.h>
#include "idg-store-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  IdgStore *store = idg_store_new_empty ();
  GBytes *body = g_bytes_new (data, size);
  GError *error = NULL;
  gboolean ok;

  ok = idg_store_snapshot_parse_body (store, body, &error);
  g_assert (ok == (error == NULL));
  if (ok) {
    IdgIdentity id = { .uid = 0, .gid = 0, .known = TRUE, .service = (gchar *) "uid:0" };
    GPtrArray *grants = idg_store_list_grants (store);
    GBytes *again = idg_store_snapshot_serialize (store, 1);

    idg_store_allowed_kinds (store, &id, 1, NULL);
    g_ptr_array_unref (grants);
    g_bytes_unref (again);
  }
  g_clear_error (&error);
  g_bytes_unref (body);
  idg_store_free (store);
  return 0;
}
