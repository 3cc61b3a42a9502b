/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The extended AT commands of the simulated modem: identifiers (+CGSN,
 * +GSN, +CIMI, +CNUM, ICCID in every vendor's form, +EGMR), SIM access
 * (+CRSM, +CSIM, +CCHO/+CCHC/+CGLA), and what ModemManager needs to probe,
 * enable and register (+CPIN, +CREG family, +COPS, +CSQ, +CFUN, ...).
 */
#include <string.h>
#include "idg-encoding.h"
#include "sim-at-private.h"
#include "sim-files.h"

#define MANUFACTURER "idguard"
#define MODEL        "idguard-modem-sim"
#define REVISION     "SIM_" IDG_SIM_VERSION
#define OPERATOR     "idguard sim"

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

void
sim_at_product_info (SimAt *self, GString *resp)
{
  sim_at_info (resp, "Manufacturer: " MANUFACTURER);
  sim_at_info (resp, "Model: " MODEL);
  sim_at_info (resp, "Revision: " REVISION);
  if (self->ids->imei)
    sim_at_info (resp, "IMEI: %s", self->ids->imei);
  sim_at_info (resp, "+GCAP: +CGSM,+DS,+ES");
}

/* ------------------------------------------------------------------------ */
/* SIM access */

static SimAtResult
do_crsm (SimAt *self, gchar **a, GString *resp)
{
  guint command, file_id, p1 = 0, p2 = 0, p3 = 0;
  guint8 content[SIM_FILE_MAX_LEN];
  g_autofree gchar *hex = NULL;
  SimFile file;
  gsize size, offset, n;

  if (!parse_uint (a[0], 255, &command))
    return sim_at_cme (self, 50);
  if (command == 242) {               /* STATUS */
    sim_at_info (resp, "+CRSM: 144,0");
    return SIM_AT_OK;
  }
  if (!a[1] || !parse_uint (a[1], 0xFFFF, &file_id))
    return sim_at_cme (self, 50);
  if (a[2] && (!parse_uint (a[2], 255, &p1) || !a[3] || !parse_uint (a[3], 255, &p2) ||
               !a[4] || !parse_uint (a[4], 255, &p3)))
    return sim_at_cme (self, 50);
  file = sim_files_lookup ((guint16) file_id, NULL, 0);
  size = sim_files_content (self->ids, file, content);
  if (file == SIM_FILE_NONE || size == 0) {
    sim_at_info (resp, "+CRSM: 106,130");
    return SIM_AT_OK;
  }
  switch (command) {
  case 176: /* READ BINARY */
    if (sim_files_is_record (file)) {
      sim_at_info (resp, "+CRSM: 105,129");
      return SIM_AT_OK;
    }
    offset = (p1 << 8) | p2;
    if (offset >= size) {
      sim_at_info (resp, "+CRSM: 107,0");
      return SIM_AT_OK;
    }
    n = p3 ? MIN (p3, size - offset) : size - offset;
    hex = idg_hex_encode_dup (content + offset, n);
    break;
  case 178: /* READ RECORD */
    if (!sim_files_is_record (file)) {
      sim_at_info (resp, "+CRSM: 105,129");
      return SIM_AT_OK;
    }
    if (p1 != 1) {
      sim_at_info (resp, "+CRSM: 106,131");
      return SIM_AT_OK;
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
    sim_at_info (resp, "+CRSM: 109,0");
    return SIM_AT_OK;
  }
  sim_at_info (resp, "+CRSM: 144,0,\"%s\"", hex);
  return SIM_AT_OK;
}

static SimAtResult
apdu_command (SimAt *self, const gchar *prefix, guint channel, gchar **a, GString *resp)
{
  guint8 apdu[300];
  guint8 rsp[SIM_APDU_MAX_RESPONSE];
  g_autofree gchar *hex = NULL;
  guint len;
  gssize n;
  gsize rlen;

  if (!a[0] || !a[1] || !parse_uint (a[0], 600, &len))
    return sim_at_cme (self, 50);
  if (strlen (a[1]) != len)
    return sim_at_cme (self, 50);
  n = idg_hex_decode (a[1], len, apdu, sizeof apdu);
  if (n < 0)
    return sim_at_cme (self, 50);
  rlen = sim_apdu_process (sim_apdu_channels_get (&self->channels, channel), self->ids, apdu, (gsize) n, rsp);
  hex = idg_hex_encode_dup (rsp, rlen);
  sim_at_info (resp, "%s: %u,\"%s\"", prefix, (guint) strlen (hex), hex);
  return SIM_AT_OK;
}

/* ------------------------------------------------------------------------ */
/* Extended commands */

typedef SimAtResult (*Handler) (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp);

static SimAtResult
h_cgsn (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  guint snt;

  if (form == SIM_AT_TEST) {
    sim_at_info (resp, "+CGSN: (0-3)");
    return SIM_AT_OK;
  }
  if (!self->ids->imei)
    return sim_at_cme (self, 4);
  if (form == SIM_AT_ACTION) {
    sim_at_info (resp, "%s", self->ids->imei);
    return SIM_AT_OK;
  }
  if (form != SIM_AT_SET || !parse_uint (a[0], 3, &snt))
    return sim_at_cme (self, 50);
  switch (snt) {
  case 0:
  case 1:
    sim_at_info (resp, "+CGSN: \"%s\"", self->ids->imei);
    return SIM_AT_OK;
  case 2:
    if (!self->ids->imeisv)
      return sim_at_cme (self, 4);
    sim_at_info (resp, "+CGSN: \"%s\"", self->ids->imeisv);
    return SIM_AT_OK;
  default:
    if (!self->ids->imeisv)
      return sim_at_cme (self, 4);
    sim_at_info (resp, "+CGSN: \"%s\"", self->ids->imeisv + 14);
    return SIM_AT_OK;
  }
}

static SimAtResult
h_gsn (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_ACTION)
    return SIM_AT_ERROR;
  if (!self->ids->imei)
    return sim_at_cme (self, 4);
  sim_at_info (resp, "%s", self->ids->imei);
  return SIM_AT_OK;
}

static SimAtResult
h_cimi (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_ACTION)
    return SIM_AT_ERROR;
  if (!self->ids->imsi)
    return sim_at_cme (self, 10);
  sim_at_info (resp, "%s", self->ids->imsi);
  return SIM_AT_OK;
}

static SimAtResult
h_cnum (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  const gchar *n = self->ids->msisdn;

  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_ACTION)
    return SIM_AT_ERROR;
  if (n)
    sim_at_info (resp, "+CNUM: \"\",\"%s\",%u", n, n[0] == '+' ? 145 : 129);
  return SIM_AT_OK;
}

static SimAtResult
h_crsm (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_SET)
    return sim_at_cme (self, 50);
  return do_crsm (self, a, resp);
}

static SimAtResult
h_csim (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_SET)
    return sim_at_cme (self, 50);
  return apdu_command (self, "+CSIM", 0, a, resp);
}

static SimAtResult
h_ccho (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  gint ch;

  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_SET || !a[0][0])
    return sim_at_cme (self, 50);
  ch = sim_apdu_channels_open (&self->channels);
  if (ch < 0)
    return sim_at_cme (self, 100);
  sim_at_info (resp, "+CCHO: %d", ch);
  return SIM_AT_OK;
}

static SimAtResult
h_cchc (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  guint ch;

  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_SET || !parse_uint (a[0], SIM_APDU_CHANNELS - 1, &ch) ||
      !sim_apdu_channels_close (&self->channels, ch))
    return sim_at_cme (self, 50);
  return SIM_AT_OK;
}

static SimAtResult
h_cgla (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  guint ch;

  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_SET || !parse_uint (a[0], SIM_APDU_CHANNELS - 1, &ch) ||
      !sim_apdu_channels_get (&self->channels, ch))
    return sim_at_cme (self, 50);
  return apdu_command (self, "+CGLA", ch, a + 1, resp);
}

static SimAtResult
h_egmr (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  guint mode, what;

  if (form == SIM_AT_TEST)
    return SIM_AT_OK;
  if (form != SIM_AT_SET || !parse_uint (a[0], 1, &mode) || !a[1] || !parse_uint (a[1], 99, &what))
    return sim_at_cme (self, 50);
  if (mode == 1)
    return sim_at_cme (self, 3);          /* writing the IMEI: not allowed */
  if (what != 7 || !self->ids->imei)
    return sim_at_cme (self, 50);
  sim_at_info (resp, "+EGMR: \"%s\"", self->ids->imei);
  return SIM_AT_OK;
}

static SimAtResult
h_cpin (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_READ) {
    if (!self->ids->imsi)
      return sim_at_cme (self, 10);
    sim_at_info (resp, "+CPIN: READY");
  }
  return SIM_AT_OK;
}

static SimAtResult
registration (SimAt *self, const gchar *name, guint *n, guint act, SimAtForm form, gchar **a, GString *resp)
{
  switch (form) {
  case SIM_AT_TEST:
    sim_at_info (resp, "%s: (0-2)", name);
    return SIM_AT_OK;
  case SIM_AT_SET:
    if (!parse_uint (a[0], 2, n))
      return sim_at_cme (self, 50);
    return SIM_AT_OK;
  case SIM_AT_READ:
    if (*n >= 2)
      sim_at_info (resp, "%s: %u,1,\"00C3\",\"0001A2B3\",%u", name, *n, act);
    else
      sim_at_info (resp, "%s: %u,1", name, *n);
    return SIM_AT_OK;
  case SIM_AT_ACTION:
    return SIM_AT_ERROR;
  }
  return SIM_AT_ERROR;
}

static SimAtResult
h_creg (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  return registration (self, "+CREG", &self->creg_n, 7, form, a, resp);
}

static SimAtResult
h_cgreg (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  return registration (self, "+CGREG", &self->cgreg_n, 7, form, a, resp);
}

static SimAtResult
h_cereg (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  return registration (self, "+CEREG", &self->cereg_n, 7, form, a, resp);
}

static SimAtResult
h_cops (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  gchar plmn[7];
  guint mode, format;

  home_network (self->ids, plmn);
  switch (form) {
  case SIM_AT_TEST:
    sim_at_info (resp, "+COPS: (2,\"%s\",\"%s\",\"%s\",7),,(0-4),(0-2)", OPERATOR, OPERATOR, plmn);
    return SIM_AT_OK;
  case SIM_AT_READ:
    if (self->cops_format == 2)
      sim_at_info (resp, "+COPS: 0,2,\"%s\",7", plmn);
    else
      sim_at_info (resp, "+COPS: 0,%u,\"%s\",7", self->cops_format, OPERATOR);
    return SIM_AT_OK;
  case SIM_AT_SET:
    if (!parse_uint (a[0], 4, &mode))
      return sim_at_cme (self, 50);
    if (mode == 3) {
      if (!a[1] || !parse_uint (a[1], 2, &format))
        return sim_at_cme (self, 50);
      self->cops_format = format;
    }
    return SIM_AT_OK;
  case SIM_AT_ACTION:
    return SIM_AT_OK;
  }
  return SIM_AT_ERROR;
}

static SimAtResult
h_csq (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CSQ: (0-31,99),(0-7,99)");
  else if (form == SIM_AT_ACTION)
    sim_at_info (resp, "+CSQ: 20,99");
  else
    return SIM_AT_ERROR;
  return SIM_AT_OK;
}

static SimAtResult
h_cfun (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  guint fun;

  switch (form) {
  case SIM_AT_TEST:
    sim_at_info (resp, "+CFUN: (0,1,4),(0-1)");
    return SIM_AT_OK;
  case SIM_AT_READ:
    sim_at_info (resp, "+CFUN: %u", self->cfun);
    return SIM_AT_OK;
  case SIM_AT_SET:
    if (!parse_uint (a[0], 127, &fun) || (fun != 0 && fun != 1 && fun != 4))
      return sim_at_cme (self, 50);
    self->cfun = fun;
    return SIM_AT_OK;
  case SIM_AT_ACTION:
    return SIM_AT_ERROR;
  }
  return SIM_AT_ERROR;
}

static SimAtResult
h_cgdcont (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST) {
    sim_at_info (resp, "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)");
    sim_at_info (resp, "+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)");
    sim_at_info (resp, "+CGDCONT: (1-16),\"IPV4V6\",,,(0-2),(0-4)");
  } else if (form == SIM_AT_READ) {
    sim_at_info (resp, "+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0");
  }
  return SIM_AT_OK;
}

static SimAtResult
h_cpms (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CPMS: (\"ME\",\"SM\"),(\"ME\",\"SM\"),(\"ME\",\"SM\")");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CPMS: \"ME\",0,23,\"ME\",0,23,\"ME\",0,23");
  else if (form == SIM_AT_SET)
    sim_at_info (resp, "+CPMS: 0,23,0,23,0,23");
  return SIM_AT_OK;
}

static SimAtResult
h_cnmi (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CNMI: 0,0,0,0,0");
  return SIM_AT_OK;
}

static SimAtResult
h_ws46 (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+WS46: (12,22,25,28,29,30,31)");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+WS46: 25");
  return SIM_AT_OK;
}

static SimAtResult
h_cind (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CIND: (\"battchg\",(0-5)),(\"signal\",(0-5)),(\"service\",(0,1)),(\"call\",(0,1)),"
                "(\"roam\",(0,1)),(\"smsfull\",(0,1)),(\"GPRS coverage\",(0,1)),(\"callsetup\",(0-3))");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CIND: 5,4,1,0,0,0,1,0");
  return SIM_AT_OK;
}

static SimAtResult
h_cmer (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CMER: (0-3),(0),(0),(0-2),(0,1)");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CMER: 0,0,0,0,0");
  return SIM_AT_OK;
}

static SimAtResult
h_clck (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CLCK: (\"SC\",\"FD\",\"PN\",\"PU\",\"PP\",\"PC\")");
  else if (form == SIM_AT_SET && a[1] && strcmp (a[1], "2") == 0)
    sim_at_info (resp, "+CLCK: 0");
  return SIM_AT_OK;
}

static SimAtResult
h_cpol (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CPOL: (1-8),(0-2)");
  return SIM_AT_OK;
}

static SimAtResult
h_cscs (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CSCS: (\"IRA\",\"GSM\",\"UCS2\")");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CSCS: \"IRA\"");
  return SIM_AT_OK;
}

static SimAtResult
h_cmee (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CMEE: (0-2)");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CMEE: %u", self->cmee);
  else if (form == SIM_AT_SET && !parse_uint (a[0], 2, &self->cmee))
    return sim_at_cme (self, 50);
  return SIM_AT_OK;
}

static SimAtResult
h_cgatt (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CGATT: (0,1)");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CGATT: 1");
  return SIM_AT_OK;
}

static SimAtResult
h_cgact (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  if (form == SIM_AT_TEST)
    sim_at_info (resp, "+CGACT: (0,1)");
  else if (form == SIM_AT_READ)
    sim_at_info (resp, "+CGACT: 1,0");
  return SIM_AT_OK;
}

/* Settings whose value does not matter here. */
static SimAtResult
h_setting (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  return SIM_AT_OK;
}

/* +XLEAK: a test-only route (tests/broker/tripwire-door.sh). A vendor
 * command no filter knows, answering with identifiers inside free text and
 * as the hex of their SIM files, where no route table looks: what the
 * broker's value tripwire is for. Not a real modem's command. */
static SimAtResult
h_xleak (SimAt *self, SimAtForm form, const gchar *args, gchar **a, GString *resp)
{
  guint8 ef_imsi[SIM_FILE_MAX_LEN], ef_iccid[SIM_FILE_MAX_LEN];
  g_autofree gchar *imsi_hex = NULL, *iccid_hex = NULL, *iccid_lower = NULL;
  gsize ni, nc;

  if (form != SIM_AT_ACTION)
    return SIM_AT_ERROR;
  ni = sim_files_content (self->ids, SIM_FILE_IMSI, ef_imsi);
  nc = sim_files_content (self->ids, SIM_FILE_ICCID, ef_iccid);
  if (!self->ids->imsi || ni == 0 || nc == 0)
    return sim_at_cme (self, 10);
  imsi_hex = idg_hex_encode_dup (ef_imsi, ni);
  iccid_hex = idg_hex_encode_dup (ef_iccid, nc);
  iccid_lower = g_ascii_strdown (iccid_hex, -1);
  sim_at_info (resp, "+XLEAK: \"build 7 %s rev 2\",1,\"%s\",\"%s\"", self->ids->imsi, imsi_hex, iccid_lower);
  return SIM_AT_OK;
}

/* Identification texts (V.250 and 27.007 names). */
static const struct {
  const gchar *name;
  const gchar *text;
} fixed_infos[] = {
  { "+GMI", MANUFACTURER }, { "+CGMI", MANUFACTURER },
  { "+GMM", MODEL }, { "+CGMM", MODEL },
  { "+GMR", REVISION }, { "+CGMR", REVISION },
  { "+GCAP", "+GCAP: +CGSM,+DS,+ES" },
};

/* The ICCID as each vendor's command prints it. */
static const struct {
  const gchar *name;
  const gchar *label;
  gboolean     read_only;    /* only the "?" form */
} iccid_commands[] = {
  { "+CCID", "+CCID: ", FALSE },     /* 27.007 annex, many vendors */
  { "+ICCID", "+ICCID: ", FALSE },   /* Telit, SIMCom */
  { "+CICCID", "+CICCID: ", FALSE }, /* SIMCom */
  { "+QCCID", "+QCCID: ", FALSE },   /* Quectel */
  { "#CCID", "#CCID: ", FALSE },     /* Telit */
  { "^ICCID", "^ICCID: ", TRUE },    /* Huawei */
  { "!ICCID", "ICCID: ", TRUE },     /* Sierra */
};

static const struct {
  const gchar *name;
  Handler      handler;
} commands[] = {
  { "+CGSN", h_cgsn }, { "+GSN", h_gsn }, { "+CIMI", h_cimi }, { "+CNUM", h_cnum },
  { "+CRSM", h_crsm }, { "+CSIM", h_csim }, { "+CCHO", h_ccho }, { "+CCHC", h_cchc },
  { "+CGLA", h_cgla }, { "+EGMR", h_egmr }, { "+CPIN", h_cpin },
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
  { "+XLEAK", h_xleak },
};

SimAtResult
sim_at_run_extended (SimAt *self, const gchar *cmd, GString *resp)
{
  g_autofree gchar *name = NULL;
  g_auto(GStrv) a = NULL;
  const gchar *args = "";
  SimAtForm form = SIM_AT_ACTION;
  gsize n = 1;
  guint i;

  while (cmd[n] && (g_ascii_isalnum (cmd[n]) || cmd[n] == '_'))
    n++;
  name = g_ascii_strup (cmd, (gssize) n);
  if (cmd[n] == '?' && cmd[n + 1] == '\0') {
    form = SIM_AT_READ;
  } else if (cmd[n] == '=' && cmd[n + 1] == '?' && cmd[n + 2] == '\0') {
    form = SIM_AT_TEST;
  } else if (cmd[n] == '=') {
    form = SIM_AT_SET;
    args = cmd + n + 1;
  } else if (cmd[n] != '\0') {
    return SIM_AT_ERROR;
  }
  for (i = 0; i < G_N_ELEMENTS (fixed_infos); i++) {
    if (strcmp (fixed_infos[i].name, name) != 0)
      continue;
    if (form == SIM_AT_ACTION)
      sim_at_info (resp, "%s", fixed_infos[i].text);
    return form == SIM_AT_ACTION || form == SIM_AT_TEST ? SIM_AT_OK : SIM_AT_ERROR;
  }
  for (i = 0; i < G_N_ELEMENTS (iccid_commands); i++) {
    if (strcmp (iccid_commands[i].name, name) != 0)
      continue;
    if (form == SIM_AT_TEST)
      return SIM_AT_OK;
    if (iccid_commands[i].read_only && form != SIM_AT_READ)
      return SIM_AT_ERROR;
    if (!self->ids->iccid)
      return sim_at_cme (self, 10);
    sim_at_info (resp, "%s%s", iccid_commands[i].label, self->ids->iccid);
    return SIM_AT_OK;
  }
  a = split_args (args);
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return commands[i].handler (self, form, args, a, resp);
  return SIM_AT_ERROR;
}
