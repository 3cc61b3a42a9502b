/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-at-filter.h"

const gchar *
idg_at_filter_request (IdgGuard    *guard,
                       const gchar *line,
                       gsize        len)
{
  return IDG_AT_REFUSAL;
}
