/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the QMI door (idg-door-qmi.c: clients, their requests judged,
 * indications) and its requests to the modem (idg-qmi-requests.c:
 * transaction ids, timeouts, answers).
 */
#ifndef IDG_DOOR_QMI_PRIVATE_H
#define IDG_DOOR_QMI_PRIVATE_H

#include "idg-door-qmi.h"
#include "idg-modem-qmi-private.h"
#include "idg-qmi-filter.h"
#include "idg-qmi-canon.h"
#include "idg-door-client.h"

G_BEGIN_DECLS

#define READ_CHUNK          4096
#define OUT_QUEUE_MAX       (1024 * 1024)
/* Per client: requests waiting for the modem, and client ids. Real clients
 * (ModemManager, qmicli) stay far below; a client above shares the modem
 * unfairly and is dropped (requests) or refused (client ids). */
#define IN_FLIGHT_MAX       1024
#define CIDS_MAX            32
#define CTL_IN_FLIGHT_MAX   64
#define COMMAND_TIMEOUT     120   /* seconds */
#define SWEEP_INTERVAL      10    /* seconds, while requests are in flight */

#define CTL_SET_INSTANCE_ID 0x0020
#define CTL_ALLOCATE_CID    0x0022
#define CTL_RELEASE_CID     0x0023
#define CTL_SYNC            0x0027
#define CTL_PROXY_OPEN      0xFF00
#define CID_BROADCAST       0xFF

/* libqmi's QMI_PROTOCOL_ERROR_INVALID_CLIENT_ID and _CLIENT_IDS_EXHAUSTED */
#define ERROR_INVALID_CLIENT_ID      0x0007
#define ERROR_CLIENT_IDS_EXHAUSTED   0x0005
#define ERROR_INVALID_TRANSACTION_ID 0x0016
#define ERROR_INSUFFICIENT_RESOURCES 0x0044

typedef struct {
  guint8 service;
  guint8 cid;
} Cid;

typedef struct _Client Client;

struct _Client {
  IdgDoorClient base;         /* first: the door framework's client */
  GByteArray  *in;
  gboolean     opened;        /* proxy open answered */
  QmiMessage  *pending_open;  /* proxy open waiting for the device */
  GArray      *cids;          /* Cid */
  guint        in_flight;     /* requests forwarded, not answered yet */
  GHashTable  *pending;       /* request_key()s of its requests in flight,
                               * with its own transaction ids */
};

typedef struct _Request Request;

struct _IdgDoorQmi {
  IdgDoor       base;         /* first: listener, clients */
  IdgModemQmi  *modem;
  IdgQmux      *mux;          /* the modem's port, NULL while it is down */
  GHashTable   *door_trids;   /* request_key() of the door's id -> Request *,
                               * or QUARANTINE for one that timed out */
  guint16       next_trid;
  Request      *ctl[256];     /* CTL in flight, by the port's transaction id */
  guint         n_ctl;
  GQueue        in_flight;    /* Request *s, oldest first */
  guint         sweep_id;
};

struct _Request {
  Client            *client;        /* NULL: the door's own (a release) */
  GList             *link;          /* in the door's in_flight */
  gint64             sent;          /* monotonic usec */
  guint8             ctl_trid;      /* the client's CTL transaction id */
  guint16            client_trid;   /* services: the client's transaction id */
  IdgQmiRequestInfo  info;          /* as sent: the door's transaction id */
  guint8             header[13];    /* the request's headers, client's ids:
                                     * all an error answer needs */
};

IDG_DOOR_CLIENT_DEFINE_HELPERS (Client, IdgDoorQmi)

static inline guint
request_key (guint8  service,
             guint8  cid,
             guint16 trid)
{
  return ((guint) service << 24) | ((guint) cid << 16) | trid;
}

/* idg-door-qmi.c */
gint     idg_door_qmi_client_find_cid   (Client                  *client,
                                         guint8                   service,
                                         guint8                   cid);
/* The one way bytes reach a client (data: the caller's copy; the value
 * tripwire masks in place). */
void     idg_door_qmi_client_send       (Client                  *client,
                                         guint8                  *data,
                                         gsize                    len);
void     idg_door_qmi_client_send_error (Client                  *client,
                                         const guint8            *request,
                                         gsize                    len,
                                         guint16                  error);

/* idg-qmi-requests.c */
/* Sends a judged request (msg: its canonical frame) under the door's id. */
void     idg_qmi_requests_forward       (Client                  *client,
                                         QmiMessage              *msg,
                                         const IdgQmiRequestInfo *info);
/* Releases a client id on the modem (a CTL request of the door's own). */
void     idg_qmi_requests_release_cid   (IdgDoorQmi              *door,
                                         guint8                   service,
                                         guint8                   cid);
/* Gives up every request in flight (the port went, the door closes). */
void     idg_qmi_requests_clear         (IdgDoorQmi              *door);
/* The multiplexer's response function (IdgQmuxDoorFuncs). */
gboolean idg_qmi_requests_response      (guint8                  *frame,
                                         gsize                    len,
                                         const IdgQmiHeader      *h,
                                         gpointer                 user_data);

G_END_DECLS

#endif
