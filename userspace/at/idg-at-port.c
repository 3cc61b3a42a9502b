/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-at-port.h"

struct _IdgAtPort {
  int fd;
};

IdgAtPort *
idg_at_port_new (void)
{
  IdgAtPort *port = g_new0 (IdgAtPort, 1);

  port->fd = -1;
  return port;
}

void
idg_at_port_free (IdgAtPort *port)
{
  g_free (port);
}
