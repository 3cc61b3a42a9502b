#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real mbimcli reads the identifiers directly and through the stock
# mbim-proxy (-p), with the default and with tiny (fragmented) control
# transfers, before and after a SIM swap; a client sees the indication.
. "$IDG_SRC/tests/tools/lib.sh"
idg_setup sim-mbim "$@"

mbim_read() {
  name=$1; shift
  timeout 30 mbimcli -d "$T/mbim" "$@" > "$T/$name.consented" 2>&1 ||
    { cat "$T/$name.consented" >&2; idg_fail "mbimcli $* failed"; }
}

check_all() {
  tag=$1; shift
  mbim_read "$tag-caps" --query-device-caps "$@"
  idg_expect_contains "$T/$tag-caps.consented" "Device ID: '$ID_imei'" "IMEI"
  mbim_read "$tag-sub" --query-subscriber-ready-status "$@"
  idg_expect_contains "$T/$tag-sub.consented" "Subscriber ID: '$ID_imsi'" "IMSI"
  idg_expect_contains "$T/$tag-sub.consented" "SIM ICCID: '$ID_iccid'" "ICCID"
  idg_expect_contains "$T/$tag-sub.consented" "'$ID_msisdn'" "MSISDN"
  mbim_read "$tag-ms-caps" --ms-query-device-caps "$@"
  idg_expect_contains "$T/$tag-ms-caps.consented" "Device ID: '$ID_imei'" "IMEI (MS caps)"
}

# Direct readers first: once mbim-proxy holds the port (-p), it is the
# only reader, as on a real cdc-wdm node.
idg_sim
check_all direct
mbim_read services --query-device-services
idg_expect_contains "$T/services.consented" "subscriber-ready-status" "device services"
timeout 30 mbimcli -d "$T/mbim" --query-visible-providers > "$T/visible.log" 2>&1 && idg_fail "unsupported CID succeeded"
idg_expect_contains "$T/visible.log" "NoDeviceSupport" "no device support error"
# the network side ModemManager needs: no PIN, radio on, registered
timeout 30 mbimcli -d "$T/mbim" --query-pin-state > "$T/pin.log" 2>&1 || idg_fail "PIN query failed"
idg_expect_contains "$T/pin.log" "unlocked" "PIN state unlocked"
timeout 30 mbimcli -d "$T/mbim" --query-registration-state > "$T/reg.log" 2>&1 || idg_fail "register state query failed"
idg_expect_contains "$T/reg.log" "home" "registered home"

# MBIMEx 3.0: Subscriber Ready Status v3 and TLV-based Device Caps
mbim_read v3-sub --device-open-ms-mbimex-v3 --query-subscriber-ready-status
idg_expect_contains "$T/v3-sub.consented" "Subscriber ID: '$ID_imsi'" "IMSI (MBIMEx v3)"
idg_expect_contains "$T/v3-sub.consented" "Flags:" "v3 layout"
mbim_read v3-caps --device-open-ms-mbimex-v3 --ms-query-device-caps
idg_expect_contains "$T/v3-caps.consented" "Device ID: '$ID_imei'" "IMEI (MBIMEx v3 TLV)"
idg_expect_contains "$T/v3-caps.consented" "LTE band class" "v3 device caps layout"

# QMI carried in MBIM, as libqmi speaks it to MBIM modems
timeout 30 qmicli -d "$T/mbim" --device-open-mbim --dms-get-ids > "$T/qmi-in-mbim.consented" 2>&1 ||
  { cat "$T/qmi-in-mbim.consented" >&2; idg_fail "qmicli --device-open-mbim failed"; }
idg_expect_contains "$T/qmi-in-mbim.consented" "IMEI: '$ID_imei'" "IMEI over QMI-in-MBIM"
timeout 30 qmicli -d "$T/mbim" --device-open-mbim --uim-get-slot-status > "$T/qmi-in-mbim-slots.consented" 2>&1 ||
  idg_fail "qmicli --device-open-mbim --uim-get-slot-status failed"
idg_expect_contains "$T/qmi-in-mbim-slots.consented" "ICCID: $ID_iccid" "slot ICCID over QMI-in-MBIM"

# MS UICC low level access: EF_ICCID as raw bytes
iccid_bcd=$(python3 -c "import sys; d=sys.argv[1]+'F'; print(':'.join(d[i+1]+d[i] for i in range(0,20,2)))" "$ID_iccid")
mbim_read uicc-binary "--ms-query-uicc-read-binary=application-id=A0000000871002,file-path=3F002FE2,read-offset=0,read-size=10"
idg_expect_contains "$T/uicc-binary.consented" "$iccid_bcd" "EF_ICCID over MS UICC"

idg_sim_swap || idg_fail "swap refused"
check_all swapped
check_all swapped-proxy -p
idg_cleanup

# fragmented replies: the control transfer capped at 64 bytes
IDG_PIDS=""
# the first simulator's "ready" must not pass for the second's: idg_bg
# truncates the log only once the background job runs
rm -f "$T/sim.log"
idg_sim --mbim-max-control-transfer 64
check_all fragmented
echo "PASS"
