// SPDX-License-Identifier: Apache-2.0
/*
 * What the engine settles before it plugs anything, on this kernel: the
 * slot count read from the dispatcher object, the lock on the pin root,
 * the kernel feature probes and the refusals and fallbacks they drive,
 * and that each thread has its own error message.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "engine_internal.h"
#include "dispatcher_slots.h"
#include "dispatcher8.skel.h"
#include "testlib.h"

#define PIN_ROOT "/sys/fs/bpf/plugnet-test-setup"
#define NS       "pn-setup"

static void test_slot_count_from_object(void **state)
{
	struct pn_engine *e;
	const void *elf;
	size_t size;

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	/* The build's own object: the stub count mk/gen-slots.sh wrote into it. */
	assert_int_equal(pn_engine__slot_count(e), PLUGNET_NUM_STUBS);
	pn_engine__free(e);

	elf = dispatcher8__elf_bytes(&size);
	tl_assert_ok(pn_engine__new_with_dispatcher(PIN_ROOT, elf, size, &e), pn_last_error());
	assert_int_equal(pn_engine__slot_count(e), 8);
	pn_engine__free(e);
}

static void test_not_a_dispatcher_object(void **state)
{
	struct pn_engine *e = NULL;
	size_t size;
	const void *elf = dispatcher8__elf_bytes(&size);
	char *garbled = test_malloc(size);

	(void)state;
	memcpy(garbled, elf, size);
	memset(garbled, 0, 64); /* no ELF header */
	assert_int_not_equal(pn_engine__new_with_dispatcher(PIN_ROOT, garbled, size, &e), 0);
	assert_null(e);
	assert_non_null(strstr(pn_last_error(), "dispatcher object"));
	test_free(garbled);
}

/* A second engine on the same pin root is refused, naming the root and the holder. */
static void test_pin_root_lock_in_process(void **state)
{
	struct pn_engine *first, *second = NULL;
	char want[64];

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &first), pn_last_error());
	assert_int_equal(pn_engine__new(PIN_ROOT, &second), -EBUSY);
	assert_null(second);
	snprintf(want, sizeof(want), "(pid %d)", getpid());
	assert_non_null(strstr(pn_last_error(), "pin root '" PIN_ROOT "'"));
	assert_non_null(strstr(pn_last_error(), want));
	pn_engine__free(first);
	/* Released with the engine. */
	tl_assert_ok(pn_engine__new(PIN_ROOT, &second), pn_last_error());
	pn_engine__free(second);
}

static void test_pin_root_lock_across_processes(void **state)
{
	struct pn_engine *first;
	int status, go[2], pipefd[2];
	char msg[512] = "", want[64], byte = 1;
	ssize_t n;
	pid_t child;

	(void)state;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(pipefd), 0);
	/*
	 * Forked before the first engine starts its release thread: a fork
	 * while another thread holds an allocator lock (ASan's) leaves the
	 * child blocked on it for ever.
	 */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct pn_engine *e = NULL;
		int err;

		close(go[1]);
		if (read(go[0], &byte, 1) != 1)
			_exit(4);
		err = pn_engine__new(PIN_ROOT, &e);
		if (write(pipefd[1], pn_last_error(), strlen(pn_last_error())) < 0)
			_exit(3);
		_exit(err == -EBUSY && !e ? 0 : 1);
	}
	close(go[0]);
	close(pipefd[1]);
	tl_assert_ok(pn_engine__new(PIN_ROOT, &first), pn_last_error());
	assert_int_equal(write(go[1], &byte, 1), 1);
	close(go[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	assert_true(n > 0);
	msg[n] = '\0';
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(want, sizeof(want), "(pid %d)", getpid());
	assert_non_null(strstr(msg, "pin root '" PIN_ROOT "' is in use by another plugnet engine"));
	assert_non_null(strstr(msg, want));
	pn_engine__free(first);
}

static void test_features_of_this_kernel(void **state)
{
	const struct pn_kernel_features *f;
	struct pn_engine *e;

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	f = pn_engine__features(e);
	/* Every kernel this suite runs on (the host's, Debian's 6.1 in the VM) has all three. */
	assert_true(f->xdp_link);
	assert_true(f->freplace_multi_attach);
	assert_true(f->xdp_frags);
	pn_engine__free(e);
}

static int setup_veth(void **state)
{
	(void)state;
	return tl_netns_veth(NS, "pn-a", "pn-b");
}

static int teardown_veth(void **state)
{
	(void)state;
	tl_netns_del(NS);
	return 0;
}

/* 1 if an XDP program is attached to pn-a, as iproute2 sees it. */
static int xdp_attached(void)
{
	return tl_sh("ip -n %s link show pn-a | grep -q 'prog/xdp'", NS) == 0;
}

/* Without a needed feature, install refuses, names it, and leaves the interface alone. */
static void test_install_refuses_missing_feature(void **state)
{
	static const struct {
		struct pn_kernel_features f;
		const char *named;
	} cases[] = {
		{{.xdp_link = false, .freplace_multi_attach = true, .xdp_frags = true},
		 "lacks XDP through a bpf_link (Linux 5.9)"},
		{{.xdp_link = true, .freplace_multi_attach = false, .xdp_frags = true},
		 "(freplace multi-attach, Linux 5.10)"},
	};
	int nsfd = tl_netns_open(NS);

	(void)state;
	assert_true(nsfd >= 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pn_iface_ref ref = (struct pn_iface_ref){.netns_fd = nsfd, .ifname = "pn-a"};
		struct pn_iface *ifc = NULL;
		struct pn_engine *e;

		tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
		pn_engine__set_features(e, &cases[i].f);
		assert_int_equal(pn_engine__install(e, &ref, PN_XDP_MODE_AUTO, &ifc), -EOPNOTSUPP);
		assert_null(ifc);
		assert_non_null(strstr(pn_last_error(), "interface 'pn-a'"));
		assert_non_null(strstr(pn_last_error(), cases[i].named));
		assert_int_equal(xdp_attached(), 0);
		pn_engine__free(e);
	}
	close(nsfd);
}

/* Without multi-buffer XDP the dispatcher is loaded without the frags flag, and says so. */
static void test_install_without_frags_support(void **state)
{
	const struct pn_kernel_features no_frags = {.xdp_link = true,
						    .freplace_multi_attach = true};
	struct pn_iface_info info;
	struct pn_iface *ifc = NULL;
	struct pn_engine *e;
	int nsfd = tl_netns_open(NS);

	(void)state;
	assert_true(nsfd >= 0);
	for (int frags = 1; frags >= 0; frags--) {
		struct pn_iface_ref ref = (struct pn_iface_ref){.netns_fd = nsfd, .ifname = "pn-a"};

		tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
		if (!frags)
			pn_engine__set_features(e, &no_frags);
		tl_assert_ok(pn_engine__install(e, &ref, PN_XDP_MODE_AUTO, &ifc), pn_last_error());
		tl_assert_ok(pn_iface__describe(ifc, &info), pn_last_error());
		/* No slots: the dispatcher is frags-capable exactly when the kernel is. */
		assert_int_equal(info.frags, frags);
		assert_int_equal(xdp_attached(), 1);
		tl_assert_ok(pn_iface__remove(ifc), pn_last_error());
		pn_engine__free(e);
	}
	close(nsfd);
}

struct err_thread {
	pthread_barrier_t *barrier;
	struct pn_engine *engine;
	char ifname[IF_NAMESIZE];
	int err;
	char msg[256];
};

static void *fail_install(void *arg)
{
	struct err_thread *t = arg;
	struct pn_iface_ref ref = (struct pn_iface_ref){.netns_fd = -1, .ifname = t->ifname};
	struct pn_iface *ifc;

	pthread_barrier_wait(t->barrier);
	t->err = pn_engine__install(t->engine, &ref, PN_XDP_MODE_AUTO, &ifc);
	/* Let the other thread fail too before reading this thread's message. */
	pthread_barrier_wait(t->barrier);
	snprintf(t->msg, sizeof(t->msg), "%s", pn_last_error());
	return NULL;
}

/* Two threads fail at once, each on its own interface; each reads its own message. */
static void test_error_message_per_thread(void **state)
{
	pthread_barrier_t barrier;
	struct err_thread t[2] = {};
	pthread_t th[2];
	struct pn_engine *e;

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
	for (int i = 0; i < 2; i++) {
		t[i].barrier = &barrier;
		t[i].engine = e;
		snprintf(t[i].ifname, sizeof(t[i].ifname), "pn-nope%d", i & 1);
		assert_int_equal(pthread_create(&th[i], NULL, fail_install, &t[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 2; i++) {
		char want[64];

		snprintf(want, sizeof(want), "interface '%s'", t[i].ifname);
		assert_int_equal(t[i].err, -ENODEV);
		assert_non_null(strstr(t[i].msg, want));
		assert_non_null(strstr(t[i].msg, "no such interface"));
	}
	/* This thread failed nothing. */
	assert_string_equal(pn_last_error(), "");
	pthread_barrier_destroy(&barrier);
	pn_engine__free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_count_from_object),
		cmocka_unit_test(test_not_a_dispatcher_object),
		cmocka_unit_test(test_pin_root_lock_in_process),
		cmocka_unit_test(test_pin_root_lock_across_processes),
		cmocka_unit_test(test_features_of_this_kernel),
		cmocka_unit_test_setup_teardown(test_install_refuses_missing_feature, setup_veth,
						teardown_veth),
		cmocka_unit_test_setup_teardown(test_install_without_frags_support, setup_veth,
						teardown_veth),
		cmocka_unit_test(test_error_message_per_thread),
	};

	tl_log_level(PN_LOG_WARN);
	(void)tl_sh("rm -rf " PIN_ROOT);
	return cmocka_run_group_tests_name("engine_setup", tests, NULL, NULL);
}
