// SPDX-License-Identifier: GPL-2.0
/*
 * One map of each kind that plugnetd reads back and decodes by BTF
 * (GET /v1/slots/<id>/maps): a hash keyed by a struct in network byte
 * order, whose value has an anonymous union, bit fields, an enum, a
 * string, negative and past-2^53 integers; a per-CPU array of a struct
 * whose size is no multiple of 8; an LRU hash; a hash the test replaces
 * by one without BTF; a ring buffer (not readable by key); and global
 * variables in .rodata and .bss. test_prog_maps fills them from user space
 * and checks the JSON. The program touches every map, so that the kernel
 * lists them all among the program's maps; what it does is of no matter.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "map_kinds.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct mk_flow_key);
	__type(value, struct mk_flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct mk_cpu_stats);
} cpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	/* Room for every CPU's local free list: no entry evicted while the test fills it. */
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} recent SEC(".maps");

/* Replaced before load by a map created without BTF (bpf_map__reuse_fd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} plain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* .rodata: set by the test before load. */
const volatile __u16 cfg_port = 80;
const volatile char cfg_label[8] = "dflt";
const volatile enum mk_state cfg_state = MK_NEW;

/* .bss: zero at load, set by the test afterwards. */
__u64 bss_hits;
__s16 bss_level;

SEC("xdp")
int map_kinds(struct xdp_md *ctx)
{
	struct mk_flow_key key = {.port = bpf_htons(cfg_port)};
	struct mk_cpu_stats *stats;
	struct mk_flow *flow;
	__u32 zero = 0;
	__u64 *n;

	__sync_fetch_and_add(&bss_hits, 1);
	stats = bpf_map_lookup_elem(&cpu_stats, &zero);
	if (stats)
		stats->packets++;
	n = bpf_map_lookup_elem(&recent, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	n = bpf_map_lookup_elem(&plain, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	flow = bpf_map_lookup_elem(&flows, &key);
	if (flow && flow->state == cfg_state) {
		bss_level = -1;
		bpf_ringbuf_output(&events, &key, sizeof(key), 0);
		return XDP_DROP;
	}
	return cfg_label[0] == 'x' ? XDP_ABORTED : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
