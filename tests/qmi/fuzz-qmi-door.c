/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential libFuzzer target: the QMI door's reading of a client byte
 * stream against the modem's. A random stream goes, in random chunks,
 * through the door's framing and judgement (idg_qmi_canon_next, libqmi's
 * second opinion as the door takes it, idg_qmi_filter_request, the door's
 * own transaction id); what the door would forward goes to the simulated
 * modem's framing (sim_qmi_parse_next). The target traps when the modem
 * would execute a message the door did not judge, or one that differs by a
 * byte from the one it judged, or when a judged frame, re-read, would be
 * judged otherwise.
 *
 * Input: byte 0 the kinds the client holds, byte 1 a seed for the chunk
 * sizes, then the client's stream.
 */
#include <string.h>
#include <glib.h>
#include <libqmi-glib.h>

#include "idg-guard.h"
#include "idg-qmi-canon.h"
#include "sim-qmi.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define MAX_FRAMES 64

static const guint8 secret[IDG_SECRET_LEN] = { 3 };

/* What the door makes of one canonical frame: TRUE if it forwards it. */
static gboolean
door_forwards (GByteArray *canon,
               IdgGuard   *guard,
               guint16     door_trid)
{
  g_autoptr(GByteArray) copy = g_byte_array_new ();
  g_autoptr(QmiMessage) msg = NULL;
  g_autoptr(GByteArray) again = g_byte_array_new ();
  IdgQmiRequestInfo info, info2;
  gsize used = 0;

  g_byte_array_append (copy, canon->data, canon->len);
  msg = qmi_message_new_from_raw (copy, NULL);
  if (!msg || copy->len != 0 || !qmi_message_is_request (msg))
    return FALSE;
  if (idg_qmi_filter_request (canon->data, canon->len, guard, &info) != IDG_QMI_VERDICT_PASS)
    return FALSE;
  /* the door's re-encoding is a fixed point of its own reading */
  if (idg_qmi_canon_next (canon->data, canon->len, &used, again) != IDG_QMI_CANON_OK ||
      used != canon->len || again->len != canon->len ||
      memcmp (again->data, canon->data, canon->len) != 0)
    __builtin_trap ();
  if (canon->data[4] != 0)
    idg_qmi_canon_set_transaction_id (canon->data, canon->len, door_trid);
  /* and under the door's id, judged the same */
  if (idg_qmi_filter_request (canon->data, canon->len, guard, &info2) != IDG_QMI_VERDICT_PASS ||
      info2.has_file != info.has_file || info2.file_id != info.file_id ||
      info2.offset != info.offset || info2.length != info.length ||
      info2.message_id != info.message_id)
    __builtin_trap ();
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  g_autoptr(GByteArray) canon = g_byte_array_new ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) modem_in = g_byte_array_new ();
  g_autoptr(GPtrArray) judged = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  guint32 chunk_seed;
  guint16 door_trid = 0;
  gboolean broken = FALSE;
  IdgGuard g;
  gsize off = 2;
  QmiMessage *m;
  guint n = 0;

  if (size < 2)
    return 0;
  idg_guard_init (&g, data[0] & IDG_KIND_MASK_ALL, IDG_POLICY_REDACT, secret, "fuzz");
  chunk_seed = data[1] | 1u;

  /* the door: bytes arrive in chunks, frames are taken as they complete */
  while (off < size && !broken && judged->len < MAX_FRAMES) {
    gsize chunk = 1 + (chunk_seed % 97);

    chunk_seed = chunk_seed * 1103515245u + 12345u;
    chunk = MIN (chunk, size - off);
    g_byte_array_append (in, data + off, (guint) chunk);
    off += chunk;
    for (;;) {
      gsize used = 0;
      IdgQmiCanon c = idg_qmi_canon_next (in->data, in->len, &used, canon);

      if (c == IDG_QMI_CANON_MORE)
        break;
      if (c == IDG_QMI_CANON_BROKEN) {
        broken = TRUE;
        break;
      }
      if (c == IDG_QMI_CANON_OK && door_forwards (canon, &g, ++door_trid)) {
        g_byte_array_append (wire, canon->data, canon->len);
        g_ptr_array_add (judged, g_steal_pointer (&canon));
        canon = g_byte_array_new ();
      }
      g_byte_array_remove_range (in, 0, (guint) used);
    }
  }

  /* the modem: executes what it parses out of the door's bytes */
  g_byte_array_append (modem_in, wire->data, wire->len);
  while ((m = sim_qmi_parse_next (modem_in))) {
    gsize len = 0;
    const guint8 *raw = qmi_message_get_raw (m, &len, NULL);
    GByteArray *expect = n < judged->len ? g_ptr_array_index (judged, n) : NULL;

    if (!expect || !raw || len != expect->len || memcmp (raw, expect->data, len) != 0)
      __builtin_trap ();
    qmi_message_unref (m);
    n++;
  }
  if (n != judged->len || modem_in->len != 0)
    __builtin_trap ();
  return 0;
}
