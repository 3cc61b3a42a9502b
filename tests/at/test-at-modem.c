/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT port queue and the AT backend against a scripted modem on a pty
 * (the master side is the modem): echo, URCs among replies, replies split
 * into single bytes, timeouts and late replies, hang-up; the backend's
 * reads, its re-read on a SIM URC (values cleared first), and its state
 * when the modem goes away or answers garbage; the door with a socket
 * client and a pty client (filtering, prompts, a client vanishing mid-
 * request, the modem gone, a squatted name). The broker is a fake that
 * records what the backend reports and lets no client see anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "idg-at-port.h"
#include "idg-modem-at.h"
#include "idg-door-at.h"
#include "idg-encoding.h"
#include "idg-selector.h"

/* ---- fake broker ---- */

struct _IdgBroker {
  gchar *values[IDG_KIND_COUNT];
  gchar *state;
  guint  clears;
};

static IdgBroker fake;

void
idg_broker_set_identifier (IdgBroker   *broker,
                           const gchar *source,
                           IdgKind      kind,
                           const gchar *value)
{
  g_assert_cmpstr (source, ==, "at");
  g_free (broker->values[kind]);
  broker->values[kind] = g_strdup (value);
}

void
idg_broker_clear_identifiers (IdgBroker   *broker,
                              const gchar *source)
{
  guint i;

  for (i = 0; i < IDG_KIND_COUNT; i++)
    g_clear_pointer (&broker->values[i], g_free);
  broker->clears++;
}

void
idg_broker_set_modem_state (IdgBroker   *broker,
                            const gchar *source,
                            const gchar *state)
{
  g_free (broker->state);
  broker->state = g_strdup (state);
}


/* ---- fake guard, identities and selectors for the door ---- */

static const guint8 fake_secret[IDG_SECRET_LEN];
static guint refusals;

void
idg_broker_guard_begin (IdgBroker         *broker,
                        const IdgIdentity *identity,
                        IdgGuard          *guard)
{
  idg_guard_init (guard, 0, IDG_POLICY_REDACT, fake_secret, identity->service);
}

void
idg_broker_guard_end (IdgBroker         *broker,
                      const IdgIdentity *identity,
                      const gchar       *door,
                      const IdgGuard    *guard)
{
  guint i;

  g_assert_cmpstr (door, ==, IDG_DOOR_AT);
  for (i = 0; i < IDG_GUARD_SLOTS; i++)
    refusals += guard->tally[i][IDG_DECISION_REFUSE];
}

/* The value tripwire is the broker's (tests/broker/tripwire-door.sh tests
 * it through this door); the fake broker knows no values. */
guint32
idg_broker_guard_scan (IdgBroker         *broker,
                       const IdgIdentity *identity,
                       IdgGuard          *guard,
                       const gchar       *door,
                       const gchar       *route,
                       guint8            *buf,
                       gsize              len)
{
  g_assert_cmpstr (door, ==, IDG_DOOR_AT);
  return 0;
}

IdgIdentity *
idg_identity_new_unknown (const gchar *label)
{
  IdgIdentity *id = g_new0 (IdgIdentity, 1);

  id->service = g_strdup (label);
  return id;
}

IdgIdentity *
idg_identity_from_socket (int      fd,
                          GError **error)
{
  IdgIdentity *id = idg_identity_new_unknown ("uid:0");

  id->known = TRUE;
  return id;
}

void
idg_identity_free (IdgIdentity *identity)
{
  if (!identity)
    return;
  g_free (identity->exe);
  g_free (identity->unit);
  g_free (identity->cgroup);
  g_free (identity->service);
  g_free (identity);
}

IdgSelector *
idg_selector_parse (const gchar *str,
                    GError     **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no selectors here");
  return NULL;
}

gchar *
idg_selector_to_string (const IdgSelector *selector)
{
  return g_strdup ("");
}

void
idg_selector_free (IdgSelector *selector)
{
}

/* the doors' connect policy: the default (uid 0 and our euid), no audit */
static IdgConfig fake_config;

IdgConfig *
idg_broker_get_config (IdgBroker *broker)
{
  return &fake_config;
}

IdgAudit *
idg_broker_get_audit (IdgBroker *broker)
{
  return NULL;
}

gboolean
idg_audit_add_coalesced (IdgAudit          *audit,
                         const IdgIdentity *identity,
                         const gchar       *door,
                         const gchar       *kind,
                         const gchar       *grants,
                         IdgDecision        decision,
                         guint              count,
                         const gchar       *reason)
{
  return TRUE;
}

gboolean
idg_selector_matches (const IdgSelector *selector,
                      const IdgIdentity *identity)
{
  return FALSE;
}

gchar *
idg_identity_describe (const IdgIdentity *identity)
{
  return g_strdup (identity->service);
}

/* ---- scripted modem on the master side of a pty ---- */

typedef enum { MODEM_NORMAL, MODEM_SILENT, MODEM_GARBAGE } ModemMode;

typedef struct {
  int         master;
  gchar      *slave_path;
  guint       watch;
  GString    *in;
  GHashTable *replies;   /* upper-case command line -> reply text */
  ModemMode   mode;
  gboolean    echo;
  gboolean    one_byte;  /* write replies one byte at a time */
  const gchar *before;   /* written before the echo of the next command */
  gboolean    prompted;  /* "> " sent: text up to ^Z expected */
  guint       texts;
  guint       commands;
} Modem;

static void
modem_write (Modem       *m,
             const gchar *s)
{
  gsize n = strlen (s), i;

  if (!m->one_byte) {
    g_assert_cmpint (write (m->master, s, n), ==, (gssize) n);
    return;
  }
  for (i = 0; i < n; i++) {
    g_assert_cmpint (write (m->master, s + i, 1), ==, 1);
    g_usleep (200);
  }
}

static gboolean
on_modem_input (gint         fd,
                GIOCondition cond,
                gpointer     user_data)
{
  Modem *m = user_data;
  gchar buf[512];
  gssize n = read (fd, buf, sizeof buf);
  gchar *cr;

  if (n <= 0)
    return G_SOURCE_CONTINUE;
  g_string_append_len (m->in, buf, n);
  /* the text after a prompt ends with ^Z */
  if (m->prompted && (cr = memchr (m->in->str, '\x1a', m->in->len)) != NULL) {
    m->texts++;
    g_string_erase (m->in, 0, cr - m->in->str + 1);
    m->prompted = FALSE;
    modem_write (m, "\r\n+CMGS: 7\r\n\r\nOK\r\n");
  }
  while ((cr = memchr (m->in->str, '\r', m->in->len)) != NULL) {
    g_autofree gchar *line = g_strndup (m->in->str, cr - m->in->str);
    g_autofree gchar *key = g_ascii_strup (line, -1);
    const gchar *reply;

    g_string_erase (m->in, 0, cr - m->in->str + 1);
    m->commands++;
    if (m->before) {
      modem_write (m, m->before);
      m->before = NULL;
    }
    if (m->echo) {
      modem_write (m, line);
      modem_write (m, "\r");
    }
    if (m->mode == MODEM_SILENT)
      continue;
    if (m->mode == MODEM_GARBAGE) {
      modem_write (m, "\r\n\x01\x02garbage\r\n\r\nERROR\r\n");
      continue;
    }
    if (g_str_equal (key, "ATE0"))
      m->echo = FALSE;
    if (g_str_has_prefix (key, "AT+CMGS=")) {
      m->prompted = TRUE;
      modem_write (m, "\r\n> ");
      continue;
    }
    reply = g_hash_table_lookup (m->replies, key);
    modem_write (m, reply ? reply : (g_str_has_prefix (key, "ATE") ? "\r\nOK\r\n" : "\r\nERROR\r\n"));
  }
  return G_SOURCE_CONTINUE;
}

static Modem *
modem_new (void)
{
  Modem *m = g_new0 (Modem, 1);
  struct termios tio;
  int slave;

  m->master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (m->master, >=, 0);
  g_assert_cmpint (grantpt (m->master), ==, 0);
  g_assert_cmpint (unlockpt (m->master), ==, 0);
  m->slave_path = g_strdup (ptsname (m->master));
  /* raw from the start, so that nothing is echoed by the line discipline */
  slave = open (m->slave_path, O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);
  tcgetattr (slave, &tio);
  cfmakeraw (&tio);
  tcsetattr (slave, TCSANOW, &tio);
  close (slave);
  m->in = g_string_new (NULL);
  m->replies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  m->echo = TRUE;
  m->watch = g_unix_fd_add (m->master, G_IO_IN, on_modem_input, m);
  return m;
}

static void
modem_reply (Modem       *m,
             const gchar *cmd,
             const gchar *reply)
{
  g_hash_table_replace (m->replies, g_strdup (cmd), g_strdup (reply));
}

static void
modem_hangup (Modem *m)
{
  if (m->watch)
    g_source_remove (m->watch);
  m->watch = 0;
  if (m->master >= 0)
    close (m->master);
  m->master = -1;
}

static void
modem_free (Modem *m)
{
  modem_hangup (m);
  g_string_free (m->in, TRUE);
  g_hash_table_unref (m->replies);
  g_free (m->slave_path);
  g_free (m);
}

static gboolean
on_deadline (gpointer user_data)
{
  g_error ("test timed out");
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until cond (data) holds. */
static void
run_until (gboolean (*cond) (gpointer), gpointer data)
{
  guint deadline = g_timeout_add_seconds (10, on_deadline, NULL);

  while (!cond (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end) {
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

/* ---- port ---- */

typedef struct {
  gboolean  done;
  GString  *reply;
  GError   *error;
} Result;

static void
on_reply (IdgAtPort     *port,
          const GString *reply,
          const GError  *error,
          gpointer       user_data)
{
  Result *r = user_data;

  r->done = TRUE;
  if (reply)
    r->reply = g_string_new_len (reply->str, reply->len);
  if (error)
    r->error = g_error_copy (error);
}

static void
result_clear (Result *r)
{
  if (r->reply)
    g_string_free (r->reply, TRUE);
  g_clear_error (&r->error);
  memset (r, 0, sizeof *r);
}

static void
on_urc (IdgAtPort   *port,
        const gchar *line,
        gpointer     user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

static gboolean closed_called;

static void
on_closed (IdgAtPort    *port,
           const GError *error,
           gpointer      user_data)
{
  closed_called = TRUE;
}

static void
send_and_wait (IdgAtPort   *port,
               const gchar *line,
               guint        timeout_ms,
               Result      *r)
{
  result_clear (r);
  idg_at_port_send (port, line, timeout_ms, on_reply, r);
  run_until (flag_set, &r->done);
}

static void
test_port (void)
{
  Modem *m = modem_new ();
  IdgAtPort *port = idg_at_port_new ();
  g_autoptr(GPtrArray) urcs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  Result r = { 0 };
  guint n_urcs;

  modem_reply (m, "AT+CGMI", "\r\nACME\r\n\r\nOK\r\n");
  modem_reply (m, "AT+CGMM", "\r\n+CREG: 1\r\nX1\r\n\r\nOK\r\n");
  modem_reply (m, "AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  modem_reply (m, "AT+CFUN?", "\r\n+CME ERROR: 10\r\n");
  g_assert_true (idg_at_port_open (port, m->slave_path, &error));
  idg_at_port_add_urc_func (port, on_urc, urcs);
  idg_at_port_set_closed_func (port, on_closed, NULL);

  /* the echo is not part of the reply */
  send_and_wait (port, "AT+CGMI", 2000, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (r.reply->str, ==, "\r\nACME\r\n\r\nOK\r\n");
  /* a URC among the reply lines goes to the URC handlers */
  send_and_wait (port, "AT+CGMM", 2000, &r);
  g_assert_cmpstr (r.reply->str, ==, "\r\nX1\r\n\r\nOK\r\n");
  g_assert_cmpuint (urcs->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (urcs, 0), ==, "+CREG: 1");
  /* ...unless the command asked for it */
  send_and_wait (port, "AT+CPIN?", 2000, &r);
  g_assert_cmpstr (r.reply->str, ==, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  g_assert_cmpuint (urcs->len, ==, 1);
  send_and_wait (port, "AT+CFUN?", 2000, &r);
  g_assert_cmpstr (r.reply->str, ==, "\r\n+CME ERROR: 10\r\n");
  /* a reply arriving one byte at a time */
  m->one_byte = TRUE;
  send_and_wait (port, "ATE0", 2000, &r);
  send_and_wait (port, "AT+CGMM", 2000, &r);
  g_assert_cmpstr (r.reply->str, ==, "\r\nX1\r\n\r\nOK\r\n");
  m->one_byte = FALSE;
  /* unsolicited while idle */
  modem_write (m, "\r\nRING\r\n");
  spin (100);
  g_assert_cmpstr (g_ptr_array_index (urcs, urcs->len - 1), ==, "RING");
  /* a silent modem: timeout; its late reply is not taken for a URC */
  n_urcs = urcs->len;
  m->mode = MODEM_SILENT;
  send_and_wait (port, "AT+CGMI", 200, &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  modem_write (m, "\r\n123456789012345\r\n\r\nOK\r\n");
  spin (100);
  g_assert_cmpuint (urcs->len, ==, n_urcs);
  m->mode = MODEM_NORMAL;
  send_and_wait (port, "AT+CGMI", 2000, &r);
  g_assert_cmpstr (r.reply->str, ==, "\r\nACME\r\n\r\nOK\r\n");
  /* a URC before the echo: the echo is still recognised */
  m->echo = TRUE;
  m->before = "\r\n+CREG: 5\r\n";
  send_and_wait (port, "AT+CGMI", 2000, &r);
  g_assert_cmpstr (r.reply->str, ==, "\r\nACME\r\n\r\nOK\r\n");
  g_assert_cmpstr (g_ptr_array_index (urcs, urcs->len - 1), ==, "+CREG: 5");
  /* after a timeout the next command waits for the late reply's end */
  {
    Result first = { 0 };
    guint sent;

    result_clear (&r);
    m->mode = MODEM_SILENT;
    idg_at_port_send (port, "AT+CGMM", 200, on_reply, &first);
    idg_at_port_send (port, "AT+CGMI", 2000, on_reply, &r);
    run_until (flag_set, &first.done);
    g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    sent = m->commands;
    spin (100);
    g_assert_cmpuint (m->commands, ==, sent);
    g_assert_false (r.done);
    m->mode = MODEM_NORMAL;
    modem_write (m, "\r\nX1\r\n\r\nOK\r\n");
    run_until (flag_set, &r.done);
    g_assert_cmpstr (r.reply->str, ==, "\r\nACME\r\n\r\nOK\r\n");
    result_clear (&first);
  }
  /* a prompt: nothing else goes out until its text */
  {
    Result text = { 0 };
    guint sent;

    m->echo = FALSE;
    send_and_wait (port, "AT+CMGS=5", 2000, &r);
    g_assert_no_error (r.error);
    g_assert_true (g_str_has_suffix (r.reply->str, "> "));
    result_clear (&r);
    sent = m->commands;
    idg_at_port_send (port, "AT+CGMI", 2000, on_reply, &r);
    spin (100);
    g_assert_cmpuint (m->commands, ==, sent);
    idg_at_port_send_text (port, "0011\x1a", 5, 2000, on_reply, &text);
    run_until (flag_set, &text.done);
    g_assert_cmpstr (text.reply->str, ==, "\r\n+CMGS: 7\r\n\r\nOK\r\n");
    g_assert_cmpuint (m->texts, ==, 1);
    run_until (flag_set, &r.done);
    g_assert_cmpstr (r.reply->str, ==, "\r\nACME\r\n\r\nOK\r\n");
    result_clear (&text);
    /* text without a prompt is refused */
    idg_at_port_send_text (port, "\x1a", 1, 2000, on_reply, &text);
    g_assert_true (text.done);
    g_assert_nonnull (text.error);
    result_clear (&text);
  }

  /* hang-up: closed handler, queued commands fail */
  m->mode = MODEM_SILENT;
  result_clear (&r);
  idg_at_port_send (port, "AT+CGMI", 5000, on_reply, &r);
  modem_hangup (m);
  run_until (flag_set, &r.done);
  g_assert_nonnull (r.error);
  g_assert_true (closed_called);
  g_assert_false (idg_at_port_is_open (port));
  result_clear (&r);
  /* sending on a closed port fails at once */
  idg_at_port_send (port, "AT", 1000, on_reply, &r);
  g_assert_true (r.done);
  g_assert_nonnull (r.error);
  result_clear (&r);

  idg_at_port_free (port);
  modem_free (m);
}

/* ---- backend ---- */

static gchar *
digits (const gchar *prefix,
        guint        n)
{
  GString *s = g_string_new (prefix);

  while (s->len < n)
    g_string_append_c (s, (gchar) ('0' + g_random_int_range (0, 10)));
  return g_string_free (s, FALSE);
}

static void
script_sim (Modem       *m,
            const gchar *imsi,
            const gchar *iccid,
            const gchar *msisdn)
{
  guint8 bytes[IDG_EF_ICCID_LEN];
  g_autofree gchar *hex = NULL;
  g_autofree gchar *crsm = NULL;
  g_autofree gchar *cimi = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", imsi);
  g_autofree gchar *cnum = g_strdup_printf ("\r\n+CNUM: \"\",\"%s\",145\r\n\r\nOK\r\n", msisdn);

  g_assert_true (idg_bcd_encode (iccid, bytes, sizeof bytes));
  hex = idg_hex_encode_dup (bytes, sizeof bytes);
  crsm = g_strdup_printf ("\r\n+CRSM: 144,0,\"%s\"\r\n\r\nOK\r\n", hex);
  modem_reply (m, "AT+CIMI", cimi);
  modem_reply (m, "AT+CRSM=176,12258,0,0,10", crsm);
  modem_reply (m, "AT+CNUM", cnum);
}

static gboolean
value_is (gpointer data)
{
  const gchar **want = data;

  return g_strcmp0 (fake.values[IDG_KIND_IMSI], *want) == 0 && g_strcmp0 (fake.state, "ready") == 0;
}

static gboolean
state_retrying (gpointer data)
{
  return fake.state && g_str_has_prefix (fake.state, "retrying");
}

static void
test_backend (void)
{
  Modem *m = modem_new ();
  g_autofree gchar *imei = digits ("35", 15);
  g_autofree gchar *sv = digits ("35", 16);
  g_autofree gchar *imsi = digits ("310260", 15);
  g_autofree gchar *iccid = digits ("8901", 19);
  g_autofree gchar *msisdn = digits ("+1", 12);
  g_autofree gchar *imsi2 = digits ("20815", 15);
  g_autofree gchar *iccid2 = digits ("8933", 20);
  g_autofree gchar *cgsn = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", imei);
  g_autofree gchar *cgsn2 = g_strdup_printf ("\r\n+CGSN: \"%s\"\r\n\r\nOK\r\n", sv);
  IdgModemAt *modem;
  const gchar *want;
  guint before;

  modem_reply (m, "AT+CGSN", cgsn);
  modem_reply (m, "AT+CGSN=2", cgsn2);
  script_sim (m, imsi, iccid, msisdn);
  modem = idg_modem_at_new (&fake, m->slave_path);
  want = imsi;
  run_until (value_is, &want);
  g_assert_cmpstr (fake.values[IDG_KIND_IMEI], ==, imei);
  g_assert_cmpstr (fake.values[IDG_KIND_IMEISV], ==, sv);
  g_assert_cmpstr (fake.values[IDG_KIND_ICCID], ==, iccid);
  g_assert_cmpstr (fake.values[IDG_KIND_MSISDN], ==, msisdn);

  /* SIM removed: the SIM's values go at once and stay gone */
  g_hash_table_remove (m->replies, "AT+CIMI");
  g_hash_table_remove (m->replies, "AT+CRSM=176,12258,0,0,10");
  g_hash_table_remove (m->replies, "AT+CNUM");
  modem_write (m, "\r\n+CPIN: NOT INSERTED\r\n");
  want = NULL;
  run_until (value_is, &want);
  g_assert_null (fake.values[IDG_KIND_ICCID]);
  g_assert_null (fake.values[IDG_KIND_MSISDN]);
  g_assert_cmpstr (fake.values[IDG_KIND_IMEI], ==, imei);

  /* another SIM: the new values, never the old */
  script_sim (m, imsi2, iccid2, msisdn);
  modem_write (m, "\r\n+CPIN: READY\r\n");
  want = imsi2;
  run_until (value_is, &want);
  g_assert_cmpstr (fake.values[IDG_KIND_ICCID], ==, iccid2);

  /* a SIM changed without a word from the modem, seen in a client's read */
  {
    g_autofree gchar *imsi3 = digits ("23410", 15);
    g_autofree gchar *iccid3 = digits ("8944", 19);
    g_autofree gchar *cimi3 = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", imsi3);
    g_autoptr(GString) same = g_string_new (NULL);
    g_autoptr(GString) other = g_string_new (cimi3);

    g_string_printf (same, "\r\n%s\r\n\r\nOK\r\n", imsi2);
    before = m->commands;
    idg_modem_at_observe (modem, "AT+CIMI", same);
    spin (100);
    g_assert_cmpuint (m->commands, ==, before);
    script_sim (m, imsi3, iccid3, msisdn);
    idg_modem_at_observe (modem, "at+cimi", other);
    want = imsi3;
    run_until (value_is, &want);
    g_assert_cmpstr (fake.values[IDG_KIND_ICCID], ==, iccid3);
  }

  /* no timer while idle: no command goes out */
  before = m->commands;
  spin (300);
  g_assert_cmpuint (m->commands, ==, before);

  /* the modem goes away: everything cleared, retrying */
  modem_hangup (m);
  run_until (state_retrying, NULL);
  g_assert_null (fake.values[IDG_KIND_IMEI]);
  g_assert_null (fake.values[IDG_KIND_IMSI]);
  idg_modem_at_free (modem);
  modem_free (m);

  /* a modem that answers garbage is not believed */
  m = modem_new ();
  m->mode = MODEM_GARBAGE;
  g_clear_pointer (&fake.state, g_free);
  modem = idg_modem_at_new (&fake, m->slave_path);
  run_until (state_retrying, NULL);
  g_assert_nonnull (strstr (fake.state, "garbage"));
  g_assert_null (fake.values[IDG_KIND_IMEI]);
  idg_modem_at_free (modem);
  modem_free (m);
}


/* ---- door ---- */

typedef struct {
  int      fd;
  GString *got;
} Peer;

static Peer *
peer_connect (const gchar *name)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  Peer *p = g_new0 (Peer, 1);

  p->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  memcpy (addr.sun_path + 1, name, strlen (name));
  g_assert_cmpint (connect (p->fd, (struct sockaddr *) &addr,
                            (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + strlen (name))), ==, 0);
  p->got = g_string_new (NULL);
  return p;
}

static Peer *
peer_open (const gchar *path)
{
  Peer *p = g_new0 (Peer, 1);
  struct termios tio;

  p->fd = open (path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  g_assert_cmpint (p->fd, >=, 0);
  tcgetattr (p->fd, &tio);
  cfmakeraw (&tio);
  tcsetattr (p->fd, TCSANOW, &tio);
  p->got = g_string_new (NULL);
  return p;
}

static void
peer_free (Peer *p)
{
  if (p->fd >= 0)
    close (p->fd);
  g_string_free (p->got, TRUE);
  g_free (p);
}

typedef struct {
  Peer        *peer;
  const gchar *needle;
} Wait;

static gboolean
peer_has (gpointer data)
{
  Wait *w = data;
  gchar buf[512];
  gssize n = read (w->peer->fd, buf, sizeof buf);

  if (n > 0)
    g_string_append_len (w->peer->got, buf, n);
  return strstr (w->peer->got->str, w->needle) != NULL;
}

/* Sends text, runs the loop until needle arrives; returns what came. */
static gchar *
peer_ask (Peer        *p,
          const gchar *text,
          const gchar *needle)
{
  Wait w = { p, needle };

  g_string_truncate (p->got, 0);
  g_assert_cmpint (write (p->fd, text, strlen (text)), ==, (gssize) strlen (text));
  run_until (peer_has, &w);
  return g_strdup (p->got->str);
}

static void
test_door (void)
{
  Modem *m = modem_new ();
  g_autofree gchar *imei = digits ("35", 15);
  g_autofree gchar *cgsn = g_strdup_printf ("\r\n%s\r\n\r\nOK\r\n", imei);
  g_autofree gchar *name = g_strdup_printf ("idg-at-test-%d", (int) getpid ());
  g_autofree gchar *dir = g_dir_make_tmp ("idg-at-XXXXXX", NULL);
  g_autofree gchar *link = g_build_filename (dir, "at", NULL);
  g_autoptr(GError) error = NULL;
  const gchar *want = NULL;
  IdgModemAt *modem;
  IdgDoorAt *door, *squat;
  Peer *a, *b, *tty;
  gchar *got;

  modem_reply (m, "AT+CGSN", cgsn);
  modem_reply (m, "AT+CGMI", "\r\nACME\r\n\r\nOK\r\n");
  modem_reply (m, "AT", "\r\nOK\r\n");
  script_sim (m, "310260000000001", "89010000000000000001", "+15550000001");
  g_clear_pointer (&fake.state, g_free);
  modem = idg_modem_at_new (&fake, m->slave_path);
  want = "310260000000001";
  run_until (value_is, &want);
  door = idg_door_at_new (&fake, modem, name, link, NULL, &error);
  g_assert_no_error (error);

  /* filtering, echo on by default */
  a = peer_connect (name);
  got = peer_ask (a, "AT+CGSN\r", "OK\r\n");
  g_assert_true (g_str_has_prefix (got, "AT+CGSN\r"));
  g_assert_null (strstr (got, imei));
  g_assert_nonnull (strstr (got, "\r\n000000000000000\r\n"));
  g_free (got);
  got = peer_ask (a, "ATE0\r", "OK\r\n");
  g_free (got);
  /* raw SIM refused without reaching the modem */
  got = peer_ask (a, "AT+CSIM=10,\"00B0000009\"\r", "ERROR");
  g_assert_cmpstr (got, ==, "\r\n+CME ERROR: 3\r\n");
  g_assert_cmpuint (refusals, ==, 1);
  g_free (got);
  /* a prompt and its text */
  got = peer_ask (a, "AT+CMGS=5\r", "> ");
  g_free (got);
  got = peer_ask (a, "0011\x1a", "OK\r\n");
  g_assert_nonnull (strstr (got, "+CMGS: 7"));
  g_free (got);
  /* a client that leaves mid-request does not disturb another */
  b = peer_connect (name);
  g_assert_cmpint (write (b->fd, "AT+CGMI\r", 8), ==, 8);
  peer_free (b);
  got = peer_ask (a, "AT+CGMI\r", "OK\r\n");
  g_assert_cmpstr (got, ==, "\r\nACME\r\n\r\nOK\r\n");
  g_free (got);
  spin (50);
  g_assert_cmpuint (idg_door_at_get_n_clients (door), ==, 2);   /* a and the pty */
  /* the pty link: our user's alone; an unknown client, identifiers hidden */
  {
    struct stat st;

    g_assert_cmpint (stat (link, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  tty = peer_open (link);
  got = peer_ask (tty, "ATE0\r", "OK\r\n");
  g_free (got);
  got = peer_ask (tty, "AT+CGSN\r", "OK\r\n");
  g_assert_null (strstr (got, imei));
  g_free (got);
  /* the name is held: a second door says so */
  squat = idg_door_at_new (&fake, modem, name, NULL, NULL, &error);
  g_assert_null (squat);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, "already held"));
  g_clear_error (&error);
  /* the modem gone: ERROR, not silence */
  modem_hangup (m);
  got = peer_ask (a, "AT+CGMI\r", "ERROR");
  g_assert_cmpstr (got, ==, "\r\nERROR\r\n");
  g_free (got);

  peer_free (tty);
  peer_free (a);
  idg_door_at_free (door);
  g_assert_false (g_file_test (link, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK));
  idg_modem_at_free (modem);
  modem_free (m);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/at/port/queue", test_port);
  g_test_add_func ("/at/modem/backend", test_backend);
  g_test_add_func ("/at/door/clients", test_door);
  return g_test_run ();
}
