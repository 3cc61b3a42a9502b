/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: idguardctl's argument parsers (DURATION, SELECTOR, TIME). */
#include <stdint.h>
#include <string.h>

#include "ctl-parse.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree gchar *s = g_strndup ((const gchar *) data, size);
  guint64 secs = 0;
  gint64 t = 0;

  if (ctl_parse_duration (s, &secs, NULL))
    g_assert (secs > 0 && secs <= CTL_DURATION_MAX);
  (void) ctl_check_selector (s, NULL);
  (void) ctl_parse_time (s, (gint64) 1800000000 * G_USEC_PER_SEC, &t, NULL);
  return 0;
}
