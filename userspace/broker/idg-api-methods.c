/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The API's methods, one small function each over the broker core, with
 * the checks of their arguments' values (their types were checked by GDBus
 * against data/org.idguard.Broker1.xml). idg-api.c finds the caller and
 * authorizes it, then runs the method from the tables here.
 */
#include "idg-api-private.h"

#include <string.h>

#include "idg-api-names.h"
#include "idg-audit.h"
#include "idg-authz.h"
#include "idg-ids.h"
#include "idg-selector.h"
#include "idg-store.h"
#include "idg-token.h"

#define PURPOSE_MAX       256
#define SELECTOR_MAX      8192     /* two paths of PATH_MAX and the rest */
#define TTL_MAX           ((guint64) 100 * 365 * 24 * 3600)
#define AUDIT_MAX_RECORDS 20000    /* newest records returned by Audit() */

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static GVariant *
params (Call *call)
{
  return call->params;
}

/* ---- errors ---- */

void
idg_api_fail (Call *call, const gchar *name, const gchar *fmt, ...)
{
  g_autofree gchar *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (call->fast != NULL)
    idg_api_fast_reply (g_steal_pointer (&call->fast), name, g_variant_new ("(s)", msg));
  else
    g_dbus_method_invocation_return_dbus_error (g_steal_pointer (&call->inv), name, msg);
}

void
idg_api_return (Call *call, GVariant *value)
{
  if (call->fast != NULL)
    idg_api_fast_reply (g_steal_pointer (&call->fast), "",
                        value != NULL ? value : g_variant_new ("()"));
  else
    g_dbus_method_invocation_return_value (g_steal_pointer (&call->inv), value);
}

/* Core errors to D-Bus errors. The core's messages never hold an
 * identifier or a token. */
static void
fail_error (Call *call, const GError *error)
{
  const gchar *name = IDG_API_ERROR_UNAVAILABLE;

  if (error->domain == IDG_STORE_ERROR) {
    switch ((IdgStoreError) error->code) {
    case IDG_STORE_ERROR_INVALID:   name = IDG_API_ERROR_INVALID_ARGUMENT; break;
    case IDG_STORE_ERROR_NOT_FOUND: name = IDG_API_ERROR_NOT_FOUND; break;
    case IDG_STORE_ERROR_STATE:     name = IDG_API_ERROR_REFUSED; break;
    case IDG_STORE_ERROR_REFUSED:   name = IDG_API_ERROR_REFUSED; break;
    case IDG_STORE_ERROR_CORRUPT:
    case IDG_STORE_ERROR_IO:        name = IDG_API_ERROR_UNAVAILABLE; break;
    }
  } else if (error->domain == IDG_SELECTOR_ERROR) {
    name = IDG_API_ERROR_INVALID_ARGUMENT;
  } else if (error->domain == IDG_BROKER_ERROR) {
    name = IDG_API_ERROR_UNAVAILABLE;
  }
  idg_api_fail (call, name, "%s", error->message);
}

/* ---- argument checks ---- */

static gboolean
check_purpose (Call *call, const gchar *purpose)
{
  if (!*purpose || strlen (purpose) > PURPOSE_MAX) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "purpose must be 1 to %d bytes of text", PURPOSE_MAX);
    return FALSE;
  }
  /* The purpose is shown to the user who decides: no control characters
   * (C0, C1), no format characters (bidi overrides that reverse what is
   * read, zero-width characters), no line or paragraph separators. */
  if (!g_utf8_validate (purpose, -1, NULL)) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "purpose must be UTF-8 text");
    return FALSE;
  }
  for (const gchar *p = purpose; *p; p = g_utf8_next_char (p)) {
    switch (g_unichar_type (g_utf8_get_char (p))) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT,
                    "purpose must not hold control, format or separator characters");
      return FALSE;
    default:
      break;
    }
  }
  return TRUE;
}

static gboolean
parse_scopes (Call *call, const gchar *scopes, guint32 *mask)
{
  g_autoptr(GError) error = NULL;

  if (strlen (scopes) > 256) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "scope list too long");
    return FALSE;
  }
  *mask = idg_kind_mask_parse (scopes, &error);
  if (!*mask) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "scopes: %s", error->message);
    return FALSE;
  }
  return TRUE;
}

static IdgSelector *
parse_selector (Call *call, const gchar *selector)
{
  g_autoptr(GError) error = NULL;
  IdgSelector *sel;

  if (strlen (selector) > SELECTOR_MAX) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "selector longer than %d bytes", SELECTOR_MAX);
    return NULL;
  }
  sel = idg_selector_parse (selector, &error);
  if (!sel)
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "selector: %s", error->message);
  return sel;
}

static gboolean
check_ttl (Call *call, guint64 ttl)
{
  if (ttl > TTL_MAX) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "ttl must be at most %" G_GUINT64_FORMAT " seconds (0: no expiry)", TTL_MAX);
    return FALSE;
  }
  return TRUE;
}

/* A grant or approval without a ttl (0) gets [broker] default-ttl, which is
 * 0 (never expires) unless the config sets one. */
static guint64
effective_ttl (Call *call, guint64 ttl)
{
  return ttl != 0 ? ttl : (guint64) idg_broker_get_config (call->broker)->default_ttl;
}

static gboolean
check_id (Call *call, const gchar *id, const gchar *what)
{
  gsize len = strlen (id);

  if (len == 0 || len > 64) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "malformed %s id", what);
    return FALSE;
  }
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_') {
      idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "malformed %s id", what);
      return FALSE;
    }
  }
  return TRUE;
}

/* ---- records (a{sv}) ---- */

static void
put_s (GVariantBuilder *b, const gchar *key, const gchar *value)
{
  g_variant_builder_add (b, "{sv}", key, g_variant_new_string (value ? value : ""));
}

static void
put_x (GVariantBuilder *b, const gchar *key, gint64 value)
{
  g_variant_builder_add (b, "{sv}", key, g_variant_new_int64 (value));
}

static void
put_u (GVariantBuilder *b, const gchar *key, guint32 value)
{
  g_variant_builder_add (b, "{sv}", key, g_variant_new_uint32 (value));
}

static void
put_t (GVariantBuilder *b, const gchar *key, guint64 value)
{
  g_variant_builder_add (b, "{sv}", key, g_variant_new_uint64 (value));
}

/* Replies with the rows (aa{sv}) built in b. */
static void
return_rows (Call *call, GVariantBuilder *b)
{
  idg_api_return (call, g_variant_new ("(@aa{sv})", g_variant_builder_end (b)));
}

/* ---- org.idguard.Broker1 ---- */

static void
m_get_identifier (Call *call)
{
  IdgBroker *broker = call->broker;
  g_autoptr(GVariant) tok_v = NULL;
  g_autoptr(GError) error = NULL;
  const gchar *kind_name;
  const guint8 *bytes;
  gsize len = 0;
  gchar token[128 + 1];     /* IDGUARD_TOKEN_MAX of the kernel ABI */
  gchar *value;
  IdgKind kind;

  g_variant_get (params (call), "(&s@ay)", &kind_name, &tok_v);
  if (!idg_kind_from_string (kind_name, &kind)) {
    /* audited too: a probe is worth seeing (the kind text is not kept) */
    idg_audit_add_coalesced (idg_broker_get_audit (broker), call->caller, IDG_DOOR_API,
                             "unknown", NULL, IDG_DECISION_REFUSE, 1, "unknown kind");
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT,
          "unknown identifier kind (known: imei, imeisv, esn, meid, imsi, iccid, eid, msisdn)");
    return;
  }
  bytes = g_variant_get_fixed_array (tok_v, &len, 1);
  if (len == 0 || len >= sizeof token || memchr (bytes, '\0', len)) {
    idg_audit_add_coalesced (idg_broker_get_audit (broker), call->caller, IDG_DOOR_API,
                             idg_kind_to_string (kind), NULL, IDG_DECISION_REFUSE, 1,
                             "malformed token");
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "the token must be 1 to %d bytes of text",
          (int) sizeof token - 1);
    return;
  }
  memcpy (token, bytes, len);
  token[len] = '\0';
  /* the call's own copy of the token, in the parameters' heap memory */
  idg_wipe ((gpointer) bytes, len);
  value = idg_broker_read_identifier (broker, call->caller, kind, token, IDG_DOOR_API, &error);
  idg_wipe (token, sizeof token);
  if (!value) {
    fail_error (call, error);
    return;
  }
  idg_api_return (call, g_variant_new ("(@s)", idg_secret_variant_new (value)));
  idg_ids_value_free (value);
}

static void
m_request_consent (Call *call)
{
  IdgStore *store = idg_broker_get_store (call->broker);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *id = NULL;
  const gchar *scopes, *purpose;
  guint32 mask;

  g_variant_get (params (call), "(&s&s)", &scopes, &purpose);
  if (!parse_scopes (call, scopes, &mask) || !check_purpose (call, purpose))
    return;
  if (!call->caller->known) {
    idg_api_fail (call, IDG_API_ERROR_REFUSED, "the caller's identity is unknown");
    return;
  }
  if (!idg_store_add_request (store, call->caller, mask, purpose, now_s (), &id, &error)) {
    fail_error (call, error);
    return;
  }
  idg_api_return (call, g_variant_new ("(s)", id));
}

/* TRUE if the request exists, is pending and was made by this caller: only
 * then does the caller learn that it is pending. */
static gboolean
is_own_pending (IdgStore *store, const gchar *id, const IdgIdentity *caller)
{
  g_autoptr(IdgRequest) req = idg_store_lookup_request (store, id);
  g_autoptr(IdgSelector) sel = NULL;

  if (!req || req->state != IDG_REQUEST_PENDING)
    return FALSE;
  sel = idg_selector_parse (req->selector, NULL);
  return sel && idg_selector_matches (sel, caller);
}

static void
m_claim_token (Call *call)
{
  IdgStore *store = idg_broker_get_store (call->broker);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *grant_id = NULL;
  gchar *token = NULL;
  const gchar *id;

  g_variant_get (params (call), "(&s)", &id);
  if (!check_id (call, id, "request"))
    return;
  if (!idg_store_claim_request (store, id, call->caller, now_s (), &grant_id, &token, &error)) {
    if (g_error_matches (error, IDG_STORE_ERROR, IDG_STORE_ERROR_STATE) &&
        is_own_pending (store, id, call->caller))
      idg_api_fail (call, IDG_API_ERROR_PENDING, "the request is not decided yet");
    else
      fail_error (call, error);
    return;
  }
  idg_api_return (call, g_variant_new ("(s@s)", grant_id, idg_secret_variant_new (token)));
  idg_token_free (token);
}

/* ---- org.idguard.Admin1 ---- */

static void
m_grant (Call *call)
{
  IdgStore *store = idg_broker_get_store (call->broker);
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgSelector) sel = NULL;
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *who = NULL;
  gchar *token = NULL;
  const gchar *selector, *scopes, *purpose;
  guint64 ttl;
  guint32 mask;

  g_variant_get (params (call), "(&s&s&st)", &selector, &scopes, &purpose, &ttl);
  if (!(sel = parse_selector (call, selector)))
    return;
  if (!idg_selector_check_grantable (sel, &error)) {
    idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT, "selector: %s", error->message);
    return;
  }
  if (!parse_scopes (call, scopes, &mask) || !check_purpose (call, purpose) || !check_ttl (call, ttl))
    return;
  ttl = effective_ttl (call, ttl);
  canonical = idg_selector_to_string (sel);
  if (!idg_store_add_grant (store, canonical, mask, purpose, (gint64) ttl, now_s (),
                            &id, &token, &error)) {
    fail_error (call, error);
    return;
  }
  who = idg_identity_describe (call->caller);
  g_info ("api: grant %s to %s made by %s", id, canonical, who);
  idg_api_return (call, g_variant_new ("(s@s)", id, idg_secret_variant_new (token)));
  idg_token_free (token);
}

/* A method that takes one grant or request id and changes the store. */
typedef gboolean (*IdOp) (IdgStore *store, const gchar *id, gint64 now, GError **error);

static void
id_op (Call *call, const gchar *what, IdOp op)
{
  g_autoptr(GError) error = NULL;
  const gchar *id;

  g_variant_get (params (call), "(&s)", &id);
  if (!check_id (call, id, what))
    return;
  if (!op (idg_broker_get_store (call->broker), id, now_s (), &error)) {
    fail_error (call, error);
    return;
  }
  idg_api_return (call, NULL);
}

static void
m_revoke (Call *call)
{
  id_op (call, "grant", idg_store_revoke);
}

static void
m_revoke_matching (Call *call)
{
  IdgStore *store = idg_broker_get_store (call->broker);
  g_autoptr(GError) error = NULL;
  g_autoptr(IdgSelector) sel = NULL;
  g_autofree gchar *canonical = NULL;
  const gchar *selector;
  guint n = 0;

  g_variant_get (params (call), "(&s)", &selector);
  if (!(sel = parse_selector (call, selector)))
    return;
  canonical = idg_selector_to_string (sel);
  if (!idg_store_revoke_selector (store, canonical, now_s (), &n, &error)) {
    fail_error (call, error);
    return;
  }
  idg_api_return (call, g_variant_new ("(u)", n));
}

static const gchar *
grant_state (const IdgGrant *g, gint64 now)
{
  if (g->revoked)
    return "revoked";
  if (g->expires != 0 && now >= g->expires)
    return "expired";
  if (g->exe_alone)
    return "inert";
  return "active";
}

#define EXE_ALONE_WARNING \
  "a selector with exe: alone matches no one (any local user could borrow the executable); " \
  "revoke and grant again with uid:N beside exe:"


/* Adds the members of one row (a{sv}) for item. */
typedef void (*RowFunc) (GVariantBuilder *b, gconstpointer item, gint64 now);

/* Replies with one row per item, from index first on. */
static void
return_list (Call *call, GPtrArray *items, guint first, RowFunc put_row)
{
  GVariantBuilder b;
  gint64 now = now_s ();

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = first; i < items->len; i++) {
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a{sv}"));
    put_row (&b, g_ptr_array_index (items, i), now);
    g_variant_builder_close (&b);
  }
  return_rows (call, &b);
}

static void
grant_row (GVariantBuilder *b, gconstpointer item, gint64 now)
{
  const IdgGrant *g = item;
  g_autofree gchar *scopes = idg_kind_mask_to_string (g->scopes);

  put_s (b, "id", g->id);
  put_s (b, "selector", g->selector);
  put_s (b, "scopes", scopes);
  put_s (b, "purpose", g->purpose);
  put_x (b, "created", g->created);
  put_x (b, "expires", g->expires);
  put_x (b, "revoked", g->revoked ? g->revoked_at : 0);
  put_s (b, "state", grant_state (g, now));
  put_s (b, "request", g->request_id);
  put_s (b, "warning", g->exe_alone ? EXE_ALONE_WARNING : "");
}

static void
m_list_grants (Call *call)
{
  g_autoptr(GPtrArray) grants = idg_store_list_grants (idg_broker_get_store (call->broker));

  return_list (call, grants, 0, grant_row);
}

static void
request_row (GVariantBuilder *b, gconstpointer item, gint64 now)
{
  const IdgRequest *r = item;
  g_autofree gchar *scopes = idg_kind_mask_to_string (r->scopes);

  put_s (b, "id", r->id);
  put_s (b, "requester", r->requester);
  put_s (b, "service", r->service);
  put_s (b, "selector", r->selector);
  put_s (b, "scopes", scopes);
  put_s (b, "purpose", r->purpose);
  put_x (b, "created", r->created);
  put_x (b, "decided", r->decided);
  put_s (b, "state", idg_request_state_to_string (r->state));
  put_s (b, "grant", r->grant_id);
}

static void
m_list_requests (Call *call)
{
  g_autoptr(GPtrArray) reqs = idg_store_list_requests (idg_broker_get_store (call->broker));

  return_list (call, reqs, 0, request_row);
}

static void
m_approve (Call *call)
{
  IdgStore *store = idg_broker_get_store (call->broker);
  g_autoptr(GError) error = NULL;
  g_autofree gchar *grant_id = NULL;
  gchar *token = NULL;
  const gchar *id;
  guint64 ttl;

  g_variant_get (params (call), "(&st)", &id, &ttl);
  if (!check_id (call, id, "request") || !check_ttl (call, ttl))
    return;
  ttl = effective_ttl (call, ttl);
  /* the store refuses it too; here the message says what the admin can do */
  {
    g_autoptr(IdgRequest) req = idg_store_lookup_request (store, id);
    g_autoptr(IdgSelector) sel = req ? idg_selector_parse (req->selector, NULL) : NULL;

    if (sel && idg_selector_exe_alone (sel)) {
      idg_api_fail (call, IDG_API_ERROR_INVALID_ARGUMENT,
                    "selector: the request names an executable alone (exe: without uid:, gid: or unit:), "
                    "which any local user could borrow: deny it; a new request carries the service's uid");
      return;
    }
  }
  if (!idg_store_approve_request (store, id, (gint64) ttl, now_s (), &grant_id, &token, &error)) {
    fail_error (call, error);
    return;
  }
  idg_api_return (call, g_variant_new ("(s@s)", grant_id, idg_secret_variant_new (token ? token : "")));
  if (token)
    idg_token_free (token);
}

static void
m_deny (Call *call)
{
  id_op (call, "request", idg_store_deny_request);
}

static void
audit_row (GVariantBuilder *b, gconstpointer item, gint64 now)
{
  const IdgAuditRecord *r = item;

  put_x (b, "time", r->usec);
  put_s (b, "identity", r->identity);
  put_s (b, "service", r->service);
  put_s (b, "kind", r->kind);
  put_s (b, "door", r->door);
  put_s (b, "grants", r->grants);
  put_s (b, "decision", idg_audit_record_decision (r));
  put_u (b, "count", r->count);
  put_s (b, "reason", r->reason);
  if (r->type == IDG_AUDIT_TYPE_FLOOD) {
    put_t (b, "refused", r->suppressed[IDG_DECISION_REFUSE]);
    put_t (b, "rewritten", r->suppressed[IDG_DECISION_REWRITE]);
    put_t (b, "records", r->records);
  }
}

static void
report_row (GVariantBuilder *b, gconstpointer item, gint64 now)
{
  const IdgAuditReportRow *r = item;

  put_s (b, "service", r->service);
  put_s (b, "kind", r->kind);
  put_t (b, "released", r->count[IDG_DECISION_RELEASE]);
  put_t (b, "rewritten", r->count[IDG_DECISION_REWRITE]);
  put_t (b, "refused", r->count[IDG_DECISION_REFUSE]);
}

/* Audit() and Report(): what is pending is written first; at most the
 * newest max rows. */
static void
audit_list (Call *call, gboolean report, gint64 since, guint max)
{
  IdgAudit *log = idg_broker_get_audit (call->broker);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  idg_audit_flush (log);
  rows = report ? idg_audit_report (log, 0, &error) : idg_audit_query (log, MAX (since, 0), &error);
  if (!rows) {
    idg_api_fail (call, IDG_API_ERROR_UNAVAILABLE, "audit log: %s", error->message);
    return;
  }
  return_list (call, rows, rows->len > max ? rows->len - max : 0,
               report ? report_row : audit_row);
}

static void
m_audit (Call *call)
{
  gint64 since;

  g_variant_get (params (call), "(x)", &since);
  audit_list (call, FALSE, since, AUDIT_MAX_RECORDS);
}

static void
m_report (Call *call)
{
  audit_list (call, TRUE, 0, G_MAXUINT);
}

static void
m_factory_reset (Call *call)
{
  g_autoptr(GError) error = NULL;
  g_autofree gchar *who = idg_identity_describe (call->caller);

  if (!idg_store_factory_reset (idg_broker_get_store (call->broker), &error)) {
    fail_error (call, error);
    return;
  }
  g_info ("api: factory reset by %s", who);
  idg_api_return (call, NULL);
}

/* The broker's status, and how many grants are inert because their
 * selector is exe: alone (with a warning to show when there are any). */
static void
m_status (Call *call)
{
  g_autoptr(GVariant) status = g_variant_ref_sink (idg_broker_get_status (call->broker));
  guint n = idg_store_count_exe_alone (idg_broker_get_store (call->broker), now_s ());
  GVariantDict d;

  g_variant_dict_init (&d, status);
  g_variant_dict_insert (&d, "grants-exe-alone", "u", n);
  if (n > 0) {
    g_autofree gchar *w = g_strdup_printf ("%u grant(s) inert: %s", n, EXE_ALONE_WARNING);

    g_variant_dict_insert (&d, "warning", "s", w);
  }
  idg_api_return (call,
      g_variant_new ("(@a{sv})", g_variant_dict_end (&d)));
}

static void
m_list_identifiers (Call *call)
{
  IdgBroker *broker = call->broker;
  IdgIds *ids = idg_broker_get_ids (broker);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint k = 0; k < IDG_KIND_COUNT; k++) {
    const gchar *source = NULL;
    gchar *value = idg_ids_dup_value (ids, (IdgKind) k, &source);

    if (!value)
      continue;
    /* The redacted form: same length and shape, never the value. */
    idg_mask_value (IDG_POLICY_REDACT, NULL, NULL, (IdgKind) k, value, strlen (value));
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a{sv}"));
    put_s (&b, "kind", idg_kind_to_string ((IdgKind) k));
    put_s (&b, "masked", value);
    put_s (&b, "source", source);
    g_variant_builder_close (&b);
    idg_ids_value_free (value);
  }
  return_rows (call, &b);
}

static const IdgApiMethod broker_methods[] = {
  { "GetIdentifier",  -1, m_get_identifier },
  { "RequestConsent", -1, m_request_consent },
  { "ClaimToken",     -1, m_claim_token },
};

static const IdgApiMethod admin_methods[] = {
  { "Grant",           IDG_AUTHZ_GRANT,         m_grant },
  { "Revoke",          IDG_AUTHZ_REVOKE,        m_revoke },
  { "RevokeMatching",  IDG_AUTHZ_REVOKE,        m_revoke_matching },
  { "ListGrants",      IDG_AUTHZ_READ_AUDIT,    m_list_grants },
  { "ListRequests",    IDG_AUTHZ_READ_AUDIT,    m_list_requests },
  { "Approve",         IDG_AUTHZ_GRANT,         m_approve },
  { "Deny",            IDG_AUTHZ_GRANT,         m_deny },
  { "Audit",           IDG_AUTHZ_READ_AUDIT,    m_audit },
  { "Report",          IDG_AUTHZ_READ_AUDIT,    m_report },
  { "FactoryReset",    IDG_AUTHZ_FACTORY_RESET, m_factory_reset },
  { "Status",          IDG_AUTHZ_READ_AUDIT,    m_status },
  { "ListIdentifiers", IDG_AUTHZ_READ_AUDIT,    m_list_identifiers },
};

const IdgApiMethod *
idg_api_find_method (const gchar *iface, const gchar *name)
{
  const IdgApiMethod *table = broker_methods;
  gsize n = G_N_ELEMENTS (broker_methods);

  if (g_strcmp0 (iface, IDG_API_IFACE_ADMIN) == 0) {
    table = admin_methods;
    n = G_N_ELEMENTS (admin_methods);
  }
  for (gsize i = 0; i < n; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}
