// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the engine's error paths: one the verifier refuses, one of
 * the wrong program type, and a well-behaved counter that lets a test see
 * how many slots ran.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Offset of the counter in the 64-byte test frame: the UDP payload. */
#define ERR_COUNT_OFF 42

/* Reads the packet without checking data_end: "invalid access to packet". */
SEC("xdp")
int err_unchecked(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	return data[12] == 0x08 ? XDP_DROP : XDP_PASS;
}

/* A tc classifier: loadable, but not an XDP program. */
SEC("tc")
int err_tc(struct __sk_buff *skb)
{
	return skb->len ? 0 : 2;
}

/* Adds one to the counter byte and passes: each slot running it leaves a mark. */
SEC("xdp")
int err_count(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;

	if (data + ERR_COUNT_OFF + 1 > end)
		return XDP_ABORTED;
	data[ERR_COUNT_OFF]++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
