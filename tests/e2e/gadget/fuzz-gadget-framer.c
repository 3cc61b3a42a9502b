// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the gadget bridge's framer (take_frames over
 * frame_length and frame_valid): the bytes the simulator's pty hands it,
 * for QMUX (first byte even) or MBIM (odd), split into reads at the second
 * byte. Every frame handed on must be whole: the length it claims, at most
 * what the host may read, starting as its protocol starts, accepted by
 * libqmi/libmbim. The same bytes as one host command (command_ok): taken
 * only if they are exactly one such frame.
 */
#define IDG_GADGET_FUZZ 1
#pragma GCC diagnostic ignored "-Wunused-function"
#include "idg-usb-gadget.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_frame(const uint8_t *frame, size_t len)
{
	uint32_t n;

	if (len > max_frame)
		abort();
	if (proto == PROTO_QMI) {
		if (len < 6 || frame[0] != 0x01 || (size_t)(frame[1] | frame[2] << 8) + 1 != len)
			abort();
	} else {
		memcpy(&n, frame + 4, 4);
		if (len < 12 || le32toh(n) != len)
			abort();
	}
	if (!frame_valid(frame, len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t acc[2 * QMI_MAX_FRAME];
	size_t len = 0, skipped = 0, split, pos = 2, chunk;

	if (size < 2)
		return 0;
	proto = data[0] & 1 ? PROTO_MBIM : PROTO_QMI;
	max_frame = proto == PROTO_QMI ? QMI_MAX_FRAME : MBIM_MAX_FRAME;
	split = data[1] ? data[1] : 1;
	if (size - 2 <= max_frame && command_ok(data + 2, size - 2))
		check_frame(data + 2, size - 2);
	while (pos < size) {
		chunk = size - pos < split ? size - pos : split;
		if (chunk > sizeof(acc) - len)
			chunk = sizeof(acc) - len;
		if (chunk == 0)
			abort();	/* the framer let its buffer fill */
		memcpy(acc + len, data + pos, chunk);
		pos += chunk;
		len = take_frames(acc, len + chunk, &skipped, check_frame);
	}
	return 0;
}
