/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bench-common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_TIMEOUT_MS 3000

guint64
bench_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) ts.tv_nsec;
}

int
bench_connect_abstract (const gchar *name, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  gsize len = strlen (name);
  int fd;

  if (len + 1 > sizeof addr.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "socket name too long");
      return -1;
    }
  memcpy (addr.sun_path + 1, name, len);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 ||
      connect (fd, (struct sockaddr *) &addr,
               (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + len)) < 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "connect @%s: %s", name, g_strerror (saved));
      return -1;
    }
  return fd;
}

int
bench_open_tty (const gchar *path, GError **error)
{
  struct termios tio;
  int fd = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "open %s: %s", path, g_strerror (saved));
      return -1;
    }
  if (tcgetattr (fd, &tio) == 0)
    {
      cfmakeraw (&tio);
      tcsetattr (fd, TCSANOW, &tio);
    }
  return fd;
}

void
bench_set_nonblocking (int fd)
{
  int flags = fcntl (fd, F_GETFL);

  if (flags >= 0)
    fcntl (fd, F_SETFL, flags | O_NONBLOCK);
}

gboolean
bench_write_all (int fd, const guint8 *buf, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);

      if (n < 0 && (errno == EINTR))
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          struct pollfd pfd = { .fd = fd, .events = POLLOUT };

          poll (&pfd, 1, 1000);
          continue;
        }
      if (n <= 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "write: %s", g_strerror (saved));
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gboolean
bench_read_some (int fd, GByteArray *in, GError **error)
{
  guint8 chunk[16384];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n > 0)
        {
          g_byte_array_append (in, chunk, (guint) n);
          if ((gsize) n < sizeof chunk)
            return TRUE;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return TRUE;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s",
                   n == 0 ? "peer closed" : g_strerror (errno));
      return FALSE;
    }
}

gboolean
bench_read_wait (int fd, GByteArray *in, gsize want, gint timeout_ms, GError **error)
{
  guint64 deadline = bench_now_ns () + (guint64) timeout_ms * 1000000;

  while (in->len < want)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      guint64 now = bench_now_ns ();

      if (now >= deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer within %d ms", timeout_ms);
          return FALSE;
        }
      if (poll (&pfd, 1, (int) ((deadline - now) / 1000000) + 1) > 0 &&
          !bench_read_some (fd, in, error))
        return FALSE;
    }
  return TRUE;
}

void
bench_stats_init (BenchStats *stats)
{
  memset (stats, 0, sizeof *stats);
  stats->latency_ns = g_array_sized_new (FALSE, FALSE, sizeof (guint64), 1 << 16);
}

void
bench_stats_clear (BenchStats *stats)
{
  g_clear_pointer (&stats->latency_ns, g_array_unref);
}

static gint
cmp_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static gdouble
percentile_us (GArray *sorted, gdouble p)
{
  gsize idx;

  if (sorted->len == 0)
    return -1;
  idx = (gsize) (p * (sorted->len - 1) + 0.5);
  return g_array_index (sorted, guint64, idx) / 1000.0;
}

/* One line of key=value pairs: what bench/run.sh reads. */
void
bench_stats_print (BenchStats *stats)
{
  gdouble secs = (stats->end_ns - stats->start_ns) / 1e9;

  g_array_sort (stats->latency_ns, cmp_u64);
  printf ("count=%u errors=%" G_GUINT64_FORMAT " lost=%" G_GUINT64_FORMAT
          " fragmented=%" G_GUINT64_FORMAT " seconds=%.3f rps=%.1f p50_us=%.1f p99_us=%.1f\n",
          stats->latency_ns->len, stats->errors, stats->lost, stats->fragmented, secs,
          secs > 0 ? stats->latency_ns->len / secs : 0.0,
          percentile_us (stats->latency_ns, 0.50),
          percentile_us (stats->latency_ns, 0.99));
  fflush (stdout);
}

gboolean
bench_options_parse (BenchOptions *opts, const gchar *prog, const gchar *what, int *argc, char ***argv)
{
  GOptionEntry entries[] = {
    { "socket", 's', 0, G_OPTION_ARG_STRING, &opts->socket, "abstract socket of the proxy", "NAME" },
    { "device", 'd', 0, G_OPTION_ARG_FILENAME, &opts->device, "modem port (sent in the proxy open)", "PATH" },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &opts->direct, "open the device itself, no proxy", NULL },
    { "clients", 'c', 0, G_OPTION_ARG_INT, &opts->clients, "concurrent clients", "N" },
    { "seconds", 't', 0, G_OPTION_ARG_DOUBLE, &opts->seconds, "measuring time", "S" },
    { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &opts->hold, "after setup, keep the clients connected and idle this long first", "S" },
    { "ids-only", 0, 0, G_OPTION_ARG_NONE, &opts->ids_only, "every request an identifier read (default: the mix)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (what);
  g_autoptr(GError) error = NULL;

  signal (SIGPIPE, SIG_IGN);  /* a proxy that drops us is an error, not a death */
  opts->clients = 1;
  opts->seconds = 2.0;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (g_option_context_parse (ctx, argc, argv, &error) && opts->device &&
      (opts->direct || opts->socket) && opts->clients >= 1 && opts->clients <= 200)
    return TRUE;
  g_printerr ("usage: %s (--socket NAME | --direct) --device PATH [--clients N] [--seconds S] [--hold S] [--ids-only]%s%s\n",
              prog, error ? ": " : "", error ? error->message : "");
  return FALSE;
}

BenchConn *
bench_conns_open (const BenchOptions *opts, guint n_conns, GError **error)
{
  BenchConn *conns = g_new0 (BenchConn, n_conns);

  for (guint i = 0; i < n_conns; i++)
    conns[i].fd = -1;
  for (guint i = 0; i < n_conns; i++)
    {
      conns[i].in = g_byte_array_new ();
      conns[i].fd = opts->direct ? bench_open_tty (opts->device, error)
                                 : bench_connect_abstract (opts->socket, error);
      if (conns[i].fd < 0)
        {
          bench_conns_free (conns, n_conns);
          return NULL;
        }
    }
  return conns;
}

void
bench_conns_free (BenchConn *conns, guint n_conns)
{
  if (!conns)
    return;
  for (guint i = 0; i < n_conns; i++)
    {
      if (conns[i].fd >= 0)
        close (conns[i].fd);
      g_clear_pointer (&conns[i].in, g_byte_array_unref);
    }
  g_free (conns);
}

static gboolean
client_send (BenchClient *c, const BenchProtocol *proto, gpointer user_data, GError **error)
{
  c->failed = FALSE;
  c->sent_ns = bench_now_ns ();
  return proto->send (c, user_data, error);
}

/* Consumes every complete frame of @conn; a client answered while
 * @sending gets its next request at once. */
static gboolean
conn_process (BenchConn *conn, gboolean sending, guint *in_flight, BenchStats *stats,
              const BenchProtocol *proto, gpointer user_data, GError **error)
{
  gsize len;

  while ((len = proto->frame_len (conn->in, error)) > 0)
    {
      BenchAnswer a = { NULL, FALSE, TRUE, FALSE };
      BenchClient *c;

      proto->match (conn, conn->in->data, len, &a, user_data);
      c = a.client;
      g_byte_array_remove_range (conn->in, 0, (guint) len);
      if (!c || !c->sent_ns)
        continue;
      c->failed |= a.failed;
      if (!a.last)
        continue;
      g_array_append_val (stats->latency_ns, (guint64) { bench_now_ns () - c->sent_ns });
      stats->errors += c->failed;
      stats->fragmented += a.fragmented;
      c->sent_ns = 0;
      (*in_flight)--;
      c->next = (c->next + 1) % c->n_mix;
      if (sending)
        {
          if (!client_send (c, proto, user_data, error))
            return FALSE;
          (*in_flight)++;
        }
    }
  return !(error && *error);
}

gboolean
bench_drive (BenchConn *conns, guint n_conns, BenchClient **clients, guint n_clients,
             const BenchOptions *opts, const BenchProtocol *proto, gpointer user_data,
             GError **error)
{
  g_autofree struct pollfd *pfds = g_new0 (struct pollfd, n_conns);
  BenchStats stats;
  guint in_flight = 0;
  guint64 deadline;
  gboolean ok = FALSE;

  for (guint i = 0; i < n_conns; i++)
    {
      bench_set_nonblocking (conns[i].fd);
      pfds[i].fd = conns[i].fd;
      pfds[i].events = POLLIN;
    }
  if (opts->hold > 0)
    {
      printf ("holding\n");
      fflush (stdout);
      g_usleep ((gulong) (opts->hold * G_USEC_PER_SEC));
    }

  bench_stats_init (&stats);
  stats.start_ns = bench_now_ns ();
  deadline = stats.start_ns + (guint64) (opts->seconds * 1e9);
  for (guint i = 0; i < n_clients; i++)
    {
      if (!client_send (clients[i], proto, user_data, error))
        goto out;
      in_flight++;
    }
  for (;;)
    {
      guint64 now = bench_now_ns ();
      gboolean sending = now < deadline;

      if (!sending && stats.end_ns == 0)
        stats.end_ns = now;
      if (in_flight == 0 || now > deadline + (guint64) DRAIN_TIMEOUT_MS * 1000000)
        break;
      if (poll (pfds, n_conns, 100) <= 0)
        continue;
      for (guint i = 0; i < n_conns; i++)
        {
          if (!pfds[i].revents)
            continue;
          if (!bench_read_some (conns[i].fd, conns[i].in, error) ||
              !conn_process (&conns[i], sending, &in_flight, &stats, proto, user_data, error))
            goto out;
        }
    }
  stats.lost = in_flight;
  bench_stats_print (&stats);
  ok = TRUE;

out:
  bench_stats_clear (&stats);
  return ok;
}
