/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The --json documents: the broker's GVariant replies in the documented
 * schema (docs/api.md "idguardctl --json", data/schema/): objects with named
 * fields (never tuples as arrays), lists as arrays, times as ISO 8601 UTC
 * strings (null for "never"), durations and counts as numbers. A member the
 * broker adds and this file does not know is passed through as json-glib
 * serializes it, and the schema test names it.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

typedef enum {
  F_STRING,       /* "" stays "" */
  F_STRING_NULL,  /* "" is null */
  F_LIST,         /* "a,b" -> ["a", "b"], "" -> [] */
  F_TIME_S,       /* UNIX seconds -> ISO 8601; 0 -> null */
  F_TIME_US,      /* UNIX microseconds -> ISO 8601 with microseconds */
} FieldType;

typedef struct {
  const gchar *key;
  FieldType    type;
} Field;

static const Field grant_fields[] = {
  { "scopes", F_LIST }, { "created", F_TIME_S }, { "expires", F_TIME_S },
  { "revoked", F_TIME_S }, { "request", F_STRING_NULL }, { "warning", F_STRING_NULL },
};
static const Field request_fields[] = {
  { "scopes", F_LIST }, { "created", F_TIME_S }, { "decided", F_TIME_S },
  { "grant", F_STRING_NULL },
};
static const Field audit_fields[] = {
  { "time", F_TIME_US }, { "grants", F_LIST }, { "reason", F_STRING_NULL },
};
static const struct {
  const Field *fields;
  guint        n;
} row_fields[] = {
  [CTL_ROWS_PLAIN]    = { NULL, 0 },
  [CTL_ROWS_GRANTS]   = { grant_fields, G_N_ELEMENTS (grant_fields) },
  [CTL_ROWS_REQUESTS] = { request_fields, G_N_ELEMENTS (request_fields) },
  [CTL_ROWS_AUDIT]    = { audit_fields, G_N_ELEMENTS (audit_fields) },
};

gchar *
ctl_json_time (gint64 usec, gboolean with_usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) exact = NULL;

  if (!dt)
    return NULL;
  if (!with_usec)
    return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
  exact = g_date_time_add (dt, usec % G_USEC_PER_SEC);
  return exact ? g_date_time_format (exact, "%Y-%m-%dT%H:%M:%S.%fZ") : NULL;
}

static void
add_time (JsonBuilder *b, gint64 usec, gboolean with_usec)
{
  g_autofree gchar *iso = usec > 0 ? ctl_json_time (usec, with_usec) : NULL;

  if (iso)
    json_builder_add_string_value (b, iso);
  else
    json_builder_add_null_value (b);
}

static void
add_list (JsonBuilder *b, const gchar *csv)
{
  g_auto(GStrv) items = g_strsplit (csv, ",", -1);

  json_builder_begin_array (b);
  for (guint i = 0; items[i]; i++)
    if (*items[i])
      json_builder_add_string_value (b, items[i]);
  json_builder_end_array (b);
}

static void
add_variant (JsonBuilder *b, GVariant *v)
{
  json_builder_add_value (b, json_gvariant_serialize (v));
}

static const Field *
find_field (CtlRows kind, const gchar *key)
{
  for (guint i = 0; i < row_fields[kind].n; i++)
    if (strcmp (row_fields[kind].fields[i].key, key) == 0)
      return &row_fields[kind].fields[i];
  return NULL;
}

/* One member with its documented type; a value of an unexpected type is
 * passed through. */
static void
add_member (JsonBuilder *b, const Field *f, GVariant *v)
{
  gboolean is_str = g_variant_is_of_type (v, G_VARIANT_TYPE_STRING);
  gboolean is_x = g_variant_is_of_type (v, G_VARIANT_TYPE_INT64);
  const gchar *s = is_str ? g_variant_get_string (v, NULL) : NULL;

  switch (f ? f->type : F_STRING) {
  case F_STRING:
    break;
  case F_STRING_NULL:
    if (is_str && !*s) {
      json_builder_add_null_value (b);
      return;
    }
    break;
  case F_LIST:
    if (is_str) {
      add_list (b, s);
      return;
    }
    break;
  case F_TIME_S:
    if (is_x) {
      add_time (b, g_variant_get_int64 (v) * G_USEC_PER_SEC, FALSE);
      return;
    }
    break;
  case F_TIME_US:
    if (is_x) {
      add_time (b, g_variant_get_int64 (v), TRUE);
      return;
    }
    break;
  }
  add_variant (b, v);
}

JsonNode *
ctl_json_row (GVariant *row, CtlRows kind)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GVariantIter iter;
  const gchar *key;
  GVariant *v;

  json_builder_begin_object (b);
  g_variant_iter_init (&iter, row);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &v)) {
    json_builder_set_member_name (b, key);
    add_member (b, find_field (kind, key), v);
    g_variant_unref (v);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
ctl_json_rows (GVariant *rows, CtlRows kind)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gsize n = g_variant_n_children (rows);

  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);

    json_builder_add_value (b, ctl_json_row (row, kind));
  }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

/* a{ss} -> [{"name": KEY, VALUE_NAME: VALUE}, ...] */
static void
add_named_states (JsonBuilder *b, GVariant *dict, const gchar *value_name)
{
  GVariantIter iter;
  const gchar *k, *val;

  json_builder_begin_array (b);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&s&s}", &k, &val)) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, k);
    json_builder_set_member_name (b, value_name);
    json_builder_add_string_value (b, val);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

/* a{s(su)} -> [{"name", "address" (null: not listening), "clients"}] */
static void
add_doors (JsonBuilder *b, GVariant *dict)
{
  GVariantIter iter;
  const gchar *name, *address;
  guint32 clients;

  json_builder_begin_array (b);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&s(&su)}", &name, &address, &clients)) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, name);
    json_builder_set_member_name (b, "address");
    if (*address)
      json_builder_add_string_value (b, address);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "clients");
    json_builder_add_int_value (b, clients);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

JsonNode *
ctl_json_status (GVariant *dict)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GVariantIter iter;
  const gchar *key;
  GVariant *v;

  json_builder_begin_object (b);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &v)) {
    json_builder_set_member_name (b, key);
    if ((strcmp (key, "modems") == 0 || strcmp (key, "components") == 0) &&
        g_variant_is_of_type (v, G_VARIANT_TYPE ("a{ss}")))
      add_named_states (b, v, "state");
    else if (strcmp (key, "doors") == 0 && g_variant_is_of_type (v, G_VARIANT_TYPE ("a{s(su)}")))
      add_doors (b, v);
    else if (strcmp (key, "warning") == 0 && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) &&
             !*g_variant_get_string (v, NULL))
      json_builder_add_null_value (b);
    else
      add_variant (b, v);
    g_variant_unref (v);
  }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
ctl_json_print (JsonNode *node, gboolean pretty)
{
  g_autofree gchar *text = json_to_string (node, pretty);

  printf ("%s\n", text);
  json_node_unref (node);
}
