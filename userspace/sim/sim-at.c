/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include "idg-encoding.h"
#include "sim-apdu.h"
#include "sim-at.h"
#include "sim-files.h"

#define MANUFACTURER "idguard"
#define MODEL        "idguard-modem-sim"
#define REVISION     "SIM_" IDG_SIM_VERSION
#define OPERATOR     "idguard sim"

typedef enum {
  RESULT_OK,
  RESULT_ERROR,          /* plain ERROR whatever +CMEE says */
  RESULT_CME,            /* +CME ERROR: cme */
  RESULT_NO_CARRIER,
} Result;

typedef enum {
  FORM_ACTION,   /* +X */
  FORM_READ,     /* +X? */
  FORM_TEST,     /* +X=? */
  FORM_SET,      /* +X=args */
} Form;

struct _SimAt {
  const SimIds *ids;
  GString      *line;
  gboolean      overflow;
  gboolean      echo;
  gboolean      verbose;
  gboolean      quiet;
  guint         cmee;
  guint         creg_n, cgreg_n, cereg_n;
  guint         cops_format;
  guint         cfun;
  guint         cme;          /* error code of the last RESULT_CME */
  SimApduChannels channels;
};

static void
reset_settings (SimAt *self)
{
  self->echo = TRUE;
  self->verbose = TRUE;
  self->quiet = FALSE;
  self->cmee = 0;
  self->creg_n = self->cgreg_n = self->cereg_n = 0;
  self->cops_format = 0;
  sim_apdu_channels_reset (&self->channels);
}

SimAt *
sim_at_new (const SimIds *ids)
{
  SimAt *self = g_new0 (SimAt, 1);

  self->ids = ids;
  self->line = g_string_sized_new (128);
  self->cfun = 1;
  reset_settings (self);
  return self;
}

void
sim_at_free (SimAt *self)
{
  if (!self)
    return;
  g_string_free (self->line, TRUE);
  g_free (self);
}

/* ------------------------------------------------------------------------ */
/* helpers */

static void
info (GString *resp, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static void
info (GString *resp, const gchar *format, ...)
{
  va_list ap;

  if (resp->len == 0)
    g_string_append (resp, "\r\n");
  va_start (ap, format);
  g_string_append_vprintf (resp, format, ap);
  va_end (ap);
  g_string_append (resp, "\r\n");
}

static Result
cme (SimAt *self, guint code)
{
  self->cme = code;
  return RESULT_CME;
}

/* Splits "a,b,"c"" into fields, dropping quotes. */
static GStrv
split_args (const gchar *args)
{
  GPtrArray *fields = g_ptr_array_new ();
  GString *cur = g_string_new (NULL);
  gboolean quoted = FALSE;
  const gchar *p;

  for (p = args; *p; p++) {
    if (*p == '"') {
      quoted = !quoted;
    } else if (*p == ',' && !quoted) {
      g_ptr_array_add (fields, g_string_free (cur, FALSE));
      cur = g_string_new (NULL);
    } else {
      g_string_append_c (cur, *p);
    }
  }
  g_ptr_array_add (fields, g_string_free (cur, FALSE));
  g_ptr_array_add (fields, NULL);
  return (GStrv) g_ptr_array_free (fields, FALSE);
}

static gboolean
parse_uint (const gchar *s, guint max, guint *out)
{
  gchar *end = NULL;
  guint64 v;

  if (!s || !g_ascii_isdigit (s[0]))
    return FALSE;
  v = g_ascii_strtoull (s, &end, 10);
  if (*end || v > max)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static void
home_network (const SimIds *ids, gchar out[7])
{
  guint n;

  if (!ids->imsi || strlen (ids->imsi) < 6) {
    g_strlcpy (out, "00101", 7);
    return;
  }
  n = 3 + sim_files_mnc_length (ids->imsi);
  memcpy (out, ids->imsi, n);
  out[n] = '\0';
}

static void
product_info (SimAt *self, GString *resp)
{
  info (resp, "Manufacturer: " MANUFACTURER);
  info (resp, "Model: " MODEL);
  info (resp, "Revision: " REVISION);
  if (self->ids->imei)
    info (resp, "IMEI: %s", self->ids->imei);
  info (resp, "+GCAP: +CGSM,+DS,+ES");
}

/* ------------------------------------------------------------------------ */
/* SIM access */

static Result
do_crsm (SimAt *self, gchar **a, GString *resp)
{
  guint command, file_id, p1 = 0, p2 = 0, p3 = 0;
  guint8 content[SIM_FILE_MAX_LEN];
  g_autofree gchar *hex = NULL;
  SimFile file;
  gsize size, offset, n;

  if (!parse_uint (a[0], 255, &command))
    return cme (self, 50);
  if (command == 242) {               /* STATUS */
    info (resp, "+CRSM: 144,0");
    return RESULT_OK;
  }
  if (!a[1] || !parse_uint (a[1], 0xFFFF, &file_id))
    return cme (self, 50);
  if (a[2] && (!parse_uint (a[2], 255, &p1) || !a[3] || !parse_uint (a[3], 255, &p2) ||
               !a[4] || !parse_uint (a[4], 255, &p3)))
    return cme (self, 50);
  file = sim_files_lookup ((guint16) file_id, NULL, 0);
  size = sim_files_content (self->ids, file, content);
  if (file == SIM_FILE_NONE || size == 0) {
    info (resp, "+CRSM: 106,130");
    return RESULT_OK;
  }
  switch (command) {
  case 176: /* READ BINARY */
    if (sim_files_is_record (file)) {
      info (resp, "+CRSM: 105,129");
      return RESULT_OK;
    }
    offset = (p1 << 8) | p2;
    if (offset >= size) {
      info (resp, "+CRSM: 107,0");
      return RESULT_OK;
    }
    n = p3 ? MIN (p3, size - offset) : size - offset;
    hex = idg_hex_encode_dup (content + offset, n);
    break;
  case 178: /* READ RECORD */
    if (!sim_files_is_record (file)) {
      info (resp, "+CRSM: 105,129");
      return RESULT_OK;
    }
    if (p1 != 1) {
      info (resp, "+CRSM: 106,131");
      return RESULT_OK;
    }
    hex = idg_hex_encode_dup (content, p3 ? MIN (p3, size) : size);
    break;
  case 192: { /* GET RESPONSE: the FCP */
    guint8 tmp[SIM_APDU_MAX_RESPONSE];
    guint8 sel[7] = { 0x00, 0xA4, 0x00, 0x04, 0x02, (guint8) (file_id >> 8), (guint8) file_id };
    guint8 get[5] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
    SimApdu state;

    sim_apdu_init (&state);
    if (file != SIM_FILE_ICCID)
      state.df = 0x7FFF;
    sim_apdu_process (&state, self->ids, sel, sizeof sel, tmp);
    n = sim_apdu_process (&state, self->ids, get, sizeof get, tmp);
    hex = idg_hex_encode_dup (tmp, n - 2);
    break;
  }
  default:
    info (resp, "+CRSM: 109,0");
    return RESULT_OK;
  }
  info (resp, "+CRSM: 144,0,\"%s\"", hex);
  return RESULT_OK;
}

static Result
apdu_command (SimAt *self, const gchar *prefix, guint channel, gchar **a, GString *resp)
{
  guint8 apdu[300];
  guint8 rsp[SIM_APDU_MAX_RESPONSE];
  g_autofree gchar *hex = NULL;
  guint len;
  gssize n;
  gsize rlen;

  if (!a[0] || !a[1] || !parse_uint (a[0], 600, &len))
    return cme (self, 50);
  if (strlen (a[1]) != len)
    return cme (self, 50);
  n = idg_hex_decode (a[1], len, apdu, sizeof apdu);
  if (n < 0)
    return cme (self, 50);
  rlen = sim_apdu_process (sim_apdu_channels_get (&self->channels, channel), self->ids, apdu, (gsize) n, rsp);
  hex = idg_hex_encode_dup (rsp, rlen);
  info (resp, "%s: %u,\"%s\"", prefix, (guint) strlen (hex), hex);
  return RESULT_OK;
}

/* ------------------------------------------------------------------------ */
/* Extended commands */

typedef Result (*Handler) (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp);

static Result
h_iccid (SimAt *self, const gchar *label, GString *resp)
{
  if (!self->ids->iccid)
    return cme (self, 10);
  info (resp, "%s%s", label, self->ids->iccid);
  return RESULT_OK;
}

static Result
h_cgsn (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  guint snt;

  if (form == FORM_TEST) {
    info (resp, "+CGSN: (0-3)");
    return RESULT_OK;
  }
  if (!self->ids->imei)
    return cme (self, 4);
  if (form == FORM_ACTION) {
    info (resp, "%s", self->ids->imei);
    return RESULT_OK;
  }
  if (form != FORM_SET || !parse_uint (a[0], 3, &snt))
    return cme (self, 50);
  switch (snt) {
  case 0:
  case 1:
    info (resp, "+CGSN: \"%s\"", self->ids->imei);
    return RESULT_OK;
  case 2:
    if (!self->ids->imeisv)
      return cme (self, 4);
    info (resp, "+CGSN: \"%s\"", self->ids->imeisv);
    return RESULT_OK;
  default:
    if (!self->ids->imeisv)
      return cme (self, 4);
    info (resp, "+CGSN: \"%s\"", self->ids->imeisv + 14);
    return RESULT_OK;
  }
}

static Result
h_gsn (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_ACTION)
    return RESULT_ERROR;
  if (!self->ids->imei)
    return cme (self, 4);
  info (resp, "%s", self->ids->imei);
  return RESULT_OK;
}

static Result
h_cimi (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_ACTION)
    return RESULT_ERROR;
  if (!self->ids->imsi)
    return cme (self, 10);
  info (resp, "%s", self->ids->imsi);
  return RESULT_OK;
}

static Result
h_cnum (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  const gchar *n = self->ids->msisdn;

  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_ACTION)
    return RESULT_ERROR;
  if (n)
    info (resp, "+CNUM: \"\",\"%s\",%u", n, n[0] == '+' ? 145 : 129);
  return RESULT_OK;
}

static Result
h_crsm (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_SET)
    return cme (self, 50);
  return do_crsm (self, a, resp);
}

static Result
h_csim (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_SET)
    return cme (self, 50);
  return apdu_command (self, "+CSIM", 0, a, resp);
}

static Result
h_ccho (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  gint ch;

  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_SET || !a[0][0])
    return cme (self, 50);
  ch = sim_apdu_channels_open (&self->channels);
  if (ch < 0)
    return cme (self, 100);
  info (resp, "+CCHO: %d", ch);
  return RESULT_OK;
}

static Result
h_cchc (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  guint ch;

  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_SET || !parse_uint (a[0], SIM_APDU_CHANNELS - 1, &ch) ||
      !sim_apdu_channels_close (&self->channels, ch))
    return cme (self, 50);
  return RESULT_OK;
}

static Result
h_cgla (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  guint ch;

  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_SET || !parse_uint (a[0], SIM_APDU_CHANNELS - 1, &ch) ||
      !sim_apdu_channels_get (&self->channels, ch))
    return cme (self, 50);
  return apdu_command (self, "+CGLA", ch, a + 1, resp);
}

static Result
h_ccid (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST || form == FORM_SET)
    return RESULT_OK;
  return h_iccid (self, "+CCID: ", resp);
}

static Result
h_iccid_plus (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  return h_iccid (self, "+ICCID: ", resp);
}

static Result
h_ciccid (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  return h_iccid (self, "+CICCID: ", resp);
}

static Result
h_qccid (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  return h_iccid (self, "+QCCID: ", resp);
}

static Result
h_hat_iccid (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form != FORM_READ)
    return form == FORM_TEST ? RESULT_OK : RESULT_ERROR;
  return h_iccid (self, "^ICCID: ", resp);
}

static Result
h_bang_iccid (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form != FORM_READ)
    return form == FORM_TEST ? RESULT_OK : RESULT_ERROR;
  return h_iccid (self, "ICCID: ", resp);
}

static Result
h_hash_ccid (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    return RESULT_OK;
  return h_iccid (self, "#CCID: ", resp);
}

static Result
h_egmr (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  guint mode, what;

  if (form == FORM_TEST)
    return RESULT_OK;
  if (form != FORM_SET || !parse_uint (a[0], 1, &mode) || !a[1] || !parse_uint (a[1], 99, &what))
    return cme (self, 50);
  if (mode == 1)
    return cme (self, 3);          /* writing the IMEI: not allowed */
  if (what != 7 || !self->ids->imei)
    return cme (self, 50);
  info (resp, "+EGMR: \"%s\"", self->ids->imei);
  return RESULT_OK;
}

static Result
h_gmi (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_ACTION)
    info (resp, MANUFACTURER);
  return form == FORM_ACTION || form == FORM_TEST ? RESULT_OK : RESULT_ERROR;
}

static Result
h_gmm (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_ACTION)
    info (resp, MODEL);
  return form == FORM_ACTION || form == FORM_TEST ? RESULT_OK : RESULT_ERROR;
}

static Result
h_gmr (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_ACTION)
    info (resp, REVISION);
  return form == FORM_ACTION || form == FORM_TEST ? RESULT_OK : RESULT_ERROR;
}

static Result
h_gcap (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_ACTION)
    info (resp, "+GCAP: +CGSM,+DS,+ES");
  return form == FORM_ACTION || form == FORM_TEST ? RESULT_OK : RESULT_ERROR;
}

static Result
h_cpin (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_READ) {
    if (!self->ids->imsi)
      return cme (self, 10);
    info (resp, "+CPIN: READY");
  }
  return RESULT_OK;
}

static Result
registration (SimAt *self, const gchar *name, guint *n, guint act, Form form, gchar **a, GString *resp)
{
  switch (form) {
  case FORM_TEST:
    info (resp, "%s: (0-2)", name);
    return RESULT_OK;
  case FORM_SET:
    if (!parse_uint (a[0], 2, n))
      return cme (self, 50);
    return RESULT_OK;
  case FORM_READ:
    if (*n >= 2)
      info (resp, "%s: %u,1,\"00C3\",\"0001A2B3\",%u", name, *n, act);
    else
      info (resp, "%s: %u,1", name, *n);
    return RESULT_OK;
  case FORM_ACTION:
    return RESULT_ERROR;
  }
  return RESULT_ERROR;
}

static Result
h_creg (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  return registration (self, "+CREG", &self->creg_n, 7, form, a, resp);
}

static Result
h_cgreg (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  return registration (self, "+CGREG", &self->cgreg_n, 7, form, a, resp);
}

static Result
h_cereg (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  return registration (self, "+CEREG", &self->cereg_n, 7, form, a, resp);
}

static Result
h_cops (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  gchar plmn[7];
  guint mode, format;

  home_network (self->ids, plmn);
  switch (form) {
  case FORM_TEST:
    info (resp, "+COPS: (2,\"%s\",\"%s\",\"%s\",7),,(0-4),(0-2)", OPERATOR, OPERATOR, plmn);
    return RESULT_OK;
  case FORM_READ:
    if (self->cops_format == 2)
      info (resp, "+COPS: 0,2,\"%s\",7", plmn);
    else
      info (resp, "+COPS: 0,%u,\"%s\",7", self->cops_format, OPERATOR);
    return RESULT_OK;
  case FORM_SET:
    if (!parse_uint (a[0], 4, &mode))
      return cme (self, 50);
    if (mode == 3) {
      if (!a[1] || !parse_uint (a[1], 2, &format))
        return cme (self, 50);
      self->cops_format = format;
    }
    return RESULT_OK;
  case FORM_ACTION:
    return RESULT_OK;
  }
  return RESULT_ERROR;
}

static Result
h_csq (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CSQ: (0-31,99),(0-7,99)");
  else if (form == FORM_ACTION)
    info (resp, "+CSQ: 20,99");
  else
    return RESULT_ERROR;
  return RESULT_OK;
}

static Result
h_cfun (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  guint fun;

  switch (form) {
  case FORM_TEST:
    info (resp, "+CFUN: (0,1,4),(0-1)");
    return RESULT_OK;
  case FORM_READ:
    info (resp, "+CFUN: %u", self->cfun);
    return RESULT_OK;
  case FORM_SET:
    if (!parse_uint (a[0], 127, &fun) || (fun != 0 && fun != 1 && fun != 4))
      return cme (self, 50);
    self->cfun = fun;
    return RESULT_OK;
  case FORM_ACTION:
    return RESULT_ERROR;
  }
  return RESULT_ERROR;
}

static Result
h_cgdcont (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST) {
    info (resp, "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)");
    info (resp, "+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)");
    info (resp, "+CGDCONT: (1-16),\"IPV4V6\",,,(0-2),(0-4)");
  } else if (form == FORM_READ) {
    info (resp, "+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0");
  }
  return RESULT_OK;
}

static Result
h_cpms (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CPMS: (\"ME\",\"SM\"),(\"ME\",\"SM\"),(\"ME\",\"SM\")");
  else if (form == FORM_READ)
    info (resp, "+CPMS: \"ME\",0,23,\"ME\",0,23,\"ME\",0,23");
  else if (form == FORM_SET)
    info (resp, "+CPMS: 0,23,0,23,0,23");
  return RESULT_OK;
}

static Result
h_cnmi (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)");
  else if (form == FORM_READ)
    info (resp, "+CNMI: 0,0,0,0,0");
  return RESULT_OK;
}

static Result
h_ws46 (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+WS46: (12,22,25,28,29,30,31)");
  else if (form == FORM_READ)
    info (resp, "+WS46: 25");
  return RESULT_OK;
}

static Result
h_cind (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CIND: (\"battchg\",(0-5)),(\"signal\",(0-5)),(\"service\",(0,1)),(\"call\",(0,1)),"
                "(\"roam\",(0,1)),(\"smsfull\",(0,1)),(\"GPRS coverage\",(0,1)),(\"callsetup\",(0-3))");
  else if (form == FORM_READ)
    info (resp, "+CIND: 5,4,1,0,0,0,1,0");
  return RESULT_OK;
}

static Result
h_cmer (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CMER: (0-3),(0),(0),(0-2),(0,1)");
  else if (form == FORM_READ)
    info (resp, "+CMER: 0,0,0,0,0");
  return RESULT_OK;
}

static Result
h_clck (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CLCK: (\"SC\",\"FD\",\"PN\",\"PU\",\"PP\",\"PC\")");
  else if (form == FORM_SET && a[1] && strcmp (a[1], "2") == 0)
    info (resp, "+CLCK: 0");
  return RESULT_OK;
}

static Result
h_cpol (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CPOL: (1-8),(0-2)");
  return RESULT_OK;
}

static Result
h_cscs (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CSCS: (\"IRA\",\"GSM\",\"UCS2\")");
  else if (form == FORM_READ)
    info (resp, "+CSCS: \"IRA\"");
  return RESULT_OK;
}

static Result
h_cmee (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CMEE: (0-2)");
  else if (form == FORM_READ)
    info (resp, "+CMEE: %u", self->cmee);
  else if (form == FORM_SET && !parse_uint (a[0], 2, &self->cmee))
    return cme (self, 50);
  return RESULT_OK;
}

static Result
h_cgatt (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CGATT: (0,1)");
  else if (form == FORM_READ)
    info (resp, "+CGATT: 1");
  return RESULT_OK;
}

static Result
h_cgact (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  if (form == FORM_TEST)
    info (resp, "+CGACT: (0,1)");
  else if (form == FORM_READ)
    info (resp, "+CGACT: 1,0");
  return RESULT_OK;
}

/* Settings whose value does not matter here. */
static Result
h_setting (SimAt *self, Form form, const gchar *args, gchar **a, GString *resp)
{
  return RESULT_OK;
}

static const struct {
  const gchar *name;
  Handler      handler;
} commands[] = {
  { "+CGSN", h_cgsn }, { "+GSN", h_gsn }, { "+CIMI", h_cimi }, { "+CNUM", h_cnum },
  { "+CRSM", h_crsm }, { "+CSIM", h_csim }, { "+CCHO", h_ccho }, { "+CCHC", h_cchc },
  { "+CGLA", h_cgla }, { "+CCID", h_ccid }, { "+ICCID", h_iccid_plus },
  { "+CICCID", h_ciccid }, { "^ICCID", h_hat_iccid }, { "!ICCID", h_bang_iccid },
  { "+QCCID", h_qccid }, { "#CCID", h_hash_ccid }, { "+EGMR", h_egmr },
  { "+GMI", h_gmi }, { "+CGMI", h_gmi }, { "+GMM", h_gmm }, { "+CGMM", h_gmm },
  { "+GMR", h_gmr }, { "+CGMR", h_gmr }, { "+GCAP", h_gcap }, { "+CPIN", h_cpin },
  { "+CREG", h_creg }, { "+CGREG", h_cgreg }, { "+CEREG", h_cereg },
  { "+COPS", h_cops }, { "+CSQ", h_csq }, { "+CFUN", h_cfun },
  { "+CGDCONT", h_cgdcont }, { "+CPMS", h_cpms }, { "+CNMI", h_cnmi },
  { "+WS46", h_ws46 }, { "+CIND", h_cind }, { "+CMER", h_cmer },
  { "+CLCK", h_clck }, { "+CPOL", h_cpol }, { "+CSCS", h_cscs }, { "+CMEE", h_cmee },
  { "+CGATT", h_cgatt }, { "+CGACT", h_cgact },
  { "+CMGF", h_setting }, { "+CSMS", h_setting }, { "+CGEREP", h_setting },
  { "+CVHU", h_setting }, { "+CLIP", h_setting }, { "+CRC", h_setting },
  { "+CCWA", h_setting }, { "+CSSN", h_setting }, { "+CTZU", h_setting },
  { "+CTZR", h_setting }, { "+CUSD", h_setting }, { "+CPBS", h_setting },
  { "+CMUX", h_setting }, { "+IFC", h_setting }, { "+IPR", h_setting },
};

static Result
run_extended (SimAt *self, const gchar *cmd, GString *resp)
{
  g_autofree gchar *name = NULL;
  g_auto(GStrv) a = NULL;
  const gchar *args = "";
  Form form = FORM_ACTION;
  gsize n = 1;
  guint i;

  while (cmd[n] && (g_ascii_isalnum (cmd[n]) || cmd[n] == '_'))
    n++;
  name = g_ascii_strup (cmd, (gssize) n);
  if (cmd[n] == '?' && cmd[n + 1] == '\0') {
    form = FORM_READ;
  } else if (cmd[n] == '=' && cmd[n + 1] == '?' && cmd[n + 2] == '\0') {
    form = FORM_TEST;
  } else if (cmd[n] == '=') {
    form = FORM_SET;
    args = cmd + n + 1;
  } else if (cmd[n] != '\0') {
    return RESULT_ERROR;
  }
  a = split_args (args);
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return commands[i].handler (self, form, args, a, resp);
  return RESULT_ERROR;
}

/* Basic commands: a letter (or & and a letter) and an optional number.
 * Returns the number of characters used, 0 on an unknown command. */
static gsize
run_basic (SimAt *self, const gchar *p, Result *result, GString *resp)
{
  gchar c = g_ascii_toupper (p[0]);
  gsize n = 1;
  guint value = 0;

  if (c == '&') {
    if (!g_ascii_isalpha (p[1]))
      return 0;
    n = 2;
    while (g_ascii_isdigit (p[n]))
      n++;
    if (g_ascii_toupper (p[1]) == 'F')
      reset_settings (self);
    *result = RESULT_OK;
    return n;
  }
  if (c == 'D') {                     /* dial: the rest of the line */
    *result = RESULT_NO_CARRIER;
    return strlen (p);
  }
  if (c == 'S') {                     /* Sn=v / Sn? */
    while (g_ascii_isdigit (p[n]))
      n++;
    if (p[n] == '?') {
      info (resp, "000");
      n++;
    } else if (p[n] == '=') {
      n++;
      while (g_ascii_isdigit (p[n]))
        n++;
    }
    *result = RESULT_OK;
    return n;
  }
  while (g_ascii_isdigit (p[n])) {
    value = value * 10 + (guint) (p[n] - '0');
    if (value > 255)
      return 0;
    n++;
  }
  *result = RESULT_OK;
  switch (c) {
  case 'E': self->echo = value != 0; break;
  case 'V': self->verbose = value != 0; break;
  case 'Q': self->quiet = value != 0; break;
  case 'Z': reset_settings (self); break;
  case 'I':
    if (value > 9)
      return 0;
    product_info (self, resp);
    break;
  case 'H': case 'X': case 'L': case 'M': case 'T': case 'P':
    break;
  case 'A':
    *result = RESULT_NO_CARRIER;
    break;
  default:
    return 0;
  }
  return n;
}

static void
final (SimAt *self, Result result, GString *resp)
{
  const gchar *text = "OK";
  guint code = 0;

  if (self->quiet)
    return;
  switch (result) {
  case RESULT_OK:
    text = "OK"; code = 0;
    break;
  case RESULT_ERROR:
    text = "ERROR"; code = 4;
    break;
  case RESULT_NO_CARRIER:
    text = "NO CARRIER"; code = 3;
    break;
  case RESULT_CME:
    if (self->cmee == 0) {
      text = "ERROR"; code = 4;
      break;
    }
    if (self->verbose || self->cmee) {
      g_string_append_printf (resp, self->verbose ? "\r\n+CME ERROR: %u\r\n" : "+CME ERROR: %u\r\n", self->cme);
      return;
    }
    break;
  }
  if (self->verbose)
    g_string_append_printf (resp, "\r\n%s\r\n", text);
  else
    g_string_append_printf (resp, "%u\r", code);
}

gchar *
sim_at_run_line (SimAt       *self,
                 const gchar *line)
{
  GString *resp = g_string_new (NULL);
  Result result = RESULT_OK;
  const gchar *p = line;

  while (*p && result == RESULT_OK) {
    if (*p == ';' || *p == ' ') {
      p++;
      continue;
    }
    if (strchr ("+^!#$%*", *p)) {
      const gchar *end = p;
      g_autofree gchar *cmd = NULL;
      gboolean quoted = FALSE;

      while (*end && (quoted || *end != ';')) {
        if (*end == '"')
          quoted = !quoted;
        end++;
      }
      cmd = g_strndup (p, (gsize) (end - p));
      result = run_extended (self, cmd, resp);
      p = end;
    } else {
      gsize n = run_basic (self, p, &result, resp);

      if (n == 0) {
        result = RESULT_ERROR;
        break;
      }
      p += n;
    }
  }
  if (!self->verbose) {
    /* V0: info lines without the leading CR LF */
    if (g_str_has_prefix (resp->str, "\r\n"))
      g_string_erase (resp, 0, 2);
  }
  final (self, result, resp);
  return g_string_free (resp, FALSE);
}

static void
handle_line (SimAt *self, GByteArray *out)
{
  const gchar *s = self->line->str;
  g_autofree gchar *resp = NULL;

  while (*s == ' ')
    s++;
  if (g_ascii_strncasecmp (s, "AT", 2) != 0)
    return;                         /* not a command line: ignored */
  resp = sim_at_run_line (self, s + 2);
  g_byte_array_append (out, (const guint8 *) resp, (guint) strlen (resp));
}

void
sim_at_feed (SimAt        *self,
             const guint8 *data,
             gsize         len,
             GByteArray   *out)
{
  gsize i;

  for (i = 0; i < len; i++) {
    guint8 c = data[i];

    if (self->echo && c != '\n')
      g_byte_array_append (out, &c, 1);
    if (c == '\r') {
      if (!self->overflow)
        handle_line (self, out);
      g_string_truncate (self->line, 0);
      self->overflow = FALSE;
    } else if (c == '\n' || c == '\0') {
      continue;
    } else if (c == 0x08) {
      if (self->line->len)
        g_string_truncate (self->line, self->line->len - 1);
    } else if (self->line->len >= SIM_AT_MAX_LINE) {
      self->overflow = TRUE;
    } else {
      g_string_append_c (self->line, (gchar) c);
    }
  }
}
