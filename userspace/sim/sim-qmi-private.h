/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the QMI engine (sim-qmi.c: framing, CTL, DMS, dispatch) and its
 * UIM and NAS services (sim-qmi-uim.c, sim-qmi-nas.c). Not for other users.
 */
#ifndef SIM_QMI_PRIVATE_H
#define SIM_QMI_PRIVATE_H

#include "sim-apdu.h"
#include "sim-qmi.h"

G_BEGIN_DECLS

typedef struct {
  guint8  service;
  guint8  cid;
  guint32 uim_events;    /* QmiUimEventRegistrationFlag, UIM clients only */
  gboolean refresh;      /* registered for Refresh indications */
} Client;

struct _SimQmi {
  const SimIds *ids;
  GByteArray   *in;
  GArray       *clients;   /* Client */
  guint8        next_cid[256];
  SimApduChannels channels;
};

Client     *sim_qmi_find_client    (SimQmi     *self,
                                    guint8      service,
                                    guint8      cid,
                                    guint      *index);

/* TLVs written with libqmi's writers; a TLV that does not fit is left out. */
void        sim_qmi_tlv_string     (QmiMessage  *m,
                                    guint8       type,
                                    const gchar *value);
void        sim_qmi_tlv_guint8     (QmiMessage *m,
                                    guint8      type,
                                    guint8      value);
void        sim_qmi_tlv_guint32    (QmiMessage *m,
                                    guint8      type,
                                    guint32     value);
/* A TLV holding a u16-length-prefixed byte array. */
void        sim_qmi_tlv_u16_array  (QmiMessage   *m,
                                    guint8        type,
                                    const guint8 *data,
                                    gsize         len);
gboolean    sim_qmi_write_bytes    (QmiMessage   *m,
                                    const guint8 *data,
                                    gsize         len);
QmiMessage *sim_qmi_error_reply    (QmiMessage       *request,
                                    QmiProtocolError  error);
/* An indication of the UIM service to one client. */
QmiMessage *sim_qmi_indication_new (guint8  cid,
                                    guint16 message_id);
void        sim_qmi_append_message (GByteArray *out,
                                    QmiMessage *m);

/* sim-qmi-uim.c */
QmiMessage *sim_qmi_uim_reply       (SimQmi     *self,
                                     QmiMessage *req);
void        sim_qmi_uim_sim_changed (SimQmi     *self,
                                     GByteArray *out);

/* sim-qmi-nas.c */
QmiMessage *sim_qmi_nas_reply       (SimQmi     *self,
                                     QmiMessage *req);

G_END_DECLS

#endif
