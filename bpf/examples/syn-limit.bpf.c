// SPDX-License-Identifier: GPL-2.0
/*
 * syn-limit: a per-source SYN-flood limiter for an uplink. Each IPv4
 * source gets a token bucket of `syn_burst` tokens refilled at `syn_rate`
 * tokens a second; a TCP SYN (without ACK) takes a token, and a SYN that
 * finds the bucket empty is dropped. Everything else passes: SYN-ACKs,
 * established traffic, UDP, ICMP, IPv6 and fragments, so that the limiter
 * can only ever cost new IPv4 connections from a source that opens them
 * faster than the rate.
 *
 * Configuration: `syn_rate` and `syn_burst` are `const volatile`
 * (.rodata, frozen at load), so the verifier knows them. plugnet's
 * catalog loads objects as they are, without setting .rodata, so the
 * defaults below are the limits: rebuild with other values (and give the
 * object another catalog name) for other limits. 100 SYN/s with a burst
 * of 200 is far above what one client opens in normal use (a browser
 * opens a few connections per page) and well below what a flood sends.
 * syn_rate 0 turns the limiter off; syn_burst 0 drops every SYN.
 *
 * Maps:
 *   syn_buckets  BPF_MAP_TYPE_LRU_HASH, 65536 entries,
 *                key struct syn_key { __u32 ifindex; __be32 saddr; },
 *                value struct syn_bucket { __u64 credit_ns; __u64 last_ns; }
 *   syn_stats    BPF_MAP_TYPE_PERCPU_ARRAY, 1 entry, key __u32 0,
 *                value struct syn_stats { __u64 passed; __u64 dropped; }
 *                (SYNs only; sum the CPUs' values)
 *
 * The bucket is kept in nanoseconds of credit rather than tokens: a token
 * is worth 1e9 / syn_rate ns, time elapsed adds credit one for one, and
 * the bucket holds at most syn_burst tokens' worth. That needs no
 * multiplication of elapsed time (which could overflow after a long idle)
 * and no fractions. The key holds the ifindex because every slot running
 * this program shares its maps (docs/dispatcher-protocol.md, section 2):
 * a source limited on one interface is not limited on another.
 *
 * The bucket is updated without a lock (LRU hash values cannot hold a
 * bpf_spin_lock), so SYNs from one source arriving on several CPUs at
 * the same instant may each take the same token: the limit is exact per
 * CPU and approximate across them, which is enough against a flood. LRU
 * rather than a plain hash so that a flood from spoofed sources evicts
 * old buckets instead of filling the map; an evicted source starts again
 * with a full bucket.
 */
#include <stdbool.h>
#include <linux/tcp.h>
#include "parse.h"

#define NSEC_PER_SEC 1000000000ULL

/* SYNs per second per source, and how many may come at once. */
const volatile __u64 syn_rate = 100;
const volatile __u64 syn_burst = 200;

struct syn_key {
	__u32 ifindex;
	__be32 saddr;
};

struct syn_bucket {
	__u64 credit_ns; /* what is left, in ns of refill time */
	__u64 last_ns;   /* bpf_ktime_get_ns() at the last SYN */
};

struct syn_stats {
	__u64 passed;
	__u64 dropped;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct syn_key);
	__type(value, struct syn_bucket);
} syn_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syn_stats);
} syn_stats SEC(".maps");

/* Take a token from the source's bucket; false if it has none. */
static __always_inline bool take_token(struct syn_key *key)
{
	__u64 cost = NSEC_PER_SEC / syn_rate;
	__u64 cap = cost * syn_burst;
	__u64 now = bpf_ktime_get_ns();
	struct syn_bucket *b;
	__u64 credit;

	b = bpf_map_lookup_elem(&syn_buckets, key);
	if (!b) {
		/* A new source starts with a full bucket, less this SYN. If
		 * another CPU inserts it first, ours is refused and this SYN
		 * goes free: one token, once. */
		struct syn_bucket fresh = {.last_ns = now};

		if (cap < cost)
			return false;
		fresh.credit_ns = cap - cost;
		bpf_map_update_elem(&syn_buckets, key, &fresh, BPF_NOEXIST);
		return true;
	}
	credit = b->credit_ns;
	/* Another CPU may have stored a later time than ours. */
	if (now > b->last_ns)
		credit += now - b->last_ns;
	if (credit > cap)
		credit = cap;
	b->last_ns = now;
	if (credit < cost) {
		b->credit_ns = credit;
		return false;
	}
	b->credit_ns = credit - cost;
	return true;
}

SEC("xdp")
int syn_limit(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end;
	struct syn_stats *stats;
	struct syn_key key;
	struct tcphdr *tcp;
	struct iphdr *ip;
	__u32 zero = 0;
	void *l4 = NULL;
	bool ok;

	if (syn_rate == 0)
		return XDP_PASS;
	ip = ex_ipv4(ctx, &l4);
	if (!ip || ip->protocol != IPPROTO_TCP || !l4)
		return XDP_PASS;
	tcp = l4;
	if ((void *)(tcp + 1) > end || !tcp->syn || tcp->ack)
		return XDP_PASS;

	key.ifindex = ctx->ingress_ifindex;
	key.saddr = ip->saddr;
	ok = take_token(&key);
	stats = bpf_map_lookup_elem(&syn_stats, &zero);
	if (stats) {
		/* Per-CPU: plain adds, no atomics. */
		if (ok)
			stats->passed++;
		else
			stats->dropped++;
	}
	return ok ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
