/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Differential libFuzzer target: the MBIM door's reading of a client byte
 * stream against the modem's. A random stream goes, in random chunks,
 * through the door's framing (idg-mbim-reasm.c, as the door reads its
 * socket) and judgement (idg_mbim_filter_request, which gives the message
 * the door sends); what the door would send goes, under the door's own
 * transaction ids, to the simulated modem (sim-mbim.c). The target traps
 * when the modem would execute something the door did not judge:
 *  - the modem answers a transaction the door did not send, one twice, or
 *    with a function error (it framed the door's bytes otherwise), or for
 *    another service or CID than the one judged;
 *  - QMI inside MBIM: the modem's own framing (sim_qmi_parse_next) finds
 *    other than exactly the one request judged (service, message);
 *  - AT tunnels: the line sent holds a line end before its last byte, or
 *    the modem's answer holds more than one final result code (it ran
 *    more than the one line judged);
 *  - UICC Read Binary/Record: the modem reads an identifier file
 *    (sim_mbim_uicc_read_target) that the door did not judge as that file
 *    at that offset; APDU and channels sent for a client without every
 *    SIM kind;
 *  - the door's encoding, judged again, is judged otherwise or re-encoded
 *    otherwise (it must be a fixed point).
 *
 * Input: byte 0 the kinds the client holds, byte 1 a seed for the chunk
 * sizes, then the client's stream.
 */
#include <string.h>
#include <glib.h>
#include <libmbim-glib.h>

#include "idg-at-parse.h"
#include "idg-mbim-filter.h"
#include "idg-mbim-reasm.h"
#include "sim-files.h"
#include "sim-mbim.h"
#include "sim-mbim-uicc.h"
#include "sim-qmi.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define MAX_SENT 64
#define TYPE_COMMAND_DONE   0x80000003u
#define TYPE_FUNCTION_ERROR 0x80000004u

static const guint8 secret[IDG_SECRET_LEN] = { 5 };

typedef struct {
  guint32      tid;
  guint8       service[16];
  guint32      cid;
  IdgMbimNote  note;
  gboolean     answered;
} Sent;

static gboolean
is_service (const guint8 *uuid,
            MbimService   service)
{
  return memcmp (uuid, mbim_uuid_from_service (service), 16) == 0;
}

static gboolean
is_at_tunnel (const guint8 *uuid)
{
  static const gchar *names[] = { "da138c64-6515-4893-92b2-a1e1ca7c81ca",
                                  "ffffffff-abca-4b11-a4e2-f2fc87f94488" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    MbimUuid u;

    if (mbim_uuid_from_printable (names[i], &u) && memcmp (uuid, &u, 16) == 0)
      return TRUE;
  }
  return FALSE;
}

static guint16
file_id_of (SimFile file)
{
  switch (file) {
  case SIM_FILE_ICCID:
    return 0x2FE2;
  case SIM_FILE_IMSI:
    return 0x6F07;
  case SIM_FILE_MSISDN:
    return 0x6F40;
  case SIM_FILE_AD:
  case SIM_FILE_NONE:
    return 0;
  }
  return 0;
}

/* What the door sends, checked against the modem's own reading of it. */
static void
check_sent (const GByteArray *fwd,
            const Sent       *s,
            guint32           allowed)
{
  const guint8 *info = fwd->data + IDG_MBIM_COMMAND_BUFFER;
  guint32 ilen = fwd->len - IDG_MBIM_COMMAND_BUFFER;

  if (s->note.has_qmi && is_service (s->service, MBIM_SERVICE_QMI)) {
    g_autoptr(GByteArray) in = g_byte_array_new ();
    g_autoptr(QmiMessage) first = NULL;
    g_autoptr(QmiMessage) second = NULL;

    g_byte_array_append (in, info, ilen);
    first = sim_qmi_parse_next (in);
    second = sim_qmi_parse_next (in);
    if (!first || second || in->len != 0)
      __builtin_trap ();
    if (qmi_message_get_service (first) != s->note.qmi.service ||
        qmi_message_get_message_id (first) != s->note.qmi.message_id)
      __builtin_trap ();
  }
  if (is_at_tunnel (s->service) && s->cid == 1) {
    guint32 i;

    if (!s->note.has_at || ilen == 0 || info[ilen - 1] != '\r')
      __builtin_trap ();
    for (i = 0; i + 1 < ilen; i++)
      if (info[i] < 0x20 || info[i] > 0x7E)
        __builtin_trap ();
  }
  if (is_service (s->service, MBIM_SERVICE_MS_UICC_LOW_LEVEL_ACCESS)) {
    guint32 offset = 0;
    SimFile file;

    switch (s->cid) {
    case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_BINARY:
    case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD:
      file = sim_mbim_uicc_read_target (info, ilen, s->cid == MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_READ_RECORD,
                                        &offset);
      if (file_id_of (file) &&
          (s->note.file != IDG_MBIM_FILE_IDENTIFIER || s->note.file_id != file_id_of (file) ||
           s->note.read_offset != offset))
        __builtin_trap ();
      break;
    case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_APDU:
    case MBIM_CID_MS_UICC_LOW_LEVEL_ACCESS_OPEN_CHANNEL:
      if ((allowed & IDG_KIND_MASK_SIM) != IDG_KIND_MASK_SIM)
        __builtin_trap ();
      break;
    default:
      break;
    }
  }
}

/* The door's encoding is a fixed point of its judgement. */
static void
check_fixed_point (const GByteArray *fwd,
                   guint32           allowed)
{
  g_autoptr(GByteArray) again = g_byte_array_new ();
  IdgMbimNote note;
  IdgGuard guard;

  idg_guard_init (&guard, allowed, IDG_POLICY_REDACT, secret, "fuzz");
  if (idg_mbim_filter_request (fwd->data, fwd->len, &guard, &note, again) != IDG_MBIM_PASS ||
      again->len != fwd->len || memcmp (again->data, fwd->data, fwd->len) != 0)
    __builtin_trap ();
}

/* Number of final result codes in an AT answer. */
static guint
finals (const guint8 *b,
        gsize         len)
{
  guint n = 0;
  gsize i = 0;

  while (i < len) {
    gsize j = i;

    while (j < len && b[j] != '\r' && b[j] != '\n')
      j++;
    if (j > i && idg_at_is_final ((const gchar *) b + i, j - i))
      n++;
    i = j + 1;
  }
  return n;
}

/* Every message the modem sent: each answers one transaction sent, once. */
static void
check_answers (const GByteArray *out,
               Sent             *sent,
               guint             n_sent)
{
  gsize pos = 0;

  while (pos + 12 <= out->len) {
    const guint8 *m = out->data + pos;
    guint32 type = idg_mbim_read_u32 (m);
    guint32 len = idg_mbim_read_u32 (m + 4);
    guint32 tid = idg_mbim_read_u32 (m + 8);
    Sent *s = NULL;
    guint i;

    if (len < 12 || len > out->len - pos)
      __builtin_trap ();
    pos += len;
    if (type == 0x80000001u || type == 0x80000007u)   /* OPEN_DONE, indications */
      continue;
    if (type == TYPE_FUNCTION_ERROR)
      __builtin_trap ();
    if (type != TYPE_COMMAND_DONE || len < IDG_MBIM_COMMAND_BUFFER)
      __builtin_trap ();
    for (i = 0; i < n_sent; i++)
      if (sent[i].tid == tid)
        s = &sent[i];
    if (!s || s->answered || idg_mbim_read_u32 (m + 12) != 1)
      __builtin_trap ();
    s->answered = TRUE;
    if (memcmp (m + 20, s->service, 16) != 0 || idg_mbim_read_u32 (m + 36) != s->cid)
      __builtin_trap ();
    if (s->note.has_at && is_at_tunnel (s->service) &&
        finals (m + IDG_MBIM_COMMAND_BUFFER, len - IDG_MBIM_COMMAND_BUFFER) > 1)
      __builtin_trap ();
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint8 open[16] = { 1, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
  g_autoptr(SimIds) ids = NULL;
  g_autoptr(SimMbim) modem = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) msg = g_byte_array_new ();
  g_autoptr(GByteArray) fwd = g_byte_array_new ();
  Sent sent[MAX_SENT];
  guint n_sent = 0;
  IdgMbimReasm reasm;
  guint32 allowed;
  guint32 seed;
  gsize pos = 0;
  gboolean broken = FALSE;

  if (size < 2 || size > 16384)
    return 0;
  allowed = (data[0] & 0x0F) == 0x0F ? IDG_KIND_MASK_ALL : (guint32) (data[0] & 0x0F) << 4;
  seed = data[1];
  data += 2;
  size -= 2;

  ids = sim_ids_new_default ();
  modem = sim_mbim_new (ids);
  sim_mbim_feed (modem, open, sizeof open, out);
  idg_mbim_reasm_init (&reasm);
  while (pos < size && !broken && n_sent < MAX_SENT) {
    gsize chunk = MIN (size - pos, 1 + (seed % 97));

    seed = seed * 1103515245u + 12345u;
    idg_mbim_reasm_push (&reasm, data + pos, chunk);
    pos += chunk;
    for (;;) {
      IdgMbimReasmResult r = idg_mbim_reasm_next (&reasm, msg, NULL);
      IdgGuard guard;
      Sent *s;

      if (r == IDG_MBIM_REASM_BROKEN)
        broken = TRUE;
      if (r != IDG_MBIM_REASM_MESSAGE || n_sent >= MAX_SENT)
        break;
      if (idg_mbim_read_u32 (msg->data) != 3 || msg->len < IDG_MBIM_COMMAND_BUFFER)
        continue;
      s = &sent[n_sent];
      memset (s, 0, sizeof *s);
      idg_guard_init (&guard, allowed, IDG_POLICY_REDACT, secret, "fuzz");
      if (idg_mbim_filter_request (msg->data, msg->len, &guard, &s->note, fwd) != IDG_MBIM_PASS ||
          fwd->len == 0)
        continue;
      if (fwd->len > SIM_MBIM_MAX_MESSAGE - 64)
        continue;
      check_fixed_point (fwd, allowed);
      s->tid = 0x1000 + n_sent;               /* the door's own id */
      memcpy (s->service, fwd->data + 20, 16);
      s->cid = idg_mbim_read_u32 (fwd->data + 36);
      idg_mbim_write_u32 (fwd->data + 8, s->tid);
      check_sent (fwd, s, allowed);
      n_sent++;
      sim_mbim_feed (modem, fwd->data, fwd->len, out);
    }
  }
  check_answers (out, sent, n_sent);
  idg_mbim_reasm_clear (&reasm);
  return 0;
}
