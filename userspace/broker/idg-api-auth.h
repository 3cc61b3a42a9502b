/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server side of the D-Bus authentication conversation on api.sock
 * (D-Bus specification, "Authentication Protocol"), EXTERNAL only, as a
 * pure state machine: one line in, at most one line out. No sockets here;
 * idg-api.c reads the lines (bounded) from the main loop and hands the
 * connection to GDBus once the client says BEGIN.
 *
 * Why not GDBus's own server-side authentication: it reads each line byte
 * by byte with no length limit, in a worker thread, for as long as the
 * handshake lasts; a client that never sends CRLF grows the broker without
 * bound. Here a line is at most IDG_API_AUTH_LINE_MAX bytes (CRLF
 * included), a conversation at most IDG_API_AUTH_LINES_MAX lines, and
 * anything else ends it.
 *
 * The conversation accepted (C: client, S: the broker):
 *   C: a NUL byte                       (read by the caller, not a line)
 *   C: AUTH EXTERNAL <hex of the uid>   S: OK <guid>
 *   C: AUTH EXTERNAL                    S: DATA
 *   C: DATA [<hex of the uid>]          S: OK <guid>
 *   C: NEGOTIATE_UNIX_FD                S: ERROR (no fd passing on api.sock)
 *   C: BEGIN                            authenticated
 * The identity offered, if any, must be the peer's uid from SO_PEERCRED:
 * the kernel's word, never the client's. AUTH with another mechanism (or
 * none), CANCEL and ERROR get "REJECTED EXTERNAL"; an unknown command
 * "ERROR"; BEGIN before OK, a line without CRLF, a NUL or a byte outside
 * printable ASCII end the conversation.
 */
#ifndef IDG_API_AUTH_H
#define IDG_API_AUTH_H

#include <sys/types.h>
#include <glib.h>

G_BEGIN_DECLS

#define IDG_API_AUTH_LINE_MAX  256   /* one line, CRLF included */
#define IDG_API_AUTH_LINES_MAX 16    /* lines of one conversation */

typedef enum {
  IDG_API_AUTH_MORE,    /* send the reply (if any), wait for the next line */
  IDG_API_AUTH_BEGIN,   /* authenticated: D-Bus messages follow the line */
  IDG_API_AUTH_FAIL,    /* close the connection, nothing sent */
} IdgApiAuthResult;

typedef struct {
  guint  state;          /* private */
  guint  lines;
  gchar  uid[24];        /* the peer's uid in decimal */
  gchar  reply[64];      /* the last reply, CRLF included */
  gchar  guid[33];
} IdgApiAuth;

/* guid: the server's 32 hex digits (g_dbus_generate_guid ()). */
void             idg_api_auth_init (IdgApiAuth   *auth,
                                    uid_t         peer_uid,
                                    const gchar  *guid);
/* One line as received, CRLF included (len <= IDG_API_AUTH_LINE_MAX);
 * *reply: the line to send back (in auth, CRLF included), or NULL. */
IdgApiAuthResult idg_api_auth_line (IdgApiAuth   *auth,
                                    const gchar  *line,
                                    gsize         len,
                                    const gchar **reply);

G_END_DECLS

#endif
