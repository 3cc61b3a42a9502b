/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the QMI filter. Input: one byte of mode, one byte of
 * allowed kinds, one byte of policy, then
 *   mode 0: a client request;
 *   mode 1: a modem response/indication with a request context taken from
 *           the next 8 bytes;
 *   mode 2: u16 split, a request, then the response filtered with the
 *           context the request gave.
 */
#include <string.h>
#include <glib.h>

#include "idg-guard.h"
#include "idg-qmi-filter.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const guint8 secret[IDG_SECRET_LEN] = { 7 };

static void
response (const guint8 *frame, gsize len, const IdgQmiRequestInfo *req, IdgGuard *g)
{
  guint8 *copy = g_malloc (len ? len : 1);

  memcpy (copy, frame, len);
  if (idg_qmi_filter_response (copy, len, req, g) == IDG_QMI_VERDICT_PASS) {
    IdgQmiHeader h;

    /* a frame let through is still a valid frame of the same length */
    if (!idg_qmi_frame_parse (copy, len, &h))
      __builtin_trap ();
  }
  g_free (copy);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  IdgGuard g;
  IdgQmiRequestInfo info;
  guint8 mode;

  if (size < 3)
    return 0;
  mode = data[0] % 3;
  idg_guard_init (&g, data[1], (data[2] & 1) ? IDG_POLICY_PSEUDONYM : IDG_POLICY_REDACT, secret, "fuzz");
  data += 3;
  size -= 3;

  if (mode == 0) {
    GByteArray *rsp;

    idg_qmi_filter_request (data, size, &g, &info);
    rsp = idg_qmi_filter_error_response (data, size, IDG_QMI_ERROR_ACCESS_DENIED);
    if (rsp)
      g_byte_array_unref (rsp);
  } else if (mode == 1) {
    if (size < 8)
      return 0;
    memset (&info, 0, sizeof info);
    info.service = data[0];
    info.client_id = data[1];
    info.message_id = (guint16) (data[2] | (data[3] << 8));
    info.has_file = (data[4] & 1) != 0;
    info.file_id = (data[4] & 2) ? 0x6F07 : (data[4] & 4) ? 0x2FE2 : (data[4] & 8) ? 0x6F40 : data[5];
    info.offset = data[6];
    info.record_length = data[7];
    response (data + 8, size - 8, (data[4] & 16) ? NULL : &info, &g);
  } else {
    gsize split;

    if (size < 2)
      return 0;
    split = MIN ((gsize) (data[0] | (data[1] << 8)), size - 2);
    idg_qmi_filter_request (data + 2, split, &g, &info);
    response (data + 2 + split, size - 2 - split, &info, &g);
  }
  return 0;
}
