// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * plugnet root XDP dispatcher. Slots slot0..slotN-1 are global functions
 * that extension (freplace) programs replace; the agent loads one copy of
 * this program per revision with its configuration frozen in .rodata, so
 * the verifier prunes every slot past num_slots.
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

PLUGNET_FOR_EACH_SLOT(PLUGNET_SLOT_STUB)

SEC("xdp")
int plugnet_root(struct xdp_md *ctx)
{
	__u32 ret;

	PLUGNET_FOR_EACH_SLOT(PLUGNET_RUN_SLOT);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
