// SPDX-License-Identifier: GPL-2.0-or-later
#include "idg-ids.h"

#include <string.h>
#include "idg-token.h"

/* Sources in serving order; any other source name is kept after them. */
static const gchar *const order[] = { "qmi", "mbim", "at" };

typedef struct {
  gchar *name;
  gchar *state;
  gchar *values[IDG_KIND_COUNT];
} Source;

struct _IdgIds {
  GPtrArray *sources;     /* Source*, in serving order */
  guint64    generation;
  GPtrArray *seen[IDG_KIND_COUNT];  /* distinct values ever set, oldest first */
};

static void
wipe_str (gchar **p)
{
  if (*p != NULL) {
    idg_wipe (*p, strlen (*p));
    g_clear_pointer (p, g_free);
  }
}

static void
source_free (Source *s)
{
  guint k;

  for (k = 0; k < IDG_KIND_COUNT; k++)
    wipe_str (&s->values[k]);
  g_free (s->name);
  g_free (s->state);
  g_free (s);
}

static guint
rank (const gchar *name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_str_equal (name, order[i]))
      return i;
  return G_N_ELEMENTS (order);
}

static Source *
find (IdgIds      *ids,
      const gchar *name,
      gboolean     create)
{
  Source *s;
  guint i;

  for (i = 0; i < ids->sources->len; i++) {
    s = g_ptr_array_index (ids->sources, i);
    if (g_str_equal (s->name, name))
      return s;
  }
  if (!create)
    return NULL;
  s = g_new0 (Source, 1);
  s->name = g_strdup (name);
  for (i = 0; i < ids->sources->len; i++)
    if (rank (((Source *) g_ptr_array_index (ids->sources, i))->name) > rank (name))
      break;
  g_ptr_array_insert (ids->sources, (gint) i, s);
  return s;
}

static void
wipe_free (gchar *p)
{
  wipe_str (&p);
}

IdgIds *
idg_ids_new (void)
{
  IdgIds *ids = g_new0 (IdgIds, 1);
  guint k;

  ids->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  for (k = 0; k < IDG_KIND_COUNT; k++)
    ids->seen[k] = g_ptr_array_new_with_free_func ((GDestroyNotify) wipe_free);
  return ids;
}

void
idg_ids_free (IdgIds *ids)
{
  guint k;

  if (ids == NULL)
    return;
  g_ptr_array_unref (ids->sources);
  for (k = 0; k < IDG_KIND_COUNT; k++)
    g_ptr_array_unref (ids->seen[k]);
  g_free (ids);
}

static void
remember (IdgIds      *ids,
          IdgKind      kind,
          const gchar *value)
{
  GPtrArray *seen = ids->seen[kind];
  guint i;

  for (i = 0; i < seen->len; i++)
    if (g_str_equal (g_ptr_array_index (seen, i), value))
      return;
  if (seen->len >= IDG_IDS_SEEN_MAX)
    g_ptr_array_remove_index (seen, 0);
  g_ptr_array_add (seen, g_strdup (value));
}

GPtrArray *
idg_ids_seen (IdgIds  *ids,
              IdgKind  kind)
{
  g_return_val_if_fail ((guint) kind < IDG_KIND_COUNT, NULL);
  return ids->seen[kind];
}

gboolean
idg_ids_set (IdgIds      *ids,
             const gchar *source,
             IdgKind      kind,
             const gchar *value)
{
  Source *s;

  g_return_val_if_fail ((guint) kind < IDG_KIND_COUNT, FALSE);
  if (value != NULL && *value == '\0')
    value = NULL;
  s = find (ids, source, value != NULL);
  if (s == NULL)
    return FALSE;
  if (g_strcmp0 (s->values[kind], value) == 0)
    return FALSE;
  wipe_str (&s->values[kind]);
  s->values[kind] = g_strdup (value);
  if (value != NULL)
    remember (ids, kind, value);
  ids->generation++;
  return TRUE;
}

gboolean
idg_ids_clear_source (IdgIds      *ids,
                      const gchar *source)
{
  Source *s = find (ids, source, FALSE);
  gboolean changed = FALSE;
  guint k;

  if (s == NULL)
    return FALSE;
  for (k = 0; k < IDG_KIND_COUNT; k++) {
    changed |= s->values[k] != NULL;
    wipe_str (&s->values[k]);
  }
  if (changed)
    ids->generation++;
  return changed;
}

void
idg_ids_set_state (IdgIds      *ids,
                   const gchar *source,
                   const gchar *state)
{
  Source *s = find (ids, source, TRUE);

  g_free (s->state);
  s->state = g_strdup (state);
}

gchar *
idg_ids_dup_value (IdgIds       *ids,
                   IdgKind       kind,
                   const gchar **source_out)
{
  guint i;

  if ((guint) kind >= IDG_KIND_COUNT)
    return NULL;
  for (i = 0; i < ids->sources->len; i++) {
    Source *s = g_ptr_array_index (ids->sources, i);

    if (s->values[kind] != NULL) {
      if (source_out != NULL)
        *source_out = s->name;
      return g_strdup (s->values[kind]);
    }
  }
  return NULL;
}

void
idg_ids_value_free (gchar *value)
{
  idg_token_free (value);
}

guint32
idg_ids_source_mask (IdgIds      *ids,
                     const gchar *source)
{
  Source *s = find (ids, source, FALSE);
  guint32 mask = 0;
  guint k;

  for (k = 0; s != NULL && k < IDG_KIND_COUNT; k++)
    if (s->values[k] != NULL)
      mask |= IDG_KIND_BIT (k);
  return mask;
}

guint32
idg_ids_known_mask (IdgIds *ids)
{
  guint32 mask = 0;
  guint i;

  for (i = 0; i < ids->sources->len; i++)
    mask |= idg_ids_source_mask (ids, ((Source *) g_ptr_array_index (ids->sources, i))->name);
  return mask;
}

GStrv
idg_ids_list_sources (IdgIds *ids)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv out;
  guint i;

  for (i = 0; i < ids->sources->len; i++)
    g_strv_builder_add (b, ((Source *) g_ptr_array_index (ids->sources, i))->name);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

const gchar *
idg_ids_get_state (IdgIds      *ids,
                   const gchar *source)
{
  Source *s = find (ids, source, FALSE);

  return s != NULL ? s->state : NULL;
}

guint64
idg_ids_get_generation (IdgIds *ids)
{
  return ids->generation;
}
