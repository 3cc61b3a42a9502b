/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device Service Subscribe List bookkeeping for the MBIM door: pure, no
 * I/O. Each client has a list (a new one has the standard list, which holds
 * Subscriber Ready Status, as mbim-proxy gives it); the modem gets the
 * union of every client's list; an indication goes to the clients whose
 * list holds its service and CID.
 */
#ifndef IDG_MBIM_SUBS_H
#define IDG_MBIM_SUBS_H

#include <glib.h>
#include <libmbim-glib.h>

G_BEGIN_DECLS

typedef struct {
  MbimUuid uuid;
  GArray  *cids;      /* guint32; NULL: every CID of the service */
} IdgMbimSub;

/* A GPtrArray of IdgMbimSub (owning them) holding the standard list. */
GPtrArray *idg_mbim_subs_new_standard (void);
/* Adds n CIDs of a service (n == 0: all its CIDs). */
void       idg_mbim_subs_add          (GPtrArray      *subs,
                                       const MbimUuid *uuid,
                                       const guint32  *cids,
                                       guint32         n);
gboolean   idg_mbim_subs_match        (GPtrArray      *subs,
                                       const MbimUuid *uuid,
                                       guint32         cid);
/* Same services, same CIDs (any order). */
gboolean   idg_mbim_subs_equal        (GPtrArray      *a,
                                       GPtrArray      *b);
/* The list of a Device Service Subscribe List set's information buffer,
 * or NULL if it does not hold together. */
GPtrArray *idg_mbim_subs_parse        (const guint8   *b,
                                       gsize           len);

G_END_DECLS

#endif
