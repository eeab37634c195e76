/* SPDX-License-Identifier: GPL-2.0 */
/* Packet parsing shared by the traffic_* slot programs. */
#ifndef PLUGNET_TEST_TRAFFIC_PARSE_H
#define PLUGNET_TEST_TRAFFIC_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* The IPv4 header of an option-less UDP/IPv4 frame to `port`, else NULL. */
static __always_inline struct iphdr *traffic_udp_to(struct xdp_md *ctx, __u16 port)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return NULL;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(port))
		return NULL;
	return ip;
}

#endif
