// SPDX-License-Identifier: GPL-2.0
/*
 * A single, valid XDP program that is not plugnet's: what an outsider
 * would try to put on an interface plugnet owns. One program, one
 * section, so `ip link set ... xdp obj` can only fail because of the link.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int evict_other(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
