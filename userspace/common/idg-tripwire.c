/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value tripwire: patterns from the identifiers, an Aho-Corasick
 * automaton over them (a dense row for the root, sorted sparse edges and
 * failure links below it), one pass per message.
 */
#include "idg-tripwire.h"
#include "idg-tripwire-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idg-encoding.h"

#define MAX_DIGITS  40
#define NIB_NONE    0xFF   /* the unknown half of an alignment's first byte */
#define HEX_RUN     3      /* complete BCD bytes, i.e. 6 digits, in hex text */
#define MAX_HITS    256    /* hits recorded before a batch is masked */
/* A run is looked for only if masking changes at least this many of its
 * digits: runs of zeros (with a kept "89" or MCC+MNC) are what masked and
 * redacted values look like, and would flag them. */
#define MIN_CHANGED 3

typedef struct {
  guint32 off;     /* into tw->bytes: len bytes of pattern, then len of mask */
  guint16 len;
  guint8  kind;
} Pattern;

typedef struct {
  guint32 edges;   /* first edge of this node (sorted by byte) */
  guint32 fail;
  guint32 dict;    /* next node on the fail chain with outputs, 0: none */
  guint32 out;     /* first pattern (sorted order) ending here */
  guint32 dense;   /* row + 1 in tw->dense (root and depth 1; row 0 unused), 0: none */
  guint16 n_edges;
  guint16 n_out;
} Node;

struct _IdgTripwire {
  gboolean    binary;      /* binary and UTF-16LE patterns too */
  GByteArray *bytes;       /* patterns and their masks (wiped on free) */
  GArray     *patterns;    /* Pattern; sorted and unique once compiled */
  gboolean    compiled;
  Node       *nodes;
  guint       n_nodes;
  guint8     *edge_byte;
  guint32    *edge_to;
  guint32    *dense;       /* complete transition rows, 256 per dense node */
  guint32    *info;        /* per node: its dense row's offset in dense (0:
                            * none), INFO_OUT if it or its fail chain ends a
                            * pattern: what the scan loop reads */
};

#define INFO_OUT  0x80000000u
#define INFO_ROW  0x7FFFFFFFu

typedef struct {
  gsize   start;
  guint32 pattern;
} Hit;

IdgTripwire *
idg_tripwire_new (gboolean binary)
{
  IdgTripwire *tw = g_new0 (IdgTripwire, 1);

  tw->binary = binary;
  tw->bytes = g_byte_array_new ();
  tw->patterns = g_array_new (FALSE, FALSE, sizeof (Pattern));
  return tw;
}

void
idg_tripwire_free (IdgTripwire *tw)
{
  if (tw == NULL)
    return;
  if (tw->bytes->len > 0)
    explicit_bzero (tw->bytes->data, tw->bytes->len);
  g_byte_array_unref (tw->bytes);
  g_array_unref (tw->patterns);
  g_free (tw->nodes);
  g_free (tw->edge_byte);
  g_free (tw->edge_to);
  g_free (tw->dense);
  g_free (tw->info);
  g_free (tw);
}


/* ---- patterns ---- */

/* text: printable ASCII (ASCII digits, hex text, UCS2 hex); the others
 * (binary, UTF-16LE) only in a tripwire for binary protocols. */
static void
add_pattern (IdgTripwire  *tw,
             gboolean      text,
             IdgKind       kind,
             const guint8 *pat,
             const guint8 *mask,
             gsize         len)
{
  Pattern p = { tw->bytes->len, (guint16) len, (guint8) kind };

  g_return_if_fail (!tw->compiled);
  /* a run that masking leaves as it is (zeros, a kept prefix) would only
   * flag traffic that is already masked */
  if (len == 0 || len > G_MAXUINT16 || memcmp (pat, mask, len) == 0 || (!text && !tw->binary))
    return;
  g_byte_array_append (tw->bytes, pat, (guint) len);
  g_byte_array_append (tw->bytes, mask, (guint) len);
  g_array_append_val (tw->patterns, p);
}

static void
hex_text (const guint8 *in,
          gsize         n,
          gboolean      upper,
          guint8       *out)
{
  const gchar *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  gsize i;

  for (i = 0; i < n; i++) {
    out[2 * i] = (guint8) digits[in[i] >> 4];
    out[2 * i + 1] = (guint8) digits[in[i] & 0x0F];
  }
}

/* A byte string, its hex text in both cases, or only one of them. */
enum { AS_BINARY = 1, AS_HEX = 2 };

static void
add_bytes (IdgTripwire  *tw,
           IdgKind       kind,
           const guint8 *pat,
           const guint8 *mask,
           gsize         n,
           guint         as)
{
  guint8 hp[4 * MAX_DIGITS], hm[4 * MAX_DIGITS];
  guint u;

  if (as & AS_BINARY)
    add_pattern (tw, FALSE, kind, pat, mask, n);
  if ((as & AS_HEX) && 2 * n <= sizeof hp) {
    for (u = 0; u < 2; u++) {
      hex_text (pat, n, u == 0, hp);
      hex_text (mask, n, u == 0, hm);
      add_pattern (tw, TRUE, kind, hp, hm, 2 * n);
    }
    explicit_bzero (hp, sizeof hp);
  }
}

/* ASCII and UTF-16LE of m characters; with hex_forms, also two hex texts
 * of them: UCS2 ("0033" for '3': AT +CSCS="UCS2") and of the ASCII bytes
 * ("33": +CSCS="HEX", or +CRSM of a SIM file that holds text, such as
 * the ISIM's EF_IMPI, "IMSI@ims.mnc...", or EF_IMPU). */
static void
add_text (IdgTripwire *tw,
          IdgKind      kind,
          const gchar *s,
          const gchar *t,
          gsize        m,
          gboolean     hex_forms)
{
  guint8 p[4 * MAX_DIGITS] = { 0 }, k[4 * MAX_DIGITS] = { 0 };
  gsize i;

  g_return_if_fail (m <= MAX_DIGITS);
  add_pattern (tw, TRUE, kind, (const guint8 *) s, (const guint8 *) t, m);
  for (i = 0; i < m; i++) {
    p[2 * i] = (guint8) s[i];
    k[2 * i] = (guint8) t[i];
    p[2 * i + 1] = k[2 * i + 1] = 0;
  }
  add_pattern (tw, FALSE, kind, p, k, 2 * m);
  if (hex_forms) {
    for (i = 0; i < m; i++) {
      guint8 cp = (guint8) s[i], ct = (guint8) t[i];

      memcpy (p + 4 * i, "00", 2);
      memcpy (k + 4 * i, "00", 2);
      hex_text (&cp, 1, TRUE, p + 4 * i + 2);
      hex_text (&ct, 1, TRUE, k + 4 * i + 2);
    }
    add_pattern (tw, TRUE, kind, p, k, 4 * m);
    /* the codes of digits and of A-F/a-f are hex digits without letters:
     * one case covers both */
    hex_text ((const guint8 *) s, m, TRUE, p);
    hex_text ((const guint8 *) t, m, TRUE, k);
    add_pattern (tw, TRUE, kind, p, k, 2 * m);
  }
  explicit_bzero (p, sizeof p);
}

/* Digits from..to-1 that masking changes (the value differs from its
 * masked form). */
static gboolean
informative (const gchar *d,
             const gchar *dm,
             gsize        from,
             gsize        to)
{
  guint n = 0;

  for (; from < to; from++)
    n += d[from] != dm[from];
  return n >= MIN_CHANGED;
}

/* The BCD forms of n digits (d; masked form dm): swapped and plain nibble
 * order, each in both alignments, as bytes and as hex text: whole, and runs
 * of complete bytes holding a digit at index >= unique. */
static void
add_bcd (IdgTripwire *tw,
         IdgKind      kind,
         const gchar *d,
         const gchar *dm,
         gsize        n,
         gsize        unique)
{
  guint8 nib[2 * MAX_DIGITS + 2], nibm[2 * MAX_DIGITS + 2];
  guint8 b[MAX_DIGITS + 1], bm[MAX_DIGITS + 1];
  gboolean complete[MAX_DIGITS + 1];
  guint order, align;

  for (order = 0; order < 2; order++)
    for (align = 0; align < 2; align++) {
      gsize total = align + n + ((align + n) & 1), nb = total / 2, j, w;

      for (j = 0; j < total; j++) {
        if (j < align) {
          nib[j] = nibm[j] = NIB_NONE;
        } else if (j - align < n) {
          nib[j] = (guint8) (d[j - align] - '0');
          nibm[j] = (guint8) (dm[j - align] - '0');
        } else {
          nib[j] = nibm[j] = 0x0F;
        }
      }
      for (j = 0; j < nb; j++) {
        guint8 first = nib[2 * j], second = nib[2 * j + 1];

        complete[j] = first <= 9 && second <= 9;
        if (first == NIB_NONE)
          continue;
        /* swapped: the first digit in the low nibble (SIM files) */
        b[j] = order == 0 ? (guint8) (first | second << 4) : (guint8) (first << 4 | second);
        bm[j] = order == 0 ? (guint8) (nibm[2 * j] | nibm[2 * j + 1] << 4)
                           : (guint8) (nibm[2 * j] << 4 | nibm[2 * j + 1]);
      }
      if (nb - align >= IDG_TRIPWIRE_BCD_RUN && informative (d, dm, 0, n))
        add_bytes (tw, kind, b + align, bm + align, nb - align, AS_BINARY | AS_HEX);
      for (w = IDG_TRIPWIRE_BCD_RUN; w >= HEX_RUN; w--)
        for (j = align; j + w <= nb; j++) {
          gsize k;
          gboolean ok = 2 * (j + w) - align > unique;   /* holds a unique digit */

          for (k = j; k < j + w && ok; k++)
            ok = complete[k];
          ok = ok && informative (d, dm, 2 * j - align, 2 * (j + w) - align);
          if (ok)
            add_bytes (tw, kind, b + j, bm + j, w, w == IDG_TRIPWIRE_BCD_RUN ? AS_BINARY : AS_HEX);
        }
    }
  explicit_bzero (nib, sizeof nib);
  explicit_bzero (b, sizeof b);
}

static void
add_digits (IdgTripwire *tw,
            IdgKind      kind,
            const gchar *d,
            gsize        n,
            gsize        keep,
            gsize        unique)
{
  gchar dm[MAX_DIGITS + 1];
  gsize i;

  for (i = 0; i < n; i++)
    dm[i] = i < keep ? d[i] : '0';
  dm[n] = '\0';
  if (informative (d, dm, 0, n))
    add_text (tw, kind, d, dm, n, TRUE);
  for (i = unique; i + IDG_TRIPWIRE_RUN <= n; i++)
    if (informative (d, dm, i, i + IDG_TRIPWIRE_RUN))
      add_text (tw, kind, d + i, dm + i, IDG_TRIPWIRE_RUN, TRUE);
  add_bcd (tw, kind, d, dm, n, unique);
  if (kind == IDG_KIND_IMSI && n <= 15) {
    guint8 ef[IDG_EF_IMSI_LEN], efm[IDG_EF_IMSI_LEN];

    if (informative (d, dm, 0, n) && idg_ef_imsi_encode (d, ef) && idg_ef_imsi_encode (dm, efm))
      add_bytes (tw, kind, ef, efm, sizeof ef, AS_BINARY | AS_HEX);
    explicit_bzero (ef, sizeof ef);
  }
  explicit_bzero (dm, sizeof dm);
}

/* ESN (32 bits) and MEID (56 bits): hex in both cases, decimal
 * (manufacturer code and serial number), binary in both byte orders. */
static void
add_esn_meid (IdgTripwire *tw,
              IdgKind      kind,
              guint64      v,
              guint        hex_len)
{
  gchar hex[2][17], dec[MAX_DIGITS], zero[MAX_DIGITS];
  guint8 be[8], le[8], z[8] = { 0 };
  guint i, nbytes = hex_len / 2;
  gint dlen;

  g_snprintf (hex[0], sizeof hex[0], "%0*" G_GINT64_MODIFIER "X", hex_len, v);
  g_snprintf (hex[1], sizeof hex[1], "%0*" G_GINT64_MODIFIER "x", hex_len, v);
  if (kind == IDG_KIND_ESN)
    dlen = g_snprintf (dec, sizeof dec, "%03u%08u", (guint) (v >> 24), (guint) (v & 0xFFFFFF));
  else
    dlen = g_snprintf (dec, sizeof dec, "%010u%08u", (guint) (v >> 24), (guint) (v & 0xFFFFFF));
  memset (zero, '0', sizeof zero);
  for (i = 0; i < 2; i++)
    add_text (tw, kind, hex[i], zero, hex_len, i == 0);
  add_text (tw, kind, dec, zero, (gsize) dlen, TRUE);
  for (i = 0; i < nbytes; i++) {
    be[i] = (guint8) (v >> (8 * (nbytes - 1 - i)));
    le[i] = (guint8) (v >> (8 * i));
  }
  add_pattern (tw, FALSE, kind, be, z, nbytes);
  add_pattern (tw, FALSE, kind, le, z, nbytes);
  explicit_bzero (hex, sizeof hex);
  explicit_bzero (dec, sizeof dec);
  explicit_bzero (be, sizeof be);
  explicit_bzero (le, sizeof le);
}

static gboolean
all_digits (const gchar *s,
            gsize        n)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* ESN/MEID as the modem reports them: hex (8/14) or decimal (11/18). */
static gboolean
parse_esn_meid (IdgKind      kind,
                const gchar *s,
                gsize        n,
                guint64     *v,
                guint       *hex_len)
{
  guint want = kind == IDG_KIND_ESN ? 8 : 14;
  guint dec_mfr = kind == IDG_KIND_ESN ? 3 : 10;
  gchar part[16];
  guint64 mfr, serial;
  gsize i;

  *hex_len = want;
  if (n == want) {
    for (i = 0; i < n; i++)
      if (!g_ascii_isxdigit (s[i]))
        return FALSE;
    memcpy (part, s, n);
    part[n] = '\0';
    *v = g_ascii_strtoull (part, NULL, 16);
    explicit_bzero (part, sizeof part);
    return TRUE;
  }
  if (n != dec_mfr + 8 || !all_digits (s, n))
    return FALSE;
  memcpy (part, s, dec_mfr);
  part[dec_mfr] = '\0';
  mfr = g_ascii_strtoull (part, NULL, 10);
  memcpy (part, s + dec_mfr, 8);
  part[8] = '\0';
  serial = g_ascii_strtoull (part, NULL, 10);
  explicit_bzero (part, sizeof part);
  if (serial > 0xFFFFFF || mfr > (kind == IDG_KIND_ESN ? 0xFFu : 0xFFFFFFFFu))
    return FALSE;
  *v = mfr << 24 | serial;
  return TRUE;
}

gboolean
idg_tripwire_add (IdgTripwire *tw,
                  IdgKind      kind,
                  const gchar *value)
{
  gsize n, keep = 0, unique = 0;
  guint before = tw->patterns->len;
  guint64 v;
  guint hex_len;

  g_return_val_if_fail (!tw->compiled, FALSE);
  if (value == NULL)
    return FALSE;
  if (kind == IDG_KIND_MSISDN && value[0] == '+')
    value++;
  n = strlen (value);
  if (kind == IDG_KIND_ICCID)
    while (n > 0 && (value[n - 1] == 'F' || value[n - 1] == 'f'))
      n--;
  switch (kind) {
  case IDG_KIND_ESN:
  case IDG_KIND_MEID:
    if (!parse_esn_meid (kind, value, n, &v, &hex_len))
      return FALSE;
    add_esn_meid (tw, kind, v, hex_len);
    return tw->patterns->len > before;
  case IDG_KIND_IMSI:
    keep = unique = 5;          /* MCC + a 2-digit MNC: a third digit is searched too */
    break;
  case IDG_KIND_IMEI:
  case IDG_KIND_IMEISV:
    unique = 8;                 /* after the type allocation code */
    break;
  case IDG_KIND_ICCID:
  case IDG_KIND_EID:
    keep = 2;                   /* "89", as redaction keeps it */
    break;
  case IDG_KIND_MSISDN:
    break;
  }
  if (n < IDG_TRIPWIRE_RUN || n > MAX_DIGITS || !all_digits (value, n))
    return FALSE;
  if (unique + IDG_TRIPWIRE_RUN > n)
    unique = n - IDG_TRIPWIRE_RUN;
  add_digits (tw, kind, value, n, keep, unique);
  return tw->patterns->len > before;
}

/* ---- the automaton ---- */

static const guint8 *
pat_bytes (IdgTripwire   *tw,
           const Pattern *p)
{
  return tw->bytes->data + p->off;
}

static gint
pattern_cmp (gconstpointer a,
             gconstpointer b,
             gpointer      data)
{
  IdgTripwire *tw = data;
  const Pattern *x = a, *y = b;
  gint c = memcmp (pat_bytes (tw, x), pat_bytes (tw, y), MIN (x->len, y->len));

  if (c != 0)
    return c;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return memcmp (pat_bytes (tw, x) + x->len, pat_bytes (tw, y) + y->len, x->len);
}

static guint32
find_edge (const IdgTripwire *tw,
           const Node        *node,
           guint8             c)
{
  guint32 lo = node->edges, hi = node->edges + node->n_edges;

  while (lo < hi) {
    guint32 mid = (lo + hi) / 2;

    if (tw->edge_byte[mid] == c)
      return tw->edge_to[mid];
    if (tw->edge_byte[mid] < c)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static guint32
go (const IdgTripwire *tw,
    guint32            s,
    guint8             c)
{
  for (;;) {
    const Node *n = &tw->nodes[s];
    guint32 t;

    if (n->dense != 0)
      return tw->dense[(n->dense - 1) * 256 + c];
    t = find_edge (tw, n, c);
    if (t != 0)
      return t;
    s = n->fail;
  }
}

typedef struct {
  guint32 parent;
  guint32 child;
  guint8  byte;
} BuildEdge;

static void
compile (IdgTripwire *tw)
{
  g_autoptr(GArray) edges = g_array_new (FALSE, FALSE, sizeof (BuildEdge));
  g_autofree guint32 *path = NULL;
  g_autofree guint32 *count = NULL;
  g_autofree guint32 *queue = NULL;
  const Pattern *prev = NULL;
  guint maxlen = 0, i, j, keep = 0, capacity = 1, head = 0, tail = 0;

  tw->compiled = TRUE;
  g_array_sort_with_data (tw->patterns, pattern_cmp, tw);
  for (i = 0; i < tw->patterns->len; i++) {
    Pattern *p = &g_array_index (tw->patterns, Pattern, i);

    if (keep > 0 && pattern_cmp (&g_array_index (tw->patterns, Pattern, keep - 1), p, tw) == 0)
      continue;
    g_array_index (tw->patterns, Pattern, keep++) = *p;
    maxlen = MAX (maxlen, p->len);
    capacity += p->len;
  }
  g_array_set_size (tw->patterns, keep);

  /* the trie, from patterns in byte order: a pattern shares its path with
   * the previous one as far as their bytes agree */
  tw->nodes = g_new0 (Node, capacity);
  tw->n_nodes = 1;
  path = g_new0 (guint32, maxlen + 1);
  for (i = 0; i < tw->patterns->len; i++) {
    Pattern *p = &g_array_index (tw->patterns, Pattern, i);
    const guint8 *pb = pat_bytes (tw, p);
    guint lcp = 0;

    if (prev != NULL)
      while (lcp < prev->len && lcp < p->len && pat_bytes (tw, prev)[lcp] == pb[lcp])
        lcp++;
    for (j = lcp; j < p->len; j++) {
      BuildEdge e = { path[j], tw->n_nodes, pb[j] };

      g_array_append_val (edges, e);
      path[j + 1] = tw->n_nodes++;
    }
    if (tw->nodes[path[p->len]].n_out++ == 0)
      tw->nodes[path[p->len]].out = i;
    prev = p;
  }

  /* edges grouped by parent (stable: already in byte order per parent) */
  count = g_new0 (guint32, tw->n_nodes + 1);
  for (i = 0; i < edges->len; i++)
    count[g_array_index (edges, BuildEdge, i).parent + 1]++;
  for (i = 0; i < tw->n_nodes; i++) {
    tw->nodes[i].edges = count[i];
    tw->nodes[i].n_edges = (guint16) count[i + 1];
    count[i + 1] += count[i];
  }
  tw->edge_byte = g_new (guint8, MAX (edges->len, 1));
  tw->edge_to = g_new (guint32, MAX (edges->len, 1));
  for (i = 0; i < edges->len; i++) {
    BuildEdge *e = &g_array_index (edges, BuildEdge, i);
    guint32 at = count[e->parent]++;

    tw->edge_byte[at] = e->byte;
    tw->edge_to[at] = e->child;
  }
  /* the root and its children get complete rows: traffic that holds no
   * identifier stays there, one lookup per byte */
  /* row 0 is unused, so that offset 0 in info means "no row" */
  tw->dense = g_new0 (guint32, 256 * (2 + (gsize) tw->nodes[0].n_edges));
  for (i = 0; i < 256; i++)
    tw->dense[256 + i] = find_edge (tw, &tw->nodes[0], (guint8) i);
  tw->nodes[0].dense = 2;

  /* failure and output links, breadth first */
  queue = g_new (guint32, tw->n_nodes);
  queue[tail++] = 0;
  while (head < tail) {
    guint32 s = queue[head++];
    Node *n = &tw->nodes[s];

    for (i = n->edges; i < n->edges + n->n_edges; i++) {
      guint32 t = tw->edge_to[i];
      Node *tn = &tw->nodes[t];

      tn->fail = s == 0 ? 0 : go (tw, n->fail, tw->edge_byte[i]);
      tn->dict = tw->nodes[tn->fail].n_out > 0 ? tn->fail : tw->nodes[tn->fail].dict;
      queue[tail++] = t;
    }
  }
  for (j = 0; j < tw->nodes[0].n_edges; j++) {
    guint32 s = tw->edge_to[tw->nodes[0].edges + j];
    guint32 *row = tw->dense + 256 * (2 + (gsize) j);

    for (i = 0; i < 256; i++)
      row[i] = go (tw, s, (guint8) i);
    tw->nodes[s].dense = 3 + j;
  }
  tw->info = g_new0 (guint32, tw->n_nodes);
  for (i = 0; i < tw->n_nodes; i++) {
    const Node *n = &tw->nodes[i];

    tw->info[i] = (n->dense != 0 ? (n->dense - 1) * 256 : 0) |
                  (n->n_out > 0 || n->dict != 0 ? INFO_OUT : 0);
  }
}

guint
idg_tripwire_n_patterns (IdgTripwire *tw)
{
  if (!tw->compiled)
    compile (tw);
  return tw->patterns->len;
}

guint
idg_tripwire_n_states (IdgTripwire *tw)
{
  if (!tw->compiled)
    compile (tw);
  return tw->n_nodes;
}

/* Masks the recorded hits of kinds not allowed, except the bytes a hit of
 * an allowed kind covers too. Returns the kinds that had a byte to mask: a
 * hit whose every byte belongs to a value the client may see (the serial
 * digits an IMEISV shares with a granted IMEI) is no tripwire hit. */
static guint32
mask_hits (IdgTripwire *tw,
           guint32      allowed,
           guint8      *buf,
           const Hit   *hits,
           guint        n)
{
  gboolean any_allowed = FALSE;
  guint32 masked = 0;
  guint i, j;

  for (i = 0; i < n; i++)
    any_allowed |= (allowed & IDG_KIND_BIT (g_array_index (tw->patterns, Pattern, hits[i].pattern).kind)) != 0;
  for (i = 0; i < n; i++) {
    const Pattern *p = &g_array_index (tw->patterns, Pattern, hits[i].pattern);
    const guint8 *mask = pat_bytes (tw, p) + p->len;
    gsize k;

    if (allowed & IDG_KIND_BIT (p->kind))
      continue;
    for (k = 0; k < p->len; k++) {
      gsize at = hits[i].start + k;
      gboolean covered = FALSE;

      for (j = 0; any_allowed && j < n && !covered; j++) {
        const Pattern *q = &g_array_index (tw->patterns, Pattern, hits[j].pattern);

        covered = (allowed & IDG_KIND_BIT (q->kind)) &&
                  at >= hits[j].start && at < hits[j].start + q->len;
      }
      /* only what the mask changes: where another hit keeps a byte (a
       * kept prefix) and this one masks it, masked wins */
      if (!covered && mask[k] != pat_bytes (tw, p)[k]) {
        buf[at] = mask[k];
        masked |= IDG_KIND_BIT (p->kind);
      }
    }
  }
  return masked;
}

/* The hot loop, apart so that it keeps everything in registers: from byte
 * i, follow dense rows until a state that ends a pattern (returns the index
 * after its byte) or one without a dense row (returns the index of the byte
 * still to read). */
static inline gsize
run_dense (const guint32 *restrict dense,
           const guint32 *restrict info,
           const guint8  *restrict buf,
           gsize                   i,
           gsize                   len,
           guint32                *state)
{
  guint32 s = *state;

  while (i < len) {
    guint32 row = info[s] & INFO_ROW;

    if (G_UNLIKELY (row == 0))
      break;
    s = dense[row + buf[i++]];
    if (G_UNLIKELY (info[s] & INFO_OUT))
      break;
  }
  *state = s;
  return i;
}

/* One pass: records the hits, masks those of kinds not allowed. With
 * cover, masks nothing: marks in cover the bytes of allowed hits. */
static guint32
scan_once (IdgTripwire     *tw,
           guint32          allowed_kinds,
           guint8          *buf,
           gsize            len,
           IdgTripwireHits *hits,
           guint8          *cover)
{
  Hit rec[MAX_HITS];
  guint n = 0;
  guint32 s = 0, masked = 0;
  gsize i = 0;

  while (i < len) {
    gsize from = i;
    guint32 o;

    i = run_dense (tw->dense, tw->info, buf, i, len, &s);
    if (i == from)
      s = go (tw, s, buf[i++]);   /* no dense row: sparse edges, fail links */
    if (!(tw->info[s] & INFO_OUT))
      continue;
    /* s ends a pattern at byte i - 1 */
    for (o = tw->nodes[s].n_out > 0 ? s : tw->nodes[s].dict; o != 0; o = tw->nodes[o].dict) {
      const Node *on = &tw->nodes[o];
      guint k;

      for (k = on->out; k < on->out + on->n_out; k++) {
        const Pattern *p = &g_array_index (tw->patterns, Pattern, k);

        hits->found |= IDG_KIND_BIT (p->kind);
        hits->count[p->kind]++;
        if (cover != NULL) {
          if (allowed_kinds & IDG_KIND_BIT (p->kind))
            memset (cover + i - p->len, 1, p->len);
          continue;
        }
        if (n == MAX_HITS) {
          /* bytes behind the scan: the automaton does not read them again */
          masked |= mask_hits (tw, allowed_kinds, buf, rec, n);
          n = 0;
        }
        rec[n].start = i - p->len;
        rec[n].pattern = k;
        n++;
      }
    }
  }
  if (n > 0)
    masked |= mask_hits (tw, allowed_kinds, buf, rec, n);
  return masked;
}

guint32
idg_tripwire_scan (IdgTripwire     *tw,
                   guint32          allowed_kinds,
                   guint8          *buf,
                   gsize            len,
                   IdgTripwireHits *hits)
{
  IdgTripwireHits local;
  guint32 masked = 0, again;
  guint round;

  if (hits == NULL)
    hits = &local;
  memset (hits, 0, sizeof *hits);
  if (!tw->compiled)
    compile (tw);
  if (tw->patterns->len == 0)
    return 0;
  /* Masking writes zero digits, which can complete another pattern (a run
   * of a value that holds zeros): scan again until nothing is masked. Each
   * round turns at least one digit into 0, so this ends; the bound is for
   * the time a message may take. */
  again = scan_once (tw, allowed_kinds, buf, len, hits, NULL);
  for (round = 0; again != 0 && round < 8; round++) {
    IdgTripwireHits more = { 0 };

    masked |= again;
    again = scan_once (tw, allowed_kinds, buf, len, &more, NULL);
  }
  hits->masked = masked | again;
  return hits->masked;
}

/* ---- for idg-tripwire-shape.c ---- */

gboolean
idg_tripwire_is_binary (const IdgTripwire *tw)
{
  return tw->binary;
}

void
idg_tripwire_cover (IdgTripwire *tw,
                    guint32      allowed_kinds,
                    guint8      *buf,
                    gsize        len,
                    guint8      *cover)
{
  IdgTripwireHits hits = { 0 };

  if (!tw->compiled)
    compile (tw);
  if ((allowed_kinds & IDG_KIND_MASK_ALL) == 0 || tw->patterns->len == 0)
    return;
  scan_once (tw, allowed_kinds, buf, len, &hits, cover);
}
