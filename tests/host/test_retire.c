// SPDX-License-Identifier: Apache-2.0
/*
 * The retire thread: deferred work runs after a grace period, off the
 * caller's thread, in order; drain waits for it; free runs what is left.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "agent/retire.h"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defer_drain_in_order_off_thread),
		cmocka_unit_test(test_free_runs_pending_work),
	};

	return cmocka_run_group_tests_name("retire", tests, NULL, NULL);
}
