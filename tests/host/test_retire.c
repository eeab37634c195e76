// SPDX-License-Identifier: Apache-2.0
/*
 * The retire thread: deferred work runs after a grace period, off the
 * caller's thread, in order; drain waits for it; free runs what is left.
 */
#include <pthread.h>
#include <time.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "retire.h"
#include "testlib.h"

#define N_WORKS 200

struct record {
	atomic_int ran;
	int order[N_WORKS + 1];
	pthread_t thread[N_WORKS + 1];
};

struct item {
	struct record *rec;
	int index;
};

static void run_item(void *arg)
{
	struct item *it = arg;
	int slot = atomic_fetch_add(&it->rec->ran, 1);

	it->rec->order[slot] = it->index;
	it->rec->thread[slot] = pthread_self();
}

static void test_defer_drain_in_order_off_thread(void **state)
{
	static struct item items[N_WORKS];
	static struct record rec;
	struct pn_retire *r;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	tl_assert_ok(pn_retire__new(&r), "new");
	for (int i = 0; i < N_WORKS; i++) {
		items[i] = (struct item){.rec = &rec, .index = i};
		pn_retire__defer(r, run_item, &items[i]);
	}
	pn_retire__drain(r);
	assert_int_equal(atomic_load(&rec.ran), N_WORKS);
	for (int i = 0; i < N_WORKS; i++) {
		assert_int_equal(rec.order[i], i);
		assert_false(pthread_equal(rec.thread[i], pthread_self()));
	}
	/* Nothing pending: drain returns at once, and again after more work. */
	pn_retire__drain(r);
	pn_retire__defer(r, run_item, &items[0]);
	pn_retire__drain(r);
	assert_int_equal(atomic_load(&rec.ran), N_WORKS + 1);
	pn_retire__free(r);
}

static void test_free_runs_pending_work(void **state)
{
	static struct item items[16];
	static struct record rec;
	struct pn_retire *r;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	tl_assert_ok(pn_retire__new(&r), "new");
	for (int i = 0; i < 16; i++) {
		items[i] = (struct item){.rec = &rec, .index = i};
		pn_retire__defer(r, run_item, &items[i]);
	}
	pn_retire__free(r);
	assert_int_equal(atomic_load(&rec.ran), 16);
}

/* A grace period that lasts until the test ends it. */
/* Nothing deferred runs before its grace period has ended. */
static void test_work_waits_for_grace_period(void **state)
{
	static struct tl_held_grace g;
	int (*held_wait)(void *arg);
	static struct item items[4];
	static struct record rec;
	struct pn_retire *r;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	tl_assert_ok(pn_retire__new(&r), "new");
	tl_held_grace_init(&g, &held_wait);
	pn_retire__set_grace_period(r, held_wait, &g);
	for (int i = 0; i < 4; i++) {
		items[i] = (struct item){.rec = &rec, .index = i};
		pn_retire__defer(r, run_item, &items[i]);
	}
	if (!tl_held_grace_started(&g))
		fail_msg("the release thread never waited for a grace period");
	/* The thread is inside the grace period: give it every chance to run work too early. */
	usleep(50 * 1000);
	assert_int_equal(atomic_load(&rec.ran), 0);
	tl_held_grace_end(&g);
	pn_retire__drain(r);
	assert_int_equal(atomic_load(&rec.ran), 4);
	pn_retire__free(r);
	tl_held_grace_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defer_drain_in_order_off_thread),
		cmocka_unit_test(test_free_runs_pending_work),
		cmocka_unit_test(test_work_waits_for_grace_period),
	};

	return cmocka_run_group_tests_name("retire", tests, NULL, NULL);
}
