/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Canonical forwarding of QMI requests (see idg-qmi-canon.h). The frame is
 * parsed by idg_qmi_frame_parse (the same parser the filter uses), checked
 * for the shape of a request, and written anew from the parsed fields.
 */
#include "idg-qmi-canon.h"

#include <string.h>

#define QMUX_MARKER     0x01
#define CTL_HEADER_LEN  12
#define SVC_HEADER_LEN  13
#define ERROR_INVALID_TRANSACTION_ID 0x0016

static guint16
rd16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static void
append16 (GByteArray *out,
          guint16     v)
{
  guint8 b[2] = { (guint8) (v & 0xFF), (guint8) (v >> 8) };

  g_byte_array_append (out, b, 2);
}

static void
put16 (guint8  *p,
       guint16  v)
{
  p[0] = (guint8) (v & 0xFF);
  p[1] = (guint8) (v >> 8);
}

/* A request as a control point sends it: QMUX flags 0, a plain request SDU,
 * client id 0 on CTL. */
static gboolean
request_shape (const IdgQmiHeader *h)
{
  if (h->flags != 0x00 || h->type != 0x00)
    return FALSE;
  if (h->service == IDG_QMI_SERVICE_CTL && h->client_id != 0)
    return FALSE;
  return TRUE;
}

/* The frame written anew from its parsed fields. */
static void
reencode (const guint8       *frame,
          const IdgQmiHeader *h,
          GByteArray         *out)
{
  guint8 hdr[SVC_HEADER_LEN];
  gsize hlen, off;

  hdr[0] = QMUX_MARKER;
  hdr[3] = 0x00;
  hdr[4] = h->service;
  hdr[5] = h->client_id;
  hdr[6] = 0x00;
  if (h->service == IDG_QMI_SERVICE_CTL) {
    hdr[7] = (guint8) h->transaction_id;
    put16 (hdr + 8, h->message_id);
    hlen = CTL_HEADER_LEN;
  } else {
    put16 (hdr + 7, h->transaction_id);
    put16 (hdr + 9, h->message_id);
    hlen = SVC_HEADER_LEN;
  }
  g_byte_array_set_size (out, 0);
  g_byte_array_append (out, hdr, (guint) hlen);
  for (off = h->tlv_offset; off < h->tlv_offset + h->tlv_length;) {
    guint16 n = rd16 (frame + off + 1);

    g_byte_array_append (out, frame + off, 1);
    append16 (out, n);
    g_byte_array_append (out, frame + off + 3, n);
    off += 3 + (gsize) n;
  }
  put16 (out->data + 1, (guint16) (out->len - 1));
  put16 (out->data + hlen - 2, (guint16) (out->len - hlen));
}

static void
set_error (const guint8 *frame,
           gsize         len,
           guint16       error,
           GByteArray   *out)
{
  g_autoptr(GByteArray) rsp = idg_qmi_filter_error_response (frame, len, error);

  g_byte_array_set_size (out, 0);
  if (rsp)
    g_byte_array_append (out, rsp->data, rsp->len);
}

IdgQmiCanon
idg_qmi_canon_next (const guint8 *buf,
                    gsize         len,
                    gsize        *consumed,
                    GByteArray   *out)
{
  IdgQmiHeader h;
  gsize flen;

  *consumed = 0;
  g_byte_array_set_size (out, 0);
  if (len == 0)
    return IDG_QMI_CANON_MORE;
  if (buf[0] != QMUX_MARKER)
    return IDG_QMI_CANON_BROKEN;
  if (len < 3)
    return IDG_QMI_CANON_MORE;
  flen = (gsize) rd16 (buf + 1) + 1;
  if (flen < CTL_HEADER_LEN)
    return IDG_QMI_CANON_BROKEN;
  if (len < flen)
    return IDG_QMI_CANON_MORE;
  *consumed = flen;
  if (!idg_qmi_frame_parse (buf, flen, &h) || !request_shape (&h) ||
      !idg_qmi_frame_tlvs_unique (buf, &h)) {
    set_error (buf, flen, IDG_QMI_ERROR_MALFORMED_MESSAGE, out);
    return IDG_QMI_CANON_REFUSE;
  }
  reencode (buf, &h, out);
  return IDG_QMI_CANON_OK;
}

void
idg_qmi_canon_set_transaction_id (guint8  *frame,
                                  gsize    len,
                                  guint16  transaction_id)
{
  if (len < CTL_HEADER_LEN || frame[0] != QMUX_MARKER)
    return;
  if (frame[4] == IDG_QMI_SERVICE_CTL)
    frame[7] = (guint8) transaction_id;
  else
    put16 (frame + 7, transaction_id);
}

static gboolean
same_request (const IdgQmiRequestInfo *a,
              const IdgQmiRequestInfo *b)
{
  return a->service == b->service && a->client_id == b->client_id &&
         a->transaction_id == b->transaction_id;
}

gboolean
idg_qmi_canon_judge_buffer (const guint8 *buf,
                            gsize         len,
                            IdgGuard     *guard,
                            GByteArray   *forward,
                            GByteArray   *answers,
                            GArray       *infos)
{
  g_autoptr(GByteArray) one = g_byte_array_new ();
  g_autoptr(GByteArray) err = g_byte_array_new ();
  gboolean whole = TRUE;
  gsize off = 0;

  g_byte_array_set_size (forward, 0);
  g_byte_array_set_size (answers, 0);
  g_array_set_size (infos, 0);
  while (off < len && whole) {
    IdgQmiRequestInfo info;
    gsize used = 0;
    guint i;

    switch (idg_qmi_canon_next (buf + off, len - off, &used, one)) {
    case IDG_QMI_CANON_MORE:
    case IDG_QMI_CANON_BROKEN:
      /* trailing bytes or a truncated frame: nothing of it runs */
      whole = FALSE;
      continue;
    case IDG_QMI_CANON_REFUSE:
      g_byte_array_append (answers, one->data, one->len);
      whole = FALSE;
      break;
    case IDG_QMI_CANON_OK:
      switch (idg_qmi_filter_request (one->data, one->len, guard, &info)) {
      case IDG_QMI_VERDICT_PASS:
        for (i = 0; i < infos->len; i++)
          if (same_request (&g_array_index (infos, IdgQmiRequestInfo, i), &info))
            break;
        if (i < infos->len) {
          set_error (one->data, one->len, ERROR_INVALID_TRANSACTION_ID, err);
          g_byte_array_append (answers, err->data, err->len);
          whole = FALSE;
          break;
        }
        g_byte_array_append (forward, one->data, one->len);
        g_array_append_val (infos, info);
        break;
      case IDG_QMI_VERDICT_REFUSE:
        set_error (one->data, one->len, info.error, err);
        g_byte_array_append (answers, err->data, err->len);
        break;
      case IDG_QMI_VERDICT_DROP:
        set_error (one->data, one->len, IDG_QMI_ERROR_MALFORMED_MESSAGE, err);
        g_byte_array_append (answers, err->data, err->len);
        whole = FALSE;
        break;
      }
      break;
    }
    off += used;
  }
  if (!whole) {
    g_byte_array_set_size (forward, 0);
    g_array_set_size (infos, 0);
  }
  return whole;
}

gboolean
idg_qmi_canon_filter_responses (guint8                  *buf,
                                gsize                    len,
                                const IdgQmiRequestInfo *infos,
                                guint                    n_infos,
                                IdgGuard                *guard)
{
  gsize off = 0;

  while (off < len) {
    const IdgQmiRequestInfo *match = NULL;
    IdgQmiHeader h;
    gsize flen;
    guint i;

    if (len - off < 3 || buf[off] != QMUX_MARKER)
      return FALSE;
    flen = (gsize) rd16 (buf + off + 1) + 1;
    if (flen > len - off || !idg_qmi_frame_parse (buf + off, flen, &h))
      return FALSE;
    for (i = 0; i < n_infos && (h.type & 0x06) == 0x02; i++) {
      if (infos[i].service == h.service && infos[i].client_id == h.client_id &&
          infos[i].transaction_id == h.transaction_id && infos[i].message_id == h.message_id) {
        match = &infos[i];
        break;
      }
    }
    if (idg_qmi_filter_response (buf + off, flen, match, guard) != IDG_QMI_VERDICT_PASS)
      return FALSE;
    off += flen;
  }
  return TRUE;
}
