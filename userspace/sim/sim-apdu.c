/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "sim-apdu.h"
#include "sim-files.h"

void
sim_apdu_init (SimApdu *state)
{
  state->df = 0x3F00;
  state->ef = 0;
  state->pending_fcp = 0;
}

static gsize
sw (guint8 *resp, gsize n, guint8 sw1, guint8 sw2)
{
  resp[n] = sw1;
  resp[n + 1] = sw2;
  return n + 2;
}

static SimFile
current_file (const SimApdu *state)
{
  guint16 path[2] = { 0x3F00, state->df };

  if (!state->ef)
    return SIM_FILE_NONE;
  return sim_files_lookup (state->ef, path, state->df == 0x3F00 ? 1 : 2);
}

static gboolean
is_df (guint16 fid)
{
  return fid == 0x3F00 || fid == 0x7FFF || fid == 0x7F20 || fid == 0x7F10;
}

/* FCP template (TS 102 221 11.1.1.3) of the selected EF. */
static gsize
fcp (const SimApdu *state, const SimIds *ids, guint8 *out)
{
  SimFile file = current_file (state);
  guint8 content[SIM_FILE_MAX_LEN];
  gsize size = sim_files_content (ids, file, content);
  gsize n = 2;

  out[n++] = 0x82;
  if (sim_files_is_record (file)) {
    out[n++] = 0x05;
    out[n++] = 0x42; out[n++] = 0x21; out[n++] = 0x00;
    out[n++] = (guint8) size; out[n++] = 0x01;
  } else {
    out[n++] = 0x02;
    out[n++] = 0x41; out[n++] = 0x21;
  }
  out[n++] = 0x83; out[n++] = 0x02;
  out[n++] = (guint8) (state->ef >> 8); out[n++] = (guint8) state->ef;
  out[n++] = 0x80; out[n++] = 0x02;
  out[n++] = 0x00; out[n++] = (guint8) size;
  out[n++] = 0x8A; out[n++] = 0x01; out[n++] = 0x05;
  out[0] = 0x62;
  out[1] = (guint8) (n - 2);
  return n;
}

static gsize
do_select (SimApdu *state, const SimIds *ids, const guint8 *apdu, gsize len, guint8 *resp)
{
  guint8 p1 = apdu[2], lc;
  const guint8 *data;
  guint16 fid;

  if (len < 5)
    return sw (resp, 0, 0x67, 0x00);
  lc = apdu[4];
  data = apdu + 5;
  if ((gsize) lc + 5 > len || lc == 0)
    return sw (resp, 0, 0x67, 0x00);
  state->pending_fcp = 0;
  if (p1 == 0x04) {                 /* by AID: the USIM application */
    if (lc < 5 || data[0] != 0xA0 || memcmp (data, "\xA0\x00\x00\x00\x87", 5) != 0)
      return sw (resp, 0, 0x6A, 0x82);
    state->df = 0x7FFF;
    state->ef = 0;
    return sw (resp, 0, 0x90, 0x00);
  }
  if (lc % 2)
    return sw (resp, 0, 0x67, 0x00);
  if (p1 == 0x08 || p1 == 0x09) {   /* path from the MF, MF itself omitted */
    guint16 df = 0x3F00;
    guint i;

    for (i = 0; i + 2 < lc; i += 2) {
      fid = (guint16) ((data[i] << 8) | data[i + 1]);
      if (!is_df (fid))
        return sw (resp, 0, 0x6A, 0x82);
      df = fid;
    }
    state->df = df;
  }
  fid = (guint16) ((data[lc - 2] << 8) | data[lc - 1]);
  if (is_df (fid)) {
    state->df = fid;
    state->ef = 0;
    return sw (resp, 0, 0x90, 0x00);
  }
  if (fid == 0x2FE2)
    state->df = 0x3F00;
  state->ef = fid;
  if (current_file (state) == SIM_FILE_NONE) {
    state->ef = 0;
    return sw (resp, 0, 0x6A, 0x82);
  }
  {
    guint8 tmp[64];

    state->pending_fcp = (guint8) fcp (state, ids, tmp);
  }
  if ((apdu[3] & 0x0C) == 0x0C)
    return sw (resp, 0, 0x90, 0x00);
  return sw (resp, 0, 0x61, state->pending_fcp);
}

gsize
sim_apdu_process (SimApdu      *state,
                  const SimIds *ids,
                  const guint8 *apdu,
                  gsize         len,
                  guint8        resp[SIM_APDU_MAX_RESPONSE])
{
  guint8 content[SIM_FILE_MAX_LEN];
  SimFile file;
  gsize size, le, offset, n;

  if (len < 4)
    return sw (resp, 0, 0x67, 0x00);
  if ((apdu[0] & 0xF0) != 0x00 && (apdu[0] & 0xF0) != 0x80 && (apdu[0] & 0xF0) != 0xA0)
    return sw (resp, 0, 0x6E, 0x00);
  le = len == 5 ? (apdu[4] ? apdu[4] : 256) : 256;

  switch (apdu[1]) {
  case 0xA4: /* SELECT */
    return do_select (state, ids, apdu, len, resp);
  case 0xC0: /* GET RESPONSE */
    if (!state->pending_fcp)
      return sw (resp, 0, 0x6F, 0x00);
    n = fcp (state, ids, resp);
    state->pending_fcp = 0;
    return sw (resp, MIN (n, le), 0x90, 0x00);
  case 0xB0: /* READ BINARY */
    file = current_file (state);
    if (file == SIM_FILE_NONE)
      return sw (resp, 0, 0x69, 0x86);
    if (sim_files_is_record (file))
      return sw (resp, 0, 0x69, 0x81);
    size = sim_files_content (ids, file, content);
    offset = ((gsize) (apdu[2] & 0x7F) << 8) | apdu[3];
    if (offset >= size)
      return sw (resp, 0, 0x6B, 0x00);
    n = MIN (le, size - offset);
    memcpy (resp, content + offset, n);
    return sw (resp, n, 0x90, 0x00);
  case 0xB2: /* READ RECORD */
    file = current_file (state);
    if (file == SIM_FILE_NONE)
      return sw (resp, 0, 0x69, 0x86);
    if (!sim_files_is_record (file))
      return sw (resp, 0, 0x69, 0x81);
    if (apdu[2] != 1)
      return sw (resp, 0, 0x6A, 0x83);
    size = sim_files_content (ids, file, content);
    n = MIN (le, size);
    memcpy (resp, content, n);
    return sw (resp, n, 0x90, 0x00);
  case 0x20: /* VERIFY: without data, the retries left */
    if (len <= 5)
      return sw (resp, 0, 0x63, 0xC3);
    return sw (resp, 0, 0x90, 0x00);
  case 0x2C: /* UNBLOCK PIN: without data, the retries left */
    if (len <= 5)
      return sw (resp, 0, 0x63, 0xCA);
    return sw (resp, 0, 0x90, 0x00);
  case 0xF2: /* STATUS */
    return sw (resp, 0, 0x90, 0x00);
  case 0x70: /* MANAGE CHANNEL */
    if (apdu[2] == 0x00) {
      resp[0] = 0x01;
      return sw (resp, 1, 0x90, 0x00);
    }
    return sw (resp, 0, 0x90, 0x00);
  default:
    return sw (resp, 0, 0x6D, 0x00);
  }
}

void
sim_apdu_channels_reset (SimApduChannels *c)
{
  guint i;

  for (i = 0; i < SIM_APDU_CHANNELS; i++) {
    sim_apdu_init (&c->channel[i]);
    c->open[i] = i == 0;
  }
}

gint
sim_apdu_channels_open (SimApduChannels *c)
{
  guint i;

  for (i = 1; i < SIM_APDU_CHANNELS; i++) {
    if (!c->open[i]) {
      c->open[i] = TRUE;
      sim_apdu_init (&c->channel[i]);
      c->channel[i].df = 0x7FFF;
      return (gint) i;
    }
  }
  return -1;
}

gboolean
sim_apdu_channels_close (SimApduChannels *c,
                         guint            channel)
{
  if (channel == 0 || channel >= SIM_APDU_CHANNELS || !c->open[channel])
    return FALSE;
  c->open[channel] = FALSE;
  return TRUE;
}

SimApdu *
sim_apdu_channels_get (SimApduChannels *c,
                       guint            channel)
{
  if (channel >= SIM_APDU_CHANNELS || !c->open[channel])
    return NULL;
  return &c->channel[channel];
}
