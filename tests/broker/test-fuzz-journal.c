// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the consent store's journal replay on arbitrary text,
 * onto an empty snapshot of generation 0. */
#include <glib.h>
#include <string.h>
#include "idg-store-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  IdgStore *store = idg_store_new_empty ();
  gchar *copy = g_malloc (size + 1);
  GError *error = NULL;
  gsize keep = 0;
  gboolean stale = FALSE, ok;
  guint cut_line = 0;

  memcpy (copy, data, size);
  copy[size] = '\0';
  ok = idg_store_disk_replay (store, copy, size, &keep, &cut_line, &stale, &error);
  g_assert (ok == (error == NULL));
  g_assert (keep <= size);
  if (ok) {
    IdgIdentity id = { .uid = 0, .gid = 0, .known = TRUE, .service = (gchar *) "uid:0" };
    GPtrArray *grants = idg_store_list_grants (store);

    idg_store_allowed_kinds (store, &id, 1, NULL);
    g_ptr_array_unref (grants);
  }
  g_clear_error (&error);
  g_free (copy);
  idg_store_free (store);
  return 0;
}
