// SPDX-License-Identifier: Apache-2.0
/*
 * The slot table as pure data: proceed-on parsing and formatting, run
 * order, and the frozen dispatcher configuration built from it. Every
 * dispatcher revision depends on these, and none of it needs a kernel.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/bpf.h>

#include "slots.h"
#include "testlib.h"

#define N_ACTIONS 5
#define ALL_MASK  ((1U << N_ACTIONS) - 1)
#define SENTINEL  (1U << PLUGNET_SLOT_EMPTY)
#define POISON    0xdeadbeefU

/* The XDP actions, in the order of the kernel's enum xdp_action: by name and by number. */
static const struct {
	__u32 action;
	const char *name, *number;
} actions[] = {
	{XDP_ABORTED, "aborted", "0"}, {XDP_DROP, "drop", "1"},         {XDP_PASS, "pass", "2"},
	{XDP_TX, "tx", "3"},           {XDP_REDIRECT, "redirect", "4"},
};

/* --- pn_xdp_action_name --------------------------------------------------- */

static void test_action_names(void **state)
{
	(void)state;
	assert_int_equal(ARRAY_SIZE(actions), N_ACTIONS);
	assert_int_equal(XDP_REDIRECT, N_ACTIONS - 1);
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		assert_int_equal(actions[i].action, i);
		assert_string_equal(pn_xdp_action_name(actions[i].action), actions[i].name);
	}

	assert_null(pn_xdp_action_name(N_ACTIONS));
	assert_null(pn_xdp_action_name(6));
	assert_null(pn_xdp_action_name(PLUGNET_SLOT_EMPTY));
	assert_null(pn_xdp_action_name(0x80000000U));
	assert_null(pn_xdp_action_name(UINT32_MAX));
}

/* --- pn_proceed_on_parse -------------------------------------------------- */

#define BAD POISON /* as a parse case's mask: refused with -EINVAL, and no mask written */

struct parse_case {
	const char *text;
	__u32 mask;
};

struct parse_table {
	const struct parse_case *cases;
	size_t n;
};

/* Single actions by name and by number: see test_parse_each_action. */
static const struct parse_case parse_names[] = {
	{"pass,drop", 1U << XDP_PASS | 1U << XDP_DROP},
	{"drop,pass", 1U << XDP_PASS | 1U << XDP_DROP},
	{"tx,redirect", 1U << XDP_TX | 1U << XDP_REDIRECT},
	{"aborted,drop,pass,tx,redirect", ALL_MASK},
	{"redirect,tx,pass,drop,aborted", ALL_MASK},
};

static const struct parse_case parse_case_insensitive[] = {
	{"PASS", 1U << XDP_PASS},           {"Drop", 1U << XDP_DROP},
	{"aBoRtEd", 1U << XDP_ABORTED},     {"TX,ReDiReCt", 1U << XDP_TX | 1U << XDP_REDIRECT},
	{"pass,PASS,Pass", 1U << XDP_PASS},
};

static const struct parse_case parse_numbers[] = {
	{"2,1", 1U << XDP_PASS | 1U << XDP_DROP},
	{"4,3,2,1,0", ALL_MASK},
	/* Numbers and names mix. */
	{"0,pass,4", 1U << XDP_ABORTED | 1U << XDP_PASS | 1U << XDP_REDIRECT},
};

static const struct parse_case parse_spaces[] = {
	{" pass", 1U << XDP_PASS},
	{"pass ", 1U << XDP_PASS},
	{"  pass  ", 1U << XDP_PASS},
	{"pass, drop", 1U << XDP_PASS | 1U << XDP_DROP},
	{"pass ,drop", 1U << XDP_PASS | 1U << XDP_DROP},
	{" pass , drop ", 1U << XDP_PASS | 1U << XDP_DROP},
	{"  tx  ,  2  ,  redirect  ", 1U << XDP_TX | 1U << XDP_PASS | 1U << XDP_REDIRECT},
};

static const struct parse_case parse_duplicates[] = {
	{"pass,pass", 1U << XDP_PASS},
	{"pass,2,PASS", 1U << XDP_PASS},
	{"drop,pass,drop", 1U << XDP_DROP | 1U << XDP_PASS},
};

static const struct parse_case parse_malformed[] = {
	{"", BAD},  /* empty */
	{" ", BAD}, /* only spaces */
	{",", BAD}, /* empty words */
	{",,", BAD},
	{"pass,", BAD},       /* trailing comma */
	{"pass, ", BAD},      /* trailing comma, then a space */
	{",pass", BAD},       /* leading comma */
	{"pass,,drop", BAD},  /* empty word in the middle */
	{"pass, ,drop", BAD}, /* blank word in the middle */
	{"bogus", BAD},       /* unknown word */
	{"pass,bogus", BAD},  /* unknown word after a good one: no partial mask */
	{"bogus,pass", BAD},
	{"5", BAD}, /* out-of-range numbers */
	{"9", BAD},
	{"10", BAD},
	{"-1", BAD},
	{"+2", BAD},
	{"passx", BAD}, /* a name with extra letters */
	{"xpass", BAD},
	{"pas", BAD}, /* a prefix of a name */
	{"t", BAD},
	{"dro", BAD},
	{"redirects", BAD},
	{"pass drop", BAD}, /* space is not a separator */
	{"pass;drop", BAD},
	{NULL, BAD},
};

/* `text` parses as `want`, or, if want is BAD, is refused and leaves the mask alone. */
static void expect_parse(const char *text, __u32 want)
{
	const char *shown = text ? text : "(null)";
	__u32 mask = POISON;
	int err = pn_proceed_on_parse(text, &mask);

	if (want == BAD && err != -EINVAL)
		fail_msg("parse \"%s\": returned %d, want -EINVAL", shown, err);
	else if (want != BAD && err)
		fail_msg("parse \"%s\": error %d, want mask %#x", shown, err, want);
	if (mask != want)
		fail_msg("parse \"%s\": mask %#x, want %#x", shown, mask, want);
}

/* Every case of the table in the test's state. */
static void run_parse(void **state)
{
	const struct parse_table *t = *state;

	assert_true(t->n > 0);
	for (size_t i = 0; i < t->n; i++)
		expect_parse(t->cases[i].text, t->cases[i].mask);
}

static void test_parse_each_action(void **state)
{
	(void)state;
	assert_int_equal(PN_PROCEED_ON_DEFAULT, 1U << XDP_PASS);
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		expect_parse(actions[i].name, 1U << actions[i].action);
		expect_parse(actions[i].number, 1U << actions[i].action);
	}
}

/* A cmocka test running run_parse on table parse_<what>. */
#define PARSE_TEST(what)                                                                        \
	{                                                                                       \
		"test_parse_" #what, run_parse, NULL, NULL, (void *)&(const struct parse_table) \
		{                                                                               \
			parse_##what, ARRAY_SIZE(parse_##what)                                  \
		}                                                                               \
	}

/* --- pn_proceed_on_format ------------------------------------------------- */

static void test_format_known(void **state)
{
	static const struct {
		__u32 mask;
		const char *text;
	} cases[] = {
		{0, ""},
		{1U << XDP_PASS, "pass"},
		{PN_PROCEED_ON_DEFAULT, "pass"},
		/* Always in action order, whatever order the text was parsed from. */
		{1U << XDP_PASS | 1U << XDP_DROP, "drop,pass"},
		{1U << XDP_REDIRECT | 1U << XDP_ABORTED, "aborted,redirect"},
		{ALL_MASK, "aborted,drop,pass,tx,redirect"},
		/* Bits that are not XDP actions (the empty-slot sentinel) are not shown. */
		{SENTINEL | 1U << XDP_PASS, "pass"},
		{~0U, "aborted,drop,pass,tx,redirect"},
		{SENTINEL, ""},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[64];
		int len;

		memset(buf, 'X', sizeof(buf));
		len = pn_proceed_on_format(cases[i].mask, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(len, strlen(cases[i].text));
	}
}

static void test_format_round_trip(void **state)
{
	(void)state;
	for (__u32 mask = 0; mask <= ALL_MASK; mask++) {
		char buf[64];
		__u32 back = POISON;
		int len, words = 0;

		len = pn_proceed_on_format(mask, buf, sizeof(buf));
		assert_int_equal(len, strlen(buf));
		if (!mask) {
			/* The empty set formats as "", which parse refuses. */
			assert_string_equal(buf, "");
			assert_int_equal(pn_proceed_on_parse(buf, &back), -EINVAL);
			assert_int_equal(back, POISON);
			continue;
		}
		assert_int_equal(pn_proceed_on_parse(buf, &back), 0);
		if (back != mask)
			fail_msg("mask %#x formats as \"%s\", which parses as %#x", mask, buf,
				 back);
		/* A name appears exactly for the bits set, one word per bit. */
		for (__u32 a = 0; a < N_ACTIONS; a++) {
			bool set = mask & 1U << a;

			assert_int_equal(strstr(buf, pn_xdp_action_name(a)) != NULL, set);
			words += set;
		}
		for (const char *p = buf; *p; p++)
			words -= *p == ',';
		assert_int_equal(words, 1); /* bits == commas + 1 */
	}
}

static void test_format_truncation(void **state)
{
	const char *full = "aborted,drop,pass,tx,redirect";
	const size_t full_len = strlen(full);
	char buf[40];

	(void)state;
	/*
	 * Like snprintf, at every size: the full length, at most size-1 chars,
	 * always a NUL, nothing written past it; size 0 writes nothing and
	 * only measures.
	 */
	for (size_t size = 0; size <= sizeof(buf); size++) {
		const size_t kept = !size ? 0 : size - 1 < full_len ? size - 1 : full_len;
		size_t untouched = size ? kept + 1 : 0;

		memset(buf, 'X', sizeof(buf));
		assert_int_equal(pn_proceed_on_format(ALL_MASK, buf, size), full_len);
		assert_memory_equal(buf, full, kept);
		if (size)
			assert_int_equal(buf[kept], '\0');
		for (; untouched < sizeof(buf); untouched++)
			if (buf[untouched] != 'X')
				fail_msg("size %zu: byte %zu written", size, untouched);
	}
	assert_int_equal(pn_proceed_on_format(1U << XDP_DROP | 1U << XDP_TX, NULL, 0),
			 strlen("drop,tx"));
}

/* --- run order ------------------------------------------------------------ */

static struct pn_slot_entry slot(__u32 attach_id, __s32 priority)
{
	struct pn_slot_entry e = {
		.attach_id = attach_id,
		.priority = priority,
		.proceed_on = PN_PROCEED_ON_DEFAULT,
	};

	return e;
}

/* The documented rule, written out independently of the code under test. */
static bool rule_before(const struct pn_slot_entry *a, const struct pn_slot_entry *b)
{
	if (a->priority < b->priority)
		return true;
	if (a->priority > b->priority)
		return false;
	return a->attach_id < b->attach_id;
}

static void test_runs_before(void **state)
{
	const struct pn_slot_entry lo = slot(9, 1), hi = slot(1, 2), neg = slot(50, -3);
	const struct pn_slot_entry t1 = slot(3, 7), t2 = slot(4, 7);
	const struct pn_slot_entry min = slot(100, INT32_MIN), max = slot(0, INT32_MAX);
	/* Pairs in run order: the first runs before the second, never the reverse. */
	const struct pn_slot_entry *const order[][2] = {
		{&lo, &hi},   /* lower priority first, whatever the attach ids */
		{&neg, &lo},  /* negative priorities before positive ones */
		{&min, &max}, /* the extremes compare as signed numbers */
		{&min, &neg}, {&hi, &max}, {&t1, &t2}, /* ties: the earlier attach id first */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		const struct pn_slot_entry *a = order[i][0], *b = order[i][1];

		if (!pn_slot_runs_before(a, b) || pn_slot_runs_before(b, a))
			fail_msg("(prio %d id %u) should run before (prio %d id %u), not after",
				 a->priority, a->attach_id, b->priority, b->attach_id);
		/* Strict: nothing runs before itself. */
		assert_false(pn_slot_runs_before(a, a));
		assert_false(pn_slot_runs_before(b, b));
	}
}

static void test_sort_ascending(void **state)
{
	static int owners[8];
	struct pn_slot_entry s[] = {
		slot(1, 10), slot(2, -5), slot(3, 0),         slot(4, INT32_MAX),
		slot(5, -1), slot(6, 3),  slot(7, INT32_MIN), slot(8, 0),
	};
	static const __u32 want_ids[] = {7, 2, 5, 3, 8, 6, 1, 4};
	static const __s32 want_prio[] = {INT32_MIN, -5, -1, 0, 0, 3, 10, INT32_MAX};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		s[i].owner = &owners[s[i].attach_id - 1];
		s[i].proceed_on = s[i].attach_id;
		s[i].frags = s[i].attach_id & 1;
	}
	pn_slots_sort(s, ARRAY_SIZE(s));
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		assert_int_equal(s[i].attach_id, want_ids[i]);
		assert_int_equal(s[i].priority, want_prio[i]);
		/* Whole entries move, not just the keys. */
		assert_ptr_equal(s[i].owner, &owners[want_ids[i] - 1]);
		assert_int_equal(s[i].proceed_on, want_ids[i]);
		assert_int_equal(s[i].frags, want_ids[i] & 1);
	}

	/* The smallest table that needs a swap, by priority and by attach id. */
	struct pn_slot_entry two[] = {slot(1, 1), slot(2, 0)};

	pn_slots_sort(two, 2);
	assert_int_equal(two[0].attach_id, 2);
	assert_int_equal(two[1].attach_id, 1);
	two[0] = slot(6, 4);
	two[1] = slot(5, 4);
	pn_slots_sort(two, 2);
	assert_int_equal(two[0].attach_id, 5);
	assert_int_equal(two[1].attach_id, 6);

	/* Nothing to do for 0 or 1 entries. */
	pn_slots_sort(NULL, 0);
	pn_slots_sort(s, 1);
	assert_int_equal(s[0].attach_id, 7);
	assert_int_equal(s[0].priority, INT32_MIN);
}

static void test_sort_ties_by_attach_id(void **state)
{
	/* Every one of the 24 input orders of four equal-priority slots. */
	static const __u32 ids[] = {12, 3, 40, 7};
	static const __u32 want[] = {3, 7, 12, 40};

	(void)state;
	for (int p = 0; p < 24; p++) {
		__u32 pool[4];
		struct pn_slot_entry s[4];
		int rest = p;

		memcpy(pool, ids, sizeof(pool));
		for (int i = 0; i < 4; i++) {
			int k = rest % (4 - i);

			rest /= 4 - i;
			s[i] = slot(pool[k], -2);
			memmove(&pool[k], &pool[k + 1], (size_t)(3 - i - k) * sizeof(pool[0]));
		}
		pn_slots_sort(s, 4);
		for (int i = 0; i < 4; i++) {
			assert_int_equal(s[i].attach_id, want[i]);
			assert_int_equal(s[i].priority, -2);
		}
	}

	/* Ties among ties: priority first, then attach id, within a mixed table. */
	struct pn_slot_entry m[] = {slot(9, 1), slot(2, 1), slot(8, 0), slot(1, 1), slot(5, 0)};
	static const __u32 want_m[] = {5, 8, 1, 2, 9};

	pn_slots_sort(m, ARRAY_SIZE(m));
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		assert_int_equal(m[i].attach_id, want_m[i]);
}

static __u32 xorshift32(__u32 *s)
{
	__u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void shuffle(struct pn_slot_entry *s, size_t n, __u32 *seed)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = xorshift32(seed) % (i + 1);
		struct pn_slot_entry tmp = s[i];

		s[i] = s[j];
		s[j] = tmp;
	}
}

static void test_sort_random(void **state)
{
	static const __u32 seeds[] = {1, 2, 42, 0x9e3779b9U, 0xdeadbeefU, 12345, 777, 31337};
	enum { N = PLUGNET_CONFIG_SLOTS };
	static int owners[N];

	(void)state;
	for (size_t si = 0; si < ARRAY_SIZE(seeds); si++) {
		struct pn_slot_entry s[N], ref[N];
		__u32 seed = seeds[si];

		/* Unique attach ids, priorities in -4..4 so there are many ties. */
		for (int i = 0; i < N; i++) {
			s[i] = slot((__u32)(1000 + 17 * i), (__s32)(xorshift32(&seed) % 9) - 4);
			s[i].owner = &owners[i];
		}

		for (int round = 0; round < 4; round++) {
			bool seen[N] = {false};

			shuffle(s, N, &seed);
			pn_slots_sort(s, N);

			/* Each adjacent pair obeys the rule, so the whole table does. */
			for (int i = 0; i + 1 < N; i++) {
				if (!rule_before(&s[i], &s[i + 1]))
					fail_msg("seed %#x: slot %d (prio %d id %u) before slot %d "
						 "(prio %d id %u)",
						 seeds[si], i, s[i].priority, s[i].attach_id, i + 1,
						 s[i + 1].priority, s[i + 1].attach_id);
				assert_true(pn_slot_runs_before(&s[i], &s[i + 1]));
				assert_false(pn_slot_runs_before(&s[i + 1], &s[i]));
			}
			/* A permutation of the input: every entry exactly once, intact. */
			for (int i = 0; i < N; i++) {
				int k = (int *)s[i].owner - owners;

				assert_in_range(k, 0, N - 1);
				assert_false(seen[k]);
				seen[k] = true;
				assert_int_equal(s[i].attach_id, 1000 + 17 * k);
			}
			/* The same table whatever the input order (fields, not padding). */
			if (round == 0)
				memcpy(ref, s, sizeof(ref));
			for (int i = 0; i < N; i++) {
				assert_int_equal(s[i].attach_id, ref[i].attach_id);
				assert_int_equal(s[i].priority, ref[i].priority);
				assert_ptr_equal(s[i].owner, ref[i].owner);
			}
		}
	}
}

/* --- pn_slots_build_config ------------------------------------------------ */

static void assert_unused_zero(const struct plugnet_dispatcher_config *cfg, size_t n)
{
	for (size_t i = n; i < PLUGNET_CONFIG_SLOTS; i++) {
		if (cfg->proceed_on[i] || cfg->priority[i] || cfg->attach_id[i])
			fail_msg(
				"unused slot %zu not zero: proceed_on %#x priority %d attach_id %u",
				i, cfg->proceed_on[i], cfg->priority[i], cfg->attach_id[i]);
	}
	if (n < 64)
		assert_int_equal(cfg->frags_slots >> n, 0);
	assert_int_equal(cfg->reserved, 0);
}

static void test_build_config_fields(void **state)
{
	struct pn_slot_entry s[] = {slot(4, -10), slot(7, 0), slot(5, 3)};
	struct plugnet_dispatcher_config cfg;
	const __u64 revision = 0x123456789abcdef0ULL; /* does not fit in 32 bits */

	(void)state;
	s[0].proceed_on = 0;
	s[1].proceed_on = 1U << XDP_PASS | 1U << XDP_TX;
	s[2].proceed_on = ALL_MASK;

	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(pn_slots_build_config(s, ARRAY_SIZE(s), revision, 0xfeedf00dU, &cfg), 0);
	assert_int_equal(cfg.magic, PLUGNET_DISPATCHER_MAGIC);
	assert_int_equal(cfg.magic, 0x504c474eU);
	assert_int_equal(cfg.version, PLUGNET_DISPATCHER_VERSION);
	assert_int_equal(cfg.num_slots, 3);
	assert_true(cfg.revision == revision);
	assert_int_equal(cfg.next_attach_id, 0xfeedf00dU);
	assert_int_equal(cfg.flags, 0); /* no frags slot */
	assert_int_equal(cfg.frags_slots, 0);

	/* Slot order is the caller's; the sentinel is added to every mask. */
	assert_int_equal(cfg.proceed_on[0], SENTINEL);
	assert_int_equal(cfg.proceed_on[1], SENTINEL | 1U << XDP_PASS | 1U << XDP_TX);
	assert_int_equal(cfg.proceed_on[2], SENTINEL | ALL_MASK);
	assert_int_equal(cfg.priority[0], -10);
	assert_int_equal(cfg.priority[1], 0);
	assert_int_equal(cfg.priority[2], 3);
	assert_int_equal(cfg.attach_id[0], 4);
	assert_int_equal(cfg.attach_id[1], 7);
	assert_int_equal(cfg.attach_id[2], 5);
	assert_unused_zero(&cfg, 3);

	/* The sentinel goes into the config, not into the caller's entries. */
	assert_int_equal(s[0].proceed_on, 0);
	assert_int_equal(s[2].proceed_on, ALL_MASK);

	/* Revision 0, attach id 0: still a valid header. */
	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(pn_slots_build_config(s, 1, 0, 0, &cfg), 0);
	assert_int_equal(cfg.num_slots, 1);
	assert_true(cfg.revision == 0);
	assert_int_equal(cfg.next_attach_id, 0);
	assert_int_equal(cfg.proceed_on[0], SENTINEL);
	assert_unused_zero(&cfg, 1);
}

static void test_build_config_empty(void **state)
{
	struct plugnet_dispatcher_config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(pn_slots_build_config(NULL, 0, 7, 1, &cfg), 0);
	assert_int_equal(cfg.magic, PLUGNET_DISPATCHER_MAGIC);
	assert_int_equal(cfg.version, PLUGNET_DISPATCHER_VERSION);
	assert_int_equal(cfg.num_slots, 0);
	assert_true(cfg.revision == 7);
	assert_int_equal(cfg.next_attach_id, 1);
	/* No slot refuses multi-buffer packets, so the dispatcher takes them. */
	assert_int_equal(cfg.flags, PLUGNET_DISPATCHER_F_FRAGS);
	assert_int_equal(cfg.frags_slots, 0);
	assert_unused_zero(&cfg, 0);
}

static void test_build_config_frags(void **state)
{
	struct pn_slot_entry s[4] = {slot(1, 0), slot(2, 0), slot(3, 0), slot(4, 0)};
	struct plugnet_dispatcher_config cfg;

	(void)state;
	/* All frags: the flag, and one bit per slot. */
	for (int i = 0; i < 4; i++)
		s[i].frags = true;
	assert_int_equal(pn_slots_build_config(s, 4, 1, 5, &cfg), 0);
	assert_int_equal(cfg.flags, PLUGNET_DISPATCHER_F_FRAGS);
	assert_int_equal(cfg.frags_slots, 0xf);

	/* Any one slot without frags clears the flag; the bits stay per slot. */
	for (int off = 0; off < 4; off++) {
		for (int i = 0; i < 4; i++)
			s[i].frags = i != off;
		assert_int_equal(pn_slots_build_config(s, 4, 1, 5, &cfg), 0);
		assert_int_equal(cfg.flags & PLUGNET_DISPATCHER_F_FRAGS, 0);
		assert_int_equal(cfg.frags_slots, 0xfULL & ~(1ULL << off));
	}

	/* Only slots 1 and 3. */
	for (int i = 0; i < 4; i++)
		s[i].frags = i & 1;
	assert_int_equal(pn_slots_build_config(s, 4, 1, 5, &cfg), 0);
	assert_int_equal(cfg.flags, 0);
	assert_int_equal(cfg.frags_slots, 0xa);

	/* None. */
	for (int i = 0; i < 4; i++)
		s[i].frags = false;
	assert_int_equal(pn_slots_build_config(s, 4, 1, 5, &cfg), 0);
	assert_int_equal(cfg.flags, 0);
	assert_int_equal(cfg.frags_slots, 0);

	/* Only the first n slots count: a non-frags entry past n is ignored. */
	s[0].frags = s[1].frags = true;
	assert_int_equal(pn_slots_build_config(s, 2, 1, 5, &cfg), 0);
	assert_int_equal(cfg.flags, PLUGNET_DISPATCHER_F_FRAGS);
	assert_int_equal(cfg.frags_slots, 0x3);
}

static void test_build_config_full(void **state)
{
	struct pn_slot_entry s[PLUGNET_CONFIG_SLOTS + 1];
	struct plugnet_dispatcher_config cfg, before;
	const size_t max = PLUGNET_CONFIG_SLOTS;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = slot((__u32)(i + 1), (__s32)i - 30);
		s[i].proceed_on = (__u32)i % (ALL_MASK + 1);
		s[i].frags = true;
		s[i].stats_row = (__u32)(max - 1 - i % max);
	}

	assert_int_equal(pn_slots_build_config(s, max, 99, 100, &cfg), 0);
	assert_int_equal(cfg.num_slots, max);
	assert_int_equal(cfg.flags, PLUGNET_DISPATCHER_F_FRAGS);
	assert_true(cfg.frags_slots == (max == 64 ? ~0ULL : (1ULL << max) - 1));
	for (size_t i = 0; i < max; i++) {
		assert_int_equal(cfg.proceed_on[i], SENTINEL | ((__u32)i % (ALL_MASK + 1)));
		assert_int_equal(cfg.priority[i], (__s32)i - 30);
		assert_int_equal(cfg.attach_id[i], i + 1);
		assert_int_equal(cfg.stats_row[i], max - 1 - i);
	}
	assert_int_equal(pn_slots_check_config(&cfg), 0);

	/* The last slot alone without frags clears the flag and only its bit. */
	s[max - 1].frags = false;
	assert_int_equal(pn_slots_build_config(s, max, 99, 100, &cfg), 0);
	assert_int_equal(cfg.flags, 0);
	assert_true(cfg.frags_slots == (1ULL << (max - 1)) - 1);

	/* One too many: refused, and the output is left alone. */
	memset(&cfg, 0x5a, sizeof(cfg));
	before = cfg;
	assert_int_equal(pn_slots_build_config(s, max + 1, 99, 100, &cfg), -E2BIG);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(pn_slots_build_config(s, SIZE_MAX, 99, 100, &cfg), -E2BIG);
}

/* --- pn_slots_check_config ------------------------------------------------ */

static void test_check_config(void **state)
{
	/* The header fields of a good two-slot configuration, changed. */
	static const struct {
		__u32 magic, version, num_slots;
		int err;
	} cases[] = {
		{PLUGNET_DISPATCHER_MAGIC, PLUGNET_DISPATCHER_VERSION, 2, 0},
		/* Bad magic: not a plugnet dispatcher at all. */
		{0, PLUGNET_DISPATCHER_VERSION, 2, -EPROTO},
		{PLUGNET_DISPATCHER_MAGIC ^ 1, PLUGNET_DISPATCHER_VERSION, 2, -EPROTO},
		/* Wrong byte order. */
		{__builtin_bswap32(PLUGNET_DISPATCHER_MAGIC), PLUGNET_DISPATCHER_VERSION, 2,
		 -EPROTO},
		/* The magic is checked first. */
		{__builtin_bswap32(PLUGNET_DISPATCHER_MAGIC), PLUGNET_DISPATCHER_VERSION + 1,
		 PLUGNET_CONFIG_SLOTS + 1, -EPROTO},
		/* Bad version: a plugnet dispatcher of another ABI; checked before the count. */
		{PLUGNET_DISPATCHER_MAGIC, PLUGNET_DISPATCHER_VERSION + 1, 2, -EPROTONOSUPPORT},
		{PLUGNET_DISPATCHER_MAGIC, 0, 2, -EPROTONOSUPPORT},
		{PLUGNET_DISPATCHER_MAGIC, 0, PLUGNET_CONFIG_SLOTS + 1, -EPROTONOSUPPORT},
		/* Slot count bounds. */
		{PLUGNET_DISPATCHER_MAGIC, PLUGNET_DISPATCHER_VERSION, PLUGNET_CONFIG_SLOTS, 0},
		{PLUGNET_DISPATCHER_MAGIC, PLUGNET_DISPATCHER_VERSION, PLUGNET_CONFIG_SLOTS + 1,
		 -E2BIG},
		{PLUGNET_DISPATCHER_MAGIC, PLUGNET_DISPATCHER_VERSION, UINT32_MAX, -E2BIG},
	};
	struct pn_slot_entry s[] = {slot(1, 0), slot(2, 5)};
	struct plugnet_dispatcher_config good, cfg;

	(void)state;
	assert_int_equal(pn_slots_build_config(s, ARRAY_SIZE(s), 3, 3, &good), 0);
	assert_int_equal(good.magic, PLUGNET_DISPATCHER_MAGIC);
	assert_int_equal(good.version, PLUGNET_DISPATCHER_VERSION);
	assert_int_equal(good.num_slots, 2);

	assert_int_equal(pn_slots_build_config(NULL, 0, 1, 1, &cfg), 0);
	assert_int_equal(pn_slots_check_config(&cfg), 0);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int err;

		cfg = good;
		cfg.magic = cases[i].magic;
		cfg.version = cases[i].version;
		cfg.num_slots = cases[i].num_slots;
		err = pn_slots_check_config(&cfg);
		if (err != cases[i].err)
			fail_msg("magic %#x version %u num_slots %u: %d, want %d", cfg.magic,
				 cfg.version, cfg.num_slots, err, cases[i].err);
	}

	/* A counters row past the map, in an active slot: the dispatcher would count nowhere. */
	cfg = good;
	cfg.stats_row[1] = PLUGNET_STATS_ROWS - 1;
	assert_int_equal(pn_slots_check_config(&cfg), 0);
	cfg.stats_row[1] = PLUGNET_STATS_ROWS;
	assert_int_equal(pn_slots_check_config(&cfg), -ERANGE);
	/* Past num_slots it is not read. */
	cfg = good;
	cfg.stats_row[2] = UINT32_MAX;
	assert_int_equal(pn_slots_check_config(&cfg), 0);
}

/* --- pn_slots_pick_stats_row ---------------------------------------------- */

static struct pn_slot_entry with_row(__u32 row)
{
	struct pn_slot_entry e = slot(row + 1, 0);

	e.stats_row = row;
	return e;
}

static void test_pick_stats_row_goes_round(void **state)
{
	struct pn_slot_entry s[3] = {with_row(1), with_row(2), with_row(4)};
	__u32 row = UINT32_MAX;

	(void)state;
	/* A new interface hands out row 0 first (the engine starts with last = ROWS - 1). */
	assert_int_equal(pn_slots_pick_stats_row(NULL, 0, PLUGNET_STATS_ROWS - 1, &row), 0);
	assert_int_equal(row, 0);
	/* The next free row after the last one handed out, skipping rows in use. */
	assert_int_equal(pn_slots_pick_stats_row(s, 3, 0, &row), 0);
	assert_int_equal(row, 3);
	assert_int_equal(pn_slots_pick_stats_row(s, 3, 3, &row), 0);
	assert_int_equal(row, 5);
	/* Wraps past the last row. */
	assert_int_equal(pn_slots_pick_stats_row(s, 3, PLUGNET_STATS_ROWS - 1, &row), 0);
	assert_int_equal(row, 0);
	s[0] = with_row(0);
	assert_int_equal(pn_slots_pick_stats_row(s, 3, PLUGNET_STATS_ROWS - 2, &row), 0);
	assert_int_equal(row, PLUGNET_STATS_ROWS - 1);
	assert_int_equal(pn_slots_pick_stats_row(s, 3, PLUGNET_STATS_ROWS - 1, &row), 0);
	assert_int_equal(row, 1);
}

static void test_pick_stats_row_freed_row_last(void **state)
{
	struct pn_slot_entry s[PLUGNET_STATS_ROWS];
	size_t n = 0;
	__u32 row, last = PLUGNET_STATS_ROWS - 1, freed;

	(void)state;
	/* Fill every row but one, as plugs do. */
	for (__u32 i = 0; i + 1 < PLUGNET_STATS_ROWS; i++) {
		assert_int_equal(pn_slots_pick_stats_row(s, n, last, &row), 0);
		assert_int_equal(row, i);
		s[n++] = with_row(row);
		last = row;
	}
	/* Unplug the attachment of row 7: row 7 and the never used last row are free. */
	freed = s[7].stats_row;
	s[7] = s[--n];
	assert_int_equal(pn_slots_pick_stats_row(s, n, last, &row), 0);
	assert_int_equal(row, PLUGNET_STATS_ROWS - 1);
	s[n++] = with_row(row);
	last = row;
	/* Only now, with no other row free, does the freed one come back. */
	assert_int_equal(pn_slots_pick_stats_row(s, n, last, &row), 0);
	assert_int_equal(row, freed);
	s[n++] = with_row(row);
	/* Every row taken. */
	assert_int_equal(n, PLUGNET_STATS_ROWS);
	row = 12345;
	assert_int_equal(pn_slots_pick_stats_row(s, n, row, &row), -ENOSPC);
	assert_int_equal(row, 12345);
}

/* Random plugs and unplugs: a row handed out is never one in use, and never out of range. */
static void test_pick_stats_row_random(void **state)
{
	struct pn_slot_entry s[PLUGNET_STATS_ROWS];
	__u32 seed = 12345, last = PLUGNET_STATS_ROWS - 1;
	size_t n = 0;

	(void)state;
	for (int step = 0; step < 20000; step++) {
		__u32 row;

		seed = seed * 1103515245U + 12345U;
		if (n && (n == PLUGNET_STATS_ROWS || (seed >> 16) % 3 == 0)) {
			s[(seed >> 8) % n] = s[n - 1];
			n--;
			continue;
		}
		assert_int_equal(pn_slots_pick_stats_row(s, n, last, &row), 0);
		assert_true(row < PLUGNET_STATS_ROWS);
		for (size_t i = 0; i < n; i++)
			assert_int_not_equal(s[i].stats_row, row);
		s[n++] = with_row(row);
		last = row;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_parse_each_action),
		PARSE_TEST(names),
		PARSE_TEST(case_insensitive),
		PARSE_TEST(numbers),
		PARSE_TEST(spaces),
		PARSE_TEST(duplicates),
		PARSE_TEST(malformed),
		cmocka_unit_test(test_format_known),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_truncation),
		cmocka_unit_test(test_runs_before),
		cmocka_unit_test(test_sort_ascending),
		cmocka_unit_test(test_sort_ties_by_attach_id),
		cmocka_unit_test(test_sort_random),
		cmocka_unit_test(test_build_config_fields),
		cmocka_unit_test(test_build_config_empty),
		cmocka_unit_test(test_build_config_frags),
		cmocka_unit_test(test_build_config_full),
		cmocka_unit_test(test_check_config),
		cmocka_unit_test(test_pick_stats_row_goes_round),
		cmocka_unit_test(test_pick_stats_row_freed_row_last),
		cmocka_unit_test(test_pick_stats_row_random),
	};

	return cmocka_run_group_tests_name("slots", tests, NULL, NULL);
}
