/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-qrtr-node: a fake remote QRTR node, as the modem of a Qualcomm SoC
 * looks to Linux, on /dev/qrtr-tun (net/qrtr/tun.c). It says HELLO to the
 * kernel's name service, announces the QMI services WDS, DMS, NAS and UIM
 * (NEW_SERVER) and bridges them to a QMUX port (the simulator's QMI pty):
 * each local QRTR client (node, port) of a service gets a client id of its
 * own on the QMUX port (CTL Allocate CID), its DATA packets go out as QMUX
 * frames on that client id, and the answers and indications come back as
 * DATA packets from the service's port. A client socket that closes (the
 * kernel's DEL_CLIENT) has its client ids released.
 *
 *   idg-qrtr-node --node N --qmi PATH [--tun /dev/qrtr-tun]
 *
 * Prints "ready" once the services are announced; serves until killed.
 * Test tool: one process, blocking writes, no more than MAX_CLIENTS clients.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/qrtr.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define QRTR_PROTO_VER_1 1
#define MAX_CLIENTS   64
#define MAX_PENDING   16
#define PORT_BASE     0x100u    /* a service's port: PORT_BASE + service */
#define QMUX_MARKER   0x01
#define CTL_ALLOCATE  0x0022
#define CTL_RELEASE   0x0023

/* The QRTR v1 header (net/qrtr/af_qrtr.c), little endian on the wire. */
struct hdr_v1 {
	uint32_t version;
	uint32_t type;
	uint32_t src_node;
	uint32_t src_port;
	uint32_t confirm_rx;
	uint32_t size;
	uint32_t dst_node;
	uint32_t dst_port;
};

static const struct {
	uint8_t service;
	uint8_t version;
} services[] = {
	{ 0x01, 1 },    /* WDS */
	{ 0x02, 1 },    /* DMS */
	{ 0x03, 1 },    /* NAS */
	{ 0x0B, 1 },    /* UIM */
};

struct client {
	int used;
	uint32_t node, port;    /* the local QRTR socket */
	uint8_t service;
	uint8_t cid;            /* 0: allocation pending */
	uint8_t ctl_txn;
	unsigned n_pending;     /* SDUs waiting for the client id */
	uint8_t *pending[MAX_PENDING];
	size_t pending_len[MAX_PENDING];
};

static struct client clients[MAX_CLIENTS];
static uint32_t node_id;
static int tun_fd = -1, qmux_fd = -1;
static uint8_t next_ctl_txn;

static void
die(const char *what)
{
	fprintf(stderr, "idg-qrtr-node: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("write");
		p += n;
		len -= (size_t)n;
	}
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t
get_le32(const uint8_t *p)
{
	return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* One QRTR packet to the kernel: the header, the payload, zero padding. */
static void
tun_send(uint32_t type, uint32_t src_port, uint32_t dst_node, uint32_t dst_port,
	 const void *payload, size_t size)
{
	uint8_t buf[32 + 65536 + 4] = { 0 };
	size_t padded = (size + 3) & ~(size_t)3;

	if (size > 65536)
		return;
	put_le32(buf + 0, QRTR_PROTO_VER_1);
	put_le32(buf + 4, type);
	put_le32(buf + 8, node_id);
	put_le32(buf + 12, src_port);
	put_le32(buf + 16, 0);
	put_le32(buf + 20, (uint32_t)size);
	put_le32(buf + 24, dst_node);
	put_le32(buf + 28, dst_port);
	memcpy(buf + 32, payload, size);
	if (write(tun_fd, buf, 32 + padded) < 0)
		fprintf(stderr, "idg-qrtr-node: packet type %u refused: %s\n", type, strerror(errno));
}

static void
ctrl_send(uint32_t cmd, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint8_t pkt[20];

	put_le32(pkt, cmd);
	put_le32(pkt + 4, a);
	put_le32(pkt + 8, b);
	put_le32(pkt + 12, c);
	put_le32(pkt + 16, d);
	tun_send(cmd, QRTR_PORT_CTRL, QRTR_NODE_BCAST, QRTR_PORT_CTRL, pkt, sizeof pkt);
}

/* One QMUX frame to the modem: marker, length, flags, service, client id. */
static void
qmux_send(uint8_t service, uint8_t cid, const uint8_t *sdu, size_t len)
{
	uint8_t hdr[6];
	size_t total = 5 + len;

	if (total > 0xffff)
		return;
	hdr[0] = QMUX_MARKER;
	hdr[1] = total & 0xff;
	hdr[2] = total >> 8;
	hdr[3] = 0x00;
	hdr[4] = service;
	hdr[5] = cid;
	write_all(qmux_fd, hdr, sizeof hdr);
	write_all(qmux_fd, sdu, len);
}

static void
ctl_cid_request(uint16_t msg, uint8_t txn, const uint8_t *value, uint8_t value_len)
{
	uint8_t sdu[6 + 3 + 2];

	sdu[0] = 0x00;
	sdu[1] = txn;
	sdu[2] = msg & 0xff;
	sdu[3] = msg >> 8;
	sdu[4] = 3 + value_len;
	sdu[5] = 0;
	sdu[6] = 0x01;
	sdu[7] = value_len;
	sdu[8] = 0;
	memcpy(sdu + 9, value, value_len);
	qmux_send(0x00, 0x00, sdu, 9 + value_len);
}

static struct client *
client_find(uint32_t node, uint32_t port, uint8_t service)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].used && clients[i].node == node && clients[i].port == port &&
		    clients[i].service == service)
			return &clients[i];
	return NULL;
}

static struct client *
client_new(uint32_t node, uint32_t port, uint8_t service)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];

		if (c->used)
			continue;
		memset(c, 0, sizeof *c);
		c->used = 1;
		c->node = node;
		c->port = port;
		c->service = service;
		do
			c->ctl_txn = ++next_ctl_txn;
		while (c->ctl_txn == 0);
		ctl_cid_request(CTL_ALLOCATE, c->ctl_txn, &service, 1);
		return c;
	}
	return NULL;
}

static void
client_free(struct client *c)
{
	unsigned i;

	if (c->cid) {
		uint8_t v[2] = { c->service, c->cid };

		uint8_t txn = ++next_ctl_txn;

		if (txn == 0)
			txn = ++next_ctl_txn;
		ctl_cid_request(CTL_RELEASE, txn, v, 2);
	}
	for (i = 0; i < c->n_pending; i++)
		free(c->pending[i]);
	memset(c, 0, sizeof *c);
}

/* A DATA packet from a local client to one of our service ports. */
static void
from_client(uint32_t node, uint32_t port, uint32_t dst_port, const uint8_t *sdu, size_t len)
{
	struct client *c;
	unsigned i;

	for (i = 0; i < sizeof services / sizeof services[0]; i++)
		if ((uint32_t)(PORT_BASE + services[i].service) == dst_port)
			break;
	if (i == sizeof services / sizeof services[0])
		return;
	c = client_find(node, port, services[i].service);
	if (!c)
		c = client_new(node, port, services[i].service);
	if (!c)
		return;
	if (c->cid) {
		qmux_send(c->service, c->cid, sdu, len);
		return;
	}
	if (c->n_pending == MAX_PENDING)
		return;
	c->pending[c->n_pending] = malloc(len);
	if (!c->pending[c->n_pending])
		return;
	memcpy(c->pending[c->n_pending], sdu, len);
	c->pending_len[c->n_pending++] = len;
}

static void
tun_packet(const uint8_t *buf, size_t len)
{
	uint32_t type, src_node, src_port, confirm_rx, size, dst_port;

	if (len < 32 || get_le32(buf) != QRTR_PROTO_VER_1)
		return;
	type = get_le32(buf + 4);
	src_node = get_le32(buf + 8);
	src_port = get_le32(buf + 12);
	confirm_rx = get_le32(buf + 16);
	size = get_le32(buf + 20);
	dst_port = get_le32(buf + 28);
	if (size > len - 32)
		return;
	if (type == QRTR_TYPE_DATA) {
		/* the sender waits for this before its next packets */
		if (confirm_rx) {
			uint8_t pkt[20] = { 0 };

			put_le32(pkt, QRTR_TYPE_RESUME_TX);
			put_le32(pkt + 4, node_id);
			put_le32(pkt + 8, dst_port);
			tun_send(QRTR_TYPE_RESUME_TX, dst_port, src_node, src_port, pkt, sizeof pkt);
		}
		from_client(src_node, src_port, dst_port, buf + 32, size);
	} else if (type == QRTR_TYPE_DEL_CLIENT && size >= 12) {
		uint32_t node = get_le32(buf + 36), port = get_le32(buf + 40);
		int i;

		for (i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].used && clients[i].node == node && clients[i].port == port)
				client_free(&clients[i]);
	}
}

/* A CTL response: the client id of an allocation. */
static void
ctl_frame(const uint8_t *sdu, size_t len)
{
	uint8_t txn, service = 0, cid = 0;
	uint16_t msg, result = 1;
	size_t off;
	int i;

	if (len < 6 || !(sdu[0] & 0x01))
		return;
	txn = sdu[1];
	msg = sdu[2] | (sdu[3] << 8);
	if (msg != CTL_ALLOCATE)
		return;
	for (off = 6; off + 3 <= len;) {
		uint8_t t = sdu[off];
		size_t n = sdu[off + 1] | (sdu[off + 2] << 8);

		if (off + 3 + n > len)
			return;
		if (t == 0x02 && n >= 2)
			result = sdu[off + 3] | (sdu[off + 4] << 8);
		else if (t == 0x01 && n == 2) {
			service = sdu[off + 3];
			cid = sdu[off + 4];
		}
		off += 3 + n;
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];
		unsigned j;

		if (!c->used || c->cid || c->ctl_txn != txn)
			continue;
		if (result != 0 || cid == 0 || service != c->service) {
			fprintf(stderr, "idg-qrtr-node: no client id for service %u\n", c->service);
			client_free(c);
			return;
		}
		c->cid = cid;
		for (j = 0; j < c->n_pending; j++) {
			qmux_send(c->service, c->cid, c->pending[j], c->pending_len[j]);
			free(c->pending[j]);
		}
		c->n_pending = 0;
		return;
	}
}

/* A frame from the modem: answers and indications back to their clients. */
static void
qmux_frame(const uint8_t *f, size_t len)
{
	uint8_t service = f[4], cid = f[5];
	int i;

	if (service == 0x00) {
		ctl_frame(f + 6, len - 6);
		return;
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];

		if (c->used && c->cid && c->service == service && (cid == 0xFF || c->cid == cid))
			tun_send(QRTR_TYPE_DATA, PORT_BASE + service, c->node, c->port, f + 6, len - 6);
	}
}

static void
qmux_input(void)
{
	static uint8_t buf[65536 * 2];
	static size_t have;
	ssize_t n;
	size_t off = 0;

	n = read(qmux_fd, buf + have, sizeof buf - have);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		die("reading the QMUX port");
	have += (size_t)n;
	while (have - off >= 3) {
		size_t total;

		if (buf[off] != QMUX_MARKER) {
			off++;
			continue;
		}
		total = 1 + (buf[off + 1] | (buf[off + 2] << 8));
		if (total < 12) {
			off++;
			continue;
		}
		if (have - off < total)
			break;
		qmux_frame(buf + off, total);
		off += total;
	}
	memmove(buf, buf + off, have - off);
	have -= off;
}

int
main(int argc, char **argv)
{
	const char *tun = "/dev/qrtr-tun", *qmi = NULL;
	struct termios tio;
	int have_node = 0, i;
	unsigned s;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--node")) {
			node_id = (uint32_t)strtoul(argv[i + 1], NULL, 10);
			have_node = 1;
		} else if (!strcmp(argv[i], "--qmi")) {
			qmi = argv[i + 1];
		} else if (!strcmp(argv[i], "--tun")) {
			tun = argv[i + 1];
		} else {
			break;
		}
	}
	if (i != argc || !have_node || !qmi) {
		fprintf(stderr, "usage: idg-qrtr-node --node N --qmi PATH [--tun /dev/qrtr-tun]\n");
		return 2;
	}
	qmux_fd = open(qmi, O_RDWR | O_NOCTTY);
	if (qmux_fd < 0)
		die(qmi);
	if (tcgetattr(qmux_fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(qmux_fd, TCSANOW, &tio);
	}
	tun_fd = open(tun, O_RDWR);
	if (tun_fd < 0)
		die(tun);

	ctrl_send(QRTR_TYPE_HELLO, 0, 0, 0, 0);
	for (s = 0; s < sizeof services / sizeof services[0]; s++)
		ctrl_send(QRTR_TYPE_NEW_SERVER, services[s].service, services[s].version, node_id,
			  PORT_BASE + services[s].service);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		struct pollfd p[2] = { { tun_fd, POLLIN, 0 }, { qmux_fd, POLLIN, 0 } };
		static uint8_t pkt[32 + 65536 + 4];

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t n = read(tun_fd, pkt, sizeof pkt);

			if (n < 0 && errno != EINTR && errno != EAGAIN)
				die("reading the QRTR tun");
			if (n > 0)
				tun_packet(pkt, (size_t)n);
		}
		if (p[1].revents & (POLLIN | POLLERR | POLLHUP))
			qmux_input();
	}
}
