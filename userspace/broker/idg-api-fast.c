/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fast path of api.sock (frames of userspace/common/idg-api-frame.h):
 * libidguard's Broker1 calls as a plain request/answer, served in the main
 * loop with no GDBus worker thread in between: a readable socket, one
 * recv(), the same identity pin and the same methods (idg-api-methods.c)
 * as a D-Bus peer, one send() of the answer.
 *
 * A connection got here through idg-api.c's accept (SO_PEERCRED, per-uid
 * connection budgets, a handshake slot and its timeout for the hello); it
 * counts against the same budgets as a D-Bus peer for as long as it lives.
 * Every byte is untrusted: a frame whose length, type, normal form, method
 * or argument types are wrong ends the connection (nothing answered); the
 * argument values are checked by the methods as for D-Bus. Only the
 * Broker1 methods open to every caller are carried; the admin interface
 * stays on D-Bus (polkit). The identity is pinned at the first request
 * (SO_PEERPIDFD or pidfd_open) and re-checked at every request
 * (idg_identity_pin_get: exe, cgroup, uid/gid, liveness), as for a D-Bus
 * peer. Buffers that held a token or an identifier are wiped.
 */
#include "idg-api-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <glib-unix.h>

#include "idg-api-frame.h"
#include "idg-api-names.h"
#include "idg-dbus.h"
#include "idg-token.h"

struct _IdgApiFast {
  IdgApi            *api;
  GSocketConnection *sconn;
  int                fd;
  uid_t              uid;
  IdgIdentityPin    *pin;       /* the caller, pinned at its first request */
  GSource           *source;
  gboolean           replied;   /* the call in flight has its answer */
  gboolean           broken;    /* an answer could not be sent: close */
  gsize              have;      /* bytes in raw */
  guint8             raw[IDG_FRAME_MAX];
  guint64            body[IDG_FRAME_BODY_MAX / 8];   /* 8-byte aligned for GVariant */
  guint64            out[IDG_FRAME_BUF_WORDS];
};

static const gchar *const methods[] = { "GetIdentifier", "RequestConsent", "ClaimToken" };

/* The argument types of methods[], from the introspection data (as GDBus
 * checks them for a D-Bus call). */
static const IdgFrameMethod *
frame_methods (void)
{
  static gsize once;
  static IdgFrameMethod table[G_N_ELEMENTS (methods)];

  if (g_once_init_enter (&once)) {
    for (gsize i = 0; i < G_N_ELEMENTS (methods); i++) {
      GDBusMethodInfo *info = g_dbus_interface_info_lookup_method (idg_dbus_broker1_interface_info (),
                                                                   methods[i]);
      GString *sig = g_string_new ("(");

      g_assert (info != NULL);
      for (guint a = 0; info->in_args != NULL && info->in_args[a] != NULL; a++)
        g_string_append (sig, info->in_args[a]->signature);
      g_string_append_c (sig, ')');
      table[i].name = methods[i];
      table[i].in_type = g_string_free (sig, FALSE);   /* kept for the process */
    }
    g_once_init_leave (&once, 1);
  }
  return table;
}

void
idg_api_fast_reply (IdgApiFast *fast, const gchar *name, GVariant *value)
{
  guint8 *out = NULL;
  gsize len;

  g_variant_ref_sink (value);
  fast->replied = TRUE;
  len = idg_frame_build (fast->out, name, value, &out);
  g_variant_unref (value);
  if (len == 0) {
    g_autoptr(GVariant) msg = g_variant_ref_sink (g_variant_new ("(s)", "the answer is too long"));

    len = idg_frame_build (fast->out, IDG_API_ERROR_UNAVAILABLE, msg, &out);
  }
  /* the answer is small and the client waits for it: a socket that
   * cannot take it at once belongs to a client that does not read */
  if (send (fast->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (gssize) len)
    fast->broken = TRUE;
  idg_wipe (fast->out, 8 + len);
}

/* One request (body of len bytes in fast->body). FALSE: close. */
static gboolean
handle (IdgApiFast *fast, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = g_bytes_new_static (fast->body, len);   /* freed with the call */
  GVariant *args = NULL;
  Call *call;
  gint i;

  i = idg_frame_parse_request (body, frame_methods (), G_N_ELEMENTS (methods), &args, &error);
  if (i < 0) {
    g_debug ("api: a fast client of uid %u sent a bad request: %s", (guint) fast->uid, error->message);
    return FALSE;
  }
  call = idg_api_call_new (fast->api, idg_api_find_method (IDG_API_IFACE_BROKER, methods[i]), args);
  g_variant_unref (args);
  call->fast = fast;
  g_assert (call->method != NULL && call->method->action < 0);
  fast->replied = FALSE;
  /* pinned once per connection; each call re-checks what can change */
  if (fast->pin == NULL)
    fast->pin = idg_identity_pin_from_socket (fast->fd, &error);
  call->caller = fast->pin != NULL ? idg_identity_pin_get (fast->pin, &error) : NULL;
  if (call->caller == NULL) {
    idg_api_fail (call, IDG_API_ERROR_REFUSED, "cannot establish the caller's identity%s%s",
                  error != NULL ? ": " : "", error != NULL ? error->message : "");
    idg_api_call_free (call);
  } else {
    idg_api_dispatch (call);   /* the Broker1 methods answer before they return */
  }
  g_warn_if_fail (fast->replied);
  return fast->replied && !fast->broken;
}

/* Handles every complete frame in raw (a client that pipelines holds the
 * main loop for one buffer of IDG_FRAME_MAX bytes per wake-up at most, and
 * a frame left over would wait for the client's next bytes); FALSE: close. */
static gboolean
handle_frames (IdgApiFast *fast)
{
  while (fast->have >= IDG_FRAME_HEADER_LEN) {
    gsize len = idg_frame_body_len (fast->raw);
    gboolean ok;

    if (len == 0)
      return FALSE;
    if (fast->have < IDG_FRAME_HEADER_LEN + len)
      return TRUE;   /* the rest of the frame is on its way */
    memcpy (fast->body, fast->raw + IDG_FRAME_HEADER_LEN, len);
    ok = handle (fast, len);
    idg_wipe (fast->body, len);
    fast->have -= IDG_FRAME_HEADER_LEN + len;
    memmove (fast->raw, fast->raw + IDG_FRAME_HEADER_LEN + len, fast->have);
    idg_wipe (fast->raw + fast->have, IDG_FRAME_HEADER_LEN + len);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
readable (gint fd, GIOCondition condition, gpointer user_data)
{
  IdgApiFast *fast = user_data;
  gssize n;

  n = recv (fast->fd, fast->raw + fast->have, sizeof fast->raw - fast->have, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    goto close;   /* end of file (a partial frame is dropped) or error */
  fast->have += (gsize) n;
  if (handle_frames (fast))
    return G_SOURCE_CONTINUE;

close:
  idg_api_fast_gone (fast->api, fast);   /* destroys the source */
  return G_SOURCE_REMOVE;
}

IdgApiFast *
idg_api_fast_new (IdgApi *api, GSocketConnection *sconn, uid_t uid)
{
  IdgApiFast *fast = g_new0 (IdgApiFast, 1);

  fast->api = api;
  fast->sconn = sconn;
  fast->fd = g_socket_get_fd (g_socket_connection_get_socket (sconn));
  fast->uid = uid;
  /* a plain fd source (a GSocket source resets its ready time at every
   * dispatch), allowed to recurse (else GLib takes its fd out of the poll
   * set and puts it back around every dispatch): either would wake the
   * main context once more per call. Nothing here runs a nested loop. */
  fast->source = g_unix_fd_source_new (fast->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_can_recurse (fast->source, TRUE);
  g_source_set_callback (fast->source, (GSourceFunc) (GCallback) readable, fast, NULL);
  g_source_attach (fast->source, NULL);
  return fast;
}

uid_t
idg_api_fast_uid (IdgApiFast *fast)
{
  return fast->uid;
}

void
idg_api_fast_free (IdgApiFast *fast)
{
  if (fast == NULL)
    return;
  if (fast->source != NULL) {
    g_source_destroy (fast->source);
    g_source_unref (fast->source);
  }
  g_io_stream_close (G_IO_STREAM (fast->sconn), NULL, NULL);
  g_object_unref (fast->sconn);
  idg_identity_pin_free (fast->pin);
  idg_wipe (fast->raw, fast->have);
  g_free (fast);
}
