/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names of the broker's D-Bus API (data/org.idguard.Broker1.xml), shared
 * by the server (userspace/broker/idg-api.c), idguardctl and libidguard
 * (here in common/: the broker includes nothing of the client library).
 */
#ifndef IDG_API_NAMES_H
#define IDG_API_NAMES_H

#define IDG_API_BUS_NAME        "org.idguard.Broker1"
#define IDG_API_OBJECT_PATH     "/org/idguard/Broker1"
#define IDG_API_IFACE_BROKER    "org.idguard.Broker1"
#define IDG_API_IFACE_ADMIN     "org.idguard.Admin1"
#define IDG_API_VERSION         1u

#define IDG_API_ERROR_REFUSED          "org.idguard.Error.Refused"
#define IDG_API_ERROR_NOT_AUTHORIZED   "org.idguard.Error.NotAuthorized"
#define IDG_API_ERROR_INVALID_ARGUMENT "org.idguard.Error.InvalidArgument"
#define IDG_API_ERROR_UNAVAILABLE      "org.idguard.Error.Unavailable"
#define IDG_API_ERROR_NOT_FOUND        "org.idguard.Error.NotFound"
#define IDG_API_ERROR_PENDING          "org.idguard.Error.Pending"

/* Default peer-to-peer socket of an installed broker (RUNTIME_DIR/api.sock
 * with the packaged config). */
#define IDG_API_DEFAULT_SOCKET  "/run/idguard/api.sock"

/* Milliseconds a client waits for an answer. */
#define IDG_API_TIMEOUT_MS      10000

#endif
