/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The identifiers the simulated modem answers with, loaded from a
 * key=value file (imei, imeisv, esn, meid, imsi, iccid, eid, msisdn; '#'
 * starts a comment). A key missing from the file means "not provisioned":
 * the protocols answer the way a modem without that value does.
 */
#ifndef SIM_IDS_H
#define SIM_IDS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gchar *imei;
  gchar *imeisv;
  gchar *esn;
  gchar *meid;
  gchar *imsi;
  gchar *iccid;
  gchar *eid;
  gchar *msisdn;
} SimIds;

/* Fixed values used only when no --ids file is given. */
SimIds  *sim_ids_new_default (void);
SimIds  *sim_ids_new_empty   (void);
SimIds  *sim_ids_dup         (const SimIds *ids);
void     sim_ids_free        (SimIds *ids);

/* Parses the whole text; on error nothing is returned and the error names
 * the line and key, never the value. */
SimIds  *sim_ids_parse       (const gchar *text,
                              GError     **error);
SimIds  *sim_ids_load        (const gchar *path,
                              GError     **error);

/* Sets one key ("imsi", ...) after validating the value. */
gboolean sim_ids_set         (SimIds      *ids,
                              const gchar *key,
                              const gchar *value,
                              GError     **error);

/* The value of one key, NULL when unknown or not provisioned. */
const gchar *sim_ids_get     (const SimIds *ids,
                              const gchar  *key);
/* dst's key takes src's value (NULL included). */
void     sim_ids_copy_key    (SimIds       *dst,
                              const SimIds *src,
                              const gchar  *key);
/* Copies every value src holds (non-NULL) into dst. */
void     sim_ids_overlay     (SimIds       *dst,
                              const SimIds *src);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimIds, sim_ids_free)

G_END_DECLS

#endif
