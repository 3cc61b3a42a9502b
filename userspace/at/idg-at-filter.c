/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-at-filter.h"
#include "idg-encoding.h"
#include "idg-simfile.h"

#include <string.h>

#define MAX_NAME IDG_AT_MAX_NAME

#define CRSM_READ_BINARY 176
#define CRSM_READ_RECORD 178

/* -------------------------------------------------------------------------
 * Which commands carry what
 */

typedef enum {
  CLASS_NONE,
  CLASS_VALUE,        /* one value, bare or after a "LABEL:" */
  CLASS_ATI,          /* product information lines */
  CLASS_CNUM,         /* +CNUM: "alpha","number",type lines */
  CLASS_CRSM,         /* +CRSM: sw1,sw2,"hex" */
  CLASS_RAW_SIM,      /* +CSIM, +CCHO, +CGLA, +CRLA */
  CLASS_WRITE_ID,     /* +EGMR=1,7: refused */
} CmdClass;

typedef struct {
  CmdClass  klass;
  IdgKind   kind;
  guint     min_digits;   /* CLASS_VALUE: shortest value taken */
  gboolean  any_label;    /* CLASS_VALUE: any "...ID:" label, not only our own */
  guint     crsm_file;    /* CLASS_CRSM: EF id, 0 for a non-identifier file,
                           CRSM_UNKNOWN for a read we cannot place */
  gboolean  crsm_record;  /* CLASS_CRSM: READ RECORD */
  guint     crsm_offset;  /* CLASS_CRSM: READ BINARY: absolute offset (P1, P2) */
  guint     crsm_length;  /* CLASS_CRSM: P3, 0 if none */
} Rule;

#define CRSM_UNKNOWN 0x10000

static const gchar *const iccid_commands[] = {
  "+CCID", "+ICCID", "+CICCID", "^ICCID", "!ICCID", "+QCCID", "#CCID", "^SCID", "%CCID", "$CCID",
  "+ZGETICCID",
};
static const gchar *const imsi_commands[] = { "+CIMI", "+QIMI", "#CIMI", "$QCIMI", "^CIMI" };
static const gchar *const raw_sim_commands[] = { "+CSIM", "+CCHO", "+CGLA", "+CRLA" };
static const gchar *const imei_commands[] = { "+GSN", "#CGSN", "+QGSN", "^GSN", "$GSN" };

static const gchar *const crsm_commands[] = { "+CRSM" };

/* A vendor's copy of a 27.007 command: another prefix, or letters before
 * the name ("^CSIM", "#CSIM", "+QCSIM", "$QCCRSM"). */
static gboolean
vendor_form (const gchar        *name,
             const gchar *const *list,
             gsize               n)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (idg_at_is_ext_prefix (name[0]) && g_str_has_suffix (name + 1, list[i] + 1))
      return TRUE;
  return FALSE;
}

static gboolean
in_list (const gchar        *name,
         const gchar *const *list,
         gsize               n)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (strcmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The integers of a comma-separated argument list ("176,12258,0,0,10");
 * fields that are not integers count as -1. Returns the number of fields. */
static guint
int_args (const gchar *args,
          gint64      *out,
          guint        max)
{
  guint n = 0;
  const gchar *p = args;

  while (n < max) {
    gchar *end = NULL;
    gint64 v;

    if (g_ascii_isdigit (*p)) {
      v = g_ascii_strtoll (p, &end, 10);
      if (*end != ',' && *end != '\0')
        v = -1;
    } else {
      v = -1;
    }
    out[n++] = v;
    p = strchr (p, ',');
    if (!p)
      break;
    p++;
  }
  return n;
}

static Rule
classify (const IdgAtCommand *cmd)
{
  Rule r = { CLASS_NONE, IDG_KIND_IMEI, 6, FALSE, 0, FALSE, 0, 0 };
  gint64 a[5] = { -1, -1, -1, -1, -1 };
  const gchar *n = cmd->name;

  if (cmd->type == IDG_AT_TYPE_TEST)
    return r;

  if (strcmp (n, "+CGSN") == 0) {
    int_args (cmd->args, a, 1);
    r.klass = CLASS_VALUE;
    if (cmd->type == IDG_AT_TYPE_SET && a[0] == 2) {
      r.kind = IDG_KIND_IMEISV;
    } else if (cmd->type == IDG_AT_TYPE_SET && a[0] == 3) {
      r.kind = IDG_KIND_IMEISV;
      r.min_digits = 1;
    }
    /* =0 (serial number: the IMEI for a 3GPP modem), =1, bare, unknown
     * values: all treated as the IMEI */
    return r;
  }
  if (in_list (n, imei_commands, G_N_ELEMENTS (imei_commands))) {
    r.klass = CLASS_VALUE;
    return r;
  }
  if (strcmp (n, "I") == 0) {
    r.klass = CLASS_ATI;
    return r;
  }
  if (strcmp (n, "^MEID") == 0 || strcmp (n, "$MEID") == 0) {
    r.klass = CLASS_VALUE;
    r.kind = IDG_KIND_MEID;
    return r;
  }
  if (in_list (n, imsi_commands, G_N_ELEMENTS (imsi_commands))) {
    r.klass = CLASS_VALUE;
    r.kind = IDG_KIND_IMSI;
    return r;
  }
  if (strcmp (n, "+CNUM") == 0) {
    r.klass = CLASS_CNUM;
    r.kind = IDG_KIND_MSISDN;
    return r;
  }
  if (in_list (n, iccid_commands, G_N_ELEMENTS (iccid_commands))) {
    r.klass = CLASS_VALUE;
    r.kind = IDG_KIND_ICCID;
    r.min_digits = 10;
    r.any_label = TRUE;
    return r;
  }
  if (in_list (n, raw_sim_commands, G_N_ELEMENTS (raw_sim_commands)) || vendor_form (n, raw_sim_commands,
                                                                                  G_N_ELEMENTS (raw_sim_commands))) {
    r.klass = CLASS_RAW_SIM;
    return r;
  }
  if ((strcmp (n, "+CRSM") == 0 || vendor_form (n, crsm_commands, 1)) && cmd->type == IDG_AT_TYPE_SET) {
    guint got = int_args (cmd->args, a, 5);

    r.klass = CLASS_CRSM;
    if (got >= 2 && (a[0] == CRSM_READ_BINARY || a[0] == CRSM_READ_RECORD) &&
        a[1] >= 0 && a[1] <= 0xFFFF && idg_simfile_is_identifier ((guint16) a[1])) {
      gboolean numbers = got == 2 || (got >= 5 && a[2] >= 0 && a[2] <= 255 && a[3] >= 0 &&
                                      a[3] <= 255 && a[4] >= 0 && a[4] <= 255);

      /* the layout decides: READ BINARY starts at P1 << 8 | P2, READ
       * RECORD returns the first P3 bytes of a record (P1/P2: which one) */
      r.crsm_file = numbers ? (guint) a[1] : CRSM_UNKNOWN;
      r.crsm_record = a[0] == CRSM_READ_RECORD;
      if (numbers && got >= 5) {
        r.crsm_offset = r.crsm_record ? 0 : (guint) (a[2] << 8 | a[3]);
        r.crsm_length = (guint) a[4];
      }
    } else if (got < 2 || a[0] < 0 || a[1] < 0) {
      /* a command or file we cannot read: treat the data as if it were an
       * identifier file, nibble by nibble */
      r.crsm_file = CRSM_UNKNOWN;
    }
    return r;
  }
  if (strcmp (n, "+EGMR") == 0 && cmd->type == IDG_AT_TYPE_SET) {
    int_args (cmd->args, a, 2);
    if (a[1] == 7 || a[1] == 10 || a[1] < 0) {
      if (a[0] == 0) {
        r.klass = CLASS_VALUE;
        r.min_digits = 1;
      } else {
        r.klass = CLASS_WRITE_ID;
      }
    }
    return r;
  }
  return r;
}


/* A "LABEL:" at the start of line[0..len): returns the index after the
 * colon (0 if none) and the label's normalised text (upper-case, no spaces)
 * in label. */
static gsize
split_label (const gchar *line,
             gsize        len,
             gchar       *label,
             gsize        label_size)
{
  gsize i, n = 0;

  for (i = 0; i < len; i++) {
    gchar c = line[i];

    if (c == ':')
      break;
    if (c == '"' || c == ',' || c == '=')
      return 0;
    if (idg_at_is_blank (c))
      continue;
    if (n + 1 >= label_size)
      return 0;
    label[n++] = g_ascii_toupper (c);
  }
  if (i >= len || n == 0)
    return 0;
  label[n] = '\0';
  return i + 1;
}

/* The single value token of line[from..len): spaces and one pair of quotes
 * around [0-9A-Fa-f]+ (letters only when hex is set). */
static gboolean
value_token (const gchar *line,
             gsize        from,
             gsize        len,
             gboolean     hex,
             gsize       *start,
             gsize       *end)
{
  gsize i = idg_at_skip_blanks (line, from, len);
  gsize e = len;
  gsize k;

  while (e > i && idg_at_is_blank (line[e - 1]))
    e--;
  if (e > i + 1 && line[i] == '"' && line[e - 1] == '"') {
    i++;
    e--;
  }
  if (e <= i)
    return FALSE;
  for (k = i; k < e; k++)
    if (!(g_ascii_isdigit (line[k]) || (hex && g_ascii_isxdigit (line[k]))))
      return FALSE;
  *start = i;
  *end = e;
  return TRUE;
}

static gboolean
label_is_own (const gchar *label,
              const gchar *name)
{
  /* "+CGSN" names "+CGSN:" and "CGSN:" */
  return strcmp (label, name) == 0 || (idg_at_is_ext_prefix (name[0]) && strcmp (label, name + 1) == 0);
}

/* Rewrites every run of at least min digits (hex digits for the hex kinds)
 * in line[from..len). */
static void
mask_runs (IdgGuard *guard,
           IdgKind   kind,
           gchar    *line,
           gsize     from,
           gsize     len,
           gsize     min)
{
  gboolean hex = kind == IDG_KIND_MEID || kind == IDG_KIND_ESN;
  gsize i = from;

  while (i < len) {
    gsize start = i;

    while (i < len && (g_ascii_isdigit (line[i]) || (hex && g_ascii_isxdigit (line[i]))))
      i++;
    if (i - start >= min)
      idg_guard_ascii (guard, kind, (guint8 *) line + start, i - start);
    if (i == start)
      i++;
  }
}

/* Index after the command's own "+NAME:" label at the start of line, or 0. */
static gsize
own_label (const IdgAtCommand *cmd,
           const gchar        *line,
           gsize               len)
{
  gchar label[MAX_NAME + 1];
  gsize from = split_label (line, len, label, sizeof label);

  return (from > 0 && label_is_own (label, cmd->name)) ? from : 0;
}

static gboolean
is_device_kind (IdgKind kind)
{
  return kind == IDG_KIND_IMEI || kind == IDG_KIND_IMEISV || kind == IDG_KIND_ESN || kind == IDG_KIND_MEID;
}

/* A label that is no label but the first value of a CDMA "MEID:ESN" pair
 * (decimal, or hex with "0x"). */
static gboolean
label_is_value (const gchar *label)
{
  gsize i, digits = 0;

  for (i = 0; label[i]; i++) {
    if (g_ascii_isxdigit (label[i]))
      digits++;
    else if (!(label[i] == 'X' && i == 1 && label[0] == '0'))
      return FALSE;
  }
  return digits >= 6;
}

/* The kind of a device identifier by its shape: n hex digits, after "0x"
 * or not, with letters or not; in a "MEID:ESN" pair, by its place. */
static IdgKind
device_kind (gsize    n,
             gboolean prefixed,
             gboolean letters,
             gint     pair_index,
             IdgKind  asked)
{
  if (pair_index == 0)
    return IDG_KIND_MEID;
  if (pair_index == 1)
    return IDG_KIND_ESN;
  if (prefixed || letters)
    return n <= 8 ? IDG_KIND_ESN : IDG_KIND_MEID;
  if (n == 8 || n == 10 || n == 11)
    return IDG_KIND_ESN;         /* hex digits only, or decimal (3 + 8) */
  if (n == 16 || n == 17)
    return IDG_KIND_IMEISV;
  if (n == 18)
    return IDG_KIND_MEID;        /* decimal (10 + 8) */
  return asked == IDG_KIND_MEID ? IDG_KIND_MEID : IDG_KIND_IMEI;
}

/* Every device identifier in line[from..len) of the reply to an IMEI-like
 * command, as vendors print them: "IMEI", "IMEI,SERIAL", "0x8-hex ESN",
 * "8-hex ESN", "MEID:ESN" in decimal or in hex with "0x". A run of 6 or
 * more hex digits standing alone (not inside a word such as a serial
 * number) is a value. Returns TRUE if it masked one. */
static gboolean
mask_device_values (IdgGuard *guard,
                    IdgKind   asked,
                    gchar    *line,
                    gsize     from,
                    gsize     len)
{
  gboolean pair = memchr (line + from, ':', len - from) != NULL;
  gboolean masked = FALSE;
  gint index = 0;
  gsize i = from;

  while (i < len) {
    gboolean prefixed = FALSE, letters = FALSE;
    gsize s = i, e;

    if (!g_ascii_isxdigit (line[i])) {
      i++;
      continue;
    }
    if (line[i] == '0' && i + 2 < len && (line[i + 1] == 'x' || line[i + 1] == 'X') &&
        g_ascii_isxdigit (line[i + 2])) {
      prefixed = TRUE;
      s = i + 2;
    }
    for (e = s; e < len && g_ascii_isxdigit (line[e]); e++)
      if (!g_ascii_isdigit (line[e]))
        letters = TRUE;
    if (e - s >= 6 && (i == from || !g_ascii_isalnum (line[i - 1])) &&
        (e == len || !g_ascii_isalnum (line[e]))) {
      idg_guard_ascii (guard, device_kind (e - s, prefixed, letters, pair ? MIN (index, 1) : -1, asked),
                       (guint8 *) line + s, e - s);
      masked = TRUE;
      index++;
    }
    while (e < len && g_ascii_isalnum (line[e]))
      e++;                       /* the rest of a word */
    i = e;
  }
  return masked;
}

static gboolean
take_value (IdgGuard           *guard,
            const IdgAtCommand *cmd,
            const Rule         *r,
            gchar              *line,
            gsize               len)
{
  gchar label[MAX_NAME + 1];
  gsize from = split_label (line, len, label, sizeof label);
  gboolean hex = r->kind == IDG_KIND_ICCID || r->kind == IDG_KIND_IMEI ||
                 r->kind == IDG_KIND_MEID || r->kind == IDG_KIND_ESN;
  gsize s, e;

  if (from > 0 && !label_is_own (label, cmd->name) &&
      !(r->any_label && strstr (label, "ID") != NULL)) {
    if (!is_device_kind (r->kind) || !label_is_value (label))
      return FALSE;
    from = 0;                    /* "MEID:ESN" */
  }
  /* an IMEI, IMEISV, ESN or MEID read: every device value on the line, in
   * every vendor's layout */
  if (is_device_kind (r->kind) && r->min_digits >= 6)
    return mask_device_values (guard, r->kind, line, from, len) || from > 0;
  if (!value_token (line, from, len, hex, &s, &e)) {
    /* our own label with something else after it ("+CGSN: 1,\"35...\""):
     * every number of the value's length in it is the value */
    if (from == 0)
      return FALSE;
    mask_runs (guard, r->kind, line, from, len, MAX (r->min_digits, 6u));
    return TRUE;
  }
  if (e - s < r->min_digits)
    return FALSE;
  /* an ICCID printed with its 'F' padding keeps the padding */
  while (r->kind == IDG_KIND_ICCID && e > s + 1 && (line[e - 1] == 'F' || line[e - 1] == 'f'))
    e--;
  idg_guard_ascii (guard, r->kind, (guint8 *) line + s, e - s);
  return TRUE;
}

typedef struct {
  const gchar *label;
  IdgKind      kind;
} AtiLabel;

static const AtiLabel ati_labels[] = {
  { "IMEI", IDG_KIND_IMEI },
  { "IMEISV", IDG_KIND_IMEISV },
  { "IMEI-SV", IDG_KIND_IMEISV },
  { "SVN", IDG_KIND_IMEISV },
  { "ESN", IDG_KIND_ESN },
  { "MEID", IDG_KIND_MEID },
  { "ICCID", IDG_KIND_ICCID },
  { "IMSI", IDG_KIND_IMSI },
  { "MSISDN", IDG_KIND_MSISDN },
  { "+CGSN", IDG_KIND_IMEI },
  { "+GSN", IDG_KIND_IMEI },
};

/* Masks the value after a label: every letter and digit up to the end of
 * the line (quotes, spaces, '+' and punctuation stay). */
static void
mask_rest (IdgGuard *guard,
           IdgKind   kind,
           gchar    *line,
           gsize     from,
           gsize     len)
{
  gchar inner[MAX_NAME + 1];
  gsize s = idg_at_skip_blanks (line, from, len);
  gsize e = len, k;

  /* "ESN: +GSN: 0x9235EB52": the command's own label, then "0x" */
  k = split_label (line + s, len - s, inner, sizeof inner);
  if (k > 0 && idg_at_is_ext_prefix (inner[0]))
    s = idg_at_skip_blanks (line, s + k, len);
  if (s + 2 < len && line[s] == '0' && (line[s + 1] == 'x' || line[s + 1] == 'X'))
    s += 2;

  while (e > s && idg_at_is_blank (line[e - 1]))
    e--;
  if (e > s)
    idg_guard_ascii (guard, kind, (guint8 *) line + s, e - s);
}

static gboolean
take_ati (IdgGuard *guard,
          gchar    *line,
          gsize     len)
{
  gchar label[MAX_NAME + 1];
  gsize from = split_label (line, len, label, sizeof label);
  gsize s, e, i;

  if (from > 0) {
    for (i = 0; i < G_N_ELEMENTS (ati_labels); i++) {
      if (strcmp (label, ati_labels[i].label) == 0) {
        mask_rest (guard, ati_labels[i].kind, line, from, len);
        return TRUE;
      }
    }
    return FALSE;
  }
  /* a bare IMEI (14 digits without, 15 with the check digit, 16 as IMEISV,
   * 17 with a stray digit) */
  if (value_token (line, 0, len, FALSE, &s, &e) && e - s >= 14 && e - s <= 17) {
    idg_guard_ascii (guard, e - s == 16 ? IDG_KIND_IMEISV : IDG_KIND_IMEI, (guint8 *) line + s, e - s);
    return TRUE;
  }
  return FALSE;
}

/* The i-th comma-separated field of line[from..len) (commas inside quotes
 * do not count); span without the quotes. */
static gboolean
field (const gchar *line,
       gsize        from,
       gsize        len,
       guint        index,
       gsize       *start,
       gsize       *end)
{
  gboolean quoted = FALSE;
  guint n = 0;
  gsize i, s = from;

  for (i = from; i <= len; i++) {
    if (i < len && line[i] == '"') {
      quoted = !quoted;
      continue;
    }
    if (i == len || (!quoted && line[i] == ',')) {
      if (n == index) {
        gsize e = i;

        s = idg_at_skip_blanks (line, s, e);
        while (e > s && idg_at_is_blank (line[e - 1]))
          e--;
        if (e > s + 1 && line[s] == '"' && line[e - 1] == '"') {
          s++;
          e--;
        }
        *start = s;
        *end = e;
        return TRUE;
      }
      n++;
      s = i + 1;
    }
  }
  return FALSE;
}

static gboolean
take_cnum (IdgGuard           *guard,
           const IdgAtCommand *cmd,
           gchar              *line,
           gsize               len)
{
  gsize from = own_label (cmd, line, len);
  gsize s, e;

  if (from == 0)
    return FALSE;
  /* +CNUM: [alpha],number,type[,speed,service[,itc]]: the number is the
   * second field; a line with a single field holds only a number */
  if (!field (line, from, len, 1, &s, &e))
    field (line, from, len, 0, &s, &e);
  if (e > s)
    idg_guard_ascii (guard, IDG_KIND_MSISDN, (guint8 *) line + s, e - s);
  return TRUE;
}

/* The hex data of a +CRSM reply, judged by the absolute byte range the
 * read covers (idg-simfile.c). */
static void
crsm_data (IdgGuard   *guard,
           const Rule *r,
           gchar      *hex,
           gsize       n)
{
  guint record_len = 0;

  if (r->crsm_file == CRSM_UNKNOWN) {
    /* a read we cannot place: every nibble may be a digit */
    idg_guard_hex_bcd (guard, IDG_KIND_ICCID, (guint8 *) hex, n, 0);
    return;
  }
  /* a whole record (P3 0: as long as it is) gives its length; a READ
   * RECORD of P3 bytes may be a short one: the layout is unknown and the
   * helper fails closed */
  if (r->crsm_record && r->crsm_length == 0)
    record_len = (guint) (n / 2);
  idg_simfile_guard_hex (guard, (guint16) r->crsm_file, r->crsm_record, record_len,
                         r->crsm_offset, hex, n);
}

static gboolean
take_crsm (IdgGuard           *guard,
           const IdgAtCommand *cmd,
           const Rule         *r,
           gchar              *line,
           gsize               len)
{
  gsize from = own_label (cmd, line, len);
  gsize s, e;

  if (from == 0)
    return FALSE;
  if (r->crsm_file != 0 && field (line, from, len, 2, &s, &e) && e > s)
    crsm_data (guard, r, line + s, e - s);
  return TRUE;
}

/* TRUE if the command's rule took the line (rewrote it or found it clean). */
static gboolean
take_line (IdgGuard           *guard,
           const IdgAtCommand *cmd,
           const Rule         *r,
           gchar              *line,
           gsize               len)
{
  switch (r->klass) {
  case CLASS_VALUE:
    return take_value (guard, cmd, r, line, len);
  case CLASS_ATI:
    return take_ati (guard, line, len);
  case CLASS_CNUM:
    return take_cnum (guard, cmd, line, len);
  case CLASS_CRSM:
    return take_crsm (guard, cmd, r, line, len);
  case CLASS_NONE:
  case CLASS_RAW_SIM:
  case CLASS_WRITE_ID:
    return FALSE;
  }
  return FALSE;
}

/* A line no command claimed that is nothing but a long number, bare or
 * after a label (a vendor command we do not know, the late reply of
 * another): it has the shape of an identifier, so it is treated as the one
 * its shape says. */
static void
take_stray (IdgGuard *guard,
            gchar    *line,
            gsize     len)
{
  gchar label[MAX_NAME + 1];
  gsize from = split_label (line, len, label, sizeof label);
  gsize s, e, n;
  IdgKind kind;

  if (!value_token (line, from, len, FALSE, &s, &e))
    return;
  n = e - s;
  if (n < 14 || n > 20)
    return;
  if (n >= 18 && line[s] == '8' && line[s + 1] == '9')
    kind = IDG_KIND_ICCID;
  else if (n == 15 && idg_luhn_valid (line + s, n))
    kind = IDG_KIND_IMEI;
  else if (n == 16)
    kind = IDG_KIND_IMEISV;
  else if (n <= 15)
    kind = IDG_KIND_IMSI;
  else
    kind = IDG_KIND_ICCID;
  idg_guard_ascii (guard, kind, (guint8 *) line + s, n);
}

static gboolean
multi_line (const Rule *r)
{
  return r->klass == CLASS_ATI || r->klass == CLASS_CNUM;
}

const gchar *
idg_at_filter_request (IdgGuard    *guard,
                       const gchar *line,
                       gsize        len)
{
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, len, NULL);
  guint i;

  for (i = 0; i < cmds->len; i++) {
    Rule r = classify (g_ptr_array_index (cmds, i));

    if (r.klass == CLASS_WRITE_ID) {
      idg_guard_count (guard, IDG_KIND_IMEI, IDG_DECISION_REFUSE);
      return IDG_AT_REFUSAL;
    }
    if (r.klass == CLASS_RAW_SIM && (guard->allowed & IDG_KIND_MASK_SIM) != IDG_KIND_MASK_SIM) {
      idg_guard_count (guard, IDG_GUARD_SLOT_RAW_SIM, IDG_DECISION_REFUSE);
      return IDG_AT_REFUSAL;
    }
  }
  return NULL;
}

/* +CPBS="ON" (own numbers, EF_MSISDN): TRUE; another storage: FALSE. */
static gboolean
selects_own_book (const IdgAtCommand *cmd,
                  gboolean           *own)
{
  if (strcmp (cmd->name, "+CPBS") != 0 || cmd->type != IDG_AT_TYPE_SET)
    return FALSE;
  *own = g_ascii_strncasecmp (cmd->args, "\"ON\"", 4) == 0 ||
         (g_ascii_strncasecmp (cmd->args, "ON", 2) == 0 && (cmd->args[2] == '\0' || cmd->args[2] == ','));
  return TRUE;
}

gboolean
idg_at_filter_book (const gchar *line,
                    gsize        len,
                    gboolean    *own_book)
{
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, len, NULL);
  gboolean found = FALSE;
  guint i;

  for (i = 0; i < cmds->len; i++)
    if (selects_own_book (g_ptr_array_index (cmds, i), own_book))
      found = TRUE;
  return found;
}

gchar *
idg_at_filter_reply (IdgGuard    *guard,
                     const gchar *line,
                     gsize        line_len,
                     const gchar *reply,
                     gsize        reply_len,
                     gsize       *out_len)
{
  return idg_at_filter_reply_book (guard, FALSE, line, line_len, reply, reply_len, out_len);
}

gchar *
idg_at_filter_reply_book (IdgGuard    *guard,
                          gboolean     own_book,
                          const gchar *line,
                          gsize        line_len,
                          const gchar *reply,
                          gsize        reply_len,
                          gsize       *out_len)
{
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, line_len, NULL);
  g_autofree Rule *rules = g_new0 (Rule, MAX (cmds->len, 1));
  gchar *out = g_malloc (reply_len + 1);
  guint cursor = 0;
  guint i;
  gsize pos = 0;

  memcpy (out, reply, reply_len);
  out[reply_len] = '\0';
  *out_len = reply_len;

  for (i = 0; i < cmds->len; i++) {
    IdgAtCommand *cmd = g_ptr_array_index (cmds, i);

    rules[i] = classify (cmd);
    selects_own_book (cmd, &own_book);
    /* reading the own-number phonebook is reading EF_MSISDN */
    if (own_book && cmd->type != IDG_AT_TYPE_TEST &&
        (strcmp (cmd->name, "+CPBR") == 0 || strcmp (cmd->name, "+CPBF") == 0)) {
      rules[i].klass = CLASS_CNUM;
      rules[i].kind = IDG_KIND_MSISDN;
    }
    if (rules[i].klass == CLASS_WRITE_ID)
      idg_guard_count (guard, IDG_KIND_IMEI, IDG_DECISION_REFUSE);
    if (rules[i].klass == CLASS_WRITE_ID ||
        (rules[i].klass == CLASS_RAW_SIM && !idg_guard_raw_sim (guard))) {
      g_free (out);
      *out_len = strlen (IDG_AT_REFUSAL);
      return g_strdup (IDG_AT_REFUSAL);
    }
  }
  while (pos < reply_len) {
    gsize start = pos, end;
    guint k;

    while (start < reply_len && (out[start] == '\r' || out[start] == '\n'))
      start++;
    end = start;
    while (end < reply_len && out[end] != '\r' && out[end] != '\n')
      end++;
    pos = end;
    if (end == start || idg_at_is_final (out + start, end - start))
      continue;
    for (k = cursor; k < cmds->len; k++) {
      if (take_line (guard, g_ptr_array_index (cmds, k), &rules[k], out + start, end - start)) {
        /* a single-value command is done and the next line belongs to a
         * later one; the last command keeps taking lines of its shape (two
         * IMEIs of a dual-SIM modem) */
        cursor = (multi_line (&rules[k]) || k + 1 == cmds->len) ? k : k + 1;
        break;
      }
    }
    if (k == cmds->len)
      take_stray (guard, out + start, end - start);
  }
  return out;
}
