/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "idg-simfile.h"
#include "idg-encoding.h"

#include <string.h>

/* EF_MSISDN / EF_ADN (TS 31.102 4.2.26, 4.4.2.3): after the alpha id of
 * record_len - 14 bytes: BCD length, TON/NPI, 10 bytes of number, CCP, EXT. */
#define DIALLING_FIXED     14
#define DIALLING_NUMBER_AT 2
#define NUMBER_LEN         10
/* EF_EXT1 / EF_EXT5 (TS 31.102 4.4.2.4): type, length, 10 bytes, next. */
#define EXT_RECORD_LEN     13
#define MAX_FIELD          16

typedef enum {
  SHAPE_FIXED,        /* fixed size, one BCD field */
  SHAPE_DIALLING,     /* record of a dialling number, size from record_len */
  SHAPE_TEXT,         /* ASCII text built from identifiers */
} Shape;

typedef struct {
  guint16  file_id;
  IdgKind  kind;
  IdgKind  also;      /* a second kind the text may carry (== kind if none) */
  Shape    shape;
  gboolean record;    /* linear fixed (READ RECORD) rather than transparent */
  guint    size;      /* SHAPE_FIXED: file or record size */
  guint    field_off; /* SHAPE_FIXED: identifier bytes */
  guint    field_len;
  guint    skip;      /* leading nibbles of the field that are not digits */
} SimFile;

static const SimFile files[] = {
  { IDG_SIMFILE_EF_ICCID,  IDG_KIND_ICCID,  IDG_KIND_ICCID,  SHAPE_FIXED, FALSE,
    IDG_EF_ICCID_LEN, 0, IDG_EF_ICCID_LEN, 0 },
  { IDG_SIMFILE_EF_IMSI,   IDG_KIND_IMSI,   IDG_KIND_IMSI,   SHAPE_FIXED, FALSE,
    IDG_EF_IMSI_LEN, 1, IDG_EF_IMSI_LEN - 1, 1 },
  { IDG_SIMFILE_EF_MSISDN, IDG_KIND_MSISDN, IDG_KIND_MSISDN, SHAPE_DIALLING, TRUE, 0, 0, 0, 0 },
  { IDG_SIMFILE_EF_ADN,    IDG_KIND_MSISDN, IDG_KIND_MSISDN, SHAPE_DIALLING, TRUE, 0, 0, 0, 0 },
  { IDG_SIMFILE_EF_EXT1,   IDG_KIND_MSISDN, IDG_KIND_MSISDN, SHAPE_FIXED, TRUE,
    EXT_RECORD_LEN, 2, NUMBER_LEN, 0 },
  { IDG_SIMFILE_EF_EXT5,   IDG_KIND_MSISDN, IDG_KIND_MSISDN, SHAPE_FIXED, TRUE,
    EXT_RECORD_LEN, 2, NUMBER_LEN, 0 },
  { IDG_SIMFILE_EF_IMPI,   IDG_KIND_IMSI,   IDG_KIND_IMSI,   SHAPE_TEXT, FALSE, 0, 0, 0, 0 },
  { IDG_SIMFILE_EF_IMPU,   IDG_KIND_IMSI,   IDG_KIND_MSISDN, SHAPE_TEXT, TRUE, 0, 0, 0, 0 },
};

typedef struct {
  gsize size;
  gsize field_off;
  gsize field_len;
  guint skip;
} Layout;

static const SimFile *
lookup (guint16 file_id)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++)
    if (files[i].file_id == file_id)
      return &files[i];
  return NULL;
}

gboolean
idg_simfile_is_identifier (guint16 file_id)
{
  return lookup (file_id) != NULL;
}

/* The kind a refusal is counted under: the first one the client lacks. */
static gboolean
denied_kind (const IdgGuard *guard,
             const SimFile  *f,
             IdgKind        *out)
{
  if (!idg_guard_allows (guard, f->kind)) {
    *out = f->kind;
    return TRUE;
  }
  if (!idg_guard_allows (guard, f->also)) {
    *out = f->also;
    return TRUE;
  }
  return FALSE;
}

static gboolean
resolve (const SimFile *f,
         gboolean       record,
         guint          record_len,
         Layout        *out)
{
  if (f->record != record)
    return FALSE;
  switch (f->shape) {
  case SHAPE_FIXED:
    if (record && record_len != 0 && record_len != f->size)
      return FALSE;
    out->size = f->size;
    out->field_off = f->field_off;
    out->field_len = f->field_len;
    out->skip = f->skip;
    return TRUE;
  case SHAPE_DIALLING:
    if (record_len < DIALLING_FIXED || record_len > 255)
      return FALSE;
    out->size = record_len;
    out->field_off = record_len - DIALLING_FIXED + DIALLING_NUMBER_AT;
    out->field_len = NUMBER_LEN;
    out->skip = 0;
    return TRUE;
  case SHAPE_TEXT:
    return FALSE;
  }
  return FALSE;
}

/* Fail closed: every nibble that is not padding becomes 0. */
static void
scrub (guint8 *bytes,
       gsize   len)
{
  gsize i;

  for (i = 0; i < len; i++) {
    guint8 hi = bytes[i] >> 4;
    guint8 lo = bytes[i] & 0x0F;

    bytes[i] = (guint8) (((hi == 0x0F ? 0x0F : 0) << 4) | (lo == 0x0F ? 0x0F : 0));
  }
}

/* Masks the part of [abs, abs + len) that falls in the layout's field;
 * TRUE if there was one (and the guard counted it). */
static gboolean
guard_field (IdgGuard      *guard,
             IdgKind        kind,
             const Layout  *l,
             gsize          abs,
             guint8        *bytes,
             gsize          len)
{
  guint8 field[MAX_FIELD];
  gsize lo = MAX (abs, l->field_off);
  gsize hi = MIN (abs + len, l->field_off + l->field_len);

  if (lo >= hi || l->field_len > sizeof field)
    return FALSE;
  /* bytes the read did not return stand as digits, so that every digit
   * keeps its absolute position within the identifier. They are 1s, not
   * 0s: a slice whose real digits are all 0 then still differs from its
   * redaction, so the mask's never-the-real-value rule does not fire on
   * the slice and its output says nothing about the digits it covers. */
  memset (field, 0x11, l->field_len);
  memcpy (field + (lo - l->field_off), bytes + (lo - abs), hi - lo);
  idg_guard_bcd (guard, kind, field, l->field_len, l->skip);
  memcpy (bytes + (lo - abs), field + (lo - l->field_off), hi - lo);
  explicit_bzero (field, sizeof field);
  return TRUE;
}

void
idg_simfile_guard (IdgGuard *guard,
                   guint16   file_id,
                   gboolean  record,
                   guint     record_len_or_0,
                   guint     abs_offset,
                   guint8   *bytes,
                   gsize     len)
{
  const SimFile *f = lookup (file_id);
  IdgKind kind;
  Layout l;
  gsize abs = abs_offset;
  gsize i;

  if (!f || len == 0)
    return;
  if (!denied_kind (guard, f, &kind)) {
    idg_guard_count (guard, f->kind, IDG_DECISION_RELEASE);
    return;
  }
  if (f->shape == SHAPE_TEXT) {
    /* an NAI or SIP URI: the digits are the identifier, wherever they sit */
    idg_guard_count (guard, kind, IDG_DECISION_REWRITE);
    for (i = 0; i < len; i++)
      if (g_ascii_isdigit (bytes[i]))
        bytes[i] = '0';
    return;
  }
  if (!resolve (f, record, record_len_or_0, &l)) {
    idg_guard_count (guard, kind, IDG_DECISION_REWRITE);
    scrub (bytes, len);
    return;
  }
  if (abs >= l.size) {
    idg_guard_count (guard, kind, IDG_DECISION_REWRITE);
    scrub (bytes, len);
    return;
  }
  if (!guard_field (guard, kind, &l, abs, bytes, len) && abs + len > l.size)
    idg_guard_count (guard, kind, IDG_DECISION_REWRITE);
  /* past the layout: the modem returned more than the file holds */
  if (abs + len > l.size)
    scrub (bytes + (l.size - abs), abs + len - l.size);
}

/* a masked nibble is a digit or stays F: the case of each character is
 * kept by looking at the character it replaces */
static gboolean
is_lower (gchar c)
{
  return c >= 'a' && c <= 'f';
}

void
idg_simfile_guard_hex (IdgGuard *guard,
                       guint16   file_id,
                       gboolean  record,
                       guint     record_len_or_0,
                       guint     abs_offset,
                       gchar    *hex,
                       gsize     hex_len)
{
  static const gchar digits[] = "0123456789ABCDEF";
  const SimFile *f = lookup (file_id);
  g_autofree guint8 *bytes = NULL;
  gssize n;
  gsize i;

  if (!f || hex_len == 0)
    return;
  bytes = g_malloc (hex_len / 2 + 1);
  n = idg_hex_decode (hex, hex_len, bytes, hex_len / 2 + 1);
  if (n < 0) {
    IdgKind kind;

    if (!denied_kind (guard, f, &kind)) {
      idg_guard_count (guard, f->kind, IDG_DECISION_RELEASE);
      return;
    }
    idg_guard_count (guard, kind, IDG_DECISION_REWRITE);
    for (i = 0; i < hex_len; i++)
      if (g_ascii_isxdigit (hex[i]) && hex[i] != 'F' && hex[i] != 'f')
        hex[i] = '0';
    return;
  }
  idg_simfile_guard (guard, file_id, record, record_len_or_0, abs_offset, bytes, (gsize) n);
  for (i = 0; i < 2 * (gsize) n; i++) {
    gchar c = digits[(i & 1) ? (bytes[i / 2] & 0x0F) : (bytes[i / 2] >> 4)];

    hex[i] = is_lower (hex[i]) ? g_ascii_tolower (c) : c;
  }
  explicit_bzero (bytes, (gsize) n);
}
