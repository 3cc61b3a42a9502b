/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the MBIM door (idg-door-mbim.c: clients, commands to the modem,
 * answers and indications) and its control plane (idg-mbim-control.c:
 * proxy configuration, MBIMEx version, subscribe lists).
 */
#ifndef IDG_DOOR_MBIM_PRIVATE_H
#define IDG_DOOR_MBIM_PRIVATE_H

#include "idg-door-mbim.h"
#include "idg-mbim-private.h"
#include "idg-mbim-filter.h"
#include "idg-mbim-subs.h"
#include "idg-mbim-reasm.h"
#include "idg-door-client.h"

G_BEGIN_DECLS

#define TYPE_OPEN            0x00000001u
#define TYPE_CLOSE           0x00000002u
#define TYPE_COMMAND         0x00000003u
#define TYPE_HOST_ERROR      0x00000004u
#define TYPE_OPEN_DONE       0x80000001u
#define TYPE_CLOSE_DONE      0x80000002u
#define TYPE_INDICATE_STATUS 0x80000007u

#define MAX_CLIENT_FRAGMENT  IDG_MBIM_REASM_MAX_FRAGMENT
#define MAX_CLIENT_QUEUE     (4 * 1024 * 1024)
#define DEFAULT_TRANSFER     4096
#define MIN_TRANSFER         64
#define COMMAND_TIMEOUT_SECS 120
#define SWEEP_SECS           10

typedef struct _Client Client;

struct _IdgDoorMbim {
  IdgDoor       base;           /* first: listener, clients */
  IdgModemMbim *modem;
  MbimDevice   *device;
  gulong        indication_id;
  GPtrArray    *device_subs;    /* IdgMbimSub: the list last set on the modem */
  GBytes       *version_ind;    /* Proxy Control Version indication, or NULL */
  IdgMbimMux   *mux;            /* the port, set with device */
  GHashTable   *requests;       /* door transaction id -> Request in flight */
  GQueue        pending;        /* the same Requests, oldest first */
  guint         sweep_id;
};

struct _Client {
  IdgDoorClient base;          /* first: the door framework's client */
  IdgMbimReasm  reasm;         /* the input stream, cut into messages */
  gboolean      configured;
  guint32       max_transfer;
  GPtrArray    *subs;          /* IdgMbimSub */
  GByteArray   *pending_config;
  GHashTable   *in_flight;     /* the client's transaction ids in flight */
  guint         config_timer;
  gint64        config_deadline;
};

typedef struct {
  Client      *client;
  guint32      tid;
  GByteArray  *request;        /* for error answers */
  IdgDoorMbim *door;           /* set while in the door's pending */
  guint32      door_tid;       /* sent to the modem with it */
  GList       *link;           /* in the door's pending */
  gint64       sent;           /* monotonic usec */
  IdgMbimNote  note;           /* last: its AT line (2 KiB) is not zeroed */
} Request;

IDG_DOOR_CLIENT_DEFINE_HELPERS (Client, IdgDoorMbim)

/* idg-door-mbim.c */
/* The one way out to a client: one whole message (value tripwire, then
 * fragments at the client's max control transfer). */
void     idg_door_mbim_client_queue         (Client        *client,
                                             const guint8  *data,
                                             gsize          len);
void     idg_door_mbim_client_queue_message (Client        *client,
                                             MbimMessage   *message);
/* A COMMAND_DONE with status and no information buffer for req. */
void     idg_door_mbim_answer_status        (Client        *client,
                                             const guint8  *req,
                                             gsize          len,
                                             guint32        status);
/* A client's command, kept until its answer (its id in the client's in
 * flight). */
Request *idg_door_mbim_request_new          (Client        *client,
                                             const guint8  *msg,
                                             gsize          len);
void     idg_door_mbim_request_free         (Request       *r);

/* idg-mbim-control.c */
void     idg_mbim_control_configure         (Client        *client,
                                             const guint8  *msg,
                                             gsize          len);
void     idg_mbim_control_subscribe         (Client        *client,
                                             const guint8  *msg,
                                             gsize          len);
void     idg_mbim_control_see_answer        (IdgDoorMbim   *door,
                                             const guint8  *msg,
                                             gsize          len);

G_END_DECLS

#endif
