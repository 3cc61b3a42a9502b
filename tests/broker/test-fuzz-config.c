// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the config parser on arbitrary key files. */
#include <glib.h>
#include "idg-config.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        gsize         size)
{
  GError *error = NULL;
  IdgConfig *c = idg_config_load_data ((const gchar *) data, size, FALSE, &error);

  g_assert ((c == NULL) != (error == NULL));
  idg_config_free (c);
  g_clear_error (&error);
  return 0;
}
