/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-modem-at.h"

struct _IdgModemAt {
  IdgBroker *broker;
  gchar     *path;
  IdgAtPort *port;
};

IdgModemAt *
idg_modem_at_new (IdgBroker   *broker,
                  const gchar *path)
{
  IdgModemAt *modem = g_new0 (IdgModemAt, 1);

  modem->broker = broker;
  modem->path = g_strdup (path);
  modem->port = idg_at_port_new ();
  idg_broker_set_modem_state (broker, "at", "opening");
  return modem;
}

IdgAtPort *
idg_modem_at_peek_port (IdgModemAt *modem)
{
  return modem->port;
}

void
idg_modem_at_free (IdgModemAt *modem)
{
  if (!modem)
    return;
  idg_at_port_free (modem->port);
  g_free (modem->path);
  g_free (modem);
}
