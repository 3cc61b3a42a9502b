/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for everything the simulator parses. The first byte
 * picks the parser (QMI stream, MBIM stream after OPEN, AT stream with a
 * SIM swap in the middle, ids file, control line, APDU); the second splits
 * the rest into two feeds so that frames straddling reads are covered. */
#include <string.h>
#include "sim-apdu.h"
#include "sim-at.h"
#include "sim-control.h"
#include "sim-ids.h"
#include "sim-mbim.h"
#include "sim-qmi.h"

int LLVMFuzzerTestOneInput (const guint8 *data, gsize size);

static SimIds *
fuzz_ids (void)
{
  static SimIds *ids;

  if (!ids)
    ids = sim_ids_new_default ();
  return ids;
}

typedef void (*Feed) (gpointer engine, const guint8 *data, gsize len, GByteArray *out);

static void
feed_qmi (gpointer engine, const guint8 *data, gsize len, GByteArray *out)
{
  sim_qmi_feed (engine, data, len, out);
}

static void
feed_mbim (gpointer engine, const guint8 *data, gsize len, GByteArray *out)
{
  sim_mbim_feed (engine, data, len, out);
}

static void
feed_at (gpointer engine, const guint8 *data, gsize len, GByteArray *out)
{
  sim_at_feed (engine, data, len, out);
}

static void
feed_split (const guint8 *data, gsize size, gsize split, Feed feed, gpointer engine)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  split = MIN (split, size);
  feed (engine, data, split, out);
  feed (engine, data + split, size - split, out);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, gsize size)
{
  gsize split;

  if (size < 2)
    return 0;
  split = (gsize) data[1] * 4;
  switch (data[0] % 6) {
  case 0: {
    g_autoptr(SimQmi) qmi = sim_qmi_new (fuzz_ids ());
    g_autoptr(GByteArray) out = g_byte_array_new ();

    feed_split (data + 2, size - 2, split, feed_qmi, qmi);
    sim_qmi_sim_changed (qmi, out);
    break;
  }
  case 1: {
    g_autoptr(SimMbim) mbim = sim_mbim_new (fuzz_ids ());
    g_autoptr(GByteArray) out = g_byte_array_new ();
    static const guint8 open[] = { 1, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 16, 0, 0 };

    sim_mbim_set_max_transfer (mbim, 64);
    sim_mbim_feed (mbim, open, sizeof open, out);
    feed_split (data + 2, size - 2, split, feed_mbim, mbim);
    sim_mbim_sim_changed (mbim, out);
    break;
  }
  case 2: {
    g_autoptr(SimAt) at = sim_at_new (fuzz_ids ());
    g_autoptr(GByteArray) out = g_byte_array_new ();

    feed_split (data + 2, size - 2, split, feed_at, at);
    /* a SIM swap halfway through the same input again: its unsolicited
     * codes held while a line comes in */
    split = MIN (split, size - 2);
    sim_at_feed (at, data + 2, split, out);
    sim_at_sim_changed (at, out);
    sim_at_feed (at, data + 2 + split, size - 2 - split, out);
    break;
  }
  case 3: {
    g_autofree gchar *text = g_strndup ((const gchar *) data + 2, size - 2);
    sim_ids_free (sim_ids_parse (text, NULL));
    break;
  }
  case 4: {
    g_autofree gchar *text = g_strndup ((const gchar *) data + 2, size - 2);
    SimControlCommand cmd;

    if (sim_control_parse (text, &cmd, NULL))
      sim_control_clear (&cmd);
    break;
  }
  default: {
    SimApdu state;
    guint8 resp[SIM_APDU_MAX_RESPONSE];
    gsize pos = 2;

    sim_apdu_init (&state);
    /* a sequence of APDUs, each prefixed by its length */
    while (pos < size) {
      gsize n = MIN ((gsize) data[pos], size - pos - 1);

      sim_apdu_process (&state, fuzz_ids (), data + pos + 1, n, resp);
      pos += n + 1;
    }
    break;
  }
  }
  return 0;
}
