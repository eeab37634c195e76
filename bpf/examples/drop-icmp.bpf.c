// SPDX-License-Identifier: GPL-2.0
/*
 * drop-icmp: drops ICMP and ICMPv6 echo requests and replies (ping),
 * passes everything else.
 *
 * Only the echo types are dropped, not ICMP as a whole: the other types
 * keep the network working. ICMPv6 neighbour discovery replaces ARP,
 * "packet too big" drives path MTU discovery for IPv4 and IPv6, and
 * "destination unreachable" lets a connection fail fast instead of
 * timing out. A pod that drops those breaks itself in ways that are hard
 * to trace back to this program.
 */
#include "parse.h"

/*
 * The echo types, and the two bytes both ICMP headers start with. Defined
 * here because <linux/icmp.h> pulls in libc headers that a BPF build
 * cannot use.
 */
#define ICMP_ECHOREPLY      0
#define ICMP_ECHO           8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY   129

struct icmp_start {
	__u8 type;
	__u8 code;
};

/* Is this the type byte of an echo request or reply? */
static __always_inline int is_echo4(__u8 type)
{
	return type == ICMP_ECHO || type == ICMP_ECHOREPLY;
}

static __always_inline int is_echo6(__u8 type)
{
	return type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY;
}

SEC("xdp")
int drop_icmp(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip;
	__u8 proto = 0;
	void *l4 = NULL;

	ip = ex_ipv4(ctx, &l4);
	if (ip) {
		struct icmp_start *icmp = l4;

		/* A later fragment of a large ping passes; its first fragment
		 * is dropped, so the datagram is never reassembled anyway. */
		if (ip->protocol != IPPROTO_ICMP || !icmp || (void *)(icmp + 1) > end)
			return XDP_PASS;
		return is_echo4(icmp->type) ? XDP_DROP : XDP_PASS;
	}

	l4 = ex_ipv6_l4(ctx, &proto);
	if (l4 && proto == IPPROTO_ICMPV6) {
		struct icmp_start *icmp6 = l4;

		if ((void *)(icmp6 + 1) > end)
			return XDP_PASS;
		return is_echo6(icmp6->type) ? XDP_DROP : XDP_PASS;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
