// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the consent store's parser on arbitrary store.json. */
#include <glib.h>
#include "idg-store.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  GError *error = NULL;
  IdgStore *store = idg_store_load_data ((const gchar *) data, size, &error);

  g_assert ((store == NULL) != (error == NULL));
  if (store != NULL) {
    IdgIdentity id = { .uid = 0, .gid = 0, .known = TRUE, .service = (gchar *) "uid:0" };
    GPtrArray *grants = idg_store_list_grants (store);

    idg_store_allowed_kinds (store, &id, 1, NULL);
    g_ptr_array_unref (grants);
    idg_store_free (store);
  }
  g_clear_error (&error);
  return 0;
}
