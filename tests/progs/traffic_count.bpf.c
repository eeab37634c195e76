// SPDX-License-Identifier: GPL-2.0
/*
 * Slot programs for the real-traffic tests: count the stream, drop one
 * port, or pass everything. Every load of a program gets its own `counts`.
 */
#include "traffic_parse.h"
#include "traffic_ports.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(void)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&counts, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Count the test stream; pass everything. */
SEC("xdp")
int count_stream(struct xdp_md *ctx)
{
	if (traffic_udp_to(ctx, TRAFFIC_STREAM_PORT))
		count();
	return XDP_PASS;
}

/* Count and drop UDP to the drop port; pass everything else. */
SEC("xdp")
int drop_port(struct xdp_md *ctx)
{
	if (!traffic_udp_to(ctx, TRAFFIC_DROP_PORT))
		return XDP_PASS;
	count();
	return XDP_DROP;
}

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
