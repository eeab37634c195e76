/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Header parsing shared by the example catalog programs. Every access is
 * checked against data_end before it is made, which is what the verifier
 * asks for; a frame too short for what it claims to be is simply "not
 * IPv4/IPv6" here, so the programs pass it and leave the verdict to the
 * stack.
 */
#ifndef PLUGNET_EXAMPLES_PARSE_H
#define PLUGNET_EXAMPLES_PARSE_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* The fragment offset bits of iphdr.frag_off (the kernel's IP_OFFSET is not uapi). */
#define EX_IPV4_FRAG_OFFSET 0x1fff
/* Extension headers walked before giving up on finding the upper layer. */
#define EX_IPV6_EXT_MAX 4

/*
 * The IPv4 header of an Ethernet frame, or NULL. When l4 is given it is
 * set to the transport header, or NULL for a fragment other than the
 * first: those start mid-payload, and reading a "header" there would
 * judge the packet on its payload bytes.
 */
static __always_inline struct iphdr *ex_ipv4(struct xdp_md *ctx, void **l4)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return NULL;
	if (l4)
		*l4 = (ip->frag_off & bpf_htons(EX_IPV4_FRAG_OFFSET)) ? NULL
								      : (void *)ip + ip->ihl * 4;
	return ip;
}

/* IPv6's fragment header (the kernel's struct frag_hdr is not uapi). */
struct ex_ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/*
 * The upper-layer header of an IPv6 frame, with its protocol number in
 * *proto, or NULL: not IPv6, a later fragment, or more extension headers
 * than EX_IPV6_EXT_MAX (rare enough that passing them is the safe choice
 * for a filter that only means to catch common traffic). The loop is
 * bounded so that the verifier sees a finite program.
 */
static __always_inline void *ex_ipv6_l4(struct xdp_md *ctx, __u8 *proto)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6;
	void *nh;
	__u8 next;
	int i;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return NULL;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end)
		return NULL;
	nh = ip6 + 1;
	next = ip6->nexthdr;
#pragma unroll
	for (i = 0; i < EX_IPV6_EXT_MAX; i++) {
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			struct ipv6_opt_hdr *opt = nh;

			if ((void *)(opt + 1) > end)
				return NULL;
			next = opt->nexthdr;
			nh += (opt->hdrlen + 1) * 8;
		} else if (next == IPPROTO_FRAGMENT) {
			struct ex_ipv6_frag *frag = nh;

			if ((void *)(frag + 1) > end ||
			    (frag->frag_off & bpf_htons(0xfff8))) /* a later fragment */
				return NULL;
			next = frag->nexthdr;
			nh = frag + 1;
		} else {
			*proto = next;
			return nh;
		}
	}
	return NULL;
}

#endif
