// SPDX-License-Identifier: GPL-2.0
/*
 * Slot programs that leave a trail: each appends its letter to the UDP
 * payload of the test frame (length byte at TRAIL_OFF, letters after it),
 * so BPF_PROG_TEST_RUN's data_out shows which slots ran, in which order.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "trail.h"

static __always_inline int mark(struct xdp_md *ctx, char letter, int verdict)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	unsigned char *trail = data + TRAIL_OFF;
	unsigned char *next;
	unsigned char n;

	if ((void *)(trail + 1) > end)
		return XDP_ABORTED;
	n = trail[0];
	if (n >= TRAIL_MAX)
		return XDP_ABORTED;
	/* Checked after the variable offset is added, so the verifier knows its range. */
	next = trail + 1 + n;
	if ((void *)(next + 1) > end)
		return XDP_ABORTED;
	*next = letter;
	trail[0] = n + 1;
	return verdict;
}

/* Program mark_<name>: appends `letter` to the trail, then returns `verdict`. */
#define MARK(name, letter, verdict)                    \
	SEC("xdp") int mark_##name(struct xdp_md *ctx) \
	{                                              \
		return mark(ctx, letter, verdict);     \
	}

MARK(a, 'a', XDP_PASS)
MARK(b, 'b', XDP_PASS)
MARK(c, 'c', XDP_PASS)
MARK(d, 'd', XDP_PASS)
MARK(drop, 'D', XDP_DROP)
MARK(tx, 'T', XDP_TX)
MARK(aborted, 'X', XDP_ABORTED)

char LICENSE[] SEC("license") = "GPL";
