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

#include "agent/slots.h"
#include "testlib.h"

#define N_ACTIONS     5
#define ALL_MASK      ((1U << N_ACTIONS) - 1)
#define SENTINEL      (1U << PLUGNET_SLOT_EMPTY)
#define POISON        0xdeadbeefU
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- pn_xdp_action_name --------------------------------------------------- */

static void test_action_names(void **state)
{
	(void)state;
	/* The names follow the kernel's enum xdp_action. */
	assert_string_equal(pn_xdp_action_name(XDP_ABORTED), "aborted");
	assert_string_equal(pn_xdp_action_name(XDP_DROP), "drop");
	assert_string_equal(pn_xdp_action_name(XDP_PASS), "pass");
	assert_string_equal(pn_xdp_action_name(XDP_TX), "tx");
	assert_string_equal(pn_xdp_action_name(XDP_REDIRECT), "redirect");
	assert_int_equal(XDP_REDIRECT, N_ACTIONS - 1);

	assert_null(pn_xdp_action_name(N_ACTIONS));
	assert_null(pn_xdp_action_name(6));
	assert_null(pn_xdp_action_name(PLUGNET_SLOT_EMPTY));
	assert_null(pn_xdp_action_name(0x80000000U));
	assert_null(pn_xdp_action_name(UINT32_MAX));
}

/* --- pn_proceed_on_parse -------------------------------------------------- */

static void expect_parse(const char *text, __u32 want)
{
	__u32 mask = POISON;
	int err = pn_proceed_on_parse(text, &mask);

	if (err)
		fail_msg("parse \"%s\": error %d, want mask %#x", text, err, want);
	if (mask != want)
		fail_msg("parse \"%s\": mask %#x, want %#x", text, mask, want);
}

static void expect_parse_einval(const char *text)
{
	__u32 mask = POISON;
	int err = pn_proceed_on_parse(text, &mask);

	if (err != -EINVAL)
		fail_msg("parse \"%s\": returned %d, want -EINVAL", text ? text : "(null)", err);
	if (mask != POISON)
		fail_msg("parse \"%s\": failed but wrote mask %#x", text ? text : "(null)", mask);
}

static void test_parse_names(void **state)
{
	(void)state;
	expect_parse("aborted", 1U << XDP_ABORTED);
	expect_parse("drop", 1U << XDP_DROP);
	expect_parse("pass", 1U << XDP_PASS);
	expect_parse("tx", 1U << XDP_TX);
	expect_parse("redirect", 1U << XDP_REDIRECT);
	assert_int_equal(PN_PROCEED_ON_DEFAULT, 1U << XDP_PASS);

	expect_parse("pass,drop", 1U << XDP_PASS | 1U << XDP_DROP);
	expect_parse("drop,pass", 1U << XDP_PASS | 1U << XDP_DROP);
	expect_parse("tx,redirect", 1U << XDP_TX | 1U << XDP_REDIRECT);
	expect_parse("aborted,drop,pass,tx,redirect", ALL_MASK);
	expect_parse("redirect,tx,pass,drop,aborted", ALL_MASK);
}

static void test_parse_case_insensitive(void **state)
{
	(void)state;
	expect_parse("PASS", 1U << XDP_PASS);
	expect_parse("Drop", 1U << XDP_DROP);
	expect_parse("aBoRtEd", 1U << XDP_ABORTED);
	expect_parse("TX,ReDiReCt", 1U << XDP_TX | 1U << XDP_REDIRECT);
	expect_parse("pass,PASS,Pass", 1U << XDP_PASS);
}

static void test_parse_numbers(void **state)
{
	(void)state;
	expect_parse("0", 1U << XDP_ABORTED);
	expect_parse("1", 1U << XDP_DROP);
	expect_parse("2", 1U << XDP_PASS);
	expect_parse("3", 1U << XDP_TX);
	expect_parse("4", 1U << XDP_REDIRECT);
	expect_parse("2,1", 1U << XDP_PASS | 1U << XDP_DROP);
	expect_parse("4,3,2,1,0", ALL_MASK);
	/* Numbers and names mix. */
	expect_parse("0,pass,4", 1U << XDP_ABORTED | 1U << XDP_PASS | 1U << XDP_REDIRECT);
}

static void test_parse_spaces(void **state)
{
	(void)state;
	expect_parse(" pass", 1U << XDP_PASS);
	expect_parse("pass ", 1U << XDP_PASS);
	expect_parse("  pass  ", 1U << XDP_PASS);
	expect_parse("pass, drop", 1U << XDP_PASS | 1U << XDP_DROP);
	expect_parse("pass ,drop", 1U << XDP_PASS | 1U << XDP_DROP);
	expect_parse(" pass , drop ", 1U << XDP_PASS | 1U << XDP_DROP);
	expect_parse("  tx  ,  2  ,  redirect  ",
		     1U << XDP_TX | 1U << XDP_PASS | 1U << XDP_REDIRECT);
}

static void test_parse_duplicates(void **state)
{
	(void)state;
	expect_parse("pass,pass", 1U << XDP_PASS);
	expect_parse("pass,2,PASS", 1U << XDP_PASS);
	expect_parse("drop,pass,drop", 1U << XDP_DROP | 1U << XDP_PASS);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"",  /* empty */
		" ", /* only spaces */
		",", /* empty words */
		",,",
		"pass,",       /* trailing comma */
		"pass, ",      /* trailing comma, then a space */
		",pass",       /* leading comma */
		"pass,,drop",  /* empty word in the middle */
		"pass, ,drop", /* blank word in the middle */
		"bogus",       /* unknown word */
		"pass,bogus",  /* unknown word after a good one: no partial mask */
		"bogus,pass",
		"5", /* out-of-range numbers */
		"9",
		"10",
		"-1",
		"+2",
		"passx", /* a name with extra letters */
		"xpass",
		"pas", /* a prefix of a name */
		"t",
		"dro",
		"redirects",
		"pass drop", /* space is not a separator */
		"pass;drop",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		expect_parse_einval(bad[i]);
	expect_parse_einval(NULL);
}

/* --- pn_proceed_on_format ------------------------------------------------- */

static void expect_format(__u32 mask, const char *want)
{
	char buf[64];
	int len;

	memset(buf, 'X', sizeof(buf));
	len = pn_proceed_on_format(mask, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

static void test_format_known(void **state)
{
	(void)state;
	expect_format(0, "");
	expect_format(1U << XDP_PASS, "pass");
	expect_format(PN_PROCEED_ON_DEFAULT, "pass");
	/* Always in action order, whatever order the text was parsed from. */
	expect_format(1U << XDP_PASS | 1U << XDP_DROP, "drop,pass");
	expect_format(1U << XDP_REDIRECT | 1U << XDP_ABORTED, "aborted,redirect");
	expect_format(ALL_MASK, "aborted,drop,pass,tx,redirect");
	/* Bits that are not XDP actions (the empty-slot sentinel) are not shown. */
	expect_format(SENTINEL | 1U << XDP_PASS, "pass");
	expect_format(~0U, "aborted,drop,pass,tx,redirect");
	expect_format(SENTINEL, "");
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
	const int full_len = (int)strlen(full);
	char buf[40];

	(void)state;
	/* Like snprintf: the full length, at most size-1 chars, always a NUL. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(pn_proceed_on_format(ALL_MASK, buf, 5), full_len);
	assert_memory_equal(buf, "abor", 5);
	for (size_t i = 5; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(pn_proceed_on_format(ALL_MASK, buf, 1), full_len);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	/* One byte short of room for the NUL: the last char is lost. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(pn_proceed_on_format(ALL_MASK, buf, full_len), full_len);
	assert_int_equal(strlen(buf), full_len - 1);
	assert_memory_equal(buf, full, full_len - 1);
	assert_int_equal(buf[full_len], 'X');

	/* Exactly enough room. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(pn_proceed_on_format(ALL_MASK, buf, full_len + 1), full_len);
	assert_string_equal(buf, full);
	assert_int_equal(buf[full_len + 1], 'X');

	/* Size 0 writes nothing and only measures. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(pn_proceed_on_format(ALL_MASK, buf, 0), full_len);
	assert_int_equal(buf[0], 'X');
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
	struct pn_slot_entry lo = slot(9, 1), hi = slot(1, 2), neg = slot(50, -3);
	struct pn_slot_entry t1 = slot(3, 7), t2 = slot(4, 7);
	struct pn_slot_entry min = slot(100, INT32_MIN), max = slot(0, INT32_MAX);

	(void)state;
	/* Lower priority first, whatever the attach ids. */
	assert_true(pn_slot_runs_before(&lo, &hi));
	assert_false(pn_slot_runs_before(&hi, &lo));
	/* Negative priorities run before positive ones. */
	assert_true(pn_slot_runs_before(&neg, &lo));
	assert_false(pn_slot_runs_before(&lo, &neg));
	/* The extremes compare as signed numbers. */
	assert_true(pn_slot_runs_before(&min, &max));
	assert_false(pn_slot_runs_before(&max, &min));
	assert_true(pn_slot_runs_before(&min, &neg));
	assert_true(pn_slot_runs_before(&hi, &max));
	/* Ties: the earlier attach id first. */
	assert_true(pn_slot_runs_before(&t1, &t2));
	assert_false(pn_slot_runs_before(&t2, &t1));
	/* Strict: nothing runs before itself. */
	assert_false(pn_slot_runs_before(&t1, &t1));
	assert_false(pn_slot_runs_before(&min, &min));
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
	enum { N = PLUGNET_MAX_SLOTS };
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
	for (size_t i = n; i < PLUGNET_MAX_SLOTS; i++) {
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
	struct pn_slot_entry s[PLUGNET_MAX_SLOTS + 1];
	struct plugnet_dispatcher_config cfg, before;
	const size_t max = PLUGNET_MAX_SLOTS;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = slot((__u32)(i + 1), (__s32)i - 30);
		s[i].proceed_on = (__u32)i % (ALL_MASK + 1);
		s[i].frags = true;
	}

	assert_int_equal(pn_slots_build_config(s, max, 99, 100, &cfg), 0);
	assert_int_equal(cfg.num_slots, max);
	assert_int_equal(cfg.flags, PLUGNET_DISPATCHER_F_FRAGS);
	assert_true(cfg.frags_slots == (max == 64 ? ~0ULL : (1ULL << max) - 1));
	for (size_t i = 0; i < max; i++) {
		assert_int_equal(cfg.proceed_on[i], SENTINEL | ((__u32)i % (ALL_MASK + 1)));
		assert_int_equal(cfg.priority[i], (__s32)i - 30);
		assert_int_equal(cfg.attach_id[i], i + 1);
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
	struct pn_slot_entry s[] = {slot(1, 0), slot(2, 5)};
	struct plugnet_dispatcher_config good, cfg;

	(void)state;
	assert_int_equal(pn_slots_build_config(s, ARRAY_SIZE(s), 3, 3, &good), 0);
	assert_int_equal(pn_slots_check_config(&good), 0);

	assert_int_equal(pn_slots_build_config(NULL, 0, 1, 1, &cfg), 0);
	assert_int_equal(pn_slots_check_config(&cfg), 0);

	/* Bad magic: not a plugnet dispatcher at all. */
	cfg = good;
	cfg.magic = 0;
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTO);
	cfg.magic = PLUGNET_DISPATCHER_MAGIC ^ 1;
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTO);
	cfg.magic = __builtin_bswap32(PLUGNET_DISPATCHER_MAGIC); /* wrong byte order */
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTO);
	/* The magic is checked first. */
	cfg.version = PLUGNET_DISPATCHER_VERSION + 1;
	cfg.num_slots = PLUGNET_MAX_SLOTS + 1;
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTO);

	/* Bad version: a plugnet dispatcher of another ABI. */
	cfg = good;
	cfg.version = PLUGNET_DISPATCHER_VERSION + 1;
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTONOSUPPORT);
	cfg.version = 0;
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTONOSUPPORT);
	cfg.num_slots = PLUGNET_MAX_SLOTS + 1;
	assert_int_equal(pn_slots_check_config(&cfg), -EPROTONOSUPPORT);

	/* Slot count bounds. */
	cfg = good;
	cfg.num_slots = PLUGNET_MAX_SLOTS;
	assert_int_equal(pn_slots_check_config(&cfg), 0);
	cfg.num_slots = PLUGNET_MAX_SLOTS + 1;
	assert_int_equal(pn_slots_check_config(&cfg), -E2BIG);
	cfg.num_slots = UINT32_MAX;
	assert_int_equal(pn_slots_check_config(&cfg), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_parse_case_insensitive),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_spaces),
		cmocka_unit_test(test_parse_duplicates),
		cmocka_unit_test(test_parse_malformed),
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
	};

	return cmocka_run_group_tests_name("slots", tests, NULL, NULL);
}
