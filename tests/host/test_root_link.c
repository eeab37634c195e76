// SPDX-License-Identifier: Apache-2.0
/*
 * What the host kernel can prove without freplace: the dispatcher loads,
 * passes traffic with every slot empty, and while a bpf_link holds it the
 * kernel refuses netlink detach and replace (the kernel half of ownership).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dispatcher.h"
#include "dispatcher.skel.h"
#include "testlib.h"

#define NS "pn-hostlink"

struct fixture {
	struct plugnet_dispatcher *disp;
	struct bpf_link *root;
	int self, ns;
};

static int enter(struct fixture *f)
{
	return setns(f->ns, CLONE_NEWNET);
}

static int leave(struct fixture *f)
{
	return setns(f->self, CLONE_NEWNET);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned int ifindex;

	if (!f || tl_netns_veth(NS, "hl0", "hl1"))
		return -1;
	ifindex = tl_ifindex(NS, "hl0");
	f->self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	f->ns = tl_netns_open(NS);
	f->disp = plugnet_dispatcher__open();
	if (!ifindex || f->self < 0 || f->ns < 0 || !f->disp)
		return -1;
	f->disp->rodata->plugnet_cfg.num_slots = 3;
	for (int i = 0; i < 3; i++)
		f->disp->rodata->plugnet_cfg.proceed_on[i] =
			1U << XDP_PASS | 1U << PLUGNET_SLOT_EMPTY;
	if (plugnet_dispatcher__load(f->disp) || enter(f))
		return -1;
	f->root = bpf_program__attach_xdp(f->disp->progs.plugnet_root, (int)ifindex);
	if (leave(f) || !f->root)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bpf_link__destroy(f->root);
	plugnet_dispatcher__destroy(f->disp);
	close(f->ns);
	close(f->self);
	free(f);
	tl_netns_del(NS);
	return 0;
}

static void test_empty_dispatcher_passes(void **state)
{
	struct fixture *f = *state;
	__u32 verdict = ~0U;

	tl_assert_ok(tl_xdp_run(bpf_program__fd(f->disp->progs.plugnet_root), &verdict),
		     "test run");
	assert_int_equal(verdict, XDP_PASS);
}

static void test_netlink_detach_refused(void **state)
{
	(void)state;
	assert_int_not_equal(tl_sh("ip -n %s link set dev hl0 xdp off 2>/dev/null", NS), 0);
	/* Still attached, and still ours. */
	assert_int_equal(tl_sh("ip -n %s link show dev hl0 | grep -q 'prog/xdp id'", NS), 0);
}

static void test_netlink_replace_refused(void **state)
{
	struct fixture *f = *state;
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	LIBBPF_OPTS(bpf_xdp_query_opts, query);
	int other_fd = bpf_program__fd(f->disp->progs.plugnet_root);
	unsigned int ifindex = tl_ifindex(NS, "hl0");
	int err, qerr;

	/* Even the very same program may not be swapped in through netlink. */
	assert_int_equal(enter(f), 0);
	err = bpf_xdp_attach((int)ifindex, other_fd, XDP_FLAGS_DRV_MODE, &opts);
	qerr = bpf_xdp_query((int)ifindex, 0, &query);
	assert_int_equal(leave(f), 0);
	assert_int_equal(err, -EBUSY);
	assert_int_equal(qerr, 0);
	assert_int_equal(query.attach_mode, XDP_ATTACHED_DRV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_dispatcher_passes),
		cmocka_unit_test(test_netlink_detach_refused),
		cmocka_unit_test(test_netlink_replace_refused),
	};

	return cmocka_run_group_tests_name("root_link", tests, setup, teardown);
}
