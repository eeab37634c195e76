// SPDX-License-Identifier: GPL-2.0
/*
 * Slot programs that leave a trail in real packets: on UDP to the seq
 * port each counts the IPv4 TOS byte it found (seen[tos]), then shifts
 * its own 2-bit code into the TOS byte (fixing the header checksum). The
 * TOS a program saw tells which programs ran before it on that packet, in
 * which order; the receiver reads the final trail with IP_RECVTOS.
 */
#include "traffic_parse.h"
#include "traffic_ports.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

/* Set the TOS byte, updating the header checksum incrementally (RFC 1624). */
static __always_inline void set_tos(struct iphdr *ip, __u8 tos)
{
	__u16 old = *(__u16 *)ip, new;
	__u32 sum;

	ip->tos = tos;
	new = *(__u16 *)ip;
	sum = (__u16)~ip->check + (__u16)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = (__u16)~sum;
}

static __always_inline int seq(struct xdp_md *ctx, __u8 code, int verdict)
{
	struct iphdr *ip = traffic_udp_to(ctx, TRAFFIC_SEQ_PORT);
	__u32 key;
	__u64 *n;

	if (!ip)
		return XDP_PASS;
	key = ip->tos;
	n = bpf_map_lookup_elem(&seen, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	set_tos(ip, (__u8)(ip->tos << 2 | code));
	return verdict;
}

/* Program seq_<name>: stamps `code` (see seq()), then returns `verdict`. */
#define SEQ(name, code, verdict)                      \
	SEC("xdp") int seq_##name(struct xdp_md *ctx) \
	{                                             \
		return seq(ctx, code, verdict);       \
	}

SEQ(a, 1, XDP_PASS)
SEQ(b, 2, XDP_PASS)
SEQ(c, 3, XDP_PASS)
SEQ(drop, 2, XDP_DROP) /* stamps like seq_b, then drops */

char LICENSE[] SEC("license") = "GPL";
