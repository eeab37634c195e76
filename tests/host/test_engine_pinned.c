// SPDX-License-Identifier: Apache-2.0
/*
 * Interfaces known only by their pins, on the running kernel (no slot is
 * plugged, so no freplace is needed): pn_engine__list_pinned() shows what
 * is pinned, held or not, and pn_engine__remove_pinned() removes an
 * interface the engine holds no handle for, whether its netns is still
 * there (the root link is detached) or gone (the pins go, and with them the
 * kernel objects). Also the heal of an empty dispatcher: a root link
 * detached by bpftool is seen as detached and attached again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "testlib.h"

#define PIN_ROOT "/sys/fs/bpf/plugnet-test-pinned"
#define NS_A     "pn-pinned-a"
#define NS_B     "pn-pinned-b"

static struct pn_engine *engine;

static int setup(void **state)
{
	(void)state;
	(void)tl_sh("rm -rf " PIN_ROOT);
	if (tl_netns_veth(NS_A, "pa0", "pa1") || tl_netns_veth(NS_B, "pb0", "pb1"))
		return -1;
	return pn_engine__new(PIN_ROOT, &engine) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	pn_engine__free(engine);
	engine = NULL;
	tl_netns_del(NS_A);
	tl_netns_del(NS_B);
	(void)tl_sh("rm -rf " PIN_ROOT);
	return 0;
}

static struct pn_iface *install_mode(const char *ns, const char *ifname, enum pn_xdp_mode mode)
{
	struct pn_iface_ref ref = {.netns_path = NULL, .ifname = ifname};
	struct pn_iface *ifc = NULL;
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	ref.netns_fd = -1;
	ref.netns_path = path;
	tl_assert_ok(pn_engine__install(engine, &ref, mode, &ifc), pn_last_error());
	return ifc;
}

static struct pn_iface *install(const char *ns, const char *ifname)
{
	return install_mode(ns, ifname, PN_XDP_MODE_AUTO);
}

/* The XDP program on `ifname` in netns `ns` (0: none), and the mode it is attached in. */
static __u32 xdp_prog_mode(const char *ns, const char *ifname, __u8 *mode)
{
	struct bpf_xdp_query_opts q;
	int fd = tl_netns_open(ns);

	assert_true(fd >= 0);
	tl_assert_ok(tl_xdp_query(fd, ifname, &q), "xdp query");
	close(fd);
	if (mode)
		*mode = q.attach_mode;
	return q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
}

static __u32 xdp_prog(const char *ns, const char *ifname)
{
	return xdp_prog_mode(ns, ifname, NULL);
}

static void assert_freed(int (*get)(__u32 id), __u32 id, const char *what)
{
	int ms = tl_wait_freed(get, id, 10000);

	if (ms < 0)
		fail_msg("%s %u is still alive 10 s after its pins were removed", what, id);
	printf("# %s %u freed (waited %d ms)\n", what, id, ms);
}

struct listing {
	int n;
	struct pn_pinned_iface seen[8];
	int stop_after; /* 0: never stop */
};

static int collect(const struct pn_pinned_iface *p, void *ctx)
{
	struct listing *l = ctx;

	if (l->n < (int)ARRAY_SIZE(l->seen))
		l->seen[l->n] = *p;
	l->n++;
	return l->stop_after && l->n >= l->stop_after ? 42 : 0;
}

static const struct pn_pinned_iface *find(const struct listing *l, const char *ifname)
{
	for (int i = 0; i < l->n && i < (int)ARRAY_SIZE(l->seen); i++) {
		if (!strcmp(l->seen[i].ifname, ifname))
			return &l->seen[i];
	}
	return NULL;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void test_list_pinned(void **state)
{
	struct pn_iface *a = install(NS_A, "pa0"), *b = install(NS_B, "pb0");
	struct pn_iface_info ia;
	const struct pn_pinned_iface *p;
	struct listing l = {0};

	(void)state;
	tl_assert_ok(pn_iface__describe(a, &ia), pn_last_error());
	/* The agent exits with a; b stays held. */
	pn_iface__close(a);
	tl_assert_ok(pn_engine__list_pinned(engine, collect, &l), pn_last_error());
	assert_int_equal(l.n, 2);
	p = find(&l, "pa0");
	assert_non_null(p);
	assert_int_equal(p->netns_id, ia.netns_id);
	assert_int_equal(p->ifindex, tl_ifindex(NS_A, "pa0"));
	assert_int_equal(p->revision, 1);
	assert_int_equal(p->num_slots, 0);
	assert_true(p->link_attached);
	assert_false(p->held);
	assert_true(strstr(p->pin_dir, PIN_ROOT "/") == p->pin_dir);
	assert_true(exists(p->pin_dir));
	p = find(&l, "pb0");
	assert_non_null(p);
	assert_true(p->held);
	assert_string_equal(p->pin_dir, pn_iface__pin_dir(b));

	/* A non-zero return stops the walk and is handed back. */
	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	assert_int_equal(pn_engine__list_pinned(engine, collect, &l), 42);
	assert_int_equal(l.n, 1);

	tl_assert_ok(pn_engine__remove_pinned(engine, ia.netns_id, ia.ifindex), pn_last_error());
	tl_assert_ok(pn_iface__remove(b), pn_last_error());
	memset(&l, 0, sizeof(l));
	tl_assert_ok(pn_engine__list_pinned(engine, collect, &l), pn_last_error());
	assert_int_equal(l.n, 0);
}

/* Pinned, not held, interface and netns alive: the root link is detached and the pins go. */
static void test_remove_pinned_live(void **state)
{
	struct pn_iface *a = install(NS_A, "pa0");
	struct pn_iface_info info;
	char dir[PN_PIN_DIR_MAX], nsdir[PN_PIN_DIR_MAX + 32];
	int holder;

	(void)state;
	tl_assert_ok(pn_iface__describe(a, &info), pn_last_error());
	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(a));
	snprintf(nsdir, sizeof(nsdir), "%s/%llu", PIN_ROOT, (unsigned long long)info.netns_id);
	pn_iface__close(a);
	assert_int_equal(xdp_prog(NS_A, "pa0"), info.dispatcher_prog_id);
	/* Another holder of the root link (bpftool, say): unpinning alone would not detach it. */
	holder = bpf_link_get_fd_by_id(info.root_link_id);
	assert_true(holder >= 0);

	tl_assert_ok(pn_engine__remove_pinned(engine, info.netns_id, info.ifindex),
		     pn_last_error());
	assert_int_equal(xdp_prog(NS_A, "pa0"), 0);
	assert_false(exists(dir));
	assert_false(exists(nsdir));
	close(holder);
	assert_freed(bpf_link_get_fd_by_id, info.root_link_id, "root link");
	assert_freed(bpf_prog_get_fd_by_id, info.dispatcher_prog_id, "dispatcher");

	/* Nothing left in the way: the interface takes a dispatcher again. */
	a = install(NS_A, "pa0");
	tl_assert_ok(pn_iface__remove(a), pn_last_error());
}

/* The netns went while nobody held the interface: removing the pins frees everything. */
static void test_remove_pinned_netns_gone(void **state)
{
	struct pn_iface *a = install(NS_A, "pa0");
	struct pn_iface_info info;
	struct listing l = {0};
	char dir[PN_PIN_DIR_MAX];

	(void)state;
	tl_assert_ok(pn_iface__describe(a, &info), pn_last_error());
	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(a));
	pn_iface__close(a);
	tl_netns_del(NS_A);
	/* The kernel tears a netns down in the background: wait for the link to lose its device. */
	for (int i = 0; i < 1000; i++) {
		memset(&l, 0, sizeof(l));
		tl_assert_ok(pn_engine__list_pinned(engine, collect, &l), pn_last_error());
		assert_int_equal(l.n, 1);
		if (!l.seen[0].link_attached)
			break;
		usleep(10000);
	}
	assert_false(l.seen[0].link_attached);
	assert_string_equal(l.seen[0].ifname, "pa0");
	assert_int_equal(l.seen[0].revision, 1);
	/* The pins still hold the dispatcher. */
	{
		int fd = bpf_prog_get_fd_by_id(info.dispatcher_prog_id);

		assert_true(fd >= 0);
		close(fd);
	}

	tl_assert_ok(pn_engine__remove_pinned(engine, info.netns_id, info.ifindex),
		     pn_last_error());
	assert_false(exists(dir));
	assert_freed(bpf_link_get_fd_by_id, info.root_link_id, "root link");
	assert_freed(bpf_prog_get_fd_by_id, info.dispatcher_prog_id, "dispatcher");
}

static void test_remove_pinned_refusals(void **state)
{
	struct pn_iface *a = install(NS_A, "pa0");
	struct pn_iface_info info;
	char want[PN_PIN_DIR_MAX + 64];

	(void)state;
	tl_assert_ok(pn_iface__describe(a, &info), pn_last_error());
	/* Held: only its handle may remove it. */
	assert_int_equal(pn_engine__remove_pinned(engine, info.netns_id, info.ifindex), -EBUSY);
	printf("# %s\n", pn_last_error());
	tl_assert_contains(pn_last_error(), "interface 'pa0'");
	tl_assert_contains(pn_last_error(), pn_iface__pin_dir(a));
	tl_assert_contains(pn_last_error(), "this engine holds it");
	assert_true(exists(pn_iface__pin_dir(a)));
	assert_int_equal(xdp_prog(NS_A, "pa0"), info.dispatcher_prog_id);
	tl_assert_ok(pn_iface__remove(a), pn_last_error());

	/* Nothing there. */
	assert_int_equal(pn_engine__remove_pinned(engine, info.netns_id, info.ifindex), -ENOENT);
	printf("# %s\n", pn_last_error());
	snprintf(want, sizeof(want), "nothing pinned at %s/%llu/%u", PIN_ROOT,
		 (unsigned long long)info.netns_id, info.ifindex);
	tl_assert_contains(pn_last_error(), want);
}

/*
 * The heal on this kernel, empty dispatcher, in either mode: detached by
 * bpftool, attached again in the mode it had.
 */
static void heal_empty(enum pn_xdp_mode mode, __u8 kernel_mode)
{
	struct pn_iface *a = install_mode(NS_A, "pa0", mode);
	struct pn_reattach_report rep;
	struct pn_iface_info before, info;
	struct timespec t0;
	__u8 attached;

	tl_assert_ok(pn_iface__describe(a, &before), pn_last_error());
	assert_int_equal(before.state, PN_IFACE_ATTACHED);
	assert_int_equal(xdp_prog_mode(NS_A, "pa0", &attached), before.dispatcher_prog_id);
	assert_int_equal(attached, kernel_mode);
	assert_int_equal(tl_sh("bpftool link detach id %u", before.root_link_id), 0);
	assert_int_equal(xdp_prog(NS_A, "pa0"), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tl_assert_ok(pn_iface__describe(a, &info), pn_last_error());
	printf("# describe of the detached interface: %.2f ms\n", tl_ms_since(&t0));
	assert_int_equal(info.state, PN_IFACE_DETACHED);
	assert_string_equal(pn_iface_state_name(info.state), "detached");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tl_assert_ok(pn_iface__reattach(a, &rep), pn_last_error());
	printf("# reattach: %.2f ms\n", tl_ms_since(&t0));
	assert_true(rep.reattached);
	assert_int_equal(rep.old_link_id, before.root_link_id);
	assert_int_not_equal(rep.new_link_id, before.root_link_id);
	assert_int_equal(xdp_prog_mode(NS_A, "pa0", &attached), before.dispatcher_prog_id);
	assert_int_equal(attached, kernel_mode);
	tl_assert_ok(pn_iface__describe(a, &info), pn_last_error());
	assert_int_equal(info.state, PN_IFACE_ATTACHED);
	assert_int_equal(info.root_link_id, rep.new_link_id);
	assert_int_equal(info.mode, before.mode);
	/* Attached already: a no-op that says so. */
	tl_assert_ok(pn_iface__reattach(a, &rep), pn_last_error());
	assert_false(rep.reattached);
	assert_int_equal(rep.new_link_id, info.root_link_id);
	tl_assert_ok(pn_iface__remove(a), pn_last_error());
}

static void test_heal_empty_native(void **state)
{
	(void)state;
	heal_empty(PN_XDP_MODE_AUTO, XDP_ATTACHED_DRV);
}

static void test_heal_empty_generic(void **state)
{
	(void)state;
	heal_empty(PN_XDP_MODE_GENERIC, XDP_ATTACHED_SKB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_pinned_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_pinned_netns_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_pinned_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heal_empty_native, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heal_empty_generic, setup, teardown),
	};

	return cmocka_run_group_tests_name("engine_pinned", tests, NULL, NULL);
}
