/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idguardd's configuration: a GLib key file (see docs and interfaces.md).
 *
 *   [broker]  state-dir, runtime-dir (both must exist), policy=redact|pseudonym,
 *             default-ttl (a duration, 30s/15m/12h/90d, given to grants and
 *             approvals made without a ttl; absent: those never expire)
 *   [modem]   qmi, mbim, at                 (paths; any subset, may be absent)
 *   [proxy]   qmi-socket, mbim-socket, at-socket (abstract names, used
 *             verbatim; absent or empty disables the door), at-link (pty link
 *             path; absent or empty disables), at-link-selector (the selector
 *             that stands for the unknown client behind the pty; default
 *             none: that client matches no grant), clients (who may
 *             connect to the three doors: selectors separated by ';';
 *             absent: uid 0 and the broker's own effective uid)
 *   [audit]   max-size (bytes, suffix k/M allowed; default 1M),
 *             keep (rotated files kept, default 4): audit.log (rewrites,
 *             refusals, flood records);
 *             release-max-size (default 1M), release-keep (default 4):
 *             releases.log, on its own;
 *             window (seconds identical events are coalesced, default 10),
 *             rate (records per second per uid, default 5), burst
 *             (records at once per uid, default 50), flood-interval
 *             (seconds between a uid's flood records, default 10)
 *   [api]     handshakes-per-uid (api.sock connections of one uid still
 *             authenticating, default 4), handshake-timeout (seconds,
 *             default 2), connections-per-uid (authenticated, default 32)
 *   [proxy]   clients-per-uid (connections of one uid to one protocol
 *             door, default 16)
 *   [requests] pending-per-uid (default 4; a uid's newest request
 *             supersedes its oldest past that), expire-after (a duration,
 *             30s/15m/12h/90d; default 24h)
 * Uid 0 and the broker's own uid are not held to the per-uid budgets.
 *
 * Unknown groups or keys, bad values and missing directories are refused:
 * the broker never starts half-configured.
 */
#ifndef IDG_CONFIG_H
#define IDG_CONFIG_H

#include <glib.h>
#include "idg-mask.h"

G_BEGIN_DECLS

/* [modem] qmi=qrtr://NODE: the modem is QRTR node NODE (libqmi's URI) */
#define IDG_CONFIG_QRTR_PREFIX "qrtr://"

typedef struct {
  gchar     *path;              /* the file it came from, or NULL */
  gchar     *state_dir;
  gchar     *runtime_dir;
  IdgPolicy  policy;
  gint64     default_ttl;       /* seconds; 0: a grant without a ttl never expires */
  gchar     *modem_qmi;         /* NULL when absent or empty; an absolute
                                 * path or "qrtr://NODE" (canonical) */
  gchar     *modem_mbim;
  gchar     *modem_at;
  gchar     *qmi_socket;        /* NULL: door disabled */
  gchar     *mbim_socket;
  gchar     *at_socket;
  gchar     *at_link;
  gchar     *at_link_selector;  /* NULL: none (validated by idg_selector_parse) */
  GPtrArray *proxy_clients;     /* IdgSelector: who may connect to a door;
                                 * NULL: uid 0 and the broker's euid */
  guint64    audit_max_size;
  guint64    audit_keep;
  guint64    audit_window;      /* seconds */
  guint64    audit_release_max_size;
  guint64    audit_release_keep;
  guint64    audit_rate;        /* records per second per uid */
  guint64    audit_burst;
  guint64    audit_flood_interval;   /* seconds */
  guint      api_handshakes_per_uid;
  guint      api_handshake_timeout;     /* seconds */
  guint      api_connections_per_uid;
  guint      proxy_clients_per_uid;
  guint      requests_pending_per_uid;
  gint64     requests_expire_after;     /* seconds */
  gint64     store_retain_past;         /* seconds; 0: past grants kept */
} IdgConfig;

#define IDG_CONFIG_ERROR (idg_config_error_quark ())
GQuark idg_config_error_quark (void);
typedef enum {
  IDG_CONFIG_ERROR_INVALID,
} IdgConfigError;

/* Loads and validates; the error message is one line naming the file, the
 * group/key and what is wrong. */
IdgConfig *idg_config_load      (const gchar  *path,
                                 GError      **error);
/* Same, from memory, and without checking that the directories exist
 * (check_dirs FALSE; for tests and the fuzzer). */
IdgConfig *idg_config_load_data (const gchar  *data,
                                 gsize         len,
                                 gboolean      check_dirs,
                                 GError      **error);
void       idg_config_free      (IdgConfig    *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdgConfig, idg_config_free)

G_END_DECLS

#endif
