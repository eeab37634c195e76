// SPDX-License-Identifier: Apache-2.0
/*
 * Verdicts through the engine, observed with BPF_PROG_TEST_RUN: which slots
 * run, in which order, and where the chain stops.
 *
 * Each case is a script of plugs, unplugs and expected outcomes, run by
 * one driver on an interface emptied before every case.
 */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

#include "marks.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define PASS      (1U << XDP_PASS)
#define MAX_STEPS 10
#define MAX_IDS   2

enum op { END, PLUG, UNPLUG, UNPLUG_GONE, EXPECT };

struct step {
	enum op op;
	const char *prog; /* PLUG: a program of marks.bpf.c, or of verdicts.bpf.c if xdp_* */
	int priority;
	__u32 proceed_on;
	int id;            /* PLUG: keep the attach id as ids[id - 1]; UNPLUG*: unplug that one */
	const char *trail; /* EXPECT: the marks' trail ... */
	__u32 verdict;     /* ... and the verdict */
};

#define PLUG(prog, prio, proceed_on)                     \
	{                                                \
		PLUG, prog, prio, proceed_on, 0, NULL, 0 \
	}
#define PLUG_AS(id, prog, prio, proceed_on)               \
	{                                                 \
		PLUG, prog, prio, proceed_on, id, NULL, 0 \
	}
#define UNPLUG(id)                              \
	{                                       \
		UNPLUG, NULL, 0, 0, id, NULL, 0 \
	}
/* An unplug of an id already unplugged: -ENOENT, and the message says why. */
#define UNPLUG_GONE(id)                              \
	{                                            \
		UNPLUG_GONE, NULL, 0, 0, id, NULL, 0 \
	}
#define EXPECT(trail, verdict)                        \
	{                                             \
		EXPECT, NULL, 0, 0, 0, trail, verdict \
	}

struct verdict_case {
	const char *name;
	struct step steps[MAX_STEPS];
};

static const struct verdict_case cases[] = {
	{"test_empty_passes", {EXPECT("", XDP_PASS)}},
	{"test_one_slot",
	 {PLUG_AS(1, "xdp_drop", 0, 0), EXPECT("", XDP_DROP), UNPLUG(1), EXPECT("", XDP_PASS)}},
	{"test_three_slots_run_by_priority",
	 {PLUG("mark_c", 30, PASS), PLUG("mark_a", 10, PASS), PLUG("mark_b", 20, PASS),
	  EXPECT("abc", XDP_PASS)}},
	{"test_equal_priority_runs_in_plug_order",
	 {PLUG("mark_d", 5, PASS), PLUG("mark_b", 5, PASS), PLUG("mark_a", 9, PASS),
	  PLUG("mark_c", 5, PASS), EXPECT("dbca", XDP_PASS)}},
	{"test_drop_in_middle_stops_chain",
	 {PLUG("mark_a", 1, PASS), PLUG("mark_drop", 2, PASS), PLUG("mark_c", 3, PASS),
	  EXPECT("aD", XDP_DROP)}},
	/*
	 * TX in the slot's proceed-on set: the chain goes on past it. The same
	 * program without TX in its set ends the chain with TX. A slot whose
	 * set lacks PASS stops the chain on PASS.
	 */
	{"test_proceed_on_sets",
	 {PLUG("mark_a", 1, PASS), PLUG_AS(1, "mark_tx", 2, 1U << XDP_TX), PLUG("mark_c", 3, PASS),
	  EXPECT("aTc", XDP_PASS), UNPLUG(1), PLUG("mark_tx", 2, PASS), EXPECT("aT", XDP_TX),
	  PLUG("mark_b", 0, 1U << XDP_DROP), EXPECT("b", XDP_PASS)}},
	{"test_unplug_middle_keeps_order",
	 {PLUG("mark_a", 1, PASS), PLUG_AS(1, "mark_b", 2, PASS), PLUG("mark_c", 3, PASS),
	  EXPECT("abc", XDP_PASS), UNPLUG(1), EXPECT("ac", XDP_PASS), UNPLUG_GONE(1)}},
};

static struct tl_iface fx;

static int group_setup(void **state)
{
	(void)state; /* left NULL: each test's state is its case */
	return tl_iface_setup(&fx, "pn-verdicts", "vd0", "vd1") ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tl_iface_teardown(&fx);
	return 0;
}

/* Unplug everything so each case starts from an empty dispatcher. */
static int reset(void **state)
{
	static struct pn_iface_info info;

	(void)state;
	if (pn_iface__describe(fx.iface, &info))
		return -1;
	for (__u32 i = 0; i < info.num_slots; i++) {
		if (pn_iface__unplug(fx.iface, info.slots[i].attach_id))
			return -1;
	}
	return 0;
}

static void run_case(void **state)
{
	const struct verdict_case *c = *state;
	__u32 ids[MAX_IDS] = {0};
	size_t msize, vsize;
	const void *marks = marks__elf_bytes(&msize), *verdicts = verdicts__elf_bytes(&vsize);

	assert_non_null(c);
	assert_int_not_equal(c->steps[0].op, END);
	for (const struct step *s = c->steps; s < c->steps + MAX_STEPS && s->op != END; s++) {
		bool in_verdicts = s->prog && !strncmp(s->prog, "xdp_", 4);
		__u32 *id = s->id ? &ids[s->id - 1] : NULL;

		assert_true(s->id <= MAX_IDS);
		switch (s->op) {
		case PLUG:
			if (tl_plug(&fx, in_verdicts ? verdicts : marks,
				    in_verdicts ? vsize : msize, s->prog, s->priority,
				    s->proceed_on, id))
				fail_msg("%s: plug %s: %s", c->name, s->prog, pn_last_error());
			break;
		case UNPLUG:
			assert_non_null(id);
			if (pn_iface__unplug(fx.iface, *id))
				fail_msg("%s: unplug %u: %s", c->name, *id, pn_last_error());
			break;
		case UNPLUG_GONE:
			assert_non_null(id);
			assert_int_equal(pn_iface__unplug(fx.iface, *id), -ENOENT);
			tl_assert_contains(pn_last_error(), "no slot with attach id");
			break;
		case EXPECT:
			tl_expect_trail(&fx, s->trail, s->verdict);
			break;
		case END:
			break;
		}
	}
}

int main(void)
{
	return tl_run_table("engine_verdicts", cases, run_case, reset, NULL, group_setup,
			    group_teardown);
}
