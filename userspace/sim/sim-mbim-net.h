/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network side of MBIM Basic Connect, as a registered modem answers
 * it: PIN (no PIN, unlocked), radio state (on), home provider, register
 * state (home, automatic), packet service (attached) and signal state.
 * The network is the ITU test network 001/01, the same for every SIM: no
 * identifier is derived here.
 */
#ifndef SIM_MBIM_NET_H
#define SIM_MBIM_NET_H

#include <libmbim-glib.h>

G_BEGIN_DECLS

/* The information buffer answering Basic Connect CID cid (query or set),
 * with the MBIMEx layout of version mbimex (0x0100, 0x0200, 0x0300), or
 * NULL when cid is not one of the above. */
GByteArray *sim_mbim_net_command (guint32 cid,
                                  guint32 type,
                                  guint16 mbimex);

G_END_DECLS

#endif
