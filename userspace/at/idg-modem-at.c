/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT modem backend: opens the AT port, reads IMEI (+CGSN), IMEISV
 * (+CGSN=2), IMSI (+CIMI), ICCID (+CRSM of EF_ICCID, else +CCID) and MSISDN
 * (+CNUM) into the broker, re-reads the SIM's identifiers on a SIM-related
 * unsolicited code or when a door client's +CIMI / ICCID read shows a SIM
 * other than the one read (cleared first: never stale), and reopens with backoff
 * (1 s doubling to 60 s) when the port disappears or answers garbage. No
 * timer runs while the port is up and idle.
 */
#include "idg-modem-at.h"
#include "idg-at-filter.h"
#include "idg-backoff.h"
#include "idg-encoding.h"
#include "idg-personal.h"
#include "idg-token.h"

#include <string.h>
#include <gio/gio.h>

#define SOURCE "at"
#define PROBE_TRIES 5
#define READ_TIMEOUT_MS 10000
#define PROBE_TIMEOUT_MS 2000
/* echo off for our own parsing (the door echoes per client), result codes
 * on and verbose: the port splits replies on them */
#define INIT_LINE "ATE0Q0V1"
#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 60

typedef enum {
  PARSE_DIGITS,     /* a bare or labelled value */
  PARSE_CRSM_ICCID, /* +CRSM: 144,0,"hex" of EF_ICCID */
  PARSE_CNUM,       /* the first +CNUM number */
} ParseKind;

typedef struct {
  const gchar *line;
  IdgKind      kind;
  ParseKind    parse;
  gboolean     sim;        /* re-read on SIM change */
  guint        min, max;   /* PARSE_DIGITS: length of a believable value */
} Step;

static const Step steps[] = {
  /* IMEI, or an ESN/MEID in hex on a CDMA modem */
  { "AT+CGSN", IDG_KIND_IMEI, PARSE_DIGITS, FALSE, 8, 17 },
  /* a modem that ignores "=2" answers the IMEI: not an IMEISV */
  { "AT+CGSN=2", IDG_KIND_IMEISV, PARSE_DIGITS, FALSE, 16, 16 },
  { "AT+CIMI", IDG_KIND_IMSI, PARSE_DIGITS, TRUE, 6, 15 },
  { "AT+CRSM=176,12258,0,0,10", IDG_KIND_ICCID, PARSE_CRSM_ICCID, TRUE, 0, 0 },
  { "AT+CCID", IDG_KIND_ICCID, PARSE_DIGITS, TRUE, 18, 22 },
  { "AT+CNUM", IDG_KIND_MSISDN, PARSE_CNUM, TRUE, 0, 0 },
};

/* Unsolicited codes that say the SIM changed (inserted, removed, ready). */
static const gchar *const sim_urcs[] = {
  "+CPIN:", "+SIMCARD:", "^SIMST:", "+QUSIM:", "+QSIMSTAT:", "+CSMINS:", "+ESIMS:",
  "#QSS:", "^SCKS:", "+UUSIMSTAT:", "+STIN:", "+PACSP",
};

struct _IdgModemAt {
  IdgModem   parent;
  IdgBroker *broker;
  gchar     *path;
  IdgAtPort *port;
  guint      urc_id;
  IdgBackoff retry;
  guint      probes;
  gint       step;          /* running step, -1 when idle */
  gboolean   sim_only;      /* this round reads the SIM steps only */
  gboolean   again;         /* a SIM change came in during a round */
  gboolean   have_iccid;
  guint8     key[32];       /* random: keys the digests below */
  gchar     *digest[IDG_KIND_COUNT]; /* HMAC of each SIM value we hold */
  guint      generation;    /* bumped on close: late callbacks are ignored */
  gboolean   known;         /* a full round has read the identifiers since
                             * the port was last opened */
};

G_DEFINE_FINAL_TYPE (IdgModemAt, idg_modem_at, IDG_TYPE_MODEM)

static void
idg_modem_at_init (IdgModemAt *modem)
{
}

static void
idg_modem_at_class_init (IdgModemAtClass *klass)
{
}

static void open_port (IdgModemAt *modem);
static void run_step (IdgModemAt *modem);

static void
set_state (IdgModemAt  *modem,
           const gchar *state)
{
  idg_broker_set_modem_state (modem->broker, SOURCE, state);
}

static void
on_retry (gpointer user_data)
{
  open_port (user_data);
}

static void
schedule_retry (IdgModemAt  *modem,
                const gchar *reason)
{
  g_autofree gchar *state = NULL;
  gsize i;

  idg_at_port_close (modem->port);
  modem->generation++;
  modem->step = -1;
  idg_broker_clear_identifiers (modem->broker, SOURCE);
  for (i = 0; i < IDG_KIND_COUNT; i++)
    g_clear_pointer (&modem->digest[i], g_free);
  state = idg_backoff_schedule (&modem->retry, reason);
  set_state (modem, state);
  g_debug ("AT modem: %s", state);
}

/* The value token of the first informational line of a reply: after an
 * optional "LABEL:", without quotes and spaces. NULL if none. */
static gchar *
first_value (const GString *reply)
{
  g_auto(GStrv) lines = g_strsplit_set (reply->str, "\r\n", -1);
  gchar **l;

  for (l = lines; *l; l++) {
    gchar *v = g_strstrip (*l);
    gchar *colon;

    if (*v == '\0' || idg_at_is_final (v, strlen (v)))
      continue;
    colon = strchr (v, ':');
    if (colon)
      v = g_strstrip (colon + 1);
    if (*v == '"') {
      gchar *q = strchr (v + 1, '"');

      v++;
      if (q)
        *q = '\0';
    }
    return g_strdup (v);
  }
  return NULL;
}

static gboolean
all_alnum (const gchar *s,
           gsize        min,
           gsize        max)
{
  gsize n = strlen (s), i;

  if (n < min || n > max)
    return FALSE;
  for (i = 0; i < n; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gchar *
parse_reply (const Step    *step,
             const GString *reply)
{
  g_autofree gchar *v = NULL;

  switch (step->parse) {
  case PARSE_DIGITS:
    v = first_value (reply);
    if (!v)
      return NULL;
    if (step->kind == IDG_KIND_ICCID) {
      gsize n = strlen (v);

      while (n > 0 && (v[n - 1] == 'F' || v[n - 1] == 'f'))
        v[--n] = '\0';
    }
    if (!all_alnum (v, step->min, step->max))
      return NULL;
    /* decimal identifiers are decimal */
    if (step->kind != IDG_KIND_IMEI && step->kind != IDG_KIND_ICCID && strspn (v, "0123456789") != strlen (v))
      return NULL;
    return g_steal_pointer (&v);
  case PARSE_CRSM_ICCID: {
    guint8 bytes[IDG_EF_ICCID_LEN];
    gchar digits[2 * IDG_EF_ICCID_LEN + 1];
    gchar **f;
    g_auto(GStrv) fields = NULL;

    v = first_value (reply);   /* "144,0,\"98...\"" after the label */
    if (!v)
      return NULL;
    fields = g_strsplit (v, ",", -1);
    if (g_strv_length (fields) < 3 || strcmp (g_strstrip (fields[0]), "144") != 0)
      return NULL;
    f = &fields[2];
    g_strdelimit (*f, "\"", ' ');
    g_strstrip (*f);
    if (idg_hex_decode (*f, strlen (*f), bytes, sizeof bytes) != IDG_EF_ICCID_LEN ||
        idg_bcd_decode (bytes, sizeof bytes, digits, sizeof digits) < 18)
      return NULL;
    return g_strdup (digits);
  }
  case PARSE_CNUM: {
    g_auto(GStrv) lines = g_strsplit_set (reply->str, "\r\n", -1);
    gchar **l;

    for (l = lines; *l; l++) {
      g_auto(GStrv) fields = NULL;
      gchar *num;

      if (g_ascii_strncasecmp (g_strstrip (*l), "+CNUM:", 6) != 0)
        continue;
      fields = g_strsplit (*l + 6, ",", -1);
      if (g_strv_length (fields) < 2)
        continue;
      num = g_strstrip (g_strdelimit (fields[1], "\"", ' '));
      if (*num)
        return g_strdup (num);
    }
    return NULL;
  }
  }
  return NULL;
}

/* What a reply callback gets: the modem and the open it was sent on. */
typedef struct {
  IdgModemAt *modem;
  guint       generation;
} Pending;

/* Sends line on this open of the port; func's user_data is a Pending for
 * pending_take (). */
static void
send_pending (IdgModemAt     *modem,
              const gchar    *line,
              guint           timeout_ms,
              IdgAtReplyFunc  func)
{
  Pending *p = g_new0 (Pending, 1);

  p->modem = modem;
  p->generation = modem->generation;
  idg_at_port_send (modem->port, line, timeout_ms, func, p);
}

/* Frees p; the modem, or NULL if the reply belongs to an earlier open (or
 * a modem being freed). */
static IdgModemAt *
pending_take (gpointer user_data)
{
  Pending *p = user_data;
  IdgModemAt *modem = p->modem;
  gboolean current = p->generation == modem->generation;

  g_free (p);
  return current ? modem : NULL;
}

static gchar *
value_digest (IdgModemAt  *modem,
              const gchar *value)
{
  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, modem->key, sizeof modem->key, value, -1);
}

static void
next_step (IdgModemAt *modem)
{
  modem->step++;
  while ((gsize) modem->step < G_N_ELEMENTS (steps) &&
         ((modem->sim_only && !steps[modem->step].sim) ||
          (steps[modem->step].parse == PARSE_DIGITS && steps[modem->step].kind == IDG_KIND_ICCID &&
           modem->have_iccid)))
    modem->step++;
  if ((gsize) modem->step >= G_N_ELEMENTS (steps)) {
    modem->step = -1;
    if (modem->again) {
      modem->again = FALSE;
      modem->sim_only = TRUE;
      modem->have_iccid = FALSE;
      next_step (modem);
      return;
    }
    set_state (modem, "ready");
    g_debug ("AT modem: identifiers read");
    if (!modem->known) {
      modem->known = TRUE;
      idg_modem_emit_ids_known (IDG_MODEM (modem));
    }
    return;
  }
  run_step (modem);
}

static void
on_step_reply (IdgAtPort     *port,
               const GString *reply,
               const GError  *error,
               gpointer       user_data)
{
  IdgModemAt *modem = pending_take (user_data);
  const Step *step;
  g_autofree gchar *value = NULL;

  if (!modem || modem->step < 0)
    return;
  step = &steps[modem->step];
  if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    schedule_retry (modem, "the modem does not answer");
    return;
  }
  if (error)
    return;   /* closed: the closed handler retries */
  value = parse_reply (step, reply);
  if (step->kind == IDG_KIND_ICCID && value)
    modem->have_iccid = TRUE;
  /* the +CRSM attempt at the ICCID does not clear what +CCID may find */
  if (value || !(step->kind == IDG_KIND_ICCID && step->parse == PARSE_CRSM_ICCID)) {
    idg_broker_set_identifier (modem->broker, SOURCE, step->kind, value);
    g_free (modem->digest[step->kind]);
    modem->digest[step->kind] = value ? value_digest (modem, value) : NULL;
  }
  g_debug ("AT modem: %s -> %s", idg_kind_to_string (step->kind), idg_personal (value));
  if (value)
    memset (value, 0, strlen (value));
  next_step (modem);
}

static void
run_step (IdgModemAt *modem)
{
  send_pending (modem, steps[modem->step].line, READ_TIMEOUT_MS, on_step_reply);
}

static void
start_round (IdgModemAt *modem,
             gboolean    sim_only)
{
  if (modem->step >= 0) {
    modem->again = TRUE;
    return;
  }
  modem->sim_only = sim_only;
  modem->have_iccid = FALSE;
  /* a full round: the port was (re)opened, perhaps on another modem */
  if (!sim_only)
    modem->known = FALSE;
  modem->step = -1;
  set_state (modem, sim_only ? "reading the SIM" : "reading");
  next_step (modem);
}

static void
on_init_reply (IdgAtPort     *port,
               const GString *reply,
               const GError  *error,
               gpointer       user_data)
{
  IdgModemAt *modem = pending_take (user_data);

  if (!modem)
    return;
  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return;
  if (error || !strstr (reply->str, "OK")) {
    if (++modem->probes < PROBE_TRIES) {
      send_pending (modem, INIT_LINE, PROBE_TIMEOUT_MS, on_init_reply);
      return;
    }
    schedule_retry (modem, error ? "the modem does not answer" : "the modem answers garbage");
    return;
  }
  idg_backoff_reset (&modem->retry);
  start_round (modem, FALSE);
}

static void
on_closed (IdgAtPort    *port,
           const GError *error,
           gpointer      user_data)
{
  IdgModemAt *modem = user_data;

  schedule_retry (modem, "the port went away");
}

static gboolean
is_sim_urc (const gchar *line)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (sim_urcs); i++)
    if (g_ascii_strncasecmp (line, sim_urcs[i], strlen (sim_urcs[i])) == 0)
      return TRUE;
  return FALSE;
}

static void
sim_changed (IdgModemAt *modem)
{
  gsize i;

  g_debug ("AT modem: SIM change, re-reading");
  /* the SIM's identifiers are unknown until read again */
  for (i = 0; i < G_N_ELEMENTS (steps); i++) {
    if (steps[i].sim) {
      idg_broker_set_identifier (modem->broker, SOURCE, steps[i].kind, NULL);
      g_clear_pointer (&modem->digest[steps[i].kind], g_free);
    }
  }
  start_round (modem, TRUE);
}

static void
on_urc (IdgAtPort   *port,
        const gchar *line,
        gpointer     user_data)
{
  IdgModemAt *modem = user_data;

  if (is_sim_urc (line))
    sim_changed (modem);
}

void
idg_modem_at_observe (IdgModemAt    *modem,
                      const gchar   *line,
                      const GString *reply)
{
  g_autofree gchar *norm = g_strstrip (g_ascii_strup (line, -1));
  g_autofree gchar *value = NULL;
  g_autofree gchar *digest = NULL;
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i].sim && steps[i].kind != IDG_KIND_MSISDN && strcmp (norm, steps[i].line) == 0)
      break;
  if (i == G_N_ELEMENTS (steps) || modem->step >= 0 || !idg_at_port_is_open (modem->port))
    return;
  value = parse_reply (&steps[i], reply);
  if (!value)
    return;
  digest = value_digest (modem, value);
  memset (value, 0, strlen (value));
  if (g_strcmp0 (digest, modem->digest[steps[i].kind]) != 0)
    sim_changed (modem);
}

static void
open_port (IdgModemAt *modem)
{
  g_autoptr(GError) error = NULL;

  set_state (modem, "opening");
  if (!idg_at_port_open (modem->port, modem->path, &error)) {
    g_debug ("AT modem: %s", error->message);
    schedule_retry (modem, "cannot open the port");
    return;
  }
  modem->generation++;
  modem->probes = 0;
  modem->step = -1;
  modem->again = FALSE;
  send_pending (modem, INIT_LINE, PROBE_TIMEOUT_MS, on_init_reply);
}

IdgModemAt *
idg_modem_at_new (IdgBroker   *broker,
                  const gchar *path)
{
  IdgModemAt *modem = g_object_new (IDG_TYPE_MODEM_AT, NULL);
  g_autoptr(GError) error = NULL;

  modem->broker = broker;
  modem->path = g_strdup (path);
  modem->port = idg_at_port_new ();
  modem->step = -1;
  idg_backoff_init (&modem->retry, BACKOFF_MIN_S, BACKOFF_MAX_S, on_retry, modem);
  /* a hotplugged port: retried as soon as it appears (idg-backoff.h) */
  idg_backoff_watch_path (&modem->retry, modem->path);
  idg_at_port_set_closed_func (modem->port, on_closed, modem);
  modem->urc_id = idg_at_port_add_urc_func (modem->port, on_urc, modem);
  /* The digests' key must be unpredictable: getrandom(2), not GLib's
   * Mersenne Twister (g_random_*, seeded from the clock and /dev/urandom
   * once, and not a CSPRNG). It fails only without the syscall: the broker
   * does not run without a cryptographic source. */
  if (!idg_random_bytes (modem->key, sizeof modem->key, &error))
    g_error ("AT backend: %s", error->message);
  open_port (modem);
  return modem;
}

IdgAtPort *
idg_modem_at_peek_port (IdgModemAt *modem)
{
  return modem->port;
}

gboolean
idg_modem_at_ids_known (IdgModemAt *modem)
{
  return modem->known;
}

void
idg_modem_at_free (IdgModemAt *modem)
{
  gsize i;

  if (!modem)
    return;
  idg_backoff_cancel (&modem->retry);
  modem->generation++;
  idg_at_port_set_closed_func (modem->port, NULL, NULL);
  idg_at_port_remove_urc_func (modem->port, modem->urc_id);
  idg_at_port_free (modem->port);
  for (i = 0; i < IDG_KIND_COUNT; i++)
    g_free (modem->digest[i]);
  g_free (modem->path);
  g_object_unref (modem);
}
