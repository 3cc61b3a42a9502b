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
 * sizes, then the client's stream. When byte 1 is odd the rest is instead
 * one buffer of QMI inside MBIM, judged whole (idg_qmi_canon_judge_buffer):
 * then the modem must execute exactly the frames judged, in order, and a
 * buffer judged whole is one the modem would read the same way raw.
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

/* The modem's reading of bytes: the frames it would execute, in order. */
static GPtrArray *
modem_reads (const guint8 *bytes,
             gsize         len)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  QmiMessage *m;

  g_byte_array_append (in, bytes, (guint) len);
  while ((m = sim_qmi_parse_next (in))) {
    gsize n = 0;
    const guint8 *raw = qmi_message_get_raw (m, &n, NULL);
    GByteArray *copy = g_byte_array_new ();

    if (raw)
      g_byte_array_append (copy, raw, (guint) n);
    g_ptr_array_add (out, copy);
    qmi_message_unref (m);
  }
  return out;
}

static void
tunnel (const guint8 *buf,
        gsize         len,
        IdgGuard     *guard)
{
  g_autoptr(GByteArray) fwd = g_byte_array_new ();
  g_autoptr(GByteArray) ans = g_byte_array_new ();
  g_autoptr(GArray) infos = g_array_new (FALSE, FALSE, sizeof (IdgQmiRequestInfo));
  g_autoptr(GPtrArray) executed = NULL;
  g_autoptr(GPtrArray) raw = NULL;
  gboolean whole = idg_qmi_canon_judge_buffer (buf, len, guard, fwd, ans, infos);
  gsize off = 0;
  guint i;

  if (!whole && (fwd->len != 0 || infos->len != 0))
    __builtin_trap ();
  executed = modem_reads (fwd->data, fwd->len);
  if (executed->len != infos->len)
    __builtin_trap ();
  for (i = 0; i < executed->len; i++) {
    GByteArray *f = g_ptr_array_index (executed, i);
    const IdgQmiRequestInfo *info = &g_array_index (infos, IdgQmiRequestInfo, i);
    IdgQmiHeader h;

    /* the modem runs the frame judged, byte for byte, in its place */
    if (off + f->len > fwd->len || memcmp (fwd->data + off, f->data, f->len) != 0 ||
        !idg_qmi_frame_parse (f->data, f->len, &h) || h.service != info->service ||
        h.client_id != info->client_id || h.transaction_id != info->transaction_id ||
        h.message_id != info->message_id)
      __builtin_trap ();
    off += f->len;
  }
  /* a buffer judged whole holds nothing the modem would read otherwise */
  if (whole && ans->len == 0) {
    raw = modem_reads (buf, len);
    if (raw->len != executed->len)
      __builtin_trap ();
    for (i = 0; i < raw->len; i++) {
      GByteArray *a = g_ptr_array_index (raw, i), *b = g_ptr_array_index (executed, i);

      if (a->len != b->len || memcmp (a->data, b->data, a->len) != 0)
        __builtin_trap ();
    }
  }
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
  if (data[1] & 1) {
    tunnel (data + 2, size - 2, &g);
    return 0;
  }
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
