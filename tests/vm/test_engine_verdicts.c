// SPDX-License-Identifier: Apache-2.0
/*
 * Verdicts through the engine, observed with BPF_PROG_TEST_RUN: which slots
 * run, in which order, and where the chain stops.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "agent/slots.h"
#include "marks.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"
#include "trail.h"

#define PASS (1U << XDP_PASS)

static const void *marks_elf(size_t *size)
{
	return marks__elf_bytes(size);
}

static int setup(void **state)
{
	static struct tl_iface t;

	*state = &t;
	return tl_iface_setup(&t, "pn-verdicts", "vd0", "vd1") ? -1 : 0;
}

static int teardown(void **state)
{
	tl_iface_teardown(*state);
	return 0;
}

/* Unplug everything so each test starts from an empty dispatcher. */
static int reset(void **state)
{
	struct tl_iface *t = *state;
	struct pn_iface_info info;

	if (pn_iface__describe(t->iface, &info))
		return -1;
	for (__u32 i = 0; i < info.num_slots; i++) {
		if (pn_iface__unplug(t->iface, info.slots[i].attach_id))
			return -1;
	}
	return 0;
}

static void expect(struct tl_iface *t, const char *trail, __u32 verdict)
{
	char got[TRAIL_MAX + 1];
	__u32 v = ~0U;

	tl_assert_ok(tl_run_trail(t, got, sizeof(got), &v), "test run");
	assert_string_equal(got, trail);
	assert_int_equal(v, verdict);
}

static void test_empty_passes(void **state)
{
	expect(*state, "", XDP_PASS);
}

static void test_one_slot(void **state)
{
	struct tl_iface *t = *state;
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);
	__u32 id;

	tl_assert_ok(tl_plug(t, elf, size, "xdp_drop", 0, 0, &id), "plug xdp_drop");
	expect(t, "", XDP_DROP);
	tl_assert_ok(pn_iface__unplug(t->iface, id), "unplug");
	expect(t, "", XDP_PASS);
}

static void test_three_slots_run_by_priority(void **state)
{
	struct tl_iface *t = *state;
	size_t size;
	const void *elf = marks_elf(&size);

	tl_assert_ok(tl_plug(t, elf, size, "mark_c", 30, PASS, NULL), "plug c");
	tl_assert_ok(tl_plug(t, elf, size, "mark_a", 10, PASS, NULL), "plug a");
	tl_assert_ok(tl_plug(t, elf, size, "mark_b", 20, PASS, NULL), "plug b");
	expect(t, "abc", XDP_PASS);
}

static void test_equal_priority_runs_in_plug_order(void **state)
{
	struct tl_iface *t = *state;
	size_t size;
	const void *elf = marks_elf(&size);

	tl_assert_ok(tl_plug(t, elf, size, "mark_d", 5, PASS, NULL), "plug d");
	tl_assert_ok(tl_plug(t, elf, size, "mark_b", 5, PASS, NULL), "plug b");
	tl_assert_ok(tl_plug(t, elf, size, "mark_a", 9, PASS, NULL), "plug a");
	tl_assert_ok(tl_plug(t, elf, size, "mark_c", 5, PASS, NULL), "plug c");
	expect(t, "dbca", XDP_PASS);
}

static void test_drop_in_middle_stops_chain(void **state)
{
	struct tl_iface *t = *state;
	size_t size;
	const void *elf = marks_elf(&size);

	tl_assert_ok(tl_plug(t, elf, size, "mark_a", 1, PASS, NULL), "plug a");
	tl_assert_ok(tl_plug(t, elf, size, "mark_drop", 2, PASS, NULL), "plug drop");
	tl_assert_ok(tl_plug(t, elf, size, "mark_c", 3, PASS, NULL), "plug c");
	expect(t, "aD", XDP_DROP);
}

static void test_proceed_on_sets(void **state)
{
	struct tl_iface *t = *state;
	size_t size;
	const void *elf = marks_elf(&size);
	__u32 tx_id;

	/* TX in the slot's proceed-on set: the chain goes on past it. */
	tl_assert_ok(tl_plug(t, elf, size, "mark_a", 1, PASS, NULL), "plug a");
	tl_assert_ok(tl_plug(t, elf, size, "mark_tx", 2, 1U << XDP_TX, &tx_id), "plug tx");
	tl_assert_ok(tl_plug(t, elf, size, "mark_c", 3, PASS, NULL), "plug c");
	expect(t, "aTc", XDP_PASS);

	/* The same program without TX in its set ends the chain with TX. */
	tl_assert_ok(pn_iface__unplug(t->iface, tx_id), "unplug tx");
	tl_assert_ok(tl_plug(t, elf, size, "mark_tx", 2, PASS, NULL), "plug tx again");
	expect(t, "aT", XDP_TX);

	/* A slot whose set lacks PASS stops the chain on PASS. */
	tl_assert_ok(tl_plug(t, elf, size, "mark_b", 0, 1U << XDP_DROP, NULL), "plug b");
	expect(t, "b", XDP_PASS);
}

static void test_unplug_middle_keeps_order(void **state)
{
	struct tl_iface *t = *state;
	size_t size;
	const void *elf = marks_elf(&size);
	__u32 b;

	tl_assert_ok(tl_plug(t, elf, size, "mark_a", 1, PASS, NULL), "plug a");
	tl_assert_ok(tl_plug(t, elf, size, "mark_b", 2, PASS, &b), "plug b");
	tl_assert_ok(tl_plug(t, elf, size, "mark_c", 3, PASS, NULL), "plug c");
	expect(t, "abc", XDP_PASS);
	tl_assert_ok(pn_iface__unplug(t->iface, b), "unplug b");
	expect(t, "ac", XDP_PASS);
	assert_int_equal(pn_iface__unplug(t->iface, b), -ENOENT);
	assert_non_null(strstr(pn_engine__last_error(t->engine), "no slot with attach id"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty_passes, reset),
		cmocka_unit_test_setup(test_one_slot, reset),
		cmocka_unit_test_setup(test_three_slots_run_by_priority, reset),
		cmocka_unit_test_setup(test_equal_priority_runs_in_plug_order, reset),
		cmocka_unit_test_setup(test_drop_in_middle_stops_chain, reset),
		cmocka_unit_test_setup(test_proceed_on_sets, reset),
		cmocka_unit_test_setup(test_unplug_middle_keeps_order, reset),
	};

	return cmocka_run_group_tests_name("engine_verdicts", tests, setup, teardown);
}
