// SPDX-License-Identifier: GPL-2.0-or-later
#include "idg-config.h"

#include <string.h>
#include "idg-selector.h"

G_DEFINE_QUARK (idg-config-error-quark, idg_config_error)

#define DEFAULT_AUDIT_MAX_SIZE (1024 * 1024)
#define DEFAULT_AUDIT_KEEP     4
#define DEFAULT_AUDIT_WINDOW   10
#define DEFAULT_AUDIT_RATE     5
#define DEFAULT_AUDIT_BURST    50
#define DEFAULT_AUDIT_FLOOD    10

/* Budgets of an unprivileged local user (docs/threat-model.md). */
#define DEFAULT_API_HANDSHAKES_PER_UID  4
#define DEFAULT_API_HANDSHAKE_TIMEOUT   2        /* seconds */
#define DEFAULT_API_CONNECTIONS_PER_UID 32
#define DEFAULT_PROXY_CLIENTS_PER_UID   16
#define DEFAULT_REQUESTS_PENDING_PER_UID 4
#define DEFAULT_REQUESTS_EXPIRE_AFTER   (24 * 3600)   /* seconds */
#define DEFAULT_STORE_RETAIN_PAST       (90 * 86400)  /* seconds */

/* Every group and key the broker knows; anything else is refused. */
static const struct {
  const gchar *group;
  const gchar *keys[12];
} known[] = {
  { "broker", { "state-dir", "runtime-dir", "policy", "default-ttl", NULL } },
  { "modem",  { "qmi", "mbim", "at", NULL } },
  { "proxy",  { "qmi-socket", "mbim-socket", "at-socket", "at-link", "at-link-selector",
                "clients", "clients-per-uid", NULL } },
  { "audit",  { "max-size", "keep", "window", "release-max-size", "release-keep",
                "rate", "burst", "flood-interval", NULL } },
  { "api",    { "handshakes-per-uid", "handshake-timeout", "connections-per-uid", NULL } },
  { "requests", { "pending-per-uid", "expire-after", NULL } },
  { "store",  { "retain-past", NULL } },
};

static gboolean
check_known (GKeyFile  *kf,
             GError   **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);
  guint i, j, g;

  for (i = 0; groups[i] != NULL; i++) {
    g_auto(GStrv) keys = NULL;

    for (g = 0; g < G_N_ELEMENTS (known); g++)
      if (g_str_equal (groups[i], known[g].group))
        break;
    if (g == G_N_ELEMENTS (known)) {
      g_autofree gchar *esc = g_strescape (groups[i], NULL);
      g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                   "unknown group [%s]", esc);
      return FALSE;
    }
    keys = g_key_file_get_keys (kf, groups[i], NULL, NULL);
    for (j = 0; keys != NULL && keys[j] != NULL; j++) {
      guint k;
      gboolean found = FALSE;

      for (k = 0; known[g].keys[k] != NULL; k++)
        found |= g_str_equal (keys[j], known[g].keys[k]);
      if (!found) {
        g_autofree gchar *esc = g_strescape (keys[j], NULL);
        g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                     "unknown key '%s' in [%s]", esc, groups[i]);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* A string value, NULL when absent or empty. */
static gboolean
get_opt (GKeyFile     *kf,
         const gchar  *group,
         const gchar  *key,
         gchar       **out,
         GError      **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree gchar *v = g_key_file_get_string (kf, group, key, &local);

  *out = NULL;
  if (v == NULL) {
    if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) ||
        g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
      return TRUE;
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[%s] %s: %s", group, key, local->message);
    return FALSE;
  }
  g_strstrip (v);
  if (*v != '\0')
    *out = g_steal_pointer (&v);
  return TRUE;
}

static gboolean
get_path (GKeyFile     *kf,
          const gchar  *group,
          const gchar  *key,
          gboolean      required,
          gchar       **out,
          GError      **error)
{
  if (!get_opt (kf, group, key, out, error))
    return FALSE;
  if (*out == NULL && required) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[%s] %s is required", group, key);
    return FALSE;
  }
  if (*out != NULL && !g_path_is_absolute (*out)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[%s] %s must be an absolute path", group, key);
    g_clear_pointer (out, g_free);
    return FALSE;
  }
  return TRUE;
}

/* [modem] qmi: a device path, or a QRTR node as libqmi names it
 * ("qrtr://NODE", NODE a decimal u32), kept in the canonical form libqmi
 * clients send in their proxy open ("qrtr://5", no leading zeros). */
static gboolean
get_qmi_port (GKeyFile  *kf,
              gchar    **out,
              GError   **error)
{
  g_autoptr(GError) local = NULL;
  guint64 node;

  if (!get_opt (kf, "modem", "qmi", out, error))
    return FALSE;
  if (*out == NULL || !g_str_has_prefix (*out, IDG_CONFIG_QRTR_PREFIX)) {
    g_clear_pointer (out, g_free);
    return get_path (kf, "modem", "qmi", FALSE, out, error);
  }
  if (!g_ascii_isdigit ((*out)[strlen (IDG_CONFIG_QRTR_PREFIX)]) ||
      !g_ascii_string_to_unsigned (*out + strlen (IDG_CONFIG_QRTR_PREFIX), 10, 0, G_MAXUINT32,
                                   &node, &local)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[modem] qmi: %s needs a QRTR node number from 0 to %u, as in %s5",
                 IDG_CONFIG_QRTR_PREFIX "NODE", G_MAXUINT32, IDG_CONFIG_QRTR_PREFIX);
    g_clear_pointer (out, g_free);
    return FALSE;
  }
  g_free (*out);
  *out = g_strdup_printf (IDG_CONFIG_QRTR_PREFIX "%" G_GUINT64_FORMAT, node);
  return TRUE;
}

/* Abstract socket names: printable ASCII, at most 107 bytes. */
static gboolean
get_abstract (GKeyFile     *kf,
              const gchar  *key,
              gchar       **out,
              GError      **error)
{
  const gchar *p;

  if (!get_opt (kf, "proxy", key, out, error))
    return FALSE;
  if (*out == NULL)
    return TRUE;
  for (p = *out; *p != '\0'; p++)
    if (!g_ascii_isgraph (*p))
      break;
  if (*p != '\0' || strlen (*out) > 107) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[proxy] %s is not a valid abstract socket name", key);
    g_clear_pointer (out, g_free);
    return FALSE;
  }
  return TRUE;
}

static gboolean
get_uint (GKeyFile     *kf,
          const gchar  *key,
          gboolean      size_suffix,
          guint64       max,
          guint64      *out,
          GError      **error)
{
  g_autofree gchar *v = NULL;
  guint64 mult = 1, n;
  gsize len;

  if (!get_opt (kf, "audit", key, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  len = strlen (v);
  if (size_suffix && len > 1) {
    if (v[len - 1] == 'k' || v[len - 1] == 'K')
      mult = 1024;
    else if (v[len - 1] == 'M')
      mult = 1024 * 1024;
    if (mult != 1)
      v[len - 1] = '\0';
  }
  if (!g_ascii_string_to_unsigned (v, 10, 0, max / mult, &n, NULL)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[audit] %s: not a number in range", key);
    return FALSE;
  }
  *out = n * mult;
  return TRUE;
}

/* A whole number in [min, max] from group/key; *out untouched when absent. */
static gboolean
get_count (GKeyFile     *kf,
           const gchar  *group,
           const gchar  *key,
           guint64       min,
           guint64       max,
           guint        *out,
           GError      **error)
{
  g_autofree gchar *v = NULL;
  guint64 n;

  if (!get_opt (kf, group, key, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, NULL)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[%s] %s: not a whole number from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                 group, key, min, max);
    return FALSE;
  }
  *out = (guint) n;
  return TRUE;
}

/* A duration: a whole number and a unit, s, m, h or d ("30s", "12h");
 * between 1 s and 365 d. */
static gboolean
get_duration (GKeyFile     *kf,
              const gchar  *group,
              const gchar  *key,
              gint64       *out,
              GError      **error)
{
  static const struct { gchar unit; gint64 secs; } units[] = {
    { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
  };
  g_autofree gchar *v = NULL;
  guint64 n;
  gsize len, u;

  if (!get_opt (kf, group, key, &v, error))
    return FALSE;
  if (v == NULL)
    return TRUE;
  len = strlen (v);
  for (u = 0; u < G_N_ELEMENTS (units); u++)
    if (len > 1 && v[len - 1] == units[u].unit)
      break;
  if (u < G_N_ELEMENTS (units))
    v[len - 1] = '\0';
  if (u == G_N_ELEMENTS (units) ||
      !g_ascii_string_to_unsigned (v, 10, 1, 365 * 86400 / units[u].secs, &n, NULL)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[%s] %s: not a duration from 1s to 365d (30s, 15m, 12h, 90d)", group, key);
    return FALSE;
  }
  *out = (gint64) n * units[u].secs;
  return TRUE;
}

/* [store] retain-past: a duration, or 0 to keep past grants for ever. */
static gboolean
get_retention (GKeyFile  *kf,
               gint64    *out,
               GError   **error)
{
  g_autofree gchar *v = g_key_file_get_string (kf, "store", "retain-past", NULL);

  if (v != NULL && g_str_equal (g_strstrip (v), "0")) {
    *out = 0;
    return TRUE;
  }
  return get_duration (kf, "store", "retain-past", out, error);
}

/* A selector in the config: parsed, and held to the grant rule (an exe:
 * item never stands alone; such a selector would silently match no one). */
static IdgSelector *
parse_selector (const gchar  *str,
                GError      **error)
{
  g_autoptr(IdgSelector) sel = idg_selector_parse (str, error);

  if (sel == NULL || !idg_selector_check_grantable (sel, error))
    return NULL;
  return g_steal_pointer (&sel);
}

/* [proxy] clients: selectors separated by ';' (a selector's own items are
 * separated by ','), at least one; absent leaves the default (NULL). */
static gboolean
get_clients (GKeyFile    *kf,
             GPtrArray  **out,
             GError     **error)
{
  g_autofree gchar *v = NULL;
  g_auto(GStrv) items = NULL;
  g_autoptr(GPtrArray) sels = NULL;
  guint i;

  *out = NULL;
  if (!g_key_file_has_key (kf, "proxy", "clients", NULL))
    return TRUE;
  if (!get_opt (kf, "proxy", "clients", &v, error))
    return FALSE;
  sels = g_ptr_array_new_with_free_func ((GDestroyNotify) idg_selector_free);
  items = g_strsplit (v != NULL ? v : "", ";", -1);
  for (i = 0; items[i] != NULL; i++) {
    g_autoptr(GError) local = NULL;
    IdgSelector *sel;

    if (*g_strstrip (items[i]) == '\0')
      continue;
    sel = parse_selector (items[i], &local);
    if (sel == NULL) {
      g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                   "[proxy] clients: selector %u: %s", i + 1, local->message);
      return FALSE;
    }
    g_ptr_array_add (sels, sel);
  }
  if (sels->len == 0) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[proxy] clients is empty: name at least one selector, or remove the key "
                 "for the default (uid 0 and the broker's user)");
    return FALSE;
  }
  *out = g_steal_pointer (&sels);
  return TRUE;
}

static gboolean
check_dir (const gchar  *key,
           const gchar  *path,
           GError      **error)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[broker] %s: %s is not a directory", key, path);
    return FALSE;
  }
  return TRUE;
}

/* [audit]: sizes and counts of both logs, coalescing, rate limit. */
static gboolean
get_audit (GKeyFile   *kf,
           IdgConfig  *c,
           GError    **error)
{
  const struct {
    const gchar *key;
    gboolean     size;     /* bytes, k/M suffix */
    guint64      min, max, def;
    guint64     *out;
  } keys[] = {
    { "max-size", TRUE, 4096, G_MAXINT64, DEFAULT_AUDIT_MAX_SIZE, &c->audit_max_size },
    { "keep", FALSE, 0, 1000, DEFAULT_AUDIT_KEEP, &c->audit_keep },
    { "window", FALSE, 0, 3600, DEFAULT_AUDIT_WINDOW, &c->audit_window },
    { "release-max-size", TRUE, 4096, G_MAXINT64, DEFAULT_AUDIT_MAX_SIZE, &c->audit_release_max_size },
    { "release-keep", FALSE, 0, 1000, DEFAULT_AUDIT_KEEP, &c->audit_release_keep },
    { "rate", FALSE, 1, 100000, DEFAULT_AUDIT_RATE, &c->audit_rate },
    { "burst", FALSE, 1, 100000, DEFAULT_AUDIT_BURST, &c->audit_burst },
    { "flood-interval", FALSE, 1, 3600, DEFAULT_AUDIT_FLOOD, &c->audit_flood_interval },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (keys); i++) {
    guint64 v = keys[i].def;

    if (!get_uint (kf, keys[i].key, keys[i].size, keys[i].max, &v, error))
      return FALSE;
    if (v < keys[i].min) {
      g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                   "[audit] %s must be at least %" G_GUINT64_FORMAT "%s",
                   keys[i].key, keys[i].min, keys[i].size ? " bytes" : "");
      return FALSE;
    }
    *keys[i].out = v;
  }
  return TRUE;
}

static IdgConfig *
parse (GKeyFile  *kf,
       gboolean   check_dirs,
       GError   **error)
{
  g_autoptr(IdgConfig) c = g_new0 (IdgConfig, 1);
  g_autofree gchar *policy = NULL;

  if (!check_known (kf, error))
    return NULL;
  if (!get_path (kf, "broker", "state-dir", TRUE, &c->state_dir, error) ||
      !get_path (kf, "broker", "runtime-dir", TRUE, &c->runtime_dir, error) ||
      !get_opt (kf, "broker", "policy", &policy, error) ||
      !get_qmi_port (kf, &c->modem_qmi, error) ||
      !get_path (kf, "modem", "mbim", FALSE, &c->modem_mbim, error) ||
      !get_path (kf, "modem", "at", FALSE, &c->modem_at, error) ||
      !get_abstract (kf, "qmi-socket", &c->qmi_socket, error) ||
      !get_abstract (kf, "mbim-socket", &c->mbim_socket, error) ||
      !get_abstract (kf, "at-socket", &c->at_socket, error) ||
      !get_path (kf, "proxy", "at-link", FALSE, &c->at_link, error) ||
      !get_opt (kf, "proxy", "at-link-selector", &c->at_link_selector, error) ||
      !get_clients (kf, &c->proxy_clients, error))
    return NULL;
  c->policy = IDG_POLICY_REDACT;
  if (policy != NULL && !idg_policy_from_string (policy, &c->policy)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "[broker] policy must be redact or pseudonym");
    return NULL;
  }
  if (c->at_link_selector != NULL) {
    g_autoptr(GError) local = NULL;
    g_autoptr(IdgSelector) sel = parse_selector (c->at_link_selector, &local);

    if (sel == NULL) {
      g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                   "[proxy] at-link-selector: %s", local->message);
      return NULL;
    }
  }
  if (!get_audit (kf, c, error))
    return NULL;
  c->api_handshakes_per_uid = DEFAULT_API_HANDSHAKES_PER_UID;
  c->api_handshake_timeout = DEFAULT_API_HANDSHAKE_TIMEOUT;
  c->api_connections_per_uid = DEFAULT_API_CONNECTIONS_PER_UID;
  c->proxy_clients_per_uid = DEFAULT_PROXY_CLIENTS_PER_UID;
  c->requests_pending_per_uid = DEFAULT_REQUESTS_PENDING_PER_UID;
  c->requests_expire_after = DEFAULT_REQUESTS_EXPIRE_AFTER;
  c->store_retain_past = DEFAULT_STORE_RETAIN_PAST;
  if (!get_count (kf, "api", "handshakes-per-uid", 1, 64, &c->api_handshakes_per_uid, error) ||
      !get_count (kf, "api", "handshake-timeout", 1, 30, &c->api_handshake_timeout, error) ||
      !get_count (kf, "api", "connections-per-uid", 1, 1024, &c->api_connections_per_uid, error) ||
      !get_count (kf, "proxy", "clients-per-uid", 1, 1024, &c->proxy_clients_per_uid, error) ||
      !get_count (kf, "requests", "pending-per-uid", 1, 64, &c->requests_pending_per_uid, error) ||
      !get_duration (kf, "requests", "expire-after", &c->requests_expire_after, error) ||
      !get_duration (kf, "broker", "default-ttl", &c->default_ttl, error) ||
      !get_retention (kf, &c->store_retain_past, error))
    return NULL;
  if (check_dirs &&
      (!check_dir ("state-dir", c->state_dir, error) ||
       !check_dir ("runtime-dir", c->runtime_dir, error)))
    return NULL;
  return g_steal_pointer (&c);
}

IdgConfig *
idg_config_load_data (const gchar  *data,
                      gsize         len,
                      gboolean      check_dirs,
                      GError      **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_KEEP_TRANSLATIONS, &local)) {
    g_set_error (error, IDG_CONFIG_ERROR, IDG_CONFIG_ERROR_INVALID,
                 "%s", local->message);
    return NULL;
  }
  return parse (kf, check_dirs, error);
}

IdgConfig *
idg_config_load (const gchar  *path,
                 GError      **error)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;
  IdgConfig *c;

  if (!g_file_get_contents (path, &data, &len, error)) {
    g_prefix_error (error, "config: ");
    return NULL;
  }
  c = idg_config_load_data (data, len, TRUE, error);
  if (c == NULL) {
    g_prefix_error (error, "config %s: ", path);
    return NULL;
  }
  c->path = g_strdup (path);
  return c;
}

void
idg_config_free (IdgConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->state_dir);
  g_free (config->runtime_dir);
  g_free (config->modem_qmi);
  g_free (config->modem_mbim);
  g_free (config->modem_at);
  g_free (config->qmi_socket);
  g_free (config->mbim_socket);
  g_free (config->at_socket);
  g_free (config->at_link);
  g_free (config->at_link_selector);
  g_clear_pointer (&config->proxy_clients, g_ptr_array_unref);
  g_free (config);
}
