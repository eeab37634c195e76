// SPDX-License-Identifier: GPL-2.0
/*
 * Slot programs that move packet pointers. A freplace program that calls
 * packet-changing helpers must still verify against a slot stub.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int pkt_trim_tail(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, -4))
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int pkt_push_pop_head(struct xdp_md *ctx)
{
	void *data, *end;

	if (bpf_xdp_adjust_head(ctx, -8))
		return XDP_ABORTED;
	if (bpf_xdp_adjust_head(ctx, 8))
		return XDP_ABORTED;
	/* Packet pointers are invalid after the helpers; reload and re-check. */
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + 14 > end)
		return XDP_ABORTED;
	return ((unsigned char *)data)[12] == 0x08 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
