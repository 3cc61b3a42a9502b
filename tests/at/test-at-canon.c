/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table tests of the AT door's reading of a client's bytes
 * (idg-at-canon.c), per attack class: line editing, "A/", S-register
 * framing changes, ';' chains, concatenated basic commands, bytes that do
 * not parse, and tunnel buffers holding several lines. Each case is a
 * client byte stream and the events the door must see: "S:<line>" (the
 * canonical line it sends), "R" (refused: ERROR, nothing sent), "I" (not
 * a command line: ignored). Every canonical line is also checked to read
 * the same to the AT filter and to canonicalise to itself.
 */
#include <string.h>

#include "idg-at-canon.h"
#include "idg-at-filter.h"

typedef struct {
  const gchar *path;
  const gchar *input;
  gsize        len;            /* 0: strlen */
  const gchar *events;         /* '|'-separated */
} Case;

static const Case cases[] = {
  /* plain */
  { "plain", "AT+CGSN\r", 0, "S:AT+CGSN" },
  { "case-blanks", " at + cgsn \r", 0, "S:AT+CGSN" },
  { "empty-at", "AT\r", 0, "S:AT" },
  { "two-lines", "AT+CGMI\rAT+CGMM\r", 0, "S:AT+CGMI|S:AT+CGMM" },
  /* line editing: what the modem runs is the edited line */
  { "bs-cgmr-cnum", "AT+CGMR\b\b\bNUM\r", 0, "S:AT+CNUM" },
  { "bs-cgmi-csim", "AT+CGMI\b\b\bSIM=10,\"00B0000009\"\r", 0, "S:AT+CSIM=10,\"00B0000009\"" },
  { "bs-crsm", "AT+CGMR\b\b\bRSM=176,28423,0,4,5\r", 0, "S:AT+CRSM=176,28423,0,4,5" },
  { "bs-in-quotes", "AT+COPS=1,2,\"ab\bc\"\r", 0, "S:AT+COPS=1,2,\"ac\"" },
  { "bs-before-start", "\b\b\bAT\r", 0, "S:AT" },
  { "bs-prefix", "XX\b\bAT+CIMI\r", 0, "S:AT+CIMI" },
  { "bs-whole-line", "AT+CGMI\b\b\b\b\b\b\b\r", 0, "I" },
  { "controls-ignored", "AT+C\nN\001U\033M\r", 0, "S:AT+CNUM" },
  { "nul-ignored", "AT+CN\0UM\r", 9, "S:AT+CNUM" },
  { "lf-no-end", "AT+CNUM\n", 0, "" },
  { "crlf", "AT+CGMI\r\nAT+CGMM\r\n", 0, "S:AT+CGMI|S:AT+CGMM" },
  /* A/ repeats the last line, judged again; never passed on */
  { "a-slash", "AT+CIMI\rA/", 0, "S:AT+CIMI|S:AT+CIMI" },
  { "a-slash-lower", "AT+CIMI\ra/", 0, "S:AT+CIMI|S:AT+CIMI" },
  { "a-slash-none", "A/", 0, "R" },
  { "a-slash-refused", "ATS3=65\rA/", 0, "R|R" },
  { "a-slash-unparsed", "AT+CGSN\xff\rA/", 0, "R|R" },
  { "a-slash-after-ignored", "AT+CGMI\rhello\rA/", 0, "S:AT+CGMI|I|S:AT+CGMI" },
  { "a-slash-edited", "AT+CGMI\rAT\b/", 0, "S:AT+CGMI|S:AT+CGMI" },
  { "a-slash-twice", "AT+CNUM\rA/A/", 0, "S:AT+CNUM|S:AT+CNUM|S:AT+CNUM" },
  { "a-slash-mid-line", "ATA/\r", 0, "R" },
  { "a-slash-blank", " A/\r", 0, "I" },
  /* S registers */
  { "s3", "ATS3=65\r", 0, "R" },
  { "s4", "ATS4=13\r", 0, "R" },
  { "s5", "ATS5=127\r", 0, "R" },
  { "s5-blanks", "AT S 5 = 1\r", 0, "R" },
  { "s5-zero-padded", "ATS05=1\r", 0, "R" },
  { "s3-chained", "ATE0S3=66+CGMI\r", 0, "R" },
  { "s3-then-line", "ATS3=65\rAT+CNUMA", 0, "R" },
  { "s7", "ATS7=60\r", 0, "S:ATS7=60" },
  { "s0-read", "ATS0?\r", 0, "S:ATS0?" },
  { "s3-read", "ATS3?\r", 0, "S:ATS3?" },
  { "s5-test", "ATS5=?\r", 0, "R" },
  { "s7-test", "ATS7=?\r", 0, "R" },
  { "s-huge", "ATS256=1\r", 0, "R" },
  { "s-alone", "ATS7\r", 0, "R" },
  { "s-value-huge", "ATS7=1000\r", 0, "R" },
  /* ';' chains */
  { "chain", "AT+CGMI;+CNUM\r", 0, "S:AT+CGMI;+CNUM" },
  { "chain-empty", "AT+CGMI;;+CGMM;\r", 0, "S:AT+CGMI;+CGMM" },
  { "chain-no-semicolon", "AT+CGMI+CNUM\r", 0, "R" },
  { "chain-quoted-semicolon", "AT+CPBW=1,\"a;+CNUM\"\r", 0, "S:AT+CPBW=1,\"a;+CNUM\"" },
  { "chain-vendor", "AT^ICCID?;#CIMI;+CGMI\r", 0, "S:AT^ICCID?;#CIMI;+CGMI" },
  /* concatenated basic commands */
  { "basic-concat", "ATE0Q0V1+CGSN\r", 0, "S:ATE0Q0V1+CGSN" },
  { "basic-ati", "ATE0I\r", 0, "S:ATE0I" },
  { "basic-ati3", "ati3\r", 0, "S:ATI3" },
  { "basic-amp", "AT&F E0 &C1\r", 0, "S:AT&FE0&C1" },
  { "basic-then-ext", "ATZ+CIMI;E1\r", 0, "S:ATZ+CIMI;E1" },
  { "basic-unknown-char", "AT\\Q3\r", 0, "R" },
  { "basic-number-huge", "ATE0000\r", 0, "R" },
  { "basic-read", "ATE?\r", 0, "R" },
  /* what would take the port */
  { "v0", "ATV0\r", 0, "R" },
  { "v", "ATV\r", 0, "R" },
  { "q1", "ATQ1\r", 0, "R" },
  { "o", "ATO\r", 0, "R" },
  { "dial-data", "ATD*99#\r", 0, "R" },
  { "dial-voice", "ATD+4930123;\r", 0, "S:ATD+4930123;" },
  { "dial-then-more", "ATD123;+CNUM\r", 0, "R" },
  { "cgdata", "AT+CGDATA=\"PPP\",1\r", 0, "R" },
  { "cmux", "AT+CMUX=0\r", 0, "R" },
  { "ipr", "AT+IPR=9600\r", 0, "R" },
  { "cmux-test", "AT+CMUX=?\r", 0, "S:AT+CMUX=?" },
  /* bytes that do not parse */
  { "high-byte", "AT+CGSN\xff\r", 0, "R" },
  { "del", "AT+CGSN\x7f\r", 0, "R" },
  { "unterminated", "AT+CPBW=1,\"abc\r", 0, "R" },
  { "backslash-string", "AT+CPBW=1,\"a\\22\"\r", 0, "R" },
  { "after-read", "AT+CGSN?X\r", 0, "R" },
  { "after-test", "AT+CGSN=?1\r", 0, "R" },
  { "bad-arg", "AT+COPS=0,<1>\r", 0, "R" },
  { "name-only-prefix", "AT+\r", 0, "R" },
  { "quotes-case", "AT+COPS=1,2,\"abc Def\"\r", 0, "S:AT+COPS=1,2,\"abc Def\"" },
  /* +CRSM numbers: known or refused */
  { "crsm", "AT+CRSM=176,12258,0,0,10\r", 0, "S:AT+CRSM=176,12258,0,0,10" },
  { "crsm-zeros", "AT+CRSM=0176,012258,00,00,010\r", 0, "S:AT+CRSM=176,12258,0,0,10" },
  { "crsm-hex", "AT+CRSM=176,0x2FE2,0,0,10\r", 0, "R" },
  { "crsm-partial", "AT+CRSM=176,28423,0\r", 0, "R" },
  { "crsm-p3-huge", "AT+CRSM=176,28423,0,0,300\r", 0, "R" },
  { "crsm-quoted-id", "AT+CRSM=176,\"28423\",0,0,9\r", 0, "R" },
  { "crsm-status", "AT+CRSM=242\r", 0, "S:AT+CRSM=242" },
  { "crsm-vendor-hex", "AT^CRSM=176,0x2FE2,0,0,10\r", 0, "R" },
  { "crsm-path-ef", "AT+CRSM=176,28539,0,0,9,,\"3F007FFF6F07\"\r", 0, "R" },
  { "crsm-path-odd", "AT+CRSM=176,28539,0,0,9,,\"3F007F\"\r", 0, "R" },
  { "crsm-path-df", "AT+CRSM=176,28423,0,0,9,,\"3f007fff\"\r", 0, "S:AT+CRSM=176,28423,0,0,9,,\"3f007fff\"" },
  { "crsm-read-data", "AT+CRSM=176,28423,0,0,9,\"00\"\r", 0, "R" },
  { "crsm-update-data", "AT+CRSM=214,28539,0,0,1,\"00\"\r", 0, "S:AT+CRSM=214,28539,0,0,1,\"00\"" },
  { "crsm-extra-field", "AT+CRSM=176,28423,0,0,9,,\"3F00\",1\r", 0, "R" },
  { "crsm-path", "AT+CRSM=176,28423,0,0,9,,\"3F007FFF\"\r", 0, "S:AT+CRSM=176,28423,0,0,9,,\"3F007FFF\"" },
  /* not command lines */
  { "not-at", "hello\r", 0, "I" },
  { "empty", "\r", 0, "I" },
  { "a-t-split", "A T+CGSN\r", 0, "I" },
};

static IdgAtCanonResult
feed_all (IdgAtCanon  *canon,
          const gchar *data,
          gsize        len,
          GString     *events)
{
  gsize pos = 0;
  IdgAtCanonResult r = IDG_AT_CANON_MORE;

  while (pos < len) {
    gsize used = 0;

    r = idg_at_canon_feed (canon, data + pos, len - pos, &used);
    g_assert_cmpuint (used, >, 0);
    g_assert_cmpuint (used, <=, len - pos);
    pos += used;
    if (r == IDG_AT_CANON_MORE)
      continue;
    if (events->len)
      g_string_append_c (events, '|');
    switch (r) {
    case IDG_AT_CANON_SEND:
      g_string_append_printf (events, "S:%s", idg_at_canon_line (canon));
      break;
    case IDG_AT_CANON_REFUSE:
      g_string_append (events, "R");
      break;
    case IDG_AT_CANON_IGNORE:
      g_string_append (events, "I");
      break;
    case IDG_AT_CANON_MORE:
      break;
    }
  }
  return r;
}

/* A canonical line is its own canonical form, and reads complete to the
 * AT filter. */
static void
check_canonical (const gchar *line)
{
  g_autoptr(IdgAtCanon) again = idg_at_canon_new ();
  g_autofree gchar *with_end = g_strdup_printf ("%s\r", line);
  gsize used = 0;
  gboolean complete = FALSE;
  g_autoptr(GPtrArray) cmds = idg_at_parse_line (line, strlen (line), &complete);

  g_assert_true (complete);
  g_assert_cmpuint (cmds->len, <=, 64);
  g_assert_cmpint (idg_at_canon_feed (again, with_end, strlen (with_end), &used), ==, IDG_AT_CANON_SEND);
  g_assert_cmpstr (idg_at_canon_line (again), ==, line);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(IdgAtCanon) canon = idg_at_canon_new ();
  g_autoptr(GString) events = g_string_new (NULL);
  gsize len = c->len ? c->len : strlen (c->input);
  g_auto(GStrv) parts = NULL;
  gchar **p;

  feed_all (canon, c->input, len, events);
  g_assert_cmpstr (events->str, ==, c->events);
  parts = g_strsplit (events->str, "|", -1);
  for (p = parts; *p; p++)
    if (g_str_has_prefix (*p, "S:"))
      check_canonical (*p + 2);
}

/* The same stream fed one byte at a time gives the same events. */
static void
test_bytewise (void)
{
  guint k;

  for (k = 0; k < G_N_ELEMENTS (cases); k++) {
    g_autoptr(IdgAtCanon) canon = idg_at_canon_new ();
    g_autoptr(GString) events = g_string_new (NULL);
    gsize len = cases[k].len ? cases[k].len : strlen (cases[k].input);
    gsize i;

    for (i = 0; i < len; i++)
      feed_all (canon, cases[k].input + i, 1, events);
    g_assert_cmpstr (events->str, ==, cases[k].events);
  }
}

static void
test_overflow (void)
{
  g_autoptr(IdgAtCanon) canon = idg_at_canon_new ();
  g_autoptr(GString) in = g_string_new ("AT+CGMI;");
  g_autoptr(GString) events = g_string_new (NULL);

  while (in->len < IDG_AT_CANON_MAX_LINE + 10)
    g_string_append (in, "+CGMI;");
  g_string_append (in, "\rAT\r");
  feed_all (canon, in->str, in->len, events);
  g_assert_cmpstr (events->str, ==, "R|S:AT");
}

/* The edited line is judged: a harmless-looking line that becomes raw SIM
 * access is refused; one that becomes +CNUM has its reply filtered as
 * +CNUM. */
static const guint8 secret[IDG_SECRET_LEN] = { 7, 7, 7 };

static void
test_judged (void)
{
  g_autoptr(IdgAtCanon) canon = idg_at_canon_new ();
  const gchar *in = "AT+CGMI\b\b\bSIM=10,\"00B0000009\"\rAT+CGMR\b\b\bNUM\r";
  gsize used = 0, out_len = 0;
  g_autofree gchar *out = NULL;
  g_autofree gchar *number = NULL;
  g_autofree gchar *reply = NULL;
  IdgGuard guard;

  idg_guard_init (&guard, 0, IDG_POLICY_REDACT, secret, "svc");
  g_assert_cmpint (idg_at_canon_feed (canon, in, strlen (in), &used), ==, IDG_AT_CANON_SEND);
  g_assert_nonnull (idg_at_filter_request (&guard, idg_at_canon_line (canon), strlen (idg_at_canon_line (canon))));
  in += used;
  g_assert_cmpint (idg_at_canon_feed (canon, in, strlen (in), &used), ==, IDG_AT_CANON_SEND);
  g_assert_null (idg_at_filter_request (&guard, idg_at_canon_line (canon), strlen (idg_at_canon_line (canon))));
  number = g_strdup_printf ("+49%09d", g_random_int_range (100000000, 999999999));
  reply = g_strdup_printf ("\r\n+CNUM: \"\",\"%s\",145\r\n\r\nOK\r\n", number);
  out = idg_at_filter_reply (&guard, idg_at_canon_line (canon), strlen (idg_at_canon_line (canon)),
                             reply, strlen (reply), &out_len);
  g_assert_null (strstr (out, number + 3));
  g_assert_nonnull (strstr (out, "+CNUM: "));
}

typedef struct {
  const gchar *input;
  const gchar *line;      /* NULL: refused */
  const gchar *refusal;   /* when refused */
} BufCase;

static const BufCase buf_cases[] = {
  { "AT+CGMI\rAT+CNUM\r", "AT+CGMI;+CNUM\r", NULL },
  { "AT+CGMI\r\nAT+CNUM\r\n", "AT+CGMI;+CNUM\r", NULL },
  { "AT+CGMI", "AT+CGMI\r", NULL },
  { "ATE0\rATI\r", "ATE0I\r", NULL },
  { "AT+CGSN\rA/", "AT+CGSN;+CGSN\r", NULL },
  { "AT+CGMR\b\b\bNUM\r", "AT+CNUM\r", NULL },
  { "hello\rAT\r", "AT\r", NULL },
  { "A/", NULL, IDG_AT_CANON_ERROR },
  { "hello", NULL, IDG_AT_CANON_ERROR },
  { "", NULL, IDG_AT_CANON_ERROR },
  { "\r\n", NULL, IDG_AT_CANON_ERROR },
  { "AT+CGMI\rATS3=65\r", NULL, IDG_AT_CANON_ERROR },
  { "ATD123;\rAT+CGMI\r", NULL, IDG_AT_CANON_ERROR },
  { "AT+CGMI\r\nAT+CSIM=10,\"00B0000009\"\r\n", NULL, IDG_AT_REFUSAL },
  { "AT+CGMI\rAT+CG\b\bEGMR=1,7,\"1\"", NULL, IDG_AT_REFUSAL },
};

static void
test_buffer (void)
{
  guint k;

  for (k = 0; k < G_N_ELEMENTS (buf_cases); k++) {
    const gchar *refusal = NULL;
    g_autofree gchar *line = NULL;
    IdgGuard guard;

    idg_guard_init (&guard, 0, IDG_POLICY_REDACT, secret, "svc");
    line = idg_at_canon_buffer (&guard, buf_cases[k].input, strlen (buf_cases[k].input), &refusal);
    g_assert_cmpstr (line, ==, buf_cases[k].line);
    if (!line)
      g_assert_cmpstr (refusal, ==, buf_cases[k].refusal);
  }
}

/* A tunnel buffer with +CGMI and +CGSN on two lines: the reply of the
 * joined line is filtered as the reply to +CGSN. */
static void
test_buffer_reply (void)
{
  const gchar *refusal = NULL;
  g_autofree gchar *imei = g_strdup_printf ("35%06d%06d%d", g_random_int_range (0, 999999),
                                            g_random_int_range (0, 999999), g_random_int_range (0, 9));
  g_autofree gchar *reply = g_strdup_printf ("\r\nACME\r\n\r\n%s\r\n\r\nOK\r\n", imei);
  g_autofree gchar *line = NULL;
  g_autofree gchar *out = NULL;
  gsize out_len;
  IdgGuard guard;

  idg_guard_init (&guard, 0, IDG_POLICY_REDACT, secret, "svc");
  line = idg_at_canon_buffer (&guard, "AT+CGMI\r\nAT+CGSN\r\n", 18, &refusal);
  g_assert_nonnull (line);
  out = idg_at_filter_reply (&guard, line, strlen (line), reply, strlen (reply), &out_len);
  g_assert_null (strstr (out, imei + 8));
  g_assert_nonnull (strstr (out, "ACME"));
}

int
main (int argc, char **argv)
{
  guint k;

  g_test_init (&argc, &argv, NULL);
  for (k = 0; k < G_N_ELEMENTS (cases); k++) {
    g_autofree gchar *path = g_strdup_printf ("/at/canon/%s", cases[k].path);

    g_test_add_data_func (path, &cases[k], test_case);
  }
  g_test_add_func ("/at/canon/bytewise", test_bytewise);
  g_test_add_func ("/at/canon/overflow", test_overflow);
  g_test_add_func ("/at/canon/judged", test_judged);
  g_test_add_func ("/at/canon/buffer", test_buffer);
  g_test_add_func ("/at/canon/buffer-reply", test_buffer_reply);
  return g_test_run ();
}
