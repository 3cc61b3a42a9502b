/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The door framework's client (userspace/door/idg-door-client.c) over a
 * socketpair, with a protocol that echoes what it reads: what a client
 * sends reaches the protocol, what the protocol sends reaches the client,
 * a client that stops reading is dropped at the output cap (and only it),
 * a refused client goes once its answer is written, a client that hangs
 * up is dropped, the permanent client survives a drop, the door's end
 * frees everything (ASan counts leaks in the sanitizer stage).
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <gio/gio.h>
#include "idg-door-client.h"

#define CAP 4096

typedef struct {
  IdgDoorClient base;
  GString      *got;       /* what the protocol received */
  gboolean      refuse;    /* answer "NO" and go once it is written */
  guint        *dropped;   /* counts the dropped hook */
  guint        *finalized;
} Echo;

static void
echo_init (IdgDoorClient *base)
{
  ((Echo *) (gpointer) base)->got = g_string_new (NULL);
}

static void
echo_received (IdgDoorClient *base,
               const guint8  *data,
               gsize          len)
{
  Echo *echo = (Echo *) (gpointer) base;

  g_string_append_len (echo->got, (const gchar *) data, (gssize) len);
  if (echo->refuse) {
    base->close_after_flush = TRUE;
    idg_door_client_send (base, "NO", 2);
    return;
  }
  idg_door_client_send (base, data, len);
}

static void
echo_dropped (IdgDoorClient *base,
              IdgDoor       *door)
{
  Echo *echo = (Echo *) (gpointer) base;

  g_assert_null (base->door);
  if (echo->dropped)
    (*echo->dropped)++;
}

static void
echo_finalize (IdgDoorClient *base)
{
  Echo *echo = (Echo *) (gpointer) base;

  g_string_free (echo->got, TRUE);
  if (echo->finalized)
    (*echo->finalized)++;
}

static const IdgDoorClientClass echo_class = {
  .client_size = sizeof (Echo),
  .read_chunk = 512,
  .out_cap = CAP,
  .init = echo_init,
  .received = echo_received,
  .dropped = echo_dropped,
  .finalize = echo_finalize,
};

/* A client on one end of a socketpair; *peer is the other end. */
static Echo *
connect_echo (IdgDoor *door,
              int     *peer)
{
  int sv[2];
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  socket = g_socket_new_from_fd (sv[0], &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  *peer = sv[1];
  return (Echo *) (gpointer) idg_door_add_client (door, socket, -1, idg_identity_new_unknown ("test"));
}

static void
spin (void)
{
  guint i;

  for (i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
}

static gsize
read_all (int     fd,
          gchar  *buf,
          gsize   size)
{
  gssize n = recv (fd, buf, size, MSG_DONTWAIT);

  return n > 0 ? (gsize) n : 0;
}

static void
test_echo_and_cap (void)
{
  IdgDoor door;
  guint dropped = 0, finalized = 0;
  Echo *a, *b;
  int pa, pb;
  gchar buf[64];
  guint8 big[1024];
  guint i;

  idg_door_init (&door, NULL, "test", &echo_class);
  a = connect_echo (&door, &pa);
  b = connect_echo (&door, &pb);
  a->dropped = b->dropped = &dropped;
  a->finalized = b->finalized = &finalized;
  g_assert_cmpuint (idg_door_get_n_clients (&door), ==, 2);
  g_assert_cmpuint (a->base.id, ==, 1);
  g_assert_cmpuint (b->base.id, ==, 2);

  /* bytes in, bytes out */
  g_assert_cmpint (write (pa, "hello", 5), ==, 5);
  spin ();
  g_assert_cmpstr (a->got->str, ==, "hello");
  g_assert_cmpuint (read_all (pa, buf, sizeof buf), ==, 5);
  g_assert_cmpmem (buf, 5, "hello", 5);

  /* b stops reading: it is dropped once past the cap, a is not */
  memset (big, 'x', sizeof big);
  for (i = 0; i < 2000 && b->base.door; i++)
    idg_door_client_send (&b->base, big, sizeof big);
  g_assert_null (b->base.door);
  g_assert_cmpuint (dropped, ==, 1);
  g_assert_cmpuint (idg_door_get_n_clients (&door), ==, 1);
  g_assert_cmpuint (finalized, ==, 0);   /* freed from an idle */
  spin ();
  g_assert_cmpuint (finalized, ==, 1);
  g_assert_cmpint (write (pa, "ok", 2), ==, 2);
  spin ();
  g_assert_cmpuint (read_all (pa, buf, sizeof buf), ==, 2);

  /* a hang-up drops the client */
  close (pa);
  spin ();
  g_assert_cmpuint (dropped, ==, 2);
  g_assert_cmpuint (finalized, ==, 2);
  g_assert_cmpuint (idg_door_get_n_clients (&door), ==, 0);
  close (pb);
  idg_door_clear (&door, "test over");
}

static void
test_refused_and_permanent (void)
{
  IdgDoor door;
  guint dropped = 0, finalized = 0;
  Echo *r, *p;
  int pr, pp;
  gchar buf[16];

  idg_door_init (&door, NULL, "test", &echo_class);
  r = connect_echo (&door, &pr);
  r->refuse = TRUE;
  r->dropped = &dropped;
  g_assert_cmpint (write (pr, "open", 4), ==, 4);
  spin ();
  /* the refusal is written, then the client is gone: its peer sees EOF */
  g_assert_cmpuint (dropped, ==, 1);
  g_assert_cmpuint (read_all (pr, buf, sizeof buf), ==, 2);
  g_assert_cmpmem (buf, 2, "NO", 2);
  g_assert_cmpuint (read_all (pr, buf, sizeof buf), ==, 0);
  close (pr);

  /* a permanent client loses its queue on a drop and stays */
  p = connect_echo (&door, &pp);
  p->base.permanent = TRUE;
  p->dropped = &dropped;
  p->finalized = &finalized;
  idg_door_client_drop (&p->base, "test");
  g_assert_nonnull (p->base.door);
  g_assert_cmpuint (dropped, ==, 1);
  g_assert_true (idg_door_queue_is_empty (&p->base.out));
  g_assert_cmpint (write (pp, "still", 5), ==, 5);
  spin ();
  g_assert_cmpstr (p->got->str, ==, "still");
  /* the door's end takes it too, at once */
  idg_door_clear (&door, "test over");
  g_assert_cmpuint (dropped, ==, 2);
  g_assert_cmpuint (finalized, ==, 1);
  close (pp);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/door/client/echo-and-cap", test_echo_and_cap);
  g_test_add_func ("/door/client/refused-and-permanent", test_refused_and_permanent);
  return g_test_run ();
}
