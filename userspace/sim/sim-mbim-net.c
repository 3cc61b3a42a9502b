// SPDX-License-Identifier: GPL-2.0-or-later
#include "sim-mbim-net.h"

#include "sim-mbim-build.h"

#define NET_PROVIDER_ID   "00101"
#define NET_PROVIDER_NAME "idguard-net"
#define NET_DATA_CLASSES  (MBIM_DATA_CLASS_UMTS | MBIM_DATA_CLASS_LTE)
#define NET_RSSI          20       /* 0..31: -73 dBm */
#define MBIMEX_2          0x0200
#define MBIMEX_3          0x0300

static GByteArray *
pin_info (void)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, MBIM_PIN_TYPE_UNKNOWN);   /* no PIN asked for */
  sim_mbim_builder_u32 (&b, MBIM_PIN_STATE_UNLOCKED);
  sim_mbim_builder_u32 (&b, 0);                       /* remaining attempts */
  return sim_mbim_builder_finish (&b);
}

static GByteArray *
radio_state_info (void)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, MBIM_RADIO_SWITCH_STATE_ON);  /* hardware */
  sim_mbim_builder_u32 (&b, MBIM_RADIO_SWITCH_STATE_ON);  /* software */
  return sim_mbim_builder_finish (&b);
}

static GByteArray *
home_provider_info (void)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_string (&b, NET_PROVIDER_ID);
  sim_mbim_builder_u32 (&b, MBIM_PROVIDER_STATE_HOME);
  sim_mbim_builder_string (&b, NET_PROVIDER_NAME);
  sim_mbim_builder_u32 (&b, MBIM_CELLULAR_CLASS_GSM);
  sim_mbim_builder_u32 (&b, NET_RSSI);
  sim_mbim_builder_u32 (&b, 99);                      /* error rate unknown */
  return sim_mbim_builder_finish (&b);
}

static GByteArray *
register_state_info (guint16 mbimex)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, 0);                       /* nw error */
  sim_mbim_builder_u32 (&b, MBIM_REGISTER_STATE_HOME);
  sim_mbim_builder_u32 (&b, MBIM_REGISTER_MODE_AUTOMATIC);
  sim_mbim_builder_u32 (&b, NET_DATA_CLASSES);
  sim_mbim_builder_u32 (&b, MBIM_CELLULAR_CLASS_GSM);
  sim_mbim_builder_string (&b, NET_PROVIDER_ID);
  sim_mbim_builder_string (&b, NET_PROVIDER_NAME);
  sim_mbim_builder_string (&b, NULL);                 /* roaming text */
  sim_mbim_builder_u32 (&b, MBIM_REGISTRATION_FLAG_PACKET_SERVICE_AUTOMATIC_ATTACH);
  if (mbimex >= MBIMEX_2)
    sim_mbim_builder_u32 (&b, NET_DATA_CLASSES);      /* preferred data classes */
  return sim_mbim_builder_finish (&b);
}

static GByteArray *
packet_service_info (guint16 mbimex)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, 0);                       /* nw error */
  sim_mbim_builder_u32 (&b, MBIM_PACKET_SERVICE_STATE_ATTACHED);
  sim_mbim_builder_u32 (&b, MBIM_DATA_CLASS_LTE);     /* same bit in v3 */
  sim_mbim_builder_u64 (&b, 50000000);                /* uplink bit/s */
  sim_mbim_builder_u64 (&b, 150000000);               /* downlink bit/s */
  if (mbimex >= MBIMEX_2)
    sim_mbim_builder_u32 (&b, MBIM_FREQUENCY_RANGE_UNKNOWN);
  if (mbimex >= MBIMEX_3) {
    sim_mbim_builder_u32 (&b, MBIM_DATA_SUBCLASS_NONE);
    sim_mbim_builder_u32 (&b, 1u | 1u << 16);         /* TAI: MCC 001, MNC 01 */
    sim_mbim_builder_u32 (&b, 1);                     /* TAC */
  }
  return sim_mbim_builder_finish (&b);
}

static GByteArray *
signal_state_info (guint16 mbimex)
{
  SimMbimBuilder b;

  sim_mbim_builder_init (&b);
  sim_mbim_builder_u32 (&b, NET_RSSI);
  sim_mbim_builder_u32 (&b, 99);                      /* error rate unknown */
  sim_mbim_builder_u32 (&b, 0);                       /* report interval: default */
  sim_mbim_builder_u32 (&b, 0);                       /* rssi threshold: default */
  sim_mbim_builder_u32 (&b, 0);                       /* error rate threshold */
  if (mbimex >= MBIMEX_2) {
    sim_mbim_builder_u32 (&b, 0);                     /* no RSRP/SNR elements */
    sim_mbim_builder_bytes (&b, NULL, 0);             /* their (empty) array */
  }
  return sim_mbim_builder_finish (&b);
}

GByteArray *
sim_mbim_net_command (guint32 cid,
                      guint32 type,
                      guint16 mbimex)
{
  gboolean query = type == MBIM_MESSAGE_COMMAND_TYPE_QUERY;

  switch (cid) {
  case MBIM_CID_BASIC_CONNECT_PIN:
    /* a set (enter, enable, change a PIN) has nothing to act on */
    return query ? pin_info () : NULL;
  case MBIM_CID_BASIC_CONNECT_RADIO_STATE:
    return radio_state_info ();     /* a set to on or off: on, as a query */
  case MBIM_CID_BASIC_CONNECT_HOME_PROVIDER:
    return query ? home_provider_info () : NULL;
  case MBIM_CID_BASIC_CONNECT_REGISTER_STATE:
    return register_state_info (mbimex);   /* a set: registered, automatic */
  case MBIM_CID_BASIC_CONNECT_PACKET_SERVICE:
    return packet_service_info (mbimex);   /* a set (attach/detach): attached */
  case MBIM_CID_BASIC_CONNECT_SIGNAL_STATE:
    return signal_state_info (mbimex);     /* a set of thresholds: accepted */
  default:
    return NULL;
  }
}
