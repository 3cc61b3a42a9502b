/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast path to the broker's peer-to-peer socket: a request frame
 * written, the answer frame read, on a plain unix socket (no GDBus, no
 * worker thread, no main context: one send() and two recv() per call).
 *
 * One connection per process, made at the first call, shared by every
 * thread: a mutex is held for the whole request/answer (the broker answers
 * the Broker1 calls at once; a call waits at most IDG_API_TIMEOUT_MS,
 * SO_RCVTIMEO). It is made again when the socket path changed, in a child
 * after fork() (the broker identifies the process that connected; the
 * parent's descriptor is left alone, and closes at exec), and when a
 * request cannot be sent because the broker closed the connection (a
 * restart): that request never reached anyone, so it is sent once more
 * on a new connection. An answer that does not come (the broker went away
 * after the request was sent) is IDGUARD_E_NO_BROKER, never a retry: the
 * request may have been carried out. Buffers that held a token or an
 * identifier are wiped.
 */
#include "idguard-private.h"
#include "idguard-fast.h"
#include "idg-api-frame.h"
#include "idg-api-names.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A full listen backlog makes a unix connect fail with EAGAIN at once: try
 * again for up to CONNECT_RETRY_MS rather than report the broker gone. */
#define CONNECT_RETRY_MS 2000
#define CONNECT_PAUSE_MS 10

static GMutex  conn_lock;
static int     conn_fd = -1;
static gchar  *conn_path;
static pid_t   conn_pid;

static int
connect_socket (const char *path)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  struct timeval tv = { IDG_API_TIMEOUT_MS / 1000, (IDG_API_TIMEOUT_MS % 1000) * 1000 };
  int fd, waited;

  if (strlen (path) >= sizeof sa.sun_path) {
    idguard_set_message ("cannot reach the broker: socket path too long");
    return -1;
  }
  strcpy (sa.sun_path, path);
  for (waited = 0;; waited += CONNECT_PAUSE_MS) {
    fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      break;
    if (connect (fd, (struct sockaddr *) &sa, sizeof sa) == 0) {
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      return fd;
    }
    close (fd);
    if (errno != EAGAIN || waited >= CONNECT_RETRY_MS)
      break;
    g_usleep (CONNECT_PAUSE_MS * 1000);
  }
  idguard_set_message ("cannot reach the broker: %s", g_strerror (errno));
  return -1;
}

/* Under conn_lock: drops the connection (ours only). */
static void
disconnect (void)
{
  if (conn_fd >= 0 && conn_pid == getpid ())
    close (conn_fd);
  conn_fd = -1;
}

static gboolean
send_all (int fd, const guint8 *buf, gsize len)
{
  while (len > 0) {
    gssize n = send (fd, buf, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    buf += n;
    len -= (gsize) n;
  }
  return TRUE;
}

/* Up to len bytes, at least one: the count, 0 at end of file, -1. */
static gssize
recv_some (int fd, guint8 *buf, gsize len)
{
  gssize n;

  do
    n = recv (fd, buf, len, 0);
  while (n < 0 && errno == EINTR);
  return n;
}

static gboolean
recv_all (int fd, guint8 *buf, gsize len)
{
  while (len > 0) {
    gssize n = recv (fd, buf, len, 0);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = ECONNRESET;
      return FALSE;
    }
    buf += n;
    len -= (gsize) n;
  }
  return TRUE;
}

typedef struct {
  gsize   len;      /* of the body */
  guint32 pad;
  guint8  header[IDG_FRAME_HEADER_LEN];   /* right before the body */
  guint64 data[];   /* the body, 8-byte aligned for GVariant */
} Buffer;
G_STATIC_ASSERT (G_STRUCT_OFFSET (Buffer, data) == G_STRUCT_OFFSET (Buffer, header) + IDG_FRAME_HEADER_LEN);

static void
buffer_free (gpointer data)
{
  Buffer *b = data;

  idguard_wipe (b->header, sizeof b->header + b->len);
  g_free (b);
}

/* Under conn_lock: sends the request (hello first on a new connection)
 * and reads the answer's body into a new Buffer. */
static int
exchange (const char *path, const guint8 *frame, gsize frame_len, Buffer **answer)
{
  gsize len;
  gssize got;
  int attempt;

  for (attempt = 0;; attempt++) {
    gboolean fresh = FALSE;

    if (conn_fd >= 0 && (conn_pid != getpid () || g_strcmp0 (conn_path, path) != 0))
      disconnect ();
    if (conn_fd < 0) {
      if ((conn_fd = connect_socket (path)) < 0)
        return IDGUARD_E_NO_BROKER;
      conn_pid = getpid ();
      g_free (conn_path);
      conn_path = g_strdup (path);
      fresh = TRUE;
    }
    if ((!fresh || send_all (conn_fd, (const guint8 *) IDG_FRAME_HELLO, IDG_FRAME_HELLO_LEN)) &&
        send_all (conn_fd, frame, frame_len))
      break;
    disconnect ();
    /* the broker closed an idle connection (it restarted): the request
     * never left; once more on a new connection */
    if (fresh || attempt > 0 || (errno != EPIPE && errno != ECONNRESET && errno != ENOTCONN)) {
      idguard_set_message ("cannot reach the broker: %s", g_strerror (errno));
      return IDGUARD_E_NO_BROKER;
    }
  }
  /* the answer was sent at once: one recv () usually takes all of it */
  *answer = g_malloc (sizeof **answer + IDG_FRAME_BODY_MAX);
  (*answer)->len = IDG_FRAME_BODY_MAX;   /* wiped in full on an error */
  got = recv_some (conn_fd, (*answer)->header, IDG_FRAME_HEADER_LEN + IDG_FRAME_BODY_MAX);
  if (got > 0 && got < IDG_FRAME_HEADER_LEN &&
      recv_all (conn_fd, (*answer)->header + got, IDG_FRAME_HEADER_LEN - (gsize) got))
    got = IDG_FRAME_HEADER_LEN;
  if (got >= IDG_FRAME_HEADER_LEN) {
    if ((len = idg_frame_body_len ((*answer)->header)) == 0 ||
        (gsize) got > IDG_FRAME_HEADER_LEN + len) {
      idguard_set_message ("unexpected answer from the broker");
      g_clear_pointer (answer, buffer_free);
      disconnect ();
      return IDGUARD_E_PROTOCOL;
    }
    got -= IDG_FRAME_HEADER_LEN;
    if (recv_all (conn_fd, (guint8 *) (*answer)->data + got, len - (gsize) got)) {
      (*answer)->len = len;
      return IDGUARD_OK;
    }
  } else if (got == 0) {
    errno = ECONNRESET;
  }
  idguard_set_message ("no answer from the broker: %s",
                       errno == EAGAIN ? "timed out" : g_strerror (errno));
  g_clear_pointer (answer, buffer_free);
  disconnect ();
  return IDGUARD_E_NO_BROKER;
}

int
idguard_fast_call (const char *path, const char *method, GVariant *params,
                   const GVariantType *reply_type, GVariant **reply, gchar **error_name)
{
  guint64 out[IDG_FRAME_BUF_WORDS];
  guint8 *frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  const gchar *name = NULL;
  Buffer *answer = NULL;
  gsize len;
  int rc;

  *reply = NULL;
  *error_name = NULL;
  g_variant_ref_sink (params);
  len = idg_frame_build (out, method, params, &frame);
  g_variant_unref (params);
  if (len == 0) {
    idguard_set_message ("the request is too long");
    return IDGUARD_E_INVALID;
  }
  g_mutex_lock (&conn_lock);
  rc = exchange (path, frame, len, &answer);
  if (rc == IDGUARD_OK) {
    /* the answer's bytes are wiped when the last value pointing into
     * them (*reply) lets go */
    body = g_bytes_new_with_free_func (answer->data, answer->len, buffer_free, answer);
    if (!idg_frame_parse_answer (body, reply_type, &name, reply, &error)) {
      idguard_set_message ("unexpected answer from the broker: %s", error->message);
      disconnect ();
      rc = IDGUARD_E_PROTOCOL;
    }
  }
  g_mutex_unlock (&conn_lock);
  idguard_wipe (out, 8 + len);
  if (rc != IDGUARD_OK)
    return rc;
  if (*name != '\0') {
    *error_name = g_strdup (name);
    return 1;
  }
  return IDGUARD_OK;
}
