// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gadget bridge's framer, table-driven: what the simulator's pty hands
 * it (take_frames) and what one host command carries (command_ok). A
 * claimed length that no other field confirms, or a frame that libqmi or
 * libmbim rejects, is skipped byte by byte, never trusted: the frames
 * behind it still come through, whole.
 */
#define IDG_GADGET_FUZZ 1
#pragma GCC diagnostic ignored "-Wunused-function"
#include "idg-usb-gadget.c"

/* QMUX DMS (service 2) Get IDs request, client 1, transaction 1, no TLV */
#define QMI_OK 0x01, 0x0c, 0x00, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x25, 0x00, 0x00, 0x00
/* the same with a QMUX length of 0x0800 the TLV length does not confirm */
#define QMI_LONG 0x01, 0x00, 0x08, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x25, 0x00, 0x00, 0x00
/* a TLV (type 1, length 5) running past the end of the message */
#define QMI_BAD_TLV 0x01, 0x0f, 0x00, 0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x25, 0x00, 0x03, 0x00, \
	0x01, 0x05, 0x00
/* MBIM OPEN_DONE, transaction 1, status 0 (device to host) */
#define MBIM_OPEN_DONE 0x01, 0x00, 0x00, 0x80, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00
/* MBIM OPEN, transaction 1, max control transfer 256 (host to device) */
#define MBIM_OPEN 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, \
	0x00, 0x01, 0x00, 0x00
/* OPEN_DONE claiming 0x00f0 bytes */
#define MBIM_LONG 0x01, 0x00, 0x00, 0x80, 0xf0, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00
/* COMMAND_DONE, one fragment numbered 1 of 1 (libmbim: current < total) */
#define MBIM_BAD_FRAGMENT 0x03, 0x00, 0x00, 0x80, 0x14, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, \
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00

static const uint8_t qmi_ok[] = { QMI_OK };
static const uint8_t mbim_open_done[] = { MBIM_OPEN_DONE };

static struct {
	size_t n;
	size_t len[8];
} got;

static void sink(const uint8_t *frame, size_t len)
{
	g_assert_cmpuint(got.n, <, G_N_ELEMENTS(got.len));
	got.len[got.n++] = len;
	g_assert_true(frame_valid(frame, len));
}

struct pty_case {
	const char *name;
	enum proto proto;
	uint8_t bytes[64];
	size_t size;
	size_t frames;		/* whole frames handed on */
	size_t frame_len;	/* the length of each */
	size_t left;		/* bytes kept for a frame still to come */
};

#define PTY(n, p, f, fl, l, ...) { n, p, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), f, fl, l }

static const struct pty_case pty_cases[] = {
	PTY("qmi-two", PROTO_QMI, 2, 13, 0, QMI_OK, QMI_OK),
	PTY("qmi-half", PROTO_QMI, 1, 13, 5, QMI_OK, 0x01, 0x0c, 0x00, 0x00, 0x02),
	/* a length the TLV length does not confirm: skipped, the next frame comes */
	PTY("qmi-long-length", PROTO_QMI, 1, 13, 0, QMI_LONG, QMI_OK),
	/* libqmi rejects the TLVs: skipped, the next frame comes */
	PTY("qmi-bad-tlv", PROTO_QMI, 1, 13, 0, QMI_BAD_TLV, QMI_OK),
	PTY("qmi-garbage-first", PROTO_QMI, 1, 13, 0, 0x00, 0x01, 0x01, 0xff, QMI_OK),
	PTY("mbim-two", PROTO_MBIM, 2, 16, 0, MBIM_OPEN_DONE, MBIM_OPEN_DONE),
	/* a host-to-device type cannot come from the modem */
	PTY("mbim-wrong-direction", PROTO_MBIM, 1, 16, 0, MBIM_OPEN, MBIM_OPEN_DONE),
	/* a claimed length past what follows: the next frame is not swallowed */
	PTY("mbim-long-length", PROTO_MBIM, 1, 16, 0, MBIM_LONG, MBIM_OPEN_DONE),
	PTY("mbim-bad-fragment", PROTO_MBIM, 1, 16, 0, MBIM_BAD_FRAGMENT, MBIM_OPEN_DONE),
	PTY("mbim-header-only", PROTO_MBIM, 0, 0, 8, 0x01, 0x00, 0x00, 0x80, 0x10, 0x00, 0x00, 0x00),
};

static void set_proto(enum proto p)
{
	proto = p;
	max_frame = p == PROTO_QMI ? QMI_MAX_FRAME : MBIM_MAX_FRAME;
}

static void test_pty(gconstpointer data)
{
	const struct pty_case *c = data;
	uint8_t acc[2 * QMI_MAX_FRAME];
	size_t skipped = 0, left;

	set_proto(c->proto);
	memset(&got, 0, sizeof(got));
	memcpy(acc, c->bytes, c->size);
	left = take_frames(acc, c->size, &skipped, sink);
	g_assert_cmpuint(got.n, ==, c->frames);
	for (size_t i = 0; i < got.n; i++)
		g_assert_cmpuint(got.len[i], ==, c->frame_len);
	g_assert_cmpuint(left, ==, c->left);
}

struct cmd_case {
	const char *name;
	enum proto proto;
	uint8_t bytes[32];
	size_t size;
	gboolean ok;
};

#define CMD(n, p, ok, ...) { n, p, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), ok }

static const struct cmd_case cmd_cases[] = {
	CMD("qmi-whole", PROTO_QMI, TRUE, QMI_OK),
	CMD("qmi-trailing-byte", PROTO_QMI, FALSE, QMI_OK, 0x00),
	CMD("qmi-short", PROTO_QMI, FALSE, 0x01, 0x0c, 0x00, 0x00, 0x02, 0x01, 0x00),
	CMD("qmi-long-length", PROTO_QMI, FALSE, QMI_LONG),
	CMD("qmi-bad-tlv", PROTO_QMI, FALSE, QMI_BAD_TLV),
	CMD("mbim-open", PROTO_MBIM, TRUE, MBIM_OPEN),
	CMD("mbim-device-type", PROTO_MBIM, FALSE, MBIM_OPEN_DONE),
	CMD("mbim-trailing-byte", PROTO_MBIM, FALSE, MBIM_OPEN, 0x00),
	CMD("mbim-short", PROTO_MBIM, FALSE, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00),
};

static void test_command(gconstpointer data)
{
	const struct cmd_case *c = data;

	set_proto(c->proto);
	g_assert_cmpint(command_ok(c->bytes, c->size), ==, c->ok);
}

/* a frame longer than the host may read is never handed on, whatever it
 * claims consistently */
static void test_too_long(void)
{
	uint8_t acc[2 * QMI_MAX_FRAME] = { 0 };
	size_t skipped = 0;

	set_proto(PROTO_MBIM);
	memset(&got, 0, sizeof(got));
	/* OPEN_DONE of 300 bytes (MBIM_MAX_FRAME is 256) */
	memcpy(acc, mbim_open_done, sizeof(mbim_open_done));
	acc[4] = 300 & 0xff;
	acc[5] = 300 >> 8;
	memcpy(acc + 300, mbim_open_done, sizeof(mbim_open_done));
	g_assert_cmpuint(take_frames(acc, 316, &skipped, sink), ==, 0);
	g_assert_cmpuint(got.n, ==, 1);
	g_assert_cmpuint(got.len[0], ==, sizeof(mbim_open_done));
	(void)qmi_ok;
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(pty_cases); i++) {
		g_autofree char *path = g_strdup_printf("/gadget/pty/%s", pty_cases[i].name);

		g_test_add_data_func(path, &pty_cases[i], test_pty);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(cmd_cases); i++) {
		g_autofree char *path = g_strdup_printf("/gadget/command/%s", cmd_cases[i].name);

		g_test_add_data_func(path, &cmd_cases[i], test_command);
	}
	g_test_add_func("/gadget/too-long", test_too_long);
	return g_test_run();
}
