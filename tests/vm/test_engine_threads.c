// SPDX-License-Identifier: Apache-2.0
/*
 * The engine under threads, as the agent's API server will drive it: one
 * engine, several threads plugging and unplugging at once, some calls
 * failing on purpose. Each thread must read its own error message, and
 * the final state must be what each thread did. Built twice: with
 * ASan+UBSan, and with ThreadSanitizer (test_engine_threads.tsan).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "plugnet/engine.h"
#include "marks.skel.h"
#include "testlib.h"

#define N_THREADS 4
#define ROUNDS    4
#define PIN_ROOT  "/sys/fs/bpf/plugnet-test-threads"

struct worker {
	pthread_t thread;
	pthread_barrier_t *start;
	struct pn_iface *iface;
	char ns[32], ifname[IF_NAMESIZE];
	int index;
	/* What the thread did, for the final check. */
	unsigned int commits;
	__u32 kept_id;
	/* The first wrong thing it saw; empty if none. */
	char problem[512];
};

static const void *marks_elf;
static size_t marks_size;

__attribute__((format(printf, 2, 3))) static void problem(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->problem, sizeof(w->problem), fmt, ap);
	va_end(ap);
}

static int plug(struct worker *w, const char *name, int priority, __u32 *id)
{
	struct pn_slot_spec spec = {
		.elf = marks_elf,
		.elf_size = marks_size,
		.prog_name = name,
		.priority = priority,
	};

	return pn_iface__plug(w->iface, &spec, id);
}

/* The message is this thread's: it names this interface and `what`, and no other thread's. */
static void expect_own_error(struct worker *w, const char *call, int err, int want_err,
			     const char *what)
{
	const char *msg = pn_last_error();
	char mine[64];

	snprintf(mine, sizeof(mine), "interface '%s'", w->ifname);
	if (err != want_err)
		problem(w, "%s: returned %d, expected %d (%s)", call, err, want_err, msg);
	else if (!strstr(msg, mine) || !strstr(msg, what))
		problem(w, "%s: message \"%s\" lacks \"%s\" or \"%s\"", call, msg, mine, what);
	for (int i = 0; i < N_THREADS; i++) {
		char other[32];

		snprintf(other, sizeof(other), "'thr%d-a'", i);
		if (i != w->index && strstr(msg, other))
			problem(w, "%s: message names another thread's interface: \"%s\"", call,
				msg);
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char nope[32], bogus[32];
	__u32 a, b;

	snprintf(nope, sizeof(nope), "nope_t%d", w->index);
	pthread_barrier_wait(w->start);
	for (int round = 0; round < ROUNDS && !w->problem[0]; round++) {
		int err;

		if ((err = plug(w, "mark_a", w->index, &a)))
			problem(w, "plug mark_a: %d %s", err, pn_last_error());
		else
			w->commits++;
		err = plug(w, nope, 0, NULL);
		expect_own_error(w, "plug of a missing program", err, -ENOENT, nope);
		snprintf(bogus, sizeof(bogus), "attach id %d", 1000 + w->index);
		err = pn_iface__unplug(w->iface, 1000 + w->index);
		expect_own_error(w, "unplug of a bogus id", err, -ENOENT, bogus);
		if ((err = plug(w, "mark_b", -w->index, &b)))
			problem(w, "plug mark_b: %d %s", err, pn_last_error());
		else
			w->commits++;
		if ((err = pn_iface__unplug(w->iface, a)))
			problem(w, "unplug mark_a: %d %s", err, pn_last_error());
		else
			w->commits++;
		/* Every round but the last removes mark_b again. */
		if (round == ROUNDS - 1)
			w->kept_id = b;
		else if ((err = pn_iface__unplug(w->iface, b)))
			problem(w, "unplug mark_b: %d %s", err, pn_last_error());
		else
			w->commits++;
	}
	return NULL;
}

static struct pn_engine *engine;
static struct worker workers[N_THREADS];

static int setup(void **state)
{
	(void)state;
	marks_elf = marks__elf_bytes(&marks_size);
	(void)tl_sh("rm -rf " PIN_ROOT);
	if (pn_engine__new(PIN_ROOT, &engine)) {
		fprintf(stderr, "setup: %s\n", pn_last_error());
		return -1;
	}
	for (int i = 0; i < N_THREADS; i++) {
		struct worker *w = &workers[i];
		struct pn_iface_ref ref;
		char peer[IF_NAMESIZE];
		int nsfd;

		w->index = i;
		snprintf(w->ns, sizeof(w->ns), "pn-thr%d", i);
		snprintf(w->ifname, sizeof(w->ifname), "thr%u-a", (unsigned int)i % 10);
		snprintf(peer, sizeof(peer), "thr%u-b", (unsigned int)i % 10);
		if (tl_netns_veth(w->ns, w->ifname, peer))
			return -1;
		nsfd = tl_netns_open(w->ns);
		if (nsfd < 0)
			return -1;
		ref = (struct pn_iface_ref){.netns_fd = nsfd, .ifname = w->ifname};
		if (pn_engine__install(engine, &ref, PN_XDP_MODE_AUTO, &w->iface)) {
			fprintf(stderr, "setup: %s\n", pn_last_error());
			close(nsfd);
			return -1;
		}
		close(nsfd);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < N_THREADS; i++) {
		if (workers[i].iface && pn_iface__remove(workers[i].iface))
			fprintf(stderr, "teardown: %s\n", pn_last_error());
		workers[i].iface = NULL;
		tl_netns_del(workers[i].ns);
	}
	pn_engine__free(engine);
	(void)tl_sh("rm -rf " PIN_ROOT);
	return 0;
}

/* Four interfaces, four threads, at once. */
static void test_threads_on_separate_interfaces(void **state)
{
	pthread_barrier_t start;

	(void)state;
	assert_int_equal(pthread_barrier_init(&start, NULL, N_THREADS), 0);
	for (int i = 0; i < N_THREADS; i++) {
		workers[i].start = &start;
		assert_int_equal(pthread_create(&workers[i].thread, NULL, work, &workers[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
	pthread_barrier_destroy(&start);

	for (int i = 0; i < N_THREADS; i++) {
		static struct pn_iface_info info;
		struct worker *w = &workers[i];

		if (w->problem[0])
			fail_msg("thread %d (%s): %s", i, w->ifname, w->problem);
		tl_assert_ok(pn_iface__describe(w->iface, &info), pn_last_error());
		/* Revision 1 at install, one more per change that succeeded; failures add none. */
		assert_int_equal(w->commits, ROUNDS * 4 - 1);
		assert_int_equal(info.revision, 1 + w->commits);
		assert_int_equal(info.num_slots, 1);
		assert_string_equal(info.slots[0].prog_name, "mark_b");
		assert_int_equal(info.slots[0].attach_id, w->kept_id);
		assert_int_equal(info.slots[0].priority, -i);
		assert_string_equal(info.ifname, w->ifname);
	}
}

struct same_iface {
	pthread_barrier_t *start;
	struct pn_iface *iface;
	int priority;
	__u32 ids[5];
	int err;
	char msg[256];
};

static void *plug_five(void *arg)
{
	struct same_iface *s = arg;
	struct pn_slot_spec spec = {
		.elf = marks_elf,
		.elf_size = marks_size,
		.prog_name = "mark_c",
		.priority = s->priority,
	};

	pthread_barrier_wait(s->start);
	for (int i = 0; i < 5 && !s->err; i++) {
		s->err = pn_iface__plug(s->iface, &spec, &s->ids[i]);
		if (s->err)
			snprintf(s->msg, sizeof(s->msg), "%s", pn_last_error());
	}
	return NULL;
}

/* Two threads on one interface: their revisions run one after the other, none is lost. */
static void test_threads_on_one_interface(void **state)
{
	static struct pn_iface_info before, after;
	struct pn_iface *ifc = workers[0].iface;
	struct same_iface s[2] = {};
	pthread_barrier_t start;
	pthread_t th[2];

	(void)state;
	tl_assert_ok(pn_iface__describe(ifc, &before), pn_last_error());
	assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
	for (int i = 0; i < 2; i++) {
		s[i] = (struct same_iface){.start = &start, .iface = ifc, .priority = 10 + i};
		assert_int_equal(pthread_create(&th[i], NULL, plug_five, &s[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < 2; i++) {
		if (s[i].err)
			fail_msg("thread %d: %d %s", i, s[i].err, s[i].msg);
	}
	tl_assert_ok(pn_iface__describe(ifc, &after), pn_last_error());
	assert_int_equal(after.revision, before.revision + 10);
	assert_int_equal(after.num_slots, before.num_slots + 10);
	/* Every attach id handed out is in the table, once. */
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < 5; k++) {
			int found = 0;

			for (__u32 j = 0; j < after.num_slots; j++)
				found += after.slots[j].attach_id == s[i].ids[k];
			assert_int_equal(found, 1);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_on_separate_interfaces),
		cmocka_unit_test(test_threads_on_one_interface),
	};

	tl_log_level(PN_LOG_WARN);
	return cmocka_run_group_tests_name("engine_threads", tests, setup, teardown);
}
