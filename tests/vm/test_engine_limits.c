// SPDX-License-Identifier: Apache-2.0
/*
 * Claims the engine makes about itself, checked against the kernel: the
 * slot count comes from the dispatcher object it loads, and a replaced
 * revision lives until its grace period has ended.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "engine_internal.h"
#include "dispatcher8.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define PIN_ROOT "/sys/fs/bpf/plugnet-test-limits"
#define NS       "pn-limits"

static int setup(void **state)
{
	(void)state;
	(void)tl_sh("rm -rf " PIN_ROOT);
	return tl_netns_veth(NS, "lim-a", "lim-b");
}

static int teardown(void **state)
{
	(void)state;
	tl_netns_del(NS);
	(void)tl_sh("rm -rf " PIN_ROOT);
	return 0;
}

static struct pn_iface *install(struct pn_engine *e)
{
	int nsfd = tl_netns_open(NS);
	struct pn_iface_ref ref = (struct pn_iface_ref){.netns_fd = nsfd, .ifname = "lim-a"};
	struct pn_iface *ifc = NULL;
	int err;

	assert_true(nsfd >= 0);
	err = pn_engine__install(e, &ref, PN_XDP_MODE_AUTO, &ifc);
	close(nsfd);
	tl_assert_ok(err, pn_last_error());
	return ifc;
}

static int plug_verdict(struct pn_iface *ifc, const char *name, int priority, __u32 *id)
{
	size_t size;
	struct pn_slot_spec spec = {
		.elf = verdicts__elf_bytes(&size),
		.prog_name = name,
		.priority = priority,
	};

	spec.elf_size = size;
	return pn_iface__plug(ifc, &spec, id);
}

static int plug_pass(struct pn_iface *ifc, int priority)
{
	return plug_verdict(ifc, "xdp_pass", priority, NULL);
}

/* A dispatcher built with 8 stubs: 8 plugs, and the ninth refused, with nothing changed. */
static void test_slot_count_follows_the_object(void **state)
{
	static struct pn_iface_info before, after;
	struct pn_engine *e;
	struct pn_iface *ifc;
	const void *elf;
	size_t size;

	(void)state;
	elf = dispatcher8__elf_bytes(&size);
	tl_assert_ok(pn_engine__new_with_dispatcher(PIN_ROOT, elf, size, &e), pn_last_error());
	assert_int_equal(pn_engine__slot_count(e), 8);
	ifc = install(e);
	for (int i = 0; i < 8; i++)
		tl_assert_ok(plug_pass(ifc, i), pn_last_error());
	tl_assert_ok(pn_iface__describe(ifc, &before), pn_last_error());
	assert_int_equal(before.num_slots, 8);
	assert_int_equal(plug_pass(ifc, 8), -ENOSPC);
	assert_non_null(strstr(pn_last_error(), "interface 'lim-a'"));
	assert_non_null(strstr(pn_last_error(), "all 8 slots are in use"));
	tl_assert_ok(pn_iface__describe(ifc, &after), pn_last_error());
	assert_int_equal(after.revision, before.revision);
	assert_int_equal(after.num_slots, 8);
	assert_int_equal(after.dispatcher_prog_id, before.dispatcher_prog_id);
	tl_assert_ok(pn_iface__remove(ifc), pn_last_error());
	pn_engine__free(e);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * Revision 1, replaced by a plug, keeps its pins, its program and its slot
 * links until the grace period ends; a release that did not wait for it
 * would have removed them while the wait was still running.
 */
static void test_replaced_revision_waits_for_grace_period(void **state)
{
	static struct tl_held_grace g;
	int (*held_wait)(void *arg);
	static struct pn_iface_info rev1, rev2;
	char dir[256], pin[300];
	struct pn_engine *e;
	struct pn_iface *ifc;
	int fd;

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	ifc = install(e);
	tl_assert_ok(plug_pass(ifc, 0), pn_last_error());
	pn_engine__settle(e);
	tl_assert_ok(pn_iface__describe(ifc, &rev1), pn_last_error());

	tl_held_grace_init(&g, &held_wait);
	pn_engine__set_grace_period(e, held_wait, &g);
	tl_assert_ok(plug_pass(ifc, 1), pn_last_error());
	tl_assert_ok(pn_iface__describe(ifc, &rev2), pn_last_error());
	assert_int_equal(rev2.revision, rev1.revision + 1);
	if (!tl_held_grace_started(&g))
		fail_msg("the release thread never waited for a grace period");
	/* Inside the grace period: give an early release every chance to happen. */
	usleep(100 * 1000);
	snprintf(dir, sizeof(dir), "%s/rev-%llu", pn_iface__pin_dir(ifc),
		 (unsigned long long)rev1.revision);
	snprintf(pin, sizeof(pin), "%s/slot-0", dir);
	assert_true(exists(pin));
	fd = bpf_prog_get_fd_by_id(rev1.dispatcher_prog_id);
	assert_true(fd >= 0);
	close(fd);
	fd = bpf_link_get_fd_by_id(rev1.slots[0].link_id);
	assert_true(fd >= 0);
	close(fd);

	tl_held_grace_end(&g);
	pn_engine__settle(e);
	assert_false(exists(dir));
	tl_assert_ok(pn_iface__remove(ifc), pn_last_error());
	pn_engine__free(e);
	tl_held_grace_destroy(&g);
}

/*
 * One verification per program holds across a restart: a new engine
 * adopts the running program and a plug of the same object reuses it.
 */
static void test_restart_keeps_one_verification(void **state)
{
	static struct pn_iface_info info;
	struct pn_engine *e;
	struct pn_iface *ifc;
	__u32 prog_id, a1, a2;

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	ifc = install(e);
	tl_assert_ok(plug_verdict(ifc, "xdp_pass", 0, &a1), pn_last_error());
	assert_int_equal(pn_engine__prog_loads(e), 1);
	tl_assert_ok(pn_iface__describe(ifc, &info), pn_last_error());
	prog_id = info.slots[0].prog_id;
	/* The agent goes away; its pins keep the dispatcher, the slot and the index. */
	pn_iface__close(ifc);
	pn_engine__free(e);

	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	{
		int nsfd = tl_netns_open(NS);
		struct pn_iface_ref ref = {.netns_fd = nsfd, .ifname = "lim-a"};
		int err = pn_engine__adopt(e, &ref, &ifc);

		close(nsfd);
		tl_assert_ok(err, pn_last_error());
	}
	tl_assert_ok(plug_verdict(ifc, "xdp_pass", 1, &a2), pn_last_error());
	assert_int_equal(pn_engine__prog_loads(e), 0);
	tl_assert_ok(pn_iface__describe(ifc, &info), pn_last_error());
	assert_int_equal(info.num_slots, 2);
	assert_int_equal(info.slots[0].prog_id, prog_id);
	assert_int_equal(info.slots[1].prog_id, prog_id);
	/* Another object is loaded, and counted. */
	tl_assert_ok(plug_verdict(ifc, "xdp_drop", 2, NULL), pn_last_error());
	assert_int_equal(pn_engine__prog_loads(e), 1);
	/* Once its last slot is gone the program is released and forgotten: a plug loads it anew.
	 */
	tl_assert_ok(pn_iface__unplug(ifc, a1), pn_last_error());
	tl_assert_ok(pn_iface__unplug(ifc, a2), pn_last_error());
	pn_engine__settle(e);
	tl_assert_ok(plug_verdict(ifc, "xdp_pass", 3, NULL), pn_last_error());
	assert_int_equal(pn_engine__prog_loads(e), 2);
	tl_assert_ok(pn_iface__remove(ifc), pn_last_error());
	pn_engine__free(e);
}

/* Remove detaches the dispatcher even while someone else holds a reference to its link. */
static void test_remove_detaches_despite_other_holders(void **state)
{
	static struct pn_iface_info info;
	struct pn_engine *e;
	struct pn_iface *ifc;
	int held;

	(void)state;
	tl_assert_ok(pn_engine__new(PIN_ROOT, &e), pn_last_error());
	ifc = install(e);
	tl_assert_ok(plug_pass(ifc, 0), pn_last_error());
	tl_assert_ok(pn_iface__describe(ifc, &info), pn_last_error());
	/* What bpftool does when it shows the link: now the link has two holders. */
	held = bpf_link_get_fd_by_id(info.root_link_id);
	assert_true(held >= 0);
	assert_int_equal(tl_sh("ip -n %s link show lim-a | grep -q 'prog/xdp'", NS), 0);
	tl_assert_ok(pn_iface__remove(ifc), pn_last_error());
	assert_int_not_equal(tl_sh("ip -n %s link show lim-a | grep -q 'prog/xdp'", NS), 0);
	close(held);
	pn_engine__free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slot_count_follows_the_object, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replaced_revision_waits_for_grace_period,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_one_verification, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remove_detaches_despite_other_holders, setup,
						teardown),
	};

	tl_log_level(PN_LOG_WARN);
	return cmocka_run_group_tests_name("engine_limits", tests, NULL, NULL);
}
