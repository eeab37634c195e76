// SPDX-License-Identifier: GPL-2.0
/*
 * Slot programs for tests/bench/bench_dispatcher.c.
 *
 * bench_count: adds one to a 16-bit counter in the UDP payload of the test
 * frame (at TRAIL_OFF) and passes, so one test run shows how many slots ran.
 *
 * bench_parse: a small but realistic slot program, to time a cold plug
 * (load + verification) against a warm one: Ethernet with up to two VLAN
 * tags, IPv4 or IPv6 with up to four extension headers, TCP/UDP ports, a
 * flow table lookup and per-CPU counters. It passes everything except
 * flows whose table entry has the top bit set.
 *
 * bench_tcpopt: bench_parse that also walks up to TCP_OPTS_MAX TCP options
 * of a SYN for its MSS (a bounded loop): a heavier verification.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "trail.h"

SEC("xdp")
int bench_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u16 *count = data + TRAIL_OFF;

	if ((void *)(count + 1) > end)
		return XDP_ABORTED;
	*count += 1;
	return XDP_PASS;
}

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct flow_key {
	__u8 src[16]; /* IPv4 as v4-mapped IPv6 */
	__u8 dst[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

enum { STAT_PASS, STAT_DROP, STAT_FRAG, STAT_OTHER, STAT_SYN, STAT_BIG_MSS, STAT_MAX };

#define TCP_OPTS_MAX 20

#define FLOW_BLOCKED (1ULL << 63)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, __u64);
} bench_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} bench_stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&bench_stats, &idx);

	if (v)
		*v += 1;
}

/*
 * Walk the TCP options (a bounded loop) for the MSS, as an MSS-clamping
 * program would. The option offset is masked at the top of each round so
 * the verifier sees the same range every time and can prune.
 */
static __always_inline __u32 tcp_mss(void *end, const struct tcphdr *th)
{
	__u8 *opts = (__u8 *)(th + 1);
	__u32 len = th->doff * 4, o = 0, mss = 0;

	if (len <= sizeof(*th))
		return 0;
	len -= sizeof(*th);
	for (int i = 0; i < TCP_OPTS_MAX; i++) {
		__u8 *p;

		o &= 63;
		if (o >= len)
			break;
		p = opts + o;
		if ((void *)(p + 4) > end || p[0] == 0 /* end of options */)
			break;
		if (p[0] == 1 /* no-op */) {
			o++;
			continue;
		}
		if (p[1] < 2)
			break;
		if (p[0] == 2 /* MSS */ && p[1] == 4)
			mss = (__u32)p[2] << 8 | p[3];
		o += p[1];
	}
	return mss;
}

static __always_inline int parse_l4(void *data, void *end, __u64 off, struct flow_key *key,
				    bool options)
{
	if (key->proto == IPPROTO_TCP) {
		struct tcphdr *th = data + off;

		if ((void *)(th + 1) > end)
			return -1;
		key->sport = th->source;
		key->dport = th->dest;
		if (th->syn && !th->ack)
			count(STAT_SYN);
		if (options && th->syn && tcp_mss(end, th) > 1460)
			count(STAT_BIG_MSS);
	} else if (key->proto == IPPROTO_UDP) {
		struct udphdr *uh = data + off;

		if ((void *)(uh + 1) > end)
			return -1;
		key->sport = uh->source;
		key->dport = uh->dest;
	}
	return 0;
}

static __always_inline int parse(struct xdp_md *ctx, bool options)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow_key key = {};
	__u64 off = sizeof(*eth), one = 1, *val;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return XDP_PASS;
		proto = vh->proto;
		off += sizeof(*vh);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		if (ip->ihl < 5) {
			count(STAT_DROP);
			return XDP_DROP;
		}
		if (ip->frag_off & bpf_htons(0x3fff)) {
			count(STAT_FRAG);
			return XDP_PASS;
		}
		key.src[10] = key.src[11] = 0xff;
		key.dst[10] = key.dst[11] = 0xff;
		__builtin_memcpy(&key.src[12], &ip->saddr, 4);
		__builtin_memcpy(&key.dst[12], &ip->daddr, 4);
		key.proto = ip->protocol;
		off += ip->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		__u8 next;

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		__builtin_memcpy(key.src, &ip6->saddr, 16);
		__builtin_memcpy(key.dst, &ip6->daddr, 16);
		next = ip6->nexthdr;
		off += sizeof(*ip6);
#pragma unroll
		for (int i = 0; i < 4; i++) {
			struct ipv6_opt_hdr *oh = data + off;

			if (next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
			    next != IPPROTO_DSTOPTS)
				break;
			if ((void *)(oh + 1) > end)
				return XDP_PASS;
			next = oh->nexthdr;
			off += (oh->hdrlen + 1) * 8;
		}
		key.proto = next;
	} else {
		count(STAT_OTHER);
		return XDP_PASS;
	}

	if (parse_l4(data, end, off, &key, options))
		return XDP_PASS;
	val = bpf_map_lookup_elem(&bench_flows, &key);
	if (val) {
		if (*val & FLOW_BLOCKED) {
			count(STAT_DROP);
			return XDP_DROP;
		}
		__sync_fetch_and_add(val, 1);
	} else {
		bpf_map_update_elem(&bench_flows, &key, &one, BPF_NOEXIST);
	}
	count(STAT_PASS);
	return XDP_PASS;
}

SEC("xdp")
int bench_parse(struct xdp_md *ctx)
{
	return parse(ctx, false);
}

SEC("xdp")
int bench_tcpopt(struct xdp_md *ctx)
{
	return parse(ctx, true);
}

char LICENSE[] SEC("license") = "GPL";
