/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table tests of the AT filter: every command of the AT table
 * (../shared/brief/identifiers.md) and the tricky forms (case, spaces,
 * concatenation, quotes, URCs in between, line ends). Each reply is a
 * template; {IMEI}, {IMSI}... are replaced by values made for the run, and
 * the filter's output is checked byte by byte: outside the value spans
 * nothing changes, inside them the value is gone (or intact for a client
 * holding the kind).
 */
#include <string.h>

#include "idg-at-filter.h"
#include "idg-encoding.h"

typedef enum {
  PASS,      /* untouched */
  REWRITE,   /* values hidden, everything else untouched */
  REFUSE,    /* the refusal instead of the reply */
} Expect;

typedef struct {
  const gchar *path;
  const gchar *request;
  const gchar *reply;
  Expect       expect;       /* for a client without grants */
  Expect       expect_all;   /* for a client holding every kind */
} Case;

static const Case cases[] = {
  /* IMEI */
  { "cgsn", "AT+CGSN", "\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-lower", "at+cgsn", "\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-spaces", "AT + CGSN ", "\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-prefixed", "AT+CGSN", "\r\n+CGSN: {IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-quoted", "AT+CGSN", "\r\n+CGSN: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-0", "AT+CGSN=0", "\r\n+CGSN: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-1", "AT+CGSN=1", "\r\n+CGSN: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-1-spaced", "AT+CGSN = 1", "\r\n+CGSN: {IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-2", "AT+CGSN=2", "\r\n+CGSN: \"{SV}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-3", "AT+CGSN=3", "\r\n+CGSN: \"{SVN}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-3-bare", "AT+CGSN=3", "\r\n{SVN}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-test", "AT+CGSN=?", "\r\n+CGSN: (0-3)\r\n\r\nOK\r\n", PASS, PASS },
  { "cgsn-lf-only", "AT+CGSN", "\n{IMEI}\n\nOK\n", REWRITE, PASS },
  { "cgsn-cr-only", "AT+CGSN\r", "\r{IMEI}\r\rOK\r", REWRITE, PASS },
  { "cgsn-echo", "AT+CGSN", "AT+CGSN\r\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-urc-before", "AT+CGSN", "\r\n+CREG: 1\r\n\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-ring", "AT+CGSN", "\r\nRING\r\n\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-dual", "AT+CGSN", "\r\n{IMEI}\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-error", "AT+CGSN", "\r\n+CME ERROR: 10\r\n", PASS, PASS },
  { "gsn", "AT+GSN", "\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-prefixed", "AT+GSN", "\r\n+GSN: {IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "egmr-read", "AT+EGMR=0,7", "\r\n+EGMR: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "egmr-read-spaces", "AT+EGMR = 0, 7", "\r\n+EGMR: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "egmr-read-slot2", "AT+EGMR=0,10", "\r\n+EGMR: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "egmr-write", "AT+EGMR=1,7,\"{IMEI}\"", "\r\nOK\r\n", REFUSE, REFUSE },
  { "egmr-other", "AT+EGMR=0,3", "\r\n+EGMR: \"REV1\"\r\n\r\nOK\r\n", PASS, PASS },
  /* ATI */
  { "ati", "ATI", "\r\nManufacturer: ACME\r\nModel: X1\r\nRevision: 1.0\r\nIMEI: {IMEI}\r\n"
    "+GCAP: +CGSM\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati0", "ATI0", "\r\nACME\r\nX1\r\nRevision: 1.0\r\nIMEI: {IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati3-lower", "ati3", "\r\nIMEI : {IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-bare", "ATI", "\r\nACME\r\nX1\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-sv", "ATI", "\r\nIMEI: {IMEI}\r\nIMEI SV: {SVN}\r\nIMEISV: {SV}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-iccid", "ATI9", "\r\nICCID: {ICCID}\r\nIMSI: {IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-plain", "ATI", "\r\nACME X1 Revision 1.0\r\n\r\nOK\r\n", PASS, PASS },
  { "ate0i", "ATE0I", "\r\nIMEI: {IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  /* IMSI */
  { "cimi", "AT+CIMI", "\r\n{IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cimi-prefixed", "AT+CIMI", "\r\n+CIMI: {IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cimi-quoted", "At+CiMi", "\r\n+CIMI: \"{IMSI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cimi-urc", "AT+CIMI", "\r\n+CREG: 1,\"00C3\",\"0000A1B2\",7\r\n\r\n{IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "telit-cimi", "AT#CIMI", "\r\n#CIMI: {IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "hw-meid", "AT^MEID", "\r\n^MEID: {MEID}\r\n\r\nOK\r\n", REWRITE, PASS },
  /* concatenated */
  { "cgsn-cimi", "AT+CGSN;+CIMI", "\r\n{IMEI}\r\n\r\n{IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-cimi-spaces", "AT +CGSN ; +CIMI", "\r\n{IMEI}\r\n{IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgmi-cgsn", "AT+CGMI;+CGSN;+CGMR", "\r\nACME\r\n\r\n{IMEI}\r\n\r\n1.0\r\n\r\nOK\r\n", REWRITE, PASS },
  { "e0-cimi", "ATE0+CIMI", "\r\n{IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cimi-ccid-cnum", "AT+CIMI;+CCID;+CNUM", "\r\n{IMSI}\r\n\r\n+CCID: {ICCID}\r\n\r\n"
    "+CNUM: \"\",\"{MSISDN}\",145\r\n\r\nOK\r\n", REWRITE, PASS },
  /* own numbers */
  { "cnum", "AT+CNUM", "\r\n+CNUM: \"Me\",\"{MSISDN}\",145\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cnum-many", "AT+CNUM", "\r\n+CNUM: \"Voice\",\"{MSISDN}\",145\r\n+CNUM: ,\"{MSISDN}\",129,4,0\r\n"
    "+CNUM: \"a,b\",\"{MSISDN}\",145\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cnum-unquoted", "AT+CNUM", "\r\n+CNUM: ,{MSISDN},145\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cnum-empty", "AT+CNUM", "\r\nOK\r\n", PASS, PASS },
  { "cpbr-on", "AT+CPBS=\"ON\";+CPBR=1", "\r\n+CPBR: 1,\"{MSISDN}\",145,\"Me\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cpbr-on-lower", "at+cpbs = \"on\" ; +cpbr=1,5", "\r\n+CPBR: 1,\"{MSISDN}\",145,\"Me\"\r\n"
    "+CPBR: 2,\"{MSISDN}\",129,\"\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cpbr-sm", "AT+CPBS=\"SM\";+CPBR=1", "\r\n+CPBR: 1,\"+15550001111\",145,\"Bob\"\r\n\r\nOK\r\n", PASS, PASS },
  { "cpbr", "AT+CPBR=1", "\r\n+CPBR: 1,\"+15550001111\",145,\"Bob\"\r\n\r\nOK\r\n", PASS, PASS },
  /* SIM files */
  { "crsm-iccid", "AT+CRSM=176,12258,0,0,10", "\r\n+CRSM: 144,0,\"{ICCID_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-iccid-lower", "at+crsm=176,12258,0,0,10", "\r\n+CRSM: 144,0,\"{iccid_hex}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-iccid-unquoted", "AT+CRSM = 176, 12258, 0, 0, 10", "\r\n+CRSM: 144,0,{ICCID_HEX}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-iccid-path", "AT+CRSM=176,12258,0,0,10,,\"3F00\"", "\r\n+CRSM: 144,0,\"{ICCID_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-imsi", "AT+CRSM=176,28423,0,0,9", "\r\n+CRSM: 144,0,\"{IMSI_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-imsi-offset", "AT+CRSM=176,28423,0,1,8", "\r\n+CRSM: 144,0,\"{IMSI_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-msisdn", "AT+CRSM=178,28480,1,4,28", "\r\n+CRSM: 144,0,\"{MSISDN_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-other", "AT+CRSM=176,28539,0,0,12", "\r\n+CRSM: 144,0,\"62F2106FFFFFFFFFFFFFFFFF\"\r\n\r\nOK\r\n", PASS, PASS },
  { "crsm-status", "AT+CRSM=242", "\r\n+CRSM: 144,0,\"{ICCID_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-error", "AT+CRSM=176,12258,0,0,10", "\r\n+CRSM: 106,130\r\n\r\nOK\r\n", PASS, PASS },
  { "crsm-cgsn", "AT+CRSM=176,12258,0,0,10;+CGSN", "\r\n+CRSM: 144,0,\"{ICCID_HEX}\"\r\n\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  /* raw SIM */
  { "csim", "AT+CSIM=14,\"00B0000009\"", "\r\n+CSIM: 22,\"{IMSI_HEX}9000\"\r\n\r\nOK\r\n", REFUSE, PASS },
  { "ccho", "AT+CCHO=\"A0000000871002\"", "\r\n+CCHO: 1\r\n\r\nOK\r\n", REFUSE, PASS },
  { "cgla", "AT+CGLA=1,10,\"00B0000009\"", "\r\n+CGLA: 22,\"{IMSI_HEX}9000\"\r\n\r\nOK\r\n", REFUSE, PASS },
  { "crla", "AT+CRLA=1,176,28423", "\r\n+CRLA: 144,0,\"{IMSI_HEX}\"\r\n\r\nOK\r\n", REFUSE, PASS },
  { "csim-in-line", "AT+CGMI;+CSIM=10,\"00A4000C02\"", "\r\nACME\r\n\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n", REFUSE, PASS },
  { "csim-test", "AT+CSIM=?", "\r\nOK\r\n", PASS, PASS },
  { "hw-csim", "AT^CSIM=10,\"00B0000009\"", "\r\n^CSIM: 22,\"{IMSI_HEX}9000\"\r\n\r\nOK\r\n", REFUSE, PASS },
  { "q-csim", "AT+QCSIM=10,\"00B0000009\"", "\r\n+QCSIM: 22,\"{IMSI_HEX}9000\"\r\n\r\nOK\r\n", REFUSE, PASS },
  { "vendor-crsm", "AT#CRSM=176,12258,0,0,10", "\r\n#CRSM: 144,0,\"{ICCID_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  /* ICCID, vendor commands */
  { "ccid", "AT+CCID", "\r\n+CCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ccid-read", "AT+CCID?", "\r\n+CCID: \"{ICCID}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ccid-bare", "AT+CCID", "\r\n{ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "iccid", "AT+ICCID", "\r\nICCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ciccid", "AT+CICCID", "\r\n+ICCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "hw-iccid", "AT^ICCID?", "\r\n^ICCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "sierra-iccid", "AT!ICCID?", "\r\nICCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "qccid", "AT+QCCID", "\r\n+QCCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "zte-iccid", "AT+ZGETICCID", "\r\n+ZGETICCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "telit-ccid", "AT#CCID", "\r\n#CCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ccid-padded", "AT+CCID", "\r\n+CCID: {ICCID}F\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ccid-urc", "AT+QCCID", "\r\n+CPIN: READY\r\n\r\n+QCCID: {ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  /* a bare long number from a command we do not know */
  { "stray-imei", "AT$QCGSN", "\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "stray-imsi", "AT%IMSI", "\r\n\"{IMSI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "stray-iccid", "AT*ICCID", "\r\n{ICCID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "stray-labelled", "AT+XGSN", "\r\n+XGSN: \"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-odd-format", "AT+CGSN=1", "\r\n+CGSN: 1,\"{IMEI}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cimi-odd-format", "AT+CIMI", "\r\n+CIMI: 0,{IMSI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "stray-short", "AT+CGMR", "\r\n12345678\r\n\r\nOK\r\n", PASS, PASS },
  { "cclk", "AT+CCLK?", "\r\n+CCLK: \"26/11/23,23:30:00+00\"\r\n\r\nOK\r\n", PASS, PASS },
  /* vendor reply formats, as ModemManager's test suite records them
   * (src/tests/test-modem-helpers.c: mm_parse_gsn, device ids from ATI) */
  { "gsn-imei-serial", "AT+GSN", "\r\n{IMEI},NL2A62Z0N5\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-imei-serial", "AT+CGSN", "\r\n{IMEI},NL2A62Z0N5\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-imei-serial-label", "AT+CGSN", "\r\n+CGSN: {IMEI},NL2A62Z0N5\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-esn-0x", "AT+GSN", "\r\n0x{ESN}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-esn-0x-short", "AT+GSN", "\r\n0x{ESN7}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-esn-bare", "AT+GSN", "\r\n{esn}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-meid-esn-dec", "AT+GSN", "\r\n{MEID_DEC}:{ESN_DEC}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-meid-esn-hex", "AT+GSN", "\r\n0x{MEID16}:0x{ESN}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "gsn-meid-esn-both", "AT+GSN", "\r\n{MEID_DEC}:{ESN_DEC}\r\n0x{MEID16}:0x{ESN}\r\n\r\nOK\r\n",
    REWRITE, PASS },
  { "cgsn-meid-esn-both", "AT+CGSN", "\r\n{MEID_DEC}:{ESN_DEC}\r\n0x{MEID16}:0x{ESN}\r\n\r\nOK\r\n",
    REWRITE, PASS },
  { "cgsn-0-esn", "AT+CGSN=0", "\r\n+CGSN: 0x{ESN}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-1-bare", "AT+CGSN=1", "\r\n{IMEI}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-2-bare", "AT+CGSN=2", "\r\n{SV}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "cgsn-2-label", "AT+CGSN=2", "\r\n+CGSN: {SV}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-esn-gsn", "ATI", "\r\nManufacturer: HUAWEI INCORPORATED\r\nModel: EC121\r\n"
    "Revision: 11.100.17.00.114\r\nESN: +GSN:{esn}\r\n+CIS707-A, +MS, +ES, +DS, +FCLASS\r\n\r\nOK\r\n",
    REWRITE, PASS },
  { "ati-esn-gsn-0x", "ATI", "\r\nManufacturer: +GMI: LG Electronics Inc.\r\n"
    "Revision: +GMR: LX265V05, 50571\r\nESN: +GSN: 0x{ESN}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-esn-crcrlf", "ATI1", "\r\nModel: CDX-650 \r\r\nEsn: {ESN}\r\r\n+GCAP: +CIS707A, +MS\r\n\r\nOK\r\n",
    REWRITE, PASS },
  { "ati-imei-sv-fsn", "ATI", "\r\nModel: C885\r\nIMEI: {IMEI}\r\nIMEI SV: {SVN}\r\nFSN: D603478104511\r\n"
    "3GPP Release 6\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-meid", "ATI", "\r\nMEID: {MEID}\r\n\r\nOK\r\n", REWRITE, PASS },
  { "ati-meid-0x", "ATI", "\r\nMEID: 0x{MEID}\r\n\r\nOK\r\n", REWRITE, PASS },
  /* +CRSM at offsets and short lengths: the byte range decides */
  { "crsm-imsi-at-4", "AT+CRSM=176,28423,0,4,5", "\r\n+CRSM: 144,0,\"{IMSI_HEX_4}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-imsi-at-3", "AT+CRSM=176,28423,0,3,6", "\r\n+CRSM: 144,0,\"{IMSI_HEX_3}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-iccid-at-2", "AT+CRSM=176,12258,0,2,8", "\r\n+CRSM: 144,0,\"{ICCID_HEX_2}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-msisdn-short", "AT+CRSM=178,28480,1,4,20", "\r\n+CRSM: 144,0,\"{MSISDN_HEX_20}\"\r\n\r\nOK\r\n",
    REWRITE, PASS },
  { "crsm-msisdn-whole", "AT+CRSM=178,28480,1,4,0", "\r\n+CRSM: 144,0,\"{MSISDN_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  { "crsm-adn", "AT+CRSM=178,28474,1,4,0", "\r\n+CRSM: 144,0,\"{MSISDN_HEX}\"\r\n\r\nOK\r\n", REWRITE, PASS },
  /* untouched */
  { "cgmi", "AT+CGMI", "\r\nACME\r\n\r\nOK\r\n", PASS, PASS },
  { "creg", "AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n", PASS, PASS },
  { "cops", "AT+COPS?", "\r\n+COPS: 0,2,\"310260\",7\r\n\r\nOK\r\n", PASS, PASS },
  { "not-at", "hello", "\r\nERROR\r\n", PASS, PASS },
  { "empty", "AT", "\r\nOK\r\n", PASS, PASS },
};

typedef struct {
  gchar *imei, *sv, *svn, *imsi, *iccid, *msisdn, *meid;
  gchar *iccid_hex, *iccid_hex_lower, *imsi_hex, *msisdn_hex;
  gchar *meid16, *esn, *esn_lower, *esn7, *esn_dec, *meid_dec;
  gchar *imsi_hex_4, *imsi_hex_3, *iccid_hex_2, *msisdn_hex_20;
} Values;

static Values v;

static gchar *
digits (GRand *rand,
        const gchar *prefix,
        guint n)
{
  GString *s = g_string_new (prefix);

  while (s->len < n)
    g_string_append_c (s, (gchar) ('0' + g_rand_int_range (rand, 0, 10)));
  return g_string_free (s, FALSE);
}

static void
make_values (void)
{
  GRand *rand = g_rand_new ();
  gchar *imei14 = digits (rand, "35", 14);
  gchar *iccid18 = digits (rand, "8901", 18);
  guint8 buf[40];

  v.imei = g_strdup_printf ("%s%c", imei14, idg_luhn_check_digit (imei14, 14));
  v.sv = digits (rand, imei14, 16);
  v.svn = g_strdup (v.sv + 14);
  v.imsi = digits (rand, "310260", 15);
  v.iccid = g_strdup_printf ("%s%c", iccid18, idg_luhn_check_digit (iccid18, 18));
  v.msisdn = digits (rand, "+1", 12);
  v.meid = g_strdup_printf ("A1%06X%06X", g_rand_int_range (rand, 0, 0xFFFFFF), g_rand_int_range (rand, 0, 0xFFFFFF));
  g_assert_true (idg_bcd_encode (v.iccid, buf, IDG_EF_ICCID_LEN));
  v.iccid_hex = idg_hex_encode_dup (buf, IDG_EF_ICCID_LEN);
  v.iccid_hex_lower = g_ascii_strdown (v.iccid_hex, -1);
  g_assert_true (idg_ef_imsi_encode (v.imsi, buf));
  v.imsi_hex = idg_hex_encode_dup (buf, IDG_EF_IMSI_LEN);
  g_assert_true (idg_ef_msisdn_encode (v.msisdn, buf, 28));
  v.msisdn_hex = idg_hex_encode_dup (buf, 28);
  v.meid16 = g_strdup_printf ("00%s", v.meid);
  v.esn = g_strdup_printf ("%08X", g_rand_int_range (rand, 0x10000000, 0x7FFFFFFF));
  v.esn_lower = g_ascii_strdown (v.esn, -1);
  v.esn7 = g_strdup_printf ("%07X", g_rand_int_range (rand, 0x1000000, 0xFFFFFFF));
  v.esn_dec = digits (rand, "2", 11);
  v.meid_dec = digits (rand, "27", 18);
  /* slices of the files as a read at an offset returns them */
  v.imsi_hex_4 = g_strdup (v.imsi_hex + 8);
  v.imsi_hex_3 = g_strdup (v.imsi_hex + 6);
  v.iccid_hex_2 = g_strdup (v.iccid_hex + 4);
  v.msisdn_hex_20 = g_strndup (v.msisdn_hex, 40);
  g_free (imei14);
  g_free (iccid18);
  g_rand_free (rand);
}

/* Expands a template; mask[i] is TRUE where a value was put. */
static gchar *
expand (const gchar *tmpl,
        GByteArray  *mask)
{
  const struct { const gchar *key; const gchar *val; } keys[] = {
    { "{IMEI}", v.imei }, { "{SV}", v.sv }, { "{SVN}", v.svn }, { "{IMSI}", v.imsi },
    { "{ICCID}", v.iccid }, { "{MSISDN}", v.msisdn }, { "{ICCID_HEX}", v.iccid_hex },
    { "{iccid_hex}", v.iccid_hex_lower }, { "{IMSI_HEX}", v.imsi_hex },
    { "{MSISDN_HEX}", v.msisdn_hex }, { "{MEID}", v.meid },
    { "{MEID16}", v.meid16 }, { "{ESN}", v.esn }, { "{esn}", v.esn_lower }, { "{ESN7}", v.esn7 }, { "{ESN_DEC}", v.esn_dec },
    { "{MEID_DEC}", v.meid_dec }, { "{IMSI_HEX_4}", v.imsi_hex_4 }, { "{IMSI_HEX_3}", v.imsi_hex_3 },
    { "{ICCID_HEX_2}", v.iccid_hex_2 }, { "{MSISDN_HEX_20}", v.msisdn_hex_20 },
  };
  GString *s = g_string_new (NULL);
  const gchar *p = tmpl;

  while (*p) {
    gsize k;
    gboolean hit = FALSE;

    for (k = 0; k < G_N_ELEMENTS (keys); k++) {
      gsize kl = strlen (keys[k].key);

      if (strncmp (p, keys[k].key, kl) == 0) {
        gsize vl = strlen (keys[k].val);
        guint8 one = 1;
        gsize j;

        g_string_append (s, keys[k].val);
        for (j = 0; j < vl; j++)
          g_byte_array_append (mask, &one, 1);
        p += kl;
        hit = TRUE;
        break;
      }
    }
    if (!hit) {
      guint8 zero = 0;

      g_string_append_c (s, *p++);
      g_byte_array_append (mask, &zero, 1);
    }
  }
  return g_string_free (s, FALSE);
}

static const guint8 secret[IDG_SECRET_LEN] = { 1, 2, 3 };

/* No run of 6 characters of a value's unique part (the IMEI serial, the
 * IMSI after MCC+MNC, the whole number, ICCID, ESN, MEID, and their hex
 * forms) is left in a redacted reply (redact writes zeros: a value with
 * six zeros in a row would fail this, one time in about 10^5). */
static void
no_runs (const gchar *out,
         const gchar *tmpl)
{
  const gchar *unique[] = {
    v.imei + 8, v.imsi + 6, v.msisdn + 1, v.iccid + 2, v.esn, v.esn_lower, v.esn7, v.esn_dec,
    v.meid_dec + 8, v.meid + 8, v.iccid_hex + 4, v.imsi_hex + 10,
  };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (unique); k++) {
    gsize n = strlen (unique[k]), i;

    for (i = 0; i + 6 <= n; i++) {
      g_autofree gchar *run = g_strndup (unique[k] + i, 6);

      if (strstr (out, run))
        g_error ("%s: a run of 6 of a value is left: %s in %s", tmpl, run, out);
    }
  }
}

static void
check (const Case *c,
       guint32     allowed,
       IdgPolicy   policy,
       Expect      expect)
{
  g_autoptr(GByteArray) mask = g_byte_array_new ();
  g_autoptr(GByteArray) rmask = g_byte_array_new ();
  g_autofree gchar *reply = expand (c->reply, mask);
  g_autofree gchar *request = expand (c->request, rmask);
  g_autofree gchar *out = NULL;
  const gchar *refusal;
  IdgGuard guard;
  gsize out_len = 0, i;

  idg_guard_init (&guard, allowed, policy, secret, "exe:/usr/bin/test");
  refusal = idg_at_filter_request (&guard, request, strlen (request));
  if (expect == REFUSE) {
    /* refused before the modem sees it, and again if it got through */
    g_assert_cmpstr (refusal, ==, IDG_AT_REFUSAL);
  } else {
    g_assert_null (refusal);
  }
  out = idg_at_filter_reply (&guard, request, strlen (request), reply, strlen (reply), &out_len);
  g_assert_cmpuint (out_len, ==, strlen (out));
  switch (expect) {
  case PASS:
    g_assert_cmpstr (out, ==, reply);
    break;
  case REFUSE:
    g_assert_cmpstr (out, ==, IDG_AT_REFUSAL);
    g_assert_false (idg_guard_empty (&guard));
    break;
  case REWRITE:
    g_assert_cmpuint (out_len, ==, strlen (reply));
    for (i = 0; i < out_len; i++)
      if (!mask->data[i])
        g_assert_cmpint (out[i], ==, reply[i]);
    g_assert_cmpstr (out, !=, reply);
    g_assert_null (strstr (out, v.imei));
    g_assert_null (strstr (out, v.sv));
    g_assert_null (strstr (out, v.imsi));
    g_assert_null (strstr (out, v.iccid));
    g_assert_null (strstr (out, v.msisdn + 1));
    g_assert_null (strstr (out, v.iccid_hex));
    g_assert_null (strstr (out, v.iccid_hex_lower));
    g_assert_null (strstr (out, v.imsi_hex + 4));
    g_assert_null (strstr (out, v.meid));
    g_assert_null (strstr (out, v.esn));
    g_assert_null (strstr (out, v.esn_lower));
    g_assert_null (strstr (out, v.esn7));
    g_assert_null (strstr (out, v.esn_dec));
    g_assert_null (strstr (out, v.meid_dec));
    if (policy == IDG_POLICY_REDACT)
      no_runs (out, c->reply);
    g_assert_false (idg_guard_empty (&guard));
    break;
  }
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;

  check (c, 0, IDG_POLICY_REDACT, c->expect);
  check (c, 0, IDG_POLICY_PSEUDONYM, c->expect);
  check (c, IDG_KIND_MASK_ALL, IDG_POLICY_REDACT, c->expect_all);
}

/* A client holding one kind sees that kind and only it. */
static void
test_partial (void)
{
  const gchar *req = "AT+CGSN;+CIMI";
  g_autofree gchar *reply = g_strdup_printf ("\r\n%s\r\n\r\n%s\r\n\r\nOK\r\n", v.imei, v.imsi);
  g_autofree gchar *out = NULL;
  IdgGuard guard;
  gsize n;

  idg_guard_init (&guard, IDG_KIND_BIT (IDG_KIND_IMSI), IDG_POLICY_REDACT, secret, "x");
  out = idg_at_filter_reply (&guard, req, strlen (req), reply, strlen (reply), &n);
  g_assert_null (strstr (out, v.imei));
  g_assert_nonnull (strstr (out, v.imsi));
  g_assert_cmpuint (guard.tally[IDG_KIND_IMEI][IDG_DECISION_REWRITE], ==, 1);
  g_assert_cmpuint (guard.tally[IDG_KIND_IMSI][IDG_DECISION_RELEASE], ==, 1);

  /* raw SIM needs every SIM kind */
  idg_guard_init (&guard, IDG_KIND_MASK_SIM & ~IDG_KIND_BIT (IDG_KIND_EID), IDG_POLICY_REDACT, secret, "x");
  g_assert_nonnull (idg_at_filter_request (&guard, "AT+CSIM=10,\"00B0000009\"", 23));
  idg_guard_init (&guard, IDG_KIND_MASK_SIM, IDG_POLICY_REDACT, secret, "x");
  g_assert_null (idg_at_filter_request (&guard, "AT+CSIM=10,\"00B0000009\"", 23));
}

/* The redacted IMSI keeps its operator, the IMEI its Luhn digit. */
static void
test_shape (void)
{
  const gchar *req = "AT+CIMI;+CGSN";
  g_autofree gchar *reply = g_strdup_printf ("\r\n%s\r\n\r\n%s\r\n\r\nOK\r\n", v.imsi, v.imei);
  g_autofree gchar *out = NULL;
  IdgGuard guard;
  gsize n;

  idg_guard_init (&guard, 0, IDG_POLICY_REDACT, secret, "x");
  out = idg_at_filter_reply (&guard, req, strlen (req), reply, strlen (reply), &n);
  g_assert_cmpint (strncmp (out + 2, v.imsi, 5), ==, 0);
  g_assert_true (idg_luhn_valid (out + 2 + 15 + 4, 15));
}

typedef struct {
  const gchar *line;
  const gchar *names;   /* "name/type/args " per command */
  gboolean     complete;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "AT+CGSN", "+CGSN/0/ ", TRUE },
  { "at + cgsn = 2\r", "+CGSN/3/2 ", TRUE },
  { "AT+CGSN;+CIMI", "+CGSN/0/ +CIMI/0/ ", TRUE },
  { "ATE0V1+CMEE=1;+CGSN=?", "E/0/0 V/0/1 +CMEE/3/1 +CGSN/2/ ", TRUE },
  { "ATI3", "I/0/3 ", TRUE },
  { "AT&F S0=0 Z", "&F/0/ S/3/0=0 Z/0/ ", TRUE },
  { "AT^ICCID?", "^ICCID/1/ ", TRUE },
  { "AT!ICCID?;#CCID", "!ICCID/1/ #CCID/0/ ", TRUE },
  { "AT+CRSM=176,12258,0,0,10,,\"3f00\"", "+CRSM/3/176,12258,0,0,10,,\"3f00\" ", TRUE },
  { "AT+CNUM;+COPS=0,\"a;b\";+CREG?", "+CNUM/0/ +COPS/3/0,\"a;b\" +CREG/1/ ", TRUE },
  { "ATD*99#;", "D/3/*99# ", TRUE },
  { "AT1", "", FALSE },
  { "", "", TRUE },
};

static void
test_parse (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (parse_cases); i++) {
    const ParseCase *p = &parse_cases[i];
    gboolean complete = !p->complete;
    g_autoptr(GPtrArray) cmds = idg_at_parse_line (p->line, strlen (p->line), &complete);
    g_autoptr(GString) got = g_string_new (NULL);
    guint k;

    for (k = 0; k < cmds->len; k++) {
      IdgAtCommand *c = g_ptr_array_index (cmds, k);

      g_string_append_printf (got, "%s/%d/%s ", c->name, c->type, c->args);
    }
    g_assert_cmpstr (got->str, ==, p->names);
    g_assert_cmpint (complete, ==, p->complete);
  }
}

/* The own-number phonebook selected by an earlier line. */
static void
test_book (void)
{
  const gchar *req = "AT+CPBR=1";
  g_autofree gchar *reply = g_strdup_printf ("\r\n+CPBR: 1,\"%s\",145,\"Me\"\r\n\r\nOK\r\n", v.msisdn);
  g_autofree gchar *out = NULL;
  gboolean own = FALSE;
  IdgGuard guard;
  gsize n;

  g_assert_true (idg_at_filter_book ("AT+CPBS=\"ON\"", 12, &own));
  g_assert_true (own);
  g_assert_true (idg_at_filter_book ("AT+CPBS=\"SM\"", 12, &own));
  g_assert_false (own);
  g_assert_false (idg_at_filter_book ("AT+CPBS?", 8, &own));
  idg_guard_init (&guard, 0, IDG_POLICY_REDACT, secret, "x");
  out = idg_at_filter_reply_book (&guard, TRUE, req, strlen (req), reply, strlen (reply), &n);
  g_assert_null (strstr (out, v.msisdn + 1));
  g_assert_cmpuint (n, ==, strlen (reply));
  g_clear_pointer (&out, g_free);
  out = idg_at_filter_reply_book (&guard, FALSE, req, strlen (req), reply, strlen (reply), &n);
  g_assert_cmpstr (out, ==, reply);
}

static void
test_finals (void)
{
  g_assert_true (idg_at_is_final ("OK", 2));
  g_assert_true (idg_at_is_final ("ERROR", 5));
  g_assert_true (idg_at_is_error ("+CME ERROR: 10", 14));
  g_assert_true (idg_at_is_error ("+CMS ERROR: 500", 15));
  g_assert_true (idg_at_is_final ("CONNECT 150000000", 17));
  g_assert_false (idg_at_is_error ("CONNECT", 7));
  g_assert_true (idg_at_is_error ("NO CARRIER", 10));
  g_assert_false (idg_at_is_final ("OKAY", 4));
  g_assert_false (idg_at_is_final ("+CREG: 1", 8));
  g_assert_false (idg_at_is_final ("", 0));
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  make_values ();
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/at/filter/%s", cases[i].path);

    g_test_add_data_func (path, &cases[i], test_case);
  }
  g_test_add_func ("/at/filter/partial", test_partial);
  g_test_add_func ("/at/filter/shape", test_shape);
  g_test_add_func ("/at/filter/book", test_book);
  g_test_add_func ("/at/parse", test_parse);
  g_test_add_func ("/at/finals", test_finals);
  return g_test_run ();
}
