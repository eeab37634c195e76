// SPDX-License-Identifier: GPL-2.0
/* A multi-buffer capable slot program (SEC("xdp.frags") sets BPF_F_XDP_HAS_FRAGS). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp.frags")
int frags_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
