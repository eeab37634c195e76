// SPDX-License-Identifier: Apache-2.0
/*
 * The comparison behind start-up reconciliation: which kernel slots have
 * no owner (unplug them), which records name a slot the kernel does not
 * run (drop them), and what a released slot counts as. The side effects
 * (unplug, audit, save) need a kernel with freplace: the VM tier's crash
 * loop (plugnetd_crash.bats) covers them.
 */
#include <stdlib.h>
#include <string.h>

#include "reconcile.h"
#include "testlib.h"

#define NS_POD   4026532001ULL
#define NS_OTHER 4026532002ULL

static struct pn_iface_info *kernel_with(const __u32 *ids, size_t n)
{
	struct pn_iface_info *info = calloc(1, sizeof(*info));

	assert_non_null(info);
	info->netns_id = NS_POD;
	info->ifindex = 2;
	info->num_slots = (__u32)n;
	for (size_t i = 0; i < n; i++) {
		info->slots[i].index = (__u32)i;
		info->slots[i].attach_id = ids[i];
	}
	return info;
}

static struct pn_slot_owner record(__u64 netns, unsigned int ifindex, __u32 attach, bool released)
{
	struct pn_slot_owner s = {
		.netns_id = netns,
		.ifindex = ifindex,
		.attach_id = attach,
		.target = PN_TARGET_POD,
		.container_id = "cid-a",
		.program = "drop",
		.released = released,
	};

	return s;
}

static void test_diff(void **state)
{
	static const __u32 kernel_ids[] = {1, 2, 3, 6};
	struct pn_iface_info *info = kernel_with(kernel_ids, ARRAY_SIZE(kernel_ids));
	const struct pn_slot_owner recorded[] = {
		record(NS_POD, 2, 2, false),   /* both: kept */
		record(NS_POD, 2, 3, true),    /* released yet running: unplugged */
		record(NS_POD, 2, 4, false),   /* recorded, not running: gone */
		record(NS_POD, 2, 5, true),    /* released and out: as it should be */
		record(NS_OTHER, 2, 1, false), /* attach id 1 of another netns: not an owner here */
		record(NS_POD, 3, 6, false),   /* another ifindex: not an owner here */
		record(NS_OTHER, 2, 9, false), /* another interface's: never gone here */
	};
	bool gone[ARRAY_SIZE(recorded)];
	__u32 unplug[PN_SLOTS_MAX];
	size_t n_unplug = 99;

	(void)state;
	memset(gone, 1, sizeof(gone));
	pn_reconcile_diff(info, recorded, ARRAY_SIZE(recorded), unplug, &n_unplug, gone);
	assert_int_equal(n_unplug, 3);
	assert_int_equal(unplug[0], 1);
	assert_int_equal(unplug[1], 3);
	assert_int_equal(unplug[2], 6);
	assert_false(gone[0]);
	assert_false(gone[1]);
	assert_true(gone[2]);
	assert_false(gone[3]);
	assert_false(gone[4]);
	assert_false(gone[5]);
	assert_false(gone[6]);
	free(info);
}

static void test_agree(void **state)
{
	static const __u32 kernel_ids[] = {7, 8};
	struct pn_iface_info *info = kernel_with(kernel_ids, ARRAY_SIZE(kernel_ids));
	const struct pn_slot_owner recorded[] = {
		record(NS_POD, 2, 8, false),
		record(NS_POD, 2, 7, false),
	};
	bool gone[ARRAY_SIZE(recorded)] = {true, true};
	__u32 unplug[PN_SLOTS_MAX];
	size_t n_unplug = 99;

	(void)state;
	pn_reconcile_diff(info, recorded, ARRAY_SIZE(recorded), unplug, &n_unplug, gone);
	assert_int_equal(n_unplug, 0);
	assert_false(gone[0]);
	assert_false(gone[1]);
	free(info);
}

/* After a reboot the pins are lost and a new dispatcher runs nothing: every record is gone. */
static void test_fresh_dispatcher(void **state)
{
	struct pn_iface_info *info = kernel_with(NULL, 0);
	const struct pn_slot_owner recorded[] = {
		record(NS_POD, 2, 1, false),
		record(NS_POD, 2, 2, true),
	};
	bool gone[ARRAY_SIZE(recorded)] = {false, true};
	__u32 unplug[PN_SLOTS_MAX];
	size_t n_unplug = 99;

	(void)state;
	pn_reconcile_diff(info, recorded, ARRAY_SIZE(recorded), unplug, &n_unplug, gone);
	assert_int_equal(n_unplug, 0);
	assert_true(gone[0]);
	assert_false(gone[1]);
	/* Nothing recorded at all, nothing running. */
	pn_reconcile_diff(info, NULL, 0, unplug, &n_unplug, gone);
	assert_int_equal(n_unplug, 0);
	free(info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_agree),
		cmocka_unit_test(test_fresh_dispatcher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
