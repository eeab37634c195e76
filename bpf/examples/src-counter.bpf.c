// SPDX-License-Identifier: GPL-2.0
/*
 * src-counter: counts the IPv4 packets and bytes each source sends to the
 * interface it is plugged on, and passes every packet.
 *
 * Map `src_counts` (BPF_MAP_TYPE_LRU_HASH, 16384 entries), described by
 * BTF so that bpftool and plugctl print it field by field:
 *
 *   key   struct src_key   { __u32 ifindex; __be32 saddr; }      8 bytes
 *   value struct src_count { __u64 packets; __u64 bytes; }      16 bytes
 *
 * ifindex is the interface the packet arrived on (in its own netns) and
 * saddr the IPv4 source in network byte order. bytes counts whole frames
 * from the Ethernet header on. This layout is a promise to readers of
 * the map: change it only with a new map name.
 *
 * Why the ifindex is in the key: plugnet loads a catalog program once and
 * attaches that one load to every slot that names it, so all of them
 * share this map (docs/dispatcher-protocol.md, section 2). Without the
 * ifindex, two pods plugging src-counter would see each other's sources.
 * The ifindex is unique only within a netns, and pods' interfaces may
 * share an index, so the key does not always tell two pods apart; an
 * object built from other bytes (say, another max_entries) is loaded on
 * its own and gets its own map. A copy of the same file under another
 * catalog name does not: it is the same bytes.
 *
 * Why LRU: a scan or spoofed sources would fill a plain hash, and then no
 * new source would be counted; LRU evicts the sources seen least
 * recently instead, so the map always holds the active ones.
 */
#include "parse.h"

struct src_key {
	__u32 ifindex;
	__be32 saddr;
};

struct src_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct src_key);
	__type(value, struct src_count);
} src_counts SEC(".maps");

SEC("xdp")
int src_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = ex_ipv4(ctx, NULL);
	struct src_key key;
	struct src_count *c;

	if (!ip)
		return XDP_PASS;
	key.ifindex = ctx->ingress_ifindex;
	key.saddr = ip->saddr;
	c = bpf_map_lookup_elem(&src_counts, &key);
	if (!c) {
		struct src_count zero = {};

		/* Another CPU may insert the same source first: BPF_NOEXIST
		 * then fails, and its entry is the one both count into. */
		bpf_map_update_elem(&src_counts, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&src_counts, &key);
		if (!c)
			return XDP_PASS;
	}
	/* One shared value per source, so atomic adds: CPUs receiving from
	 * the same source would otherwise lose each other's counts. */
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, end - data);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
