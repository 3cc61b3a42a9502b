/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AT door (idg-door-at.c): AT clients on an abstract unix socket and on
 * a pty linked at a path.
 */
#ifndef IDG_DOOR_AT_H
#define IDG_DOOR_AT_H

#include <glib.h>
#include "idg-broker.h"
#include "idg-modem-at.h"

G_BEGIN_DECLS

typedef struct _IdgDoorAt IdgDoorAt;

/* at-socket (abstract name, may be NULL) and at-link (a pty link path, may
 * be NULL); link_selector (nullable) is the config's selector string that
 * stands for the unknown client behind the pty. modem must not be NULL. */
IdgDoorAt *idg_door_at_new           (IdgBroker     *broker,
                                      IdgModemAt    *modem,
                                      const gchar   *abstract_name,
                                      const gchar   *link_path,
                                      const gchar   *link_selector,
                                      GError       **error);
guint      idg_door_at_get_n_clients (IdgDoorAt     *door);
void       idg_door_at_free          (IdgDoorAt     *door);

G_END_DECLS

#endif
