/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-modem-at.h"

struct _IdgDoorAt {
  IdgBroker  *broker;
  IdgModemAt *modem;
};

IdgDoorAt *
idg_door_at_new (IdgBroker    *broker,
                 IdgModemAt   *modem,
                 const gchar  *abstract_name,
                 const gchar  *link_path,
                 const gchar  *link_selector,
                 GError      **error)
{
  IdgDoorAt *door = g_new0 (IdgDoorAt, 1);

  door->broker = broker;
  door->modem = modem;
  return door;
}

guint
idg_door_at_get_n_clients (IdgDoorAt *door)
{
  return 0;
}

void
idg_door_at_free (IdgDoorAt *door)
{
  g_free (door);
}
