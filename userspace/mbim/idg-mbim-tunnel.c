/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-mbim-tunnel.h"

#include "idg-at-canon.h"
#include "idg-at-filter.h"
#include "idg-qmi-canon.h"

#include <string.h>
#include <libmbim-glib.h>

static IdgMbimVerdict
not_understood (IdgMbimNote *note)
{
  note->status = MBIM_STATUS_ERROR_INVALID_PARAMETERS;
  return IDG_MBIM_REFUSE;
}

/* Raw access: only a client holding every kind. */
static gboolean
tunnel_allowed (IdgGuard *guard)
{
  if ((guard->allowed & IDG_KIND_MASK_ALL) == IDG_KIND_MASK_ALL) {
    idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_RELEASE);
    return TRUE;
  }
  idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_REFUSE);
  return FALSE;
}

/* --- AT ------------------------------------------------------------------- */

/* Every line of the buffer is read as the modem reads it (V.250 editing,
 * A/, S-registers), every command judged, and the lot joined into one
 * canonical line: idg-at-canon.h, the AT door's own judgement. */
IdgMbimVerdict
idg_mbim_tunnel_at_request (const guint8 *buf,
                            gsize         len,
                            IdgGuard     *guard,
                            IdgMbimNote  *note,
                            GByteArray   *payload)
{
  const gchar *refusal = NULL;
  g_autofree gchar *line = idg_at_canon_buffer (guard, (const gchar *) buf, len, &refusal);
  gsize n;

  if (!line) {
    if (refusal && strcmp (refusal, IDG_AT_CANON_ERROR) != 0) {
      /* judged and refused (raw SIM access): the AT answer, as the modem
       * would give it */
      note->has_at = TRUE;
      note->answer_len = MIN (strlen (refusal), sizeof note->answer);
      memcpy (note->answer, refusal, note->answer_len);
      return IDG_MBIM_REFUSE;
    }
    return not_understood (note);
  }
  n = strlen (line);
  if (n > sizeof note->at_line)
    return not_understood (note);
  memcpy (note->at_line, line, n);
  note->at_len = n;
  note->has_at = TRUE;
  if (payload) {
    g_byte_array_set_size (payload, 0);
    g_byte_array_append (payload, (const guint8 *) line, (guint) n);
  }
  return IDG_MBIM_PASS;
}

IdgMbimVerdict
idg_mbim_tunnel_at_reply (guint8            *buf,
                          gsize              len,
                          const IdgMbimNote *note,
                          IdgGuard          *guard)
{
  g_autofree gchar *out = NULL;
  gsize out_len = 0;

  if (!note || !note->has_at)
    return tunnel_allowed (guard) ? IDG_MBIM_PASS : IDG_MBIM_DROP;
  /* The phonebook storage a +CPBR/+CPBF reads is modem state, shared with
   * the AT port and every tunnel client: unless the line itself selects
   * one, the "ON" book (own numbers) is assumed (fail closed). */
  out = idg_at_filter_reply_book (guard, TRUE, note->at_line, note->at_len, (const gchar *) buf, len,
                                  &out_len);
  if (!out || out_len != len)
    return IDG_MBIM_DROP;
  memcpy (buf, out, out_len);
  return IDG_MBIM_PASS;
}

/* --- QMI ------------------------------------------------------------------ */

IdgMbimVerdict
idg_mbim_tunnel_qmi_request (const guint8 *buf,
                             gsize         len,
                             IdgGuard     *guard,
                             IdgMbimNote  *note,
                             GByteArray   *payload)
{
  g_autoptr(GByteArray) forward = g_byte_array_new ();
  g_autoptr(GByteArray) answers = g_byte_array_new ();
  g_autoptr(GArray) infos = g_array_new (FALSE, FALSE, sizeof (IdgQmiRequestInfo));
  gboolean whole;
  gsize first;

  whole = idg_qmi_canon_judge_buffer (buf, len, guard, forward, answers, infos);
  /* the length of the first answer frame, to see whether there is one */
  first = answers->len >= 3 ? 1 + (gsize) (answers->data[1] | (answers->data[2] << 8)) : 0;
  if (whole && infos->len == 1 && answers->len == 0) {
    note->has_qmi = TRUE;
    note->qmi = g_array_index (infos, IdgQmiRequestInfo, 0);
    if (payload) {
      g_byte_array_set_size (payload, 0);
      g_byte_array_append (payload, forward->data, forward->len);
    }
    return IDG_MBIM_PASS;
  }
  /* one frame, refused by the QMI judgement: its QMI error answer (a
   * single malformed frame is answered likewise, MALFORMED_MESSAGE) */
  if (infos->len == 0 && answers->len > 0 && first == answers->len && first <= sizeof note->answer) {
    g_autoptr(GByteArray) one = g_byte_array_new ();
    gsize used = 0;
    IdgQmiCanon canon = idg_qmi_canon_next (buf, len, &used, one);

    /* ... but only when the buffer held that one frame and nothing else */
    if ((canon == IDG_QMI_CANON_OK || canon == IDG_QMI_CANON_REFUSE) && used == len) {
      note->has_qmi = TRUE;
      memcpy (note->answer, answers->data, answers->len);
      note->answer_len = answers->len;
      return IDG_MBIM_REFUSE;
    }
  }
  return not_understood (note);
}

IdgMbimVerdict
idg_mbim_tunnel_qmi_reply (guint8            *buf,
                           gsize              len,
                           const IdgMbimNote *note,
                           IdgGuard          *guard)
{
  const IdgQmiRequestInfo *info = (note && note->has_qmi) ? &note->qmi : NULL;

  if (len == 0)
    return IDG_MBIM_PASS;
  if (!idg_qmi_canon_filter_responses (buf, len, info, info ? 1 : 0, guard))
    return IDG_MBIM_DROP;
  return IDG_MBIM_PASS;
}
