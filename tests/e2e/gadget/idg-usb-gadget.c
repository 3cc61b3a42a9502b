// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idg-usb-gadget: a USB modem with no hardware, for the end-to-end tests
 * in qemu (tests/e2e/run.sh). The device side of dummy_hcd: the host side
 * binds the real qmi_wwan or cdc_mbim driver and /dev/cdc-wdm0 appears.
 * Control messages are bridged to the simulator's pty:
 *
 *   host SEND_ENCAPSULATED_COMMAND (ep0 OUT)  -> bytes written to the pty
 *   pty frame (QMUX or MBIM)                  -> queued, one RESPONSE_AVAILABLE
 *                                                notification on the interrupt
 *                                                endpoint per frame
 *   host GET_ENCAPSULATED_RESPONSE (ep0 IN)   <- the oldest queued frame
 *
 *   idg-usb-gadget qmi  EP0 PTY   EP0: FunctionFS ep0 (configfs function
 *                                 mounted, UDC not yet bound); the caller
 *                                 binds the UDC after "ready"
 *   idg-usb-gadget mbim EP0 PTY   EP0: the gadgetfs device file
 *                                 (/dev/gadget/dummy_udc); writing its
 *                                 descriptors connects the device
 *
 * QMI: one vendor interface (qmi_wwan's table has 05c6:920d interface 0;
 * the VID:PID is configfs's business), interrupt IN + bulk IN/OUT, high
 * speed bulk wMaxPacketSize 512. MBIM: gadgetfs, because FunctionFS takes
 * no CDC class descriptors nor alternate settings: a communication
 * interface (02/0e/00) with header, union and MBIM functional descriptors
 * and an interrupt IN endpoint, a data interface (0a/00/02) with alt 0
 * empty and alt 1 bulk IN/OUT. gadgetfs limits ep0 transfers to 256
 * bytes, so wMaxControlMessage is 256; GET_NTB_PARAMETERS is answered
 * (cdc_ncm does not bind without it), SET_INTERFACE acknowledged.
 *
 * Every byte from the host and from the pty is untrusted: fixed buffers,
 * lengths checked against them, frames longer than the host may read are
 * dropped with a message; nothing of a frame's content is ever printed.
 * Prints "ready" on stdout once the descriptors are written.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/cdc.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <linux/usb/gadgetfs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib.h>
#include <libmbim-glib.h>
#include <libqmi-glib.h>

/* descriptors are static initialisers in wire order: little-endian only
 * (the VM is amd64) */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "idg-usb-gadget writes little-endian descriptors"
#endif
#define LE16(x) (x)
#define LE32(x) (x)

#define QMI_MAX_FRAME   4096	/* qmi_wwan registers cdc-wdm with 4096 */
#define MBIM_MAX_FRAME  256	/* gadgetfs: ep0 transfers of 256 bytes */
#define QUEUE_SLOTS     64
#define EP_INT_ADDR     0x85	/* dummy_udc's ep5in-int */
#define EP_IN_ADDR      0x81	/* ep1in-bulk */
#define EP_OUT_ADDR     0x02	/* ep2out-bulk */

enum proto { PROTO_QMI, PROTO_MBIM };

static enum proto proto;
static size_t max_frame;
static int ep0_fd = -1;
static int pty_fd = -1;
static int int_fd = -1;
static const char *ep0_path;

/* frames from the pty waiting for the host's GET_ENCAPSULATED_RESPONSE */
static struct {
	uint8_t data[QUEUE_SLOTS][QMI_MAX_FRAME];
	size_t len[QUEUE_SLOTS];
	unsigned int head, count;
	pthread_mutex_t lock;
	pthread_cond_t int_ready;
	int int_configured;
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.int_ready = PTHREAD_COND_INITIALIZER,
};

static void vsay(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void vsay(const char *fmt, va_list ap)
{
	fputs("idg-usb-gadget: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- descriptors ---- */

struct ep_desc {		/* usb_endpoint_descriptor without audio */
	uint8_t bLength, bDescriptorType, bEndpointAddress, bmAttributes;
	uint16_t wMaxPacketSize;
	uint8_t bInterval;
} __attribute__((packed));

#define EP(addr, attr, mps, ival) { \
	.bLength = USB_DT_ENDPOINT_SIZE, .bDescriptorType = USB_DT_ENDPOINT, \
	.bEndpointAddress = (addr), .bmAttributes = (attr), \
	.wMaxPacketSize = LE16(mps), .bInterval = (ival) }

#define INTF(num, alt, neps, cls, sub, prot) { \
	.bLength = USB_DT_INTERFACE_SIZE, .bDescriptorType = USB_DT_INTERFACE, \
	.bInterfaceNumber = (num), .bAlternateSetting = (alt), .bNumEndpoints = (neps), \
	.bInterfaceClass = (cls), .bInterfaceSubClass = (sub), .bInterfaceProtocol = (prot) }

/* interrupt every frame (1 ms): TCG is slow enough as it is */
#define FS_INT_IVAL 1
#define HS_INT_IVAL 4

struct qmi_function {
	struct usb_interface_descriptor intf;
	struct ep_desc ep_int, ep_in, ep_out;
} __attribute__((packed));

#define QMI_FUNCTION(bulk_mps, ival) { \
	.intf = INTF(0, 0, 3, 0xff, 0xff, 0xff), \
	.ep_int = EP(0x81, USB_ENDPOINT_XFER_INT, 16, ival), \
	.ep_in = EP(0x82, USB_ENDPOINT_XFER_BULK, bulk_mps, 0), \
	.ep_out = EP(0x03, USB_ENDPOINT_XFER_BULK, bulk_mps, 0) }

static const struct {
	struct usb_functionfs_descs_head_v2 head;
	uint32_t fs_count, hs_count;
	struct qmi_function fs, hs;
} __attribute__((packed)) qmi_descs = {
	.head = {
		.magic = LE32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
		.length = LE32(sizeof(qmi_descs)),
		.flags = LE32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC),
	},
	.fs_count = LE32(4),
	.hs_count = LE32(4),
	.fs = QMI_FUNCTION(64, FS_INT_IVAL),
	.hs = QMI_FUNCTION(512, HS_INT_IVAL),
};

static const struct usb_functionfs_strings_head qmi_strings = {
	.magic = LE32(FUNCTIONFS_STRINGS_MAGIC),
	.length = LE32(sizeof(qmi_strings)),
	.str_count = 0,
	.lang_count = 0,
};

struct mbim_config {
	struct usb_config_descriptor config;
	struct usb_interface_descriptor comm;
	struct usb_cdc_header_desc header;
	struct usb_cdc_union_desc cdc_union;
	struct usb_cdc_mbim_desc mbim;
	struct ep_desc ep_int;
	struct usb_interface_descriptor data0, data1;
	struct ep_desc ep_in, ep_out;
} __attribute__((packed));

#define MBIM_CONFIG(bulk_mps, ival) { \
	.config = { \
		.bLength = USB_DT_CONFIG_SIZE, .bDescriptorType = USB_DT_CONFIG, \
		.wTotalLength = LE16(sizeof(struct mbim_config)), .bNumInterfaces = 2, \
		.bConfigurationValue = 1, .bmAttributes = USB_CONFIG_ATT_ONE | USB_CONFIG_ATT_SELFPOWER, \
		.bMaxPower = 50 }, \
	.comm = INTF(0, 0, 1, USB_CLASS_COMM, USB_CDC_SUBCLASS_MBIM, 0), \
	.header = { .bLength = sizeof(struct usb_cdc_header_desc), \
		.bDescriptorType = USB_DT_CS_INTERFACE, .bDescriptorSubType = USB_CDC_HEADER_TYPE, \
		.bcdCDC = LE16(0x0110) }, \
	.cdc_union = { .bLength = sizeof(struct usb_cdc_union_desc), \
		.bDescriptorType = USB_DT_CS_INTERFACE, .bDescriptorSubType = USB_CDC_UNION_TYPE, \
		.bMasterInterface0 = 0, .bSlaveInterface0 = 1 }, \
	.mbim = { .bLength = sizeof(struct usb_cdc_mbim_desc), \
		.bDescriptorType = USB_DT_CS_INTERFACE, .bDescriptorSubType = USB_CDC_MBIM_TYPE, \
		.bcdMBIMVersion = LE16(0x0100), .wMaxControlMessage = LE16(MBIM_MAX_FRAME), \
		.bNumberFilters = 16, .bMaxFilterSize = 128, .wMaxSegmentSize = LE16(1500), \
		.bmNetworkCapabilities = 0 }, \
	.ep_int = EP(EP_INT_ADDR, USB_ENDPOINT_XFER_INT, 16, ival), \
	.data0 = INTF(1, 0, 0, USB_CLASS_CDC_DATA, 0, USB_CDC_MBIM_PROTO_NTB), \
	.data1 = INTF(1, 1, 2, USB_CLASS_CDC_DATA, 0, USB_CDC_MBIM_PROTO_NTB), \
	.ep_in = EP(EP_IN_ADDR, USB_ENDPOINT_XFER_BULK, bulk_mps, 0), \
	.ep_out = EP(EP_OUT_ADDR, USB_ENDPOINT_XFER_BULK, bulk_mps, 0) }

static const struct {
	uint32_t tag;
	struct mbim_config fs, hs;
	struct usb_device_descriptor dev;
} __attribute__((packed)) mbim_descs = {
	.tag = 0,
	.fs = MBIM_CONFIG(64, FS_INT_IVAL),
	.hs = MBIM_CONFIG(512, HS_INT_IVAL),
	.dev = {
		.bLength = USB_DT_DEVICE_SIZE, .bDescriptorType = USB_DT_DEVICE,
		.bcdUSB = LE16(0x0200), .bMaxPacketSize0 = 64,
		/* Linux Foundation, multifunction composite gadget */
		.idVendor = LE16(0x1d6b), .idProduct = LE16(0x0104),
		.bcdDevice = LE16(0x0100), .bNumConfigurations = 1,
	},
};

/* ---- frames from the pty ---- */

/* Direction of a frame: what a QMUX/MBIM frame may be depends on it
 * (MBIM message types: host to device below 0x80000000, the answers and
 * indications above). */
enum dir { FROM_SIM, FROM_HOST };

static int mbim_type_ok(uint32_t type, enum dir dir)
{
	if (dir == FROM_HOST)	/* OPEN, CLOSE, COMMAND, HOST_ERROR */
		return type >= 0x00000001 && type <= 0x00000004;
	/* OPEN_DONE, CLOSE_DONE, COMMAND_DONE, FUNCTION_ERROR, INDICATE_STATUS */
	return (type >= 0x80000001 && type <= 0x80000004) || type == 0x80000007;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* mbim_length_check: whether the MBIM length N at BUF (LEN bytes so far,
 * message TYPE) agrees with the rest of the header: 1 yes, -1 no, 0 cannot
 * tell yet. OPEN/OPEN_DONE/HOST_ERROR/CLOSE_DONE/FUNCTION_ERROR have one
 * length; a fragmented message's fragment numbers must make sense, and a
 * message in one fragment must be as long as its header and information
 * buffer (up to 3 bytes of padding). */
static int mbim_length_check(const uint8_t *buf, size_t len, uint32_t type, uint32_t n)
{
	size_t fixed, buflen_at;
	uint32_t total, current;

	switch (type) {
	case 0x00000001: case 0x00000004:	/* OPEN, HOST_ERROR */
	case 0x80000001: case 0x80000002: case 0x80000004:
		return n == 16 ? 1 : -1;
	case 0x00000002:			/* CLOSE */
		return n == 12 ? 1 : -1;
	case 0x00000003: case 0x80000003:	/* COMMAND, COMMAND_DONE */
		fixed = 48;
		buflen_at = 44;
		break;
	default:				/* INDICATE_STATUS */
		fixed = 44;
		buflen_at = 40;
		break;
	}
	if (n < 20)
		return -1;
	if (len < 20)
		return 0;
	total = get_le32(buf + 12);
	current = get_le32(buf + 16);
	if (total == 0 || current >= total)
		return -1;
	if (total > 1 || current > 0)
		return 1;	/* the whole message's length is not this fragment's */
	if (n < fixed)
		return -1;
	if (len < fixed)
		return 0;
	return n >= fixed + get_le32(buf + buflen_at) && n - (fixed + get_le32(buf + buflen_at)) < 4 ? 1 : -1;
}

/* frame_length: the length a complete frame at BUF claims, 0 when LEN
 * bytes cannot tell yet, -1 when BUF cannot start a frame. No claimed
 * length is taken on its own: a QMUX length must agree with the QMI
 * header's TLV length that follows it, an MBIM length must be at least a
 * header, come with a message type of that direction and agree with the
 * rest of the header (mbim_length_check), and neither may exceed what the
 * host reads (max_frame). */
static long frame_length(const uint8_t *buf, size_t len, enum dir dir)
{
	uint32_t n, type;

	if (proto == PROTO_QMI) {
		size_t qmi_hdr;
		uint16_t tlvs;

		/* QMUX: marker 0x01, LE16 length of what follows the marker,
		 * flags, service, client; then the QMI header: flags,
		 * transaction (1 byte on CTL, service 0, else 2), message id,
		 * LE16 length of the TLVs */
		if (buf[0] != 0x01)
			return -1;
		if (len < 6)
			return 0;
		n = (uint32_t)buf[1] | (uint32_t)buf[2] << 8;
		qmi_hdr = buf[4] == 0 ? 6 : 7;
		if (len < 6 + qmi_hdr)
			return 0;
		tlvs = (uint16_t)(buf[6 + qmi_hdr - 2] | buf[6 + qmi_hdr - 1] << 8);
		if ((size_t)n + 1 != 6 + qmi_hdr + tlvs)
			return -1;
		n += 1;
	} else {
		/* MBIM: LE32 message type, LE32 message length, transaction id */
		if (len < 4)
			return 0;
		memcpy(&type, buf, 4);
		if (!mbim_type_ok(le32toh(type), dir))
			return -1;
		if (len < 8)
			return 0;
		memcpy(&n, buf + 4, 4);
		n = le32toh(n);
		if (n < 12)
			return -1;
		switch (mbim_length_check(buf, len, le32toh(type), n)) {
		case 0:
			return 0;
		case -1:
			return -1;
		}
	}
	if (n > max_frame) {
		say("a frame claiming %u bytes is longer than the host reads (%zu): not a frame",
		    n, max_frame);
		return -1;
	}
	return n;
}

/* frame_valid: whether the complete frame at BUF (LEN bytes, the length
 * it claims) is one its protocol's library parses: libqmi checks the
 * QMUX and TLV lengths, libmbim the headers and fragment numbers. */
static int frame_valid(const uint8_t *buf, size_t len)
{
	if (proto == PROTO_QMI) {
		g_autoptr(GByteArray) raw = g_byte_array_sized_new((guint)len);
		g_autoptr(QmiMessage) msg = NULL;

		g_byte_array_append(raw, buf, (guint)len);
		msg = qmi_message_new_from_raw(raw, NULL);
		return msg != NULL && raw->len == 0;
	} else {
		g_autoptr(MbimMessage) msg = mbim_message_new(buf, (guint32)len);

		return mbim_message_validate(msg, NULL);
	}
}

static void enqueue(const uint8_t *frame, size_t len)
{
	static const uint8_t notify[8] = {
		USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE,
		USB_CDC_NOTIFY_RESPONSE_AVAILABLE, 0, 0, 0, 0, 0, 0
	};
	unsigned int slot;
	int fd;

	pthread_mutex_lock(&q.lock);
	if (q.count == QUEUE_SLOTS) {
		pthread_mutex_unlock(&q.lock);
		say("the host reads no responses: %d frames queued, a frame of %zu bytes dropped",
		    QUEUE_SLOTS, len);
		return;
	}
	slot = (q.head + q.count) % QUEUE_SLOTS;
	memcpy(q.data[slot], frame, len);
	q.len[slot] = len;
	q.count++;
	while (!q.int_configured)
		pthread_cond_wait(&q.int_ready, &q.lock);
	fd = int_fd;
	pthread_mutex_unlock(&q.lock);
	/* blocks until the host polls the interrupt endpoint (cdc-wdm does
	 * while /dev/cdc-wdm0 is open) */
	while (write_all(fd, notify, sizeof(notify)) < 0) {
		if (errno != ESHUTDOWN && errno != ECONNRESET && errno != EAGAIN)
			die("writing the notification: %s", strerror(errno));
		usleep(10000);	/* disconnected or not yet enabled: retry */
	}
}

/* take_frames: hands every complete, valid frame at the start of ACC (LEN
 * bytes, from the simulator) to SINK, skipping bytes that cannot start
 * one (a length no other field confirms, a frame its library rejects: one
 * byte at a time, so that a corrupt length never swallows the frames
 * behind it); returns how many bytes are left at ACC (the beginning of a
 * frame) */
static size_t take_frames(uint8_t *acc, size_t len, size_t *skipped,
			  void (*sink)(const uint8_t *frame, size_t len))
{
	long want;

	while (len > 0 && (want = frame_length(acc, len, FROM_SIM)) != 0) {
		if (want > 0 && len >= (size_t)want && !frame_valid(acc, (size_t)want)) {
			say("a frame of %ld bytes from the simulator is malformed: skipped", want);
			want = -1;
		}
		if (want < 0) {
			/* not a frame start: resynchronise byte by byte */
			memmove(acc, acc + 1, --len);
			(*skipped)++;
			continue;
		}
		if (len < (size_t)want)
			break;
		if (*skipped) {
			say("%zu bytes from the simulator were no frame: skipped", *skipped);
			*skipped = 0;
		}
		sink(acc, (size_t)want);
		len -= (size_t)want;
		memmove(acc, acc + want, len);
	}
	return len;
}

/* command_ok: whether the N bytes of one SEND_ENCAPSULATED_COMMAND are one
 * whole, valid frame (what the transfer carries must be what the frame
 * claims) */
static int command_ok(const uint8_t *buf, size_t n)
{
	return n > 0 && frame_length(buf, n, FROM_HOST) == (long)n && frame_valid(buf, n);
}

static void *pty_reader(void *arg)
{
	/* a frame is at most QMI_MAX_FRAME: a read always has room */
	static uint8_t acc[2 * QMI_MAX_FRAME];
	size_t len = 0, skipped = 0;

	(void)arg;
	for (;;) {
		ssize_t n = read(pty_fd, acc + len, sizeof(acc) - len);

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == EIO) {
			/* no process has the other side open */
			usleep(20000);
			continue;
		}
		if (n <= 0)
			die("reading the simulator's pty: %s", n ? strerror(errno) : "end of file");
		len = take_frames(acc, len + (size_t)n, &skipped, enqueue);
	}
	return NULL;
}

/* ---- ep0 ---- */

static void ack(void)
{
	if (read(ep0_fd, NULL, 0) < 0 && errno != EL2HLT)
		say("acknowledging a control request: %s", strerror(errno));
}

static void stall(const struct usb_ctrlrequest *c)
{
	ssize_t r;

	if (c->bRequestType & USB_DIR_IN)
		r = read(ep0_fd, NULL, 0);
	else
		r = write(ep0_fd, NULL, 0);
	(void)r;	/* the stall is reported as an error (EL2HLT) */
}

static void reply(const void *buf, size_t len, uint16_t wlength)
{
	if (len > wlength)
		len = wlength;
	if (write(ep0_fd, buf, len) < 0)
		say("answering a control request: %s", strerror(errno));
}

/* enable_int: gadgetfs wants the endpoint configured (after the host's
 * SET_CONFIGURATION); FunctionFS opens it ready */
static void enable_int(void)
{
	char path[512];
	const char *dir_end = strrchr(ep0_path, '/');
	int fd;

	pthread_mutex_lock(&q.lock);
	if (q.int_configured) {
		pthread_mutex_unlock(&q.lock);
		return;
	}
	pthread_mutex_unlock(&q.lock);
	if (!dir_end)
		die("%s: not a path", ep0_path);
	snprintf(path, sizeof(path), "%.*s/%s", (int)(dir_end - ep0_path), ep0_path,
		 proto == PROTO_QMI ? "ep1" : "ep5in-int");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (proto == PROTO_MBIM) {
		struct {
			uint32_t tag;
			struct ep_desc fs, hs;
		} __attribute__((packed)) cfg = {
			.tag = 1,
			.fs = mbim_descs.fs.ep_int,
			.hs = mbim_descs.hs.ep_int,
		};
		if (write_all(fd, &cfg, sizeof(cfg)) < 0)
			die("%s: configuring the interrupt endpoint: %s", path, strerror(errno));
	}
	pthread_mutex_lock(&q.lock);
	int_fd = fd;
	q.int_configured = 1;
	pthread_cond_broadcast(&q.int_ready);
	pthread_mutex_unlock(&q.lock);
}

static void get_response(uint16_t wlength)
{
	uint8_t frame[QMI_MAX_FRAME];
	size_t len = 0;

	pthread_mutex_lock(&q.lock);
	if (q.count > 0) {
		len = q.len[q.head];
		memcpy(frame, q.data[q.head], len);
		q.head = (q.head + 1) % QUEUE_SLOTS;
		q.count--;
	}
	pthread_mutex_unlock(&q.lock);
	if (len > wlength) {
		say("a frame of %zu bytes does not fit the host's read of %u: dropped", len, wlength);
		len = 0;
	}
	reply(frame, len, wlength);
}

static void send_command(const struct usb_ctrlrequest *c)
{
	uint8_t buf[QMI_MAX_FRAME];
	uint16_t wlength = le16toh(c->wLength);
	ssize_t n;

	if (wlength == 0) {
		ack();
		return;
	}
	if (wlength > sizeof(buf)) {
		say("a command of %u bytes is longer than %zu: stalled", wlength, sizeof(buf));
		stall(c);
		return;
	}
	n = read(ep0_fd, buf, wlength);
	if (n < 0) {
		say("reading a command: %s", strerror(errno));
		return;
	}
	if (!command_ok(buf, (size_t)n)) {
		say("a command of %zd bytes from the host is not one whole %s frame: dropped",
		    n, proto == PROTO_QMI ? "QMUX" : "MBIM");
		return;
	}
	if (write_all(pty_fd, buf, (size_t)n) < 0)
		die("writing to the simulator's pty: %s", strerror(errno));
}

static void ntb_parameters(uint16_t wlength)
{
	const struct usb_cdc_ncm_ntb_parameters p = {
		.wLength = LE16(sizeof(p)),
		.bmNtbFormatsSupported = LE16(USB_CDC_NCM_NTB16_SUPPORTED),
		.dwNtbInMaxSize = LE32(16384),
		.wNdpInDivisor = LE16(4),
		.wNdpInPayloadRemainder = 0,
		.wNdpInAlignment = LE16(4),
		.dwNtbOutMaxSize = LE32(16384),
		.wNdpOutDivisor = LE16(4),
		.wNdpOutPayloadRemainder = 0,
		.wNdpOutAlignment = LE16(4),
		.wNtbOutMaxDatagrams = 0,
	};

	reply(&p, sizeof(p), wlength);
}

static void setup(const struct usb_ctrlrequest *c)
{
	uint16_t wlength = le16toh(c->wLength);
	int in = c->bRequestType & USB_DIR_IN;

	switch (c->bRequestType & USB_TYPE_MASK) {
	case USB_TYPE_CLASS:
		if ((c->bRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE)
			break;
		if (!in && c->bRequest == USB_CDC_SEND_ENCAPSULATED_COMMAND) {
			send_command(c);
			return;
		}
		if (in && c->bRequest == USB_CDC_GET_ENCAPSULATED_RESPONSE) {
			get_response(wlength);
			return;
		}
		if (in && proto == PROTO_MBIM && c->bRequest == USB_CDC_GET_NTB_PARAMETERS) {
			ntb_parameters(wlength);
			return;
		}
		if (!in && wlength == 0) {
			/* SET_CONTROL_LINE_STATE, SET_NTB_FORMAT...: accepted */
			ack();
			return;
		}
		break;
	case USB_TYPE_STANDARD:
		if (in)
			break;
		if (c->bRequest == USB_REQ_SET_CONFIGURATION) {
			if (le16toh(c->wValue) != 0)
				enable_int();
			ack();
			return;
		}
		if (c->bRequest == USB_REQ_SET_INTERFACE) {
			ack();
			return;
		}
		break;
	}
	say("control request %02x.%02x (length %u): stalled", c->bRequestType, c->bRequest, wlength);
	stall(c);
}

static void __attribute__((noreturn)) ep0_loop(void)
{
	for (;;) {
		if (proto == PROTO_QMI) {
			struct usb_functionfs_event ev;
			ssize_t n = read(ep0_fd, &ev, sizeof(ev));

			if (n < 0 && (errno == EINTR || errno == EIDRM || errno == EL2HLT))
				continue;
			if (n != sizeof(ev))
				die("reading FunctionFS events: %s", n < 0 ? strerror(errno) : "short read");
			if (ev.type == FUNCTIONFS_SETUP)
				setup(&ev.u.setup);
			else if (ev.type == FUNCTIONFS_ENABLE)
				enable_int();
		} else {
			struct usb_gadgetfs_event ev;
			ssize_t n = read(ep0_fd, &ev, sizeof(ev));

			if (n < 0 && (errno == EINTR || errno == EIDRM || errno == EL2HLT))
				continue;
			if (n != sizeof(ev))
				die("reading gadgetfs events: %s", n < 0 ? strerror(errno) : "short read");
			if (ev.type == GADGETFS_SETUP)
				setup(&ev.u.setup);
		}
	}
}

#ifndef IDG_GADGET_FUZZ
int main(int argc, char **argv)
{
	struct termios tio;
	pthread_t reader;

	if (argc != 4 || (strcmp(argv[1], "qmi") && strcmp(argv[1], "mbim"))) {
		fprintf(stderr, "usage: idg-usb-gadget qmi|mbim EP0 PTY\n");
		return 2;
	}
	proto = strcmp(argv[1], "qmi") ? PROTO_MBIM : PROTO_QMI;
	max_frame = proto == PROTO_QMI ? QMI_MAX_FRAME : MBIM_MAX_FRAME;
	ep0_path = argv[2];

	pty_fd = open(argv[3], O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty_fd < 0)
		die("%s: %s", argv[3], strerror(errno));
	if (tcgetattr(pty_fd, &tio) == 0) {
		cfmakeraw(&tio);
		if (tcsetattr(pty_fd, TCSANOW, &tio) < 0)
			die("%s: raw mode: %s", argv[3], strerror(errno));
	}

	ep0_fd = open(ep0_path, O_RDWR | O_CLOEXEC);
	if (ep0_fd < 0)
		die("%s: %s", ep0_path, strerror(errno));
	if (proto == PROTO_QMI) {
		if (write_all(ep0_fd, &qmi_descs, sizeof(qmi_descs)) < 0)
			die("%s: FunctionFS refused the descriptors: %s", ep0_path, strerror(errno));
		if (write_all(ep0_fd, &qmi_strings, sizeof(qmi_strings)) < 0)
			die("%s: FunctionFS refused the strings: %s", ep0_path, strerror(errno));
	} else if (write_all(ep0_fd, &mbim_descs, sizeof(mbim_descs)) < 0) {
		die("%s: gadgetfs refused the descriptors: %s", ep0_path, strerror(errno));
	}
	if (pthread_create(&reader, NULL, pty_reader, NULL) != 0)
		die("cannot start the pty reader");
	printf("ready\n");
	fflush(stdout);
	ep0_loop();
	return 0;
}
#endif
