/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential libFuzzer target: the AT door's reading of a client byte
 * stream (idg-at-canon.c) against the simulated modem's (sim-at.c, which
 * reads lines as a V.250 modem: S3/S5 editing, "A/", S registers, chains).
 * Input: the client's bytes. Fails when
 *  1. the modem, fed what the door sends (its canonical lines), runs a
 *     command the door did not judge: per line, the commands the modem
 *     runs must be the door's judged commands (idg_at_parse_line of the
 *     canonical line, the AT filter's reading), or a prefix of them (a
 *     modem stops a line at the first error), one line per line sent;
 *  2. the modem, fed the client's raw bytes, would run a command the door
 *     did not judge, up to the first line the door refused (after a
 *     refusal the two may differ on purpose: the door did not pass on the
 *     ATS3= or ATV0 the raw modem obeyed);
 *  3. the same bytes as one tunnel buffer (idg_at_canon_buffer, the MBIM
 *     AT tunnel's reading): the one line it returns runs on the modem as
 *     one line of the commands judged.
 */
#include <string.h>

#include "idg-at-canon.h"
#include "idg-at-parse.h"
#include "sim-at.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* lines run by a modem: GPtrArray of GPtrArray of gchar* */
static void
on_trace (const gchar *command,
          gpointer     user_data)
{
  GPtrArray *lines = user_data;

  if (!command) {
    g_ptr_array_add (lines, g_ptr_array_new_with_free_func (g_free));
    return;
  }
  g_assert (lines->len > 0);
  g_ptr_array_add (g_ptr_array_index (lines, lines->len - 1), g_strdup (command));
}

/* Every command the modem ran on a line is, in order, a command the door
 * judged on that line. */
static void
check_line (GPtrArray   *ran,
            const gchar *canonical)
{
  g_autoptr(GPtrArray) judged = idg_at_parse_line (canonical, strlen (canonical), NULL);
  guint k;

  if (ran->len > judged->len)
    g_error ("the modem ran %u commands of a line the door judged as %u: %s",
             ran->len, judged->len, canonical);
  for (k = 0; k < ran->len; k++) {
    g_autofree gchar *one = g_strdup_printf ("AT%s", (const gchar *) g_ptr_array_index (ran, k));
    g_autoptr(GPtrArray) cmd = idg_at_parse_line (one, strlen (one), NULL);
    IdgAtCommand *j = g_ptr_array_index (judged, k);
    IdgAtCommand *r;

    if (cmd->len == 0)
      g_error ("the modem ran \"%s\", which reads as nothing", one);
    r = g_ptr_array_index (cmd, 0);
    if (strcmp (r->name, j->name) != 0 || r->type != j->type)
      g_error ("the modem ran %s (type %d) where the door judged %s (type %d) in %s",
               r->name, r->type, j->name, j->type, canonical);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static SimIds *ids;
  g_autoptr(IdgAtCanon) canon = idg_at_canon_new ();
  g_autoptr(SimAt) modem = NULL;
  g_autoptr(SimAt) raw = NULL;
  g_autoptr(GPtrArray) ran = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) raw_ran = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint before_refusal = 0;
  gboolean refused = FALSE;
  gsize pos = 0;
  guint k;

  if (size > 4096)
    return 0;
  if (!ids)
    ids = sim_ids_new_default ();
  modem = sim_at_new (ids);
  raw = sim_at_new (ids);
  sim_at_set_trace (modem, on_trace, ran);
  sim_at_set_trace (raw, on_trace, raw_ran);

  while (pos < size) {
    gsize used = 0;
    IdgAtCanonResult r = idg_at_canon_feed (canon, (const gchar *) data + pos, size - pos, &used);
    g_autofree gchar *line = NULL;
    guint had = ran->len;

    g_assert (used > 0 && used <= size - pos);
    pos += used;
    if (r == IDG_AT_CANON_REFUSE)
      refused = TRUE;
    if (r != IDG_AT_CANON_SEND)
      continue;
    /* what the door sends, to the modem */
    line = g_strdup_printf ("%s\r", idg_at_canon_line (canon));
    g_byte_array_set_size (out, 0);
    sim_at_feed (modem, (const guint8 *) line, strlen (line), out);
    if (ran->len != had + 1)
      g_error ("one canonical line ran as %u lines: %s", ran->len - had, line);
    check_line (g_ptr_array_index (ran, had), idg_at_canon_line (canon));
    g_ptr_array_add (sent, g_strdup (idg_at_canon_line (canon)));
    if (!refused)
      before_refusal = sent->len;
  }

  /* the client's raw bytes, to a modem of their own */
  sim_at_feed (raw, data, size, out);
  for (k = 0; k < raw_ran->len && k < before_refusal; k++)
    check_line (g_ptr_array_index (raw_ran, k), g_ptr_array_index (sent, k));
  if (!refused && raw_ran->len != sent->len)
    g_error ("the modem ran %u lines of the client's bytes, the door %u", raw_ran->len, sent->len);

  /* one tunnel buffer */
  {
    static const guint8 secret[IDG_SECRET_LEN] = { 7 };
    g_autoptr(SimAt) tunnel = sim_at_new (ids);
    g_autoptr(GPtrArray) tunnel_ran = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
    g_autofree gchar *joined = NULL;
    const gchar *refusal = NULL;
    IdgGuard guard;

    idg_guard_init (&guard, IDG_KIND_MASK_ALL, IDG_POLICY_REDACT, secret, "fuzz");
    joined = idg_at_canon_buffer (&guard, (const gchar *) data, size, &refusal);
    if (!joined) {
      g_assert (refusal != NULL);
      return 0;
    }
    g_assert (g_str_has_suffix (joined, "\r") && strchr (joined, '\r') == joined + strlen (joined) - 1);
    sim_at_set_trace (tunnel, on_trace, tunnel_ran);
    sim_at_feed (tunnel, (const guint8 *) joined, strlen (joined), out);
    if (tunnel_ran->len != 1)
      g_error ("one tunnel line ran as %u lines", tunnel_ran->len);
    joined[strlen (joined) - 1] = '\0';
    check_line (g_ptr_array_index (tunnel_ran, 0), joined);
  }
  return 0;
}
