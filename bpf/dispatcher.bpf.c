// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * plugnet root XDP dispatcher. Slots slot0..slotN-1 are global functions
 * that extension (freplace) programs replace; the agent loads one copy of
 * this program per revision with its configuration frozen in .rodata, so
 * the verifier prunes every slot past num_slots, and the counting chain
 * unless PLUGNET_DISPATCHER_F_STATS is set. -DPLUGNET_NO_COUNTERS builds it
 * without the counters, for the test and the benchmark that compare the
 * cost of counting off against having no counters at all.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dispatcher.h"
#include "dispatcher_slots.h"

_Static_assert(PLUGNET_NUM_STUBS <= PLUGNET_CONFIG_SLOTS,
	       "more slot stubs than the configuration has entries for");

const volatile struct plugnet_dispatcher_config plugnet_cfg = {
	.magic = PLUGNET_DISPATCHER_MAGIC,
	.version = PLUGNET_DISPATCHER_VERSION,
};

#ifndef PLUGNET_NO_COUNTERS
/*
 * Per-CPU, so that counting needs no atomic operation and no shared cache
 * line; one element per row, so that user space can zero one attachment's
 * row while the others are counting. The engine does not create this map
 * when counting is off (the program then has no reference to it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PLUGNET_STATS_ROWS);
	__type(key, __u32);
	__type(value, struct plugnet_slot_counters);
} slot_counters SEC(".maps");
#endif

/*
 * The stub never runs while its slot is plugged. The unreachable call to
 * bpf_xdp_adjust_tail() marks the stub as changing packet data, which
 * newer kernels require before an extension that moves packet pointers
 * may replace it; `ret` is volatile so neither the compiler nor the
 * verifier can drop that branch.
 */
#define PLUGNET_SLOT_STUB(n)                                      \
	__attribute__((noinline)) int slot##n(struct xdp_md *ctx) \
	{                                                         \
		volatile int ret = PLUGNET_SLOT_EMPTY;            \
                                                                  \
		if (!ctx)                                         \
			return XDP_ABORTED;                       \
		if (ret != PLUGNET_SLOT_EMPTY)                    \
			bpf_xdp_adjust_tail(ctx, 0);              \
		return ret;                                       \
	}

/* Run slot n, and return its verdict unless that verdict is in the slot's proceed-on set. */
#define PLUGNET_RUN_SLOT(n)                                                                 \
	do {                                                                                \
		if (n >= plugnet_cfg.num_slots)                                             \
			return XDP_PASS;                                                    \
		ret = slot##n(ctx);                                                         \
		if (ret > PLUGNET_SLOT_EMPTY || !((1U << ret) & plugnet_cfg.proceed_on[n])) \
			return ret;                                                         \
	} while (0);

#ifndef PLUGNET_NO_COUNTERS
/*
 * The column is clamped in a 64-bit variable: compared and used in the same
 * register, so that the verifier sees the bound on the index.
 */
static __always_inline void count_verdict(struct plugnet_slot_counters *c, __u32 ret)
{
	__u64 col = ret;

	if (col > PLUGNET_STATS_OTHER)
		col = PLUGNET_STATS_OTHER;
	c->verdicts[col]++;
}
#endif

/* PLUGNET_RUN_SLOT that first counts the verdict into the row of the slot's attachment. */
#define PLUGNET_RUN_SLOT_COUNTED(n)                                                         \
	do {                                                                                \
		__u32 row;                                                                  \
		struct plugnet_slot_counters *c;                                            \
                                                                                            \
		if (n >= plugnet_cfg.num_slots)                                             \
			return XDP_PASS;                                                    \
		ret = slot##n(ctx);                                                         \
		row = plugnet_cfg.stats_row[n];                                             \
		c = bpf_map_lookup_elem(&slot_counters, &row);                              \
		if (c)                                                                      \
			count_verdict(c, ret);                                              \
		if (ret > PLUGNET_SLOT_EMPTY || !((1U << ret) & plugnet_cfg.proceed_on[n])) \
			return ret;                                                         \
	} while (0);

PLUGNET_FOR_EACH_SLOT(PLUGNET_SLOT_STUB)

#ifndef PLUGNET_NO_COUNTERS
/*
 * The chain with counting, in a function of its own so that the compiler
 * lays out the plain chain below exactly as in a dispatcher without
 * counters (sharing one exit block changes its register allocation).
 */
static __attribute__((noinline)) int run_counted(struct xdp_md *ctx)
{
	__u32 ret;

	PLUGNET_FOR_EACH_SLOT(PLUGNET_RUN_SLOT_COUNTED);
	return XDP_PASS;
}
#endif

SEC("xdp")
int plugnet_root(struct xdp_md *ctx)
{
	__u32 ret;

	/*
	 * One test per packet picks a whole chain, rather than one test per
	 * slot: with counting off the flag is a frozen constant, the verifier
	 * drops the test and run_counted(), and each slot runs the code of a
	 * dispatcher that has no counters.
	 */
#ifndef PLUGNET_NO_COUNTERS
	/* Unlikely, so that the plain chain falls through and its path has no jump left. */
	if (__builtin_expect(plugnet_cfg.flags & PLUGNET_DISPATCHER_F_STATS, 0))
		goto counted;
#endif
	PLUGNET_FOR_EACH_SLOT(PLUGNET_RUN_SLOT);
	return XDP_PASS;
#ifndef PLUGNET_NO_COUNTERS
counted:
	return run_counted(ctx);
#endif
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
