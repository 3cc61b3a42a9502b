/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The simulator's AT engine as the broker's AT port (userspace/at/
 * idg-at-port.c) sees it, over a pty: the +CPIN codes of a SIM swap reach
 * the port's URC handlers whether the port is idle or a command is in
 * flight (also the port's own AT+CPIN?, whose answer has the same prefix),
 * and the replies stay intact. The modem side is driven step by step, so
 * the codes land exactly between a command and its answer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "idg-at-port.h"
#include "sim-at.h"

typedef struct {
  SimAt     *at;
  SimIds    *ids;
  IdgAtPort *port;
  gint       master;
  gchar     *slave;
  GPtrArray *urcs;        /* lines the URC handler got */
  GString   *reply;       /* the last reply */
  gboolean   replied;
} Fixture;

static void
on_urc (IdgAtPort   *port,
        const gchar *line,
        gpointer     user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->urcs, g_strdup (line));
}

static void
on_reply (IdgAtPort     *port,
          const GString *reply,
          const GError  *error,
          gpointer       user_data)
{
  Fixture *f = user_data;

  g_assert_no_error (error);
  g_string_assign (f->reply, reply->str);
  f->replied = TRUE;
}

/* Runs the port's main loop until the modem side has a whole command line
 * (up to its CR), returned without the CR. */
static gchar *
modem_read_line (Fixture *f)
{
  GString *line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (!strchr (line->str, '\r')) {
    struct pollfd pfd = { f->master, POLLIN, 0 };
    gchar buf[256];
    gssize n;

    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, FALSE);
    if (poll (&pfd, 1, 10) <= 0)
      continue;
    n = read (f->master, buf, sizeof buf);
    g_assert_cmpint (n, >, 0);
    g_string_append_len (line, buf, n);
  }
  g_assert_true (g_str_has_suffix (line->str, "\r"));
  g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

static void
modem_write (Fixture *f, GByteArray *out)
{
  g_assert_cmpint (write (f->master, out->data, out->len), ==, (gssize) out->len);
  g_byte_array_set_size (out, 0);
}

/* The modem answers the next command line; swap_first: the card changes
 * just before the modem reads it, so its +CPIN codes go out first. */
static void
modem_answer (Fixture *f, const gchar *expect_line, gboolean swap_first)
{
  g_autofree gchar *line = modem_read_line (f);
  g_autofree gchar *with_cr = g_strconcat (line, "\r", NULL);
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_assert_cmpstr (line, ==, expect_line);
  if (swap_first)
    sim_at_sim_changed (f->at, out);
  sim_at_feed (f->at, (const guint8 *) with_cr, strlen (with_cr), out);
  modem_write (f, out);
}

static void
wait_until (gboolean *flag, GPtrArray *urcs, guint n_urcs)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while ((flag && !*flag) || (urcs && urcs->len < n_urcs)) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, FALSE);
    g_usleep (1000);
  }
}

static void
send_and_answer (Fixture *f, const gchar *line, gboolean swap_first)
{
  f->replied = FALSE;
  idg_at_port_send (f->port, line, 5000, on_reply, f);
  modem_answer (f, line, swap_first);
  wait_until (&f->replied, NULL, 0);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->ids = sim_ids_parse ("imei=356938035643809\nimsi=310260123456789\n", &error);
  g_assert_no_error (error);
  f->at = sim_at_new (f->ids);
  f->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (f->master, >=, 0);
  g_assert_cmpint (grantpt (f->master), ==, 0);
  g_assert_cmpint (unlockpt (f->master), ==, 0);
  f->slave = g_strdup (ptsname (f->master));
  f->urcs = g_ptr_array_new_with_free_func (g_free);
  f->reply = g_string_new (NULL);
  f->port = idg_at_port_new ();
  idg_at_port_add_urc_func (f->port, on_urc, f);
  g_assert_true (idg_at_port_open (f->port, f->slave, &error));
  g_assert_no_error (error);
  /* as the broker's backend: echo off, verbose */
  send_and_answer (f, "ATE0Q0V1", FALSE);
  g_assert_cmpstr (f->reply->str, ==, "\r\nOK\r\n");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  idg_at_port_free (f->port);
  close (f->master);
  g_free (f->slave);
  g_ptr_array_unref (f->urcs);
  g_string_free (f->reply, TRUE);
  sim_at_free (f->at);
  sim_ids_free (f->ids);
}

static void
assert_swap_codes (Fixture *f)
{
  g_assert_cmpuint (f->urcs->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->urcs, 0), ==, "+CPIN: NOT READY");
  g_assert_cmpstr (g_ptr_array_index (f->urcs, 1), ==, "+CPIN: READY");
}

static void
test_idle (Fixture *f, gconstpointer data)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  sim_at_sim_changed (f->at, out);
  modem_write (f, out);
  wait_until (NULL, f->urcs, 2);
  assert_swap_codes (f);
  /* the port goes on answering */
  send_and_answer (f, "AT+CIMI", FALSE);
  g_assert_cmpstr (f->reply->str, ==, "\r\n310260123456789\r\n\r\nOK\r\n");
}

/* In flight: the codes come between AT+CIMI and its answer. */
static void
test_in_flight (Fixture *f, gconstpointer data)
{
  send_and_answer (f, "AT+CIMI", TRUE);
  g_assert_cmpstr (f->reply->str, ==, "\r\n310260123456789\r\n\r\nOK\r\n");
  assert_swap_codes (f);
}

/* In flight of AT+CPIN?: the answer has the codes' own prefix; only its
 * last +CPIN line is the answer. */
static void
test_in_flight_cpin (Fixture *f, gconstpointer data)
{
  send_and_answer (f, "AT+CPIN?", TRUE);
  g_assert_cmpstr (f->reply->str, ==, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  assert_swap_codes (f);
  /* and a plain AT+CPIN? after it is a plain answer, no code */
  g_ptr_array_set_size (f->urcs, 0);
  send_and_answer (f, "AT+CPIN?", FALSE);
  g_assert_cmpstr (f->reply->str, ==, "\r\n+CPIN: READY\r\n\r\nOK\r\n");
  g_assert_cmpuint (f->urcs->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/sim/at-port/swap-idle", Fixture, NULL, fixture_set_up, test_idle, fixture_tear_down);
  g_test_add ("/sim/at-port/swap-in-flight", Fixture, NULL, fixture_set_up, test_in_flight, fixture_tear_down);
  g_test_add ("/sim/at-port/swap-in-flight-cpin", Fixture, NULL, fixture_set_up, test_in_flight_cpin,
              fixture_tear_down);
  return g_test_run ();
}
