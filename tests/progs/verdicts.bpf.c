// SPDX-License-Identifier: GPL-2.0
/* Slot programs that return a fixed verdict. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Program `name`: returns `verdict`. */
#define VERDICT(name, verdict)                  \
	SEC("xdp") int name(struct xdp_md *ctx) \
	{                                       \
		return verdict;                 \
	}

VERDICT(xdp_pass, XDP_PASS)
VERDICT(xdp_drop, XDP_DROP)
VERDICT(xdp_aborted, XDP_ABORTED)
VERDICT(xdp_tx, XDP_TX)

char LICENSE[] SEC("license") = "GPL";
