/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-mbim-subs.h"
#include "idg-mbim-filter.h"

#include <string.h>

static void
sub_free (gpointer p)
{
  IdgMbimSub *s = p;

  if (s->cids)
    g_array_unref (s->cids);
  g_free (s);
}

static IdgMbimSub *
subs_find (GPtrArray      *subs,
           const MbimUuid *uuid)
{
  guint i;

  for (i = 0; i < subs->len; i++) {
    IdgMbimSub *s = g_ptr_array_index (subs, i);

    if (mbim_uuid_cmp (&s->uuid, uuid))
      return s;
  }
  return NULL;
}

void
idg_mbim_subs_add (GPtrArray      *subs,
          const MbimUuid *uuid,
          const guint32  *cids,
          guint32         n)
{
  IdgMbimSub *s = subs_find (subs, uuid);
  guint32 i, j;

  if (!s) {
    s = g_new0 (IdgMbimSub, 1);
    s->uuid = *uuid;
    s->cids = n ? g_array_new (FALSE, FALSE, sizeof (guint32)) : NULL;
    g_ptr_array_add (subs, s);
  } else if (s->cids && n == 0) {
    g_clear_pointer (&s->cids, g_array_unref);
  }
  if (!s->cids)
    return;
  for (i = 0; i < n; i++) {
    gboolean have = FALSE;

    for (j = 0; j < s->cids->len; j++)
      if (g_array_index (s->cids, guint32, j) == cids[i])
        have = TRUE;
    if (!have)
      g_array_append_val (s->cids, cids[i]);
  }
}

GPtrArray *
idg_mbim_subs_new_standard (void)
{
  static const guint32 bc[] = {
    MBIM_CID_BASIC_CONNECT_SUBSCRIBER_READY_STATUS, MBIM_CID_BASIC_CONNECT_RADIO_STATE,
    MBIM_CID_BASIC_CONNECT_PREFERRED_PROVIDERS, MBIM_CID_BASIC_CONNECT_REGISTER_STATE,
    MBIM_CID_BASIC_CONNECT_PACKET_SERVICE, MBIM_CID_BASIC_CONNECT_SIGNAL_STATE,
    MBIM_CID_BASIC_CONNECT_CONNECT, MBIM_CID_BASIC_CONNECT_PROVISIONED_CONTEXTS,
    MBIM_CID_BASIC_CONNECT_IP_CONFIGURATION, MBIM_CID_BASIC_CONNECT_EMERGENCY_MODE,
    MBIM_CID_BASIC_CONNECT_MULTICARRIER_PROVIDERS,
  };
  static const guint32 sms[] = { MBIM_CID_SMS_CONFIGURATION, MBIM_CID_SMS_READ,
                                 MBIM_CID_SMS_MESSAGE_STORE_STATUS };
  static const guint32 ussd[] = { MBIM_CID_USSD };
  static const guint32 pb[] = { MBIM_CID_PHONEBOOK_CONFIGURATION };
  static const guint32 stk[] = { MBIM_CID_STK_PAC };
  GPtrArray *subs = g_ptr_array_new_with_free_func (sub_free);

  idg_mbim_subs_add (subs, MBIM_UUID_BASIC_CONNECT, bc, G_N_ELEMENTS (bc));
  idg_mbim_subs_add (subs, MBIM_UUID_SMS, sms, G_N_ELEMENTS (sms));
  idg_mbim_subs_add (subs, MBIM_UUID_USSD, ussd, G_N_ELEMENTS (ussd));
  idg_mbim_subs_add (subs, MBIM_UUID_PHONEBOOK, pb, G_N_ELEMENTS (pb));
  idg_mbim_subs_add (subs, MBIM_UUID_STK, stk, G_N_ELEMENTS (stk));
  return subs;
}

gboolean
idg_mbim_subs_match (GPtrArray      *subs,
            const MbimUuid *uuid,
            guint32         cid)
{
  IdgMbimSub *s = subs_find (subs, uuid);
  guint i;

  if (!s)
    return FALSE;
  if (!s->cids)
    return TRUE;
  for (i = 0; i < s->cids->len; i++)
    if (g_array_index (s->cids, guint32, i) == cid)
      return TRUE;
  return FALSE;
}

/* Same services, same CIDs (any order). */
gboolean
idg_mbim_subs_equal (GPtrArray *a,
            GPtrArray *b)
{
  guint i, j;

  if (a->len != b->len)
    return FALSE;
  for (i = 0; i < a->len; i++) {
    IdgMbimSub *x = g_ptr_array_index (a, i);
    IdgMbimSub *y = subs_find (b, &x->uuid);

    if (!y || !x->cids != !y->cids)
      return FALSE;
    if (!x->cids)
      continue;
    if (x->cids->len != y->cids->len)
      return FALSE;
    for (j = 0; j < x->cids->len; j++)
      if (!idg_mbim_subs_match (b, &x->uuid, g_array_index (x->cids, guint32, j)))
        return FALSE;
  }
  return TRUE;
}

/* The information buffer of a Device Service Subscribe List set: count,
 * then count offset/length pairs of { uuid, n, n CIDs }. NULL if it does
 * not hold together. */
GPtrArray *
idg_mbim_subs_parse (const guint8 *b,
            gsize         len)
{
  g_autoptr(GPtrArray) subs = g_ptr_array_new_with_free_func (sub_free);
  guint32 count, i;

  if (len < 4)
    return NULL;
  count = idg_mbim_read_u32 (b);
  if (count > (len - 4) / 8)
    return NULL;
  for (i = 0; i < count; i++) {
    guint32 off = idg_mbim_read_u32 (b + 4 + 8 * i);
    guint32 elen = idg_mbim_read_u32 (b + 8 + 8 * i);
    g_autofree guint32 *cids = NULL;
    MbimUuid uuid;
    guint32 n, j;

    if (off > len || elen > len - off || elen < 20)
      return NULL;
    memcpy (&uuid, b + off, sizeof uuid);
    n = idg_mbim_read_u32 (b + off + 16);
    if (n > (elen - 20) / 4)
      return NULL;
    cids = g_new0 (guint32, n + 1);
    for (j = 0; j < n; j++)
      cids[j] = idg_mbim_read_u32 (b + off + 20 + 4 * j);
    idg_mbim_subs_add (subs, &uuid, cids, n);
  }
  return g_steal_pointer (&subs);
}
