/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-mbim-tunnel.h"

#include "idg-at-filter.h"
#include "idg-at-parse.h"
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

/* An S3 (line end), S4 (response format) or S5 (backspace) write. */
static gboolean
writes_framing_register (const IdgAtCommand *cmd)
{
  gsize i = 0;
  guint reg = 0;

  if (strcmp (cmd->name, "S") != 0 || cmd->type != IDG_AT_TYPE_SET || !cmd->args)
    return FALSE;
  while (g_ascii_isdigit (cmd->args[i]) && reg < 1000)
    reg = reg * 10 + (guint) (cmd->args[i++] - '0');
  return i == 0 || reg == 3 || reg == 4 || reg == 5;
}

gboolean
idg_mbim_tunnel_at_line (const guint8 *buf,
                         gsize         len,
                         GString      *canonical)
{
  g_autoptr(GPtrArray) cmds = NULL;
  gboolean complete = FALSE;
  g_autoptr(GString) line = NULL;
  gsize i;

  if (len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n')
    len -= 2;
  else if (len >= 1 && buf[len - 1] == '\r')
    len -= 1;
  if (len < 2 || len > IDG_MBIM_AT_LINE_MAX - 3)
    return FALSE;
  if (g_ascii_toupper (buf[0]) != 'A' || g_ascii_toupper (buf[1]) != 'T')
    return FALSE;
  for (i = 0; i < len; i++) {
    if (buf[i] < 0x20 || buf[i] > 0x7E)
      return FALSE;
    /* A/ repeats the previous line, whatever this one says */
    if (i > 0 && buf[i] == '/' && g_ascii_toupper (buf[i - 1]) == 'A')
      return FALSE;
  }
  line = g_string_new ("AT");
  g_string_append_len (line, (const gchar *) buf + 2, (gssize) (len - 2));
  cmds = idg_at_parse_line (line->str, line->len, &complete);
  if (!complete)
    return FALSE;
  for (i = 0; i < cmds->len; i++)
    if (writes_framing_register (g_ptr_array_index (cmds, i)))
      return FALSE;
  g_string_append_c (line, '\r');
  if (canonical) {
    g_string_truncate (canonical, 0);
    g_string_append_len (canonical, line->str, (gssize) line->len);
  }
  return TRUE;
}

IdgMbimVerdict
idg_mbim_tunnel_at_request (const guint8 *buf,
                            gsize         len,
                            IdgGuard     *guard,
                            IdgMbimNote  *note,
                            GByteArray   *payload)
{
  g_autoptr(GString) line = g_string_new (NULL);
  const gchar *refusal;

  if (!idg_mbim_tunnel_at_line (buf, len, line))
    return not_understood (note);
  g_assert (line->len <= sizeof note->at_line);
  memcpy (note->at_line, line->str, line->len);
  note->at_len = line->len;
  note->has_at = TRUE;
  refusal = idg_at_filter_request (guard, note->at_line, note->at_len);
  if (refusal) {
    note->answer_len = MIN (strlen (refusal), sizeof note->answer);
    memcpy (note->answer, refusal, note->answer_len);
    return IDG_MBIM_REFUSE;
  }
  if (payload) {
    g_byte_array_set_size (payload, 0);
    g_byte_array_append (payload, (const guint8 *) line->str, (guint) line->len);
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
  out = idg_at_filter_reply (guard, note->at_line, note->at_len, (const gchar *) buf, len, &out_len);
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
