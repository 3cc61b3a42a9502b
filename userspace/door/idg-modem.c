// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The modem backends' base type and its signals (idg-modem.h).
 */
#include "idg-modem.h"

enum {
  SIGNAL_PORT_CHANGED,
  SIGNAL_IDS_KNOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_ABSTRACT_TYPE (IdgModem, idg_modem, G_TYPE_OBJECT)

static void
idg_modem_init (IdgModem *modem)
{
}

static void
idg_modem_class_init (IdgModemClass *klass)
{
  signals[SIGNAL_PORT_CHANGED] =
    g_signal_new (IDG_MODEM_SIGNAL_PORT_CHANGED, G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_IDS_KNOWN] =
    g_signal_new (IDG_MODEM_SIGNAL_IDS_KNOWN, G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

void
idg_modem_emit_port_changed (IdgModem *modem,
                             gpointer  port)
{
  g_signal_emit (modem, signals[SIGNAL_PORT_CHANGED], 0, port);
}

void
idg_modem_emit_ids_known (IdgModem *modem)
{
  g_signal_emit (modem, signals[SIGNAL_IDS_KNOWN], 0);
}
