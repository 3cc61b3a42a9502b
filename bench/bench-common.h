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
