// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel bridge: idguardd as the holder of /dev/idguard's broker
 * channel. See idg-kmod.h and driver/uapi/idguard.h.
 *
 * Sync model. Identifiers: on every IDENTIFIERS event, each kind is pushed
 * again (value or "forget"); eight small ioctls. Grants: a GRANTS event for
 * one grant id pushes or revokes that grant; an event without an id (reset,
 * load) resyncs the whole table: every active grant is pushed (a push with
 * an existing id replaces it atomically in the kernel) and every kernel id
 * no longer wanted is revoked. The kernel enforces expiry itself
 * (CLOCK_BOOTTIME), so no timer runs here.
 *
 * Executables (ABI 2). An exe: grant is pushed with an O_PATH descriptor
 * of the file at its path, opened here, in the broker's own mount
 * namespace; the kernel pins that inode and matches callers against it.
 * When another file is installed at the path (a package upgrade renames a
 * new inode over it), the kernel would keep matching the old one, so every
 * exe path is watched (GFileMonitor, inotify on its directory) and any
 * change there re-syncs the grants: a grant whose file is now another inode
 * is pushed again and the audit says so (idg_audit_add_exe_changed); a
 * grant whose file is gone is revoked in the kernel until it comes back.
 * Every sync compares too, so a missed notification is caught at the next
 * change of the store.
 *
 * Audit events carry the reader's identity at the instant of the read
 * (uid, gid, pid, the executable's device and inode, the cgroup id): the
 * record is made from those alone. The executable is named by the path of
 * a granted file with that inode, else as "inode:MAJOR:MINOR:INO"; the
 * unit from the cgroup id (ids are never reused; a cache filled by walking
 * /sys/fs/cgroup on a miss, at most once a second). Events are drained at
 * most EVENTS_PER_PASS per main-loop wakeup.
 *
 * Ids. The kernel names a grant by a non-zero u64. The store's ids
 * ("g-" + 16 hex digits) are mapped to kernel ids once and for the life of
 * the bridge, so that a re-push replaces and an audit event names the
 * store's grant again.
 *
 * Never logged: identifier values, tokens, token hashes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "idg-kmod.h"
#include "idg-selector.h"
#include "idg-token.h"
#include "../../driver/uapi/idguard.h"

G_STATIC_ASSERT (IDGUARD_KIND_COUNT == IDG_KIND_COUNT);
G_STATIC_ASSERT (IDGUARD_KIND_IMEI == IDG_KIND_IMEI && IDGUARD_KIND_MSISDN == IDG_KIND_MSISDN);
G_STATIC_ASSERT (IDGUARD_KIND_IMSI == IDG_KIND_IMSI && IDGUARD_KIND_EID == IDG_KIND_EID);

#define KMOD_COMPONENT "kernel"
#define EVENTS_PER_PASS 64
#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_WALK_MAX 20000

/* What the kernel holds for one pushed grant. */
typedef struct {
  gchar   *exe;      /* NULL: no exe selector */
  dev_t    dev;
  ino_t    ino;
} Pushed;

static void
pushed_free (gpointer p)
{
  Pushed *pushed = p;

  g_free (pushed->exe);
  g_free (pushed);
}

struct _IdgKmod {
  IdgBroker  *broker;
  gchar      *device;
  int         fd;
  guint       subscription;
  guint       watch;
  GHashTable *kid_by_id;   /* store id -> guint64 kernel id (boxed) */
  GHashTable *id_by_kid;   /* guint64 kernel id -> store id (borrowed key of kid_by_id) */
  GHashTable *pushed;      /* store id -> Pushed, for the grants the kernel holds now */
  GHashTable *monitors;    /* exe path -> GFileMonitor */
  GHashTable *cgroups;     /* guint64 cgroup id -> path, from walks of CGROUP_ROOT */
  gint64      cgroup_walked; /* monotonic usec of the last walk */
  guint64     next_kid;
  guint64     dropped;
};

static gboolean sync_all_grants (IdgKmod *kmod, GError **error);
static void     fail_closed (IdgKmod *kmod, const GError *error);

static gboolean
kmod_ioctl (IdgKmod        *kmod,
            unsigned long   cmd,
            void           *arg,
            const gchar    *what,
            GError        **error)
{
  if (ioctl (kmod->fd, cmd, arg) == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
               "%s: %s: %s", kmod->device, what, g_strerror (errno));
  return FALSE;
}

/* ---- identifiers ---------------------------------------------------- */

static gboolean
push_identifiers (IdgKmod  *kmod,
                  GError  **error)
{
  IdgIds *ids = idg_broker_get_ids (kmod->broker);
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++) {
    struct idguard_ident v;
    gchar *value = idg_ids_dup_value (ids, (IdgKind) k, NULL);
    gsize len = value != NULL ? strlen (value) : 0;
    gboolean ok;

    memset (&v, 0, sizeof v);
    v.size = sizeof v;
    v.kind = k;
    if (len > IDGUARD_VALUE_MAX) {
      g_warning ("kernel: %s value longer than %d bytes, not pushed",
                 idg_kind_to_string ((IdgKind) k), IDGUARD_VALUE_MAX);
      len = 0;
    }
    v.value_len = (guint32) len;
    memcpy (v.value, value != NULL ? value : "", len);
    if (value != NULL)
      idg_ids_value_free (value);
    ok = kmod_ioctl (kmod, IDGUARD_IOC_SET_IDENT, &v, "set identifier", error);
    idg_wipe (&v, sizeof v);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* ---- grants ---------------------------------------------------------- */

static guint64
kernel_id_for (IdgKmod     *kmod,
               const gchar *id)
{
  guint64 *kid = g_hash_table_lookup (kmod->kid_by_id, id);
  gchar *key;

  if (kid != NULL)
    return *kid;
  key = g_strdup (id);
  kid = g_new (guint64, 1);
  *kid = ++kmod->next_kid;
  g_hash_table_insert (kmod->kid_by_id, key, kid);
  g_hash_table_insert (kmod->id_by_kid, kid, key);
  return *kid;
}

static gboolean
copy_path (gchar        *dst,
           const gchar  *src,
           const gchar  *what,
           const gchar  *grant_id)
{
  if (strlen (src) >= IDGUARD_PATH_MAX) {
    g_message ("kernel: grant %s: %s longer than %d bytes, served by the API only",
               grant_id, what, IDGUARD_PATH_MAX - 1);
    return FALSE;
  }
  strcpy (dst, src);
  return TRUE;
}

/* Wall-clock UNIX seconds (the store) -> CLOCK_BOOTTIME ns (the kernel). */
static guint64
boottime_deadline (gint64 expires)
{
  struct timespec boot;
  gint64 left_us;

  if (expires == 0)
    return 0;
  clock_gettime (CLOCK_BOOTTIME, &boot);
  left_us = expires * G_USEC_PER_SEC - g_get_real_time ();
  if (left_us <= 0)
    return 1;   /* already expired: the kernel answers EKEYEXPIRED */
  return (guint64) boot.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) boot.tv_nsec +
         (guint64) left_us * 1000;
}

static void
on_exe_changed (GFileMonitor      *monitor,
                GFile             *file,
                GFile             *other,
                GFileMonitorEvent  event,
                gpointer           user_data)
{
  IdgKmod *kmod = user_data;
  g_autoptr(GError) error = NULL;

  if (event == G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT)
    return;
  if (!sync_all_grants (kmod, &error))
    fail_closed (kmod, error);
}

/* Watches the directory of path for a new file there (idempotent). */
static void
watch_exe (IdgKmod     *kmod,
           const gchar *path)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor;

  if (g_hash_table_contains (kmod->monitors, path))
    return;
  file = g_file_new_for_path (path);
  monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, &error);
  if (monitor == NULL) {
    g_warning ("kernel: cannot watch %s: %s; its grants are re-checked on every sync only",
               path, error->message);
    return;
  }
  g_signal_connect (monitor, "changed", G_CALLBACK (on_exe_changed), kmod);
  g_hash_table_insert (kmod->monitors, g_strdup (path), monitor);
}

/* An O_PATH descriptor of the regular file at path, opened here (the
 * broker's namespace), and its identity; -1 if there is none. */
static int
open_exe (const gchar  *path,
          const gchar  *grant_id,
          struct stat  *st)
{
  int fd = open (path, O_PATH | O_CLOEXEC);

  if (fd < 0) {
    g_message ("kernel: grant %s: its executable cannot be opened (%s); "
               "not in the kernel until it can", grant_id, g_strerror (errno));
    return -1;
  }
  if (fstat (fd, st) < 0 || !S_ISREG (st->st_mode)) {
    g_message ("kernel: grant %s: its executable is not a regular file; not in the kernel",
               grant_id);
    close (fd);
    return -1;
  }
  return fd;
}

/* Fills g from grant; FALSE if the kernel cannot express it. With an exe
 * selector, g->exe_fd is an open descriptor (*exe_fd, for the caller to
 * close) and *st its identity. */
static gboolean
grant_to_kernel (IdgKmod               *kmod,
                 const IdgGrant        *grant,
                 struct idguard_grant  *g,
                 int                   *exe_fd,
                 struct stat           *st)
{
  IdgStore *store = idg_broker_get_store (kmod->broker);
  g_autoptr(IdgSelector) sel = NULL;
  g_autoptr(GError) error = NULL;
  gchar *hash;
  gsize i;
  gboolean ok = TRUE;

  sel = idg_selector_parse (grant->selector, &error);
  if (sel == NULL) {
    g_warning ("kernel: grant %s: %s", grant->id, error->message);
    return FALSE;
  }
  hash = idg_store_dup_token_hash (store, grant->id);
  if (hash == NULL || strlen (hash) != 2 * IDGUARD_HASH_LEN) {
    g_clear_pointer (&hash, idg_token_free);
    return FALSE;   /* approved, not claimed yet: no token to check */
  }
  memset (g, 0, sizeof *g);
  g->size = sizeof *g;
  g->id = kernel_id_for (kmod, grant->id);
  g->scopes = grant->scopes & IDGUARD_KIND_MASK_ALL;
  g->expires_ns = boottime_deadline (grant->expires);
  for (i = 0; i < IDGUARD_HASH_LEN; i++) {
    gint hi = g_ascii_xdigit_value (hash[2 * i]), lo = g_ascii_xdigit_value (hash[2 * i + 1]);

    if (hi < 0 || lo < 0)
      ok = FALSE;
    g->token_hash[i] = (guint8) ((hi << 4) | (lo & 0xf));
  }
  idg_token_free (hash);
  if (sel->has_uid) {
    g->selector |= IDGUARD_SEL_UID;
    g->uid = (guint32) sel->uid;
  }
  if (sel->has_gid) {
    g->selector |= IDGUARD_SEL_GID;
    g->gid = (guint32) sel->gid;
  }
  if (sel->exe != NULL) {
    g->selector |= IDGUARD_SEL_EXE;
    watch_exe (kmod, sel->exe);
    if (ok) {
      *exe_fd = open_exe (sel->exe, grant->id, st);
      g->exe_fd = *exe_fd;
      ok = *exe_fd >= 0;
    }
  }
  if (sel->cgroup != NULL) {
    g->selector |= IDGUARD_SEL_CGROUP;
    ok = ok && copy_path (g->cgroup, sel->cgroup, "cgroup", grant->id);
  }
  if (sel->unit != NULL) {
    g->selector |= IDGUARD_SEL_UNIT;
    ok = ok && copy_path (g->unit, sel->unit, "unit", grant->id);
  }
  if (g->selector == 0 || g->scopes == 0)
    ok = FALSE;
  if (!ok) {
    idg_wipe (g, sizeof *g);
    if (*exe_fd >= 0)
      close (*exe_fd);
    *exe_fd = -1;
  }
  return ok;
}

static gboolean
revoke_in_kernel (IdgKmod      *kmod,
                  const gchar  *id,
                  GError      **error)
{
  struct idguard_revoke r = { .size = sizeof r };

  if (!g_hash_table_contains (kmod->pushed, id))
    return TRUE;
  r.id = kernel_id_for (kmod, id);
  g_hash_table_remove (kmod->pushed, id);
  if (ioctl (kmod->fd, IDGUARD_IOC_GRANT_REVOKE, &r) == 0 || errno == ENOENT)
    return TRUE;
  return kmod_ioctl (kmod, IDGUARD_IOC_GRANT_REVOKE, &r, "revoke", error);
}

/* Pushes grant if it is active and expressible, else revokes it. An exe
 * grant already in the kernel with the same file is left as it is. */
static gboolean
sync_grant (IdgKmod         *kmod,
            const IdgGrant  *grant,
            gint64           now,
            gboolean         repush,
            GError         **error)
{
  struct idguard_grant g;
  struct stat st = { 0 };
  int exe_fd = -1;
  Pushed *old, *pushed;
  gboolean ok;

  if (!idg_grant_is_active (grant, now) || !grant_to_kernel (kmod, grant, &g, &exe_fd, &st))
    return revoke_in_kernel (kmod, grant->id, error);
  old = g_hash_table_lookup (kmod->pushed, grant->id);
  if (old != NULL && !repush && old->exe != NULL && old->dev == st.st_dev && old->ino == st.st_ino) {
    idg_wipe (&g, sizeof g);
    close (exe_fd);
    return TRUE;
  }
  ok = kmod_ioctl (kmod, IDGUARD_IOC_GRANT_ADD, &g, "push grant", error);
  idg_wipe (&g, sizeof g);
  if (exe_fd >= 0)
    close (exe_fd);
  if (!ok)
    return FALSE;
  if (old != NULL && old->exe != NULL && (old->dev != st.st_dev || old->ino != st.st_ino)) {
    g_message ("kernel: grant %s: another file is now at %s; pushed again", grant->id, old->exe);
    idg_audit_add_exe_changed (idg_broker_get_audit (kmod->broker), IDG_DOOR_KMOD, grant->id);
  }
  pushed = g_new0 (Pushed, 1);
  if (exe_fd >= 0) {
    g_autoptr(IdgSelector) sel = idg_selector_parse (grant->selector, NULL);

    pushed->exe = g_strdup (sel != NULL ? sel->exe : NULL);
    pushed->dev = st.st_dev;
    pushed->ino = st.st_ino;
  }
  g_hash_table_replace (kmod->pushed, g_strdup (grant->id), pushed);
  return TRUE;
}

static gboolean
sync_all_grants (IdgKmod  *kmod,
                 GError  **error)
{
  g_autoptr(GPtrArray) grants = idg_store_list_grants (idg_broker_get_store (kmod->broker));
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (g_free);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer key;
  guint i;

  for (i = 0; i < grants->len; i++) {
    const IdgGrant *grant = g_ptr_array_index (grants, i);

    g_hash_table_add (wanted, grant->id);
    if (!sync_grant (kmod, grant, now, FALSE, error))
      return FALSE;
  }
  g_hash_table_iter_init (&iter, kmod->pushed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (wanted, key))
      g_ptr_array_add (stale, g_strdup (key));
  for (i = 0; i < stale->len; i++)
    if (!revoke_in_kernel (kmod, g_ptr_array_index (stale, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
sync_one_grant (IdgKmod      *kmod,
                const gchar  *id,
                GError      **error)
{
  g_autoptr(IdgGrant) grant = idg_store_lookup_grant (idg_broker_get_store (kmod->broker), id);

  if (grant == NULL)
    return revoke_in_kernel (kmod, id, error);
  return sync_grant (kmod, grant, g_get_real_time () / G_USEC_PER_SEC, TRUE, error);
}

static gboolean
sync_request_grant (IdgKmod      *kmod,
                    const gchar  *request_id,
                    GError      **error)
{
  g_autoptr(IdgRequest) request = idg_store_lookup_request (idg_broker_get_store (kmod->broker),
                                                            request_id);

  if (request == NULL || request->grant_id == NULL)
    return TRUE;
  return sync_one_grant (kmod, request->grant_id, error);
}

/* ---- audit events ---------------------------------------------------- */

static const gchar *
reason_for (gint32 err)
{
  switch (err) {
  case 0:
    return NULL;
  case EACCES:
    return "no-grant";
  case EKEYEXPIRED:
    return "expired";
  case EAGAIN:
    return "rate-limited";
  case ENOENT:
    return "unavailable";
  default:
    return "error";
  }
}

/* Fills kmod->cgroups with every cgroup under CGROUP_ROOT (id = the
 * directory's inode number), at most CGROUP_WALK_MAX of them. */
static void
walk_cgroups (IdgKmod *kmod)
{
  g_autoptr(GQueue) dirs = g_queue_new ();
  guint seen = 0;
  gchar *rel;

  g_queue_push_tail (dirs, g_strdup (""));
  while ((rel = g_queue_pop_head (dirs)) != NULL) {
    g_autofree gchar *path = g_strconcat (CGROUP_ROOT, rel, NULL);
    g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
    struct stat st;
    const gchar *name;

    if (stat (path, &st) == 0) {
      guint64 *id = g_new (guint64, 1);

      *id = (guint64) st.st_ino;
      g_hash_table_replace (kmod->cgroups, id, g_strdup (*rel ? rel : "/"));
    }
    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL && seen < CGROUP_WALK_MAX) {
      g_autofree gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK)) {
        g_queue_push_tail (dirs, g_strconcat (rel, "/", name, NULL));
        seen++;
      }
    }
    g_free (rel);
  }
  g_queue_free_full (g_steal_pointer (&dirs), g_free);
}

/* The cgroup v2 path of a cgroup id, or NULL (gone, or unknown). Ids are
 * never reused, so a cached answer stays right. */
static const gchar *
cgroup_path (IdgKmod *kmod,
             guint64  id)
{
  const gchar *path;
  gint64 now;

  if (id == 0)
    return NULL;
  path = g_hash_table_lookup (kmod->cgroups, &id);
  if (path != NULL)
    return path;
  now = g_get_monotonic_time ();
  if (kmod->cgroup_walked != 0 && now - kmod->cgroup_walked < G_USEC_PER_SEC)
    return NULL;
  kmod->cgroup_walked = now;
  walk_cgroups (kmod);
  return g_hash_table_lookup (kmod->cgroups, &id);
}

/* The path of a granted file with this identity, or NULL. */
static const gchar *
granted_exe (IdgKmod *kmod,
             dev_t    dev,
             ino_t    ino)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, kmod->pushed);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    const Pushed *p = value;

    if (p->exe != NULL && p->dev == dev && p->ino == ino)
      return p->exe;
  }
  return NULL;
}

/* The reader as the kernel saw it at the instant of the read: nothing is
 * looked up by pid. */
static IdgIdentity *
identity_from_event (IdgKmod                    *kmod,
                     const struct idguard_event *ev)
{
  IdgIdentity *id = g_new0 (IdgIdentity, 1);
  const gchar *cgroup = cgroup_path (kmod, ev->cgroup_id);

  id->uid = ev->uid;
  id->gid = ev->gid;
  id->pid = (pid_t) ev->pid;
  id->known = TRUE;
  if (ev->flags & IDGUARD_EVENT_EXE_KNOWN) {
    dev_t dev = makedev (ev->exe_dev >> 20, ev->exe_dev & 0xfffff);
    const gchar *exe = granted_exe (kmod, dev, (ino_t) ev->exe_ino);

    id->exe = exe != NULL ? g_strdup (exe)
                          : g_strdup_printf ("inode:%u:%u:%" G_GUINT64_FORMAT, major (dev),
                                             minor (dev), (guint64) ev->exe_ino);
  }
  if (cgroup != NULL) {
    id->cgroup = g_strdup (cgroup);
    id->unit = idg_identity_unit_from_cgroup (cgroup);
  }
  if (id->unit != NULL)
    id->service = g_strdup_printf ("unit:%s", id->unit);
  else if (id->exe != NULL)
    id->service = g_strdup_printf ("exe:%s", id->exe);
  else
    id->service = g_strdup_printf ("uid:%u", (guint) id->uid);
  return id;
}

static void
merge_event (IdgKmod                    *kmod,
             const struct idguard_event *ev)
{
  IdgAudit *audit = idg_broker_get_audit (kmod->broker);
  g_autoptr(IdgIdentity) identity = NULL;
  guint64 kid = ev->grant_id;
  const gchar *grant = ev->grant_id ? g_hash_table_lookup (kmod->id_by_kid, &kid) : NULL;
  gboolean release = ev->decision == IDGUARD_DECISION_RELEASE;

  if (ev->size != sizeof *ev || ev->kind >= IDG_KIND_COUNT)
    return;
  identity = identity_from_event (kmod, ev);
  if (ev->dropped > 0) {
    kmod->dropped += ev->dropped;
    g_warning ("kernel: %u refusal events were dropped (queue full)", ev->dropped);
  }
  if (!idg_audit_add_coalesced (audit, identity, IDG_DOOR_KMOD,
                                idg_kind_to_string ((IdgKind) ev->kind), grant,
                                release ? IDG_DECISION_RELEASE : IDG_DECISION_REFUSE,
                                MAX (ev->count, 1), reason_for (ev->error)))
    g_warning ("kernel: a release through the kernel could not be written to the audit log");
}

/* At most EVENTS_PER_PASS events per wakeup: the rest wait for the next
 * pass of the main loop (the fd stays readable). */
static gboolean
on_events (gint          fd,
           GIOCondition  condition,
           gpointer      user_data)
{
  IdgKmod *kmod = user_data;
  struct idguard_event ev[16];
  guint done = 0;
  ssize_t n;
  gsize i;

  if (condition & (G_IO_ERR | G_IO_HUP | G_IO_NVAL)) {
    g_warning ("kernel: %s: the broker channel failed", kmod->device);
    idg_broker_set_component_state (kmod->broker, KMOD_COMPONENT, "failed");
    kmod->watch = 0;
    return G_SOURCE_REMOVE;
  }
  while (done < EVENTS_PER_PASS) {
    n = read (fd, ev, sizeof ev);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    for (i = 0; i + sizeof ev[0] <= (gsize) n; i += sizeof ev[0], done++)
      merge_event (kmod, &ev[i / sizeof ev[0]]);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ------------------------------------------------------ */

/* A kernel we cannot keep in sync must hold nothing. */
static void
fail_closed (IdgKmod      *kmod,
             const GError *error)
{
  g_warning ("kernel: %s; wiping the kernel's copy", error->message);
  if (ioctl (kmod->fd, IDGUARD_IOC_WIPE) < 0)
    g_warning ("kernel: wipe failed: %s", g_strerror (errno));
  g_hash_table_remove_all (kmod->pushed);
  idg_broker_set_component_state (kmod->broker, KMOD_COMPONENT, "out of sync (wiped)");
}

static void
on_broker_event (IdgBroker      *broker,
                 IdgBrokerEvent  event,
                 const gchar    *detail,
                 gpointer        user_data)
{
  IdgKmod *kmod = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  switch (event) {
  case IDG_BROKER_EVENT_GRANTS:
    ok = detail != NULL ? sync_one_grant (kmod, detail, &error) : sync_all_grants (kmod, &error);
    break;
  case IDG_BROKER_EVENT_IDENTIFIERS:
    ok = push_identifiers (kmod, &error);
    break;
  case IDG_BROKER_EVENT_REQUESTS:
    /* A claim replaces the token hash of the request's grant. */
    ok = detail == NULL || sync_request_grant (kmod, detail, &error);
    break;
  case IDG_BROKER_EVENT_STATUS:
    break;
  }
  if (!ok)
    fail_closed (kmod, error);
}

gboolean
idg_kmod_is_attached (IdgKmod *kmod)
{
  return kmod != NULL && kmod->fd >= 0;
}

static gboolean
attach (IdgKmod  *kmod,
        GError  **error)
{
  struct idguard_claim claim = { .size = sizeof claim, .abi_version = IDGUARD_ABI_VERSION };

  kmod->fd = open (kmod->device, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (kmod->fd < 0) {
    int err = errno;

    if (err == ENOENT) {
      idg_broker_set_component_state (kmod->broker, KMOD_COMPONENT, "absent");
      return TRUE;
    }
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                 "cannot open %s: %s", kmod->device, g_strerror (err));
    return FALSE;
  }
  if (!kmod_ioctl (kmod, IDGUARD_IOC_BROKER_CLAIM, &claim, "claim the broker channel", error))
    return FALSE;
  if (!push_identifiers (kmod, error) || !sync_all_grants (kmod, error))
    return FALSE;
  kmod->watch = g_unix_fd_add (kmod->fd, G_IO_IN | G_IO_ERR | G_IO_HUP, on_events, kmod);
  kmod->subscription = idg_broker_subscribe (kmod->broker, on_broker_event, kmod);
  idg_broker_set_component_state (kmod->broker, KMOD_COMPONENT, "attached");
  g_message ("kernel: %s attached", kmod->device);
  return TRUE;
}

IdgKmod *
idg_kmod_new (IdgBroker    *broker,
              const gchar  *device,
              GError      **error)
{
  g_autoptr(IdgKmod) kmod = g_new0 (IdgKmod, 1);

  kmod->broker = broker;
  kmod->device = g_strdup (device != NULL ? device : IDG_KMOD_DEVICE);
  kmod->fd = -1;
  kmod->kid_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  kmod->id_by_kid = g_hash_table_new (g_int64_hash, g_int64_equal);
  kmod->pushed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, pushed_free);
  kmod->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  kmod->cgroups = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  if (!attach (kmod, error)) {
    if (kmod->fd >= 0)
      close (kmod->fd);   /* the kernel wipes whatever was pushed */
    kmod->fd = -1;
    idg_broker_set_component_state (broker, KMOD_COMPONENT, "failed");
    return NULL;
  }
  return g_steal_pointer (&kmod);
}

void
idg_kmod_free (IdgKmod *kmod)
{
  GHashTableIter iter;
  gpointer monitor;

  if (kmod == NULL)
    return;
  if (kmod->subscription != 0)
    idg_broker_unsubscribe (kmod->broker, kmod->subscription);
  if (kmod->watch != 0)
    g_source_remove (kmod->watch);
  g_hash_table_iter_init (&iter, kmod->monitors);
  while (g_hash_table_iter_next (&iter, NULL, &monitor)) {
    g_signal_handlers_disconnect_by_data (monitor, kmod);
    g_file_monitor_cancel (monitor);
  }
  if (kmod->fd >= 0) {
    close (kmod->fd);   /* the kernel wipes identifiers and grants */
    idg_broker_set_component_state (kmod->broker, KMOD_COMPONENT, "detached");
  }
  g_hash_table_unref (kmod->id_by_kid);
  g_hash_table_unref (kmod->kid_by_id);
  g_hash_table_unref (kmod->pushed);
  g_hash_table_unref (kmod->monitors);
  g_hash_table_unref (kmod->cgroups);
  g_free (kmod->device);
  g_free (kmod);
}
