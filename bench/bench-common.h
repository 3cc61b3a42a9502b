/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the load generators: clock, connections, latency
 * samples and the one result line the driver (bench/run.sh) parses.
 */
#pragma once

#include <gio/gio.h>

typedef struct {
  GArray  *latency_ns;   /* guint64, one per completed request */
  guint64  errors;       /* responses carrying a protocol error */
  guint64  lost;         /* requests never answered before the drain timeout */
  guint64  fragmented;   /* answers that came in more than one fragment */
  guint64  start_ns;
  guint64  end_ns;
} BenchStats;

guint64  bench_now_ns          (void);
int      bench_connect_abstract (const gchar *name, GError **error);
int      bench_open_tty         (const gchar *path, GError **error);
gboolean bench_write_all        (int fd, const guint8 *buf, gsize len, GError **error);
/* Reads what is available (fd non-blocking) into @in; FALSE on EOF/error. */
gboolean bench_read_some        (int fd, GByteArray *in, GError **error);
/* Blocks until @in holds at least @want bytes or @timeout_ms passes. */
gboolean bench_read_wait        (int fd, GByteArray *in, gsize want, gint timeout_ms, GError **error);
void     bench_set_nonblocking  (int fd);

void     bench_stats_init       (BenchStats *stats);
void     bench_stats_clear      (BenchStats *stats);
void     bench_stats_print      (BenchStats *stats);

/* The options every load generator takes. */
typedef struct {
  gchar    *socket;    /* abstract name of the proxy */
  gchar    *device;    /* modem port (sent to the proxy, or opened with direct) */
  gboolean  direct;
  gint      clients;
  gdouble   seconds;
  gdouble   hold;      /* connected and idle this long before measuring */
  gboolean  ids_only;  /* every request an identifier read (the all-identifier load) */
} BenchOptions;

/* FALSE (usage printed) when the command line is wrong. */
gboolean bench_options_parse    (BenchOptions *opts, const gchar *prog, const gchar *what,
                                 int *argc, char ***argv);

/* One stream to a proxy, or the modem's tty itself (direct). */
typedef struct {
  int         fd;
  GByteArray *in;
  guint8      ctl_trid;   /* QMI: CTL transaction ids of this stream */
} BenchConn;

/* n_conns streams: the proxy socket each, or the tty once (direct). */
BenchConn *bench_conns_open     (const BenchOptions *opts, guint n_conns, GError **error);
void       bench_conns_free     (BenchConn *conns, guint n_conns);

/* The protocol side of one client; a protocol's client struct starts with it. */
typedef struct {
  BenchConn *conn;
  guint      next;       /* index into the protocol's request mix */
  guint      n_mix;
  guint64    sent_ns;    /* 0: nothing in flight */
  gboolean   failed;     /* the answer in flight carried an error status */
} BenchClient;

typedef struct {
  BenchClient *client;     /* the client a frame answers, NULL for others */
  gboolean     failed;     /* it carries an error status */
  gboolean     last;       /* FALSE for a fragment that is not the last */
  gboolean     fragmented; /* the answer came in more than one fragment */
} BenchAnswer;

typedef struct {
  /* length of the first complete frame in @in, 0 if none yet */
  gsize    (*frame_len) (GByteArray *in, GError **error);
  /* fills @answer for a complete frame of @conn */
  void     (*match)     (BenchConn *conn, const guint8 *frame, gsize len,
                         BenchAnswer *answer, gpointer user_data);
  /* writes the client's next request (client->next of its mix) */
  gboolean (*send)      (BenchClient *client, gpointer user_data, GError **error);
} BenchProtocol;

/* Every client keeps one request in flight for opts->seconds, then the
 * answers still due are awaited a while; prints the result line. */
gboolean bench_drive            (BenchConn *conns, guint n_conns, BenchClient **clients, guint n_clients,
                                 const BenchOptions *opts, const BenchProtocol *proto, gpointer user_data,
                                 GError **error);
