// SPDX-License-Identifier: Apache-2.0
/*
 * The VM harness's proof: a two-slot dispatcher on a veth under a bpf_link,
 * an extension that drops plugged into slot 0 changes the verdict, and
 * closing the extension's link restores it.
 */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dispatcher.h"
#include "dispatcher.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define NS "pn-smoke"

static void test_drop_slot_changes_verdict(void **state)
{
	struct plugnet_dispatcher *disp;
	struct bpf_link *root, *ext = NULL;
	struct bpf_object *obj = NULL;
	LIBBPF_OPTS(bpf_xdp_query_opts, query);
	unsigned int ifindex;
	const void *elf;
	size_t size;
	__u32 verdict = ~0U;
	int nsfd, self, disp_fd;

	(void)state;
	assert_int_equal(tl_netns_veth(NS, "smk0", "smk1"), 0);
	ifindex = tl_ifindex(NS, "smk0");
	assert_true(ifindex > 0);

	disp = plugnet_dispatcher__open();
	assert_non_null(disp);
	disp->rodata->plugnet_cfg.num_slots = 2;
	disp->rodata->plugnet_cfg.proceed_on[0] = 1U << XDP_PASS | 1U << PLUGNET_SLOT_EMPTY;
	disp->rodata->plugnet_cfg.proceed_on[1] = 1U << XDP_PASS | 1U << PLUGNET_SLOT_EMPTY;
	tl_assert_ok(plugnet_dispatcher__load(disp), "load dispatcher");
	disp_fd = bpf_program__fd(disp->progs.plugnet_root);

	/* An XDP link resolves the ifindex in the caller's netns. */
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	nsfd = tl_netns_open(NS);
	assert_true(self >= 0 && nsfd >= 0);
	assert_int_equal(setns(nsfd, CLONE_NEWNET), 0);
	root = bpf_program__attach_xdp(disp->progs.plugnet_root, (int)ifindex);
	tl_assert_ok(root ? 0 : -errno, "attach dispatcher to smk0");
	tl_assert_ok(bpf_xdp_query((int)ifindex, 0, &query), "query smk0");
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	assert_int_equal(query.attach_mode, XDP_ATTACHED_DRV);

	tl_assert_ok(tl_xdp_run(disp_fd, &verdict), "test run, empty slots");
	assert_int_equal(verdict, XDP_PASS);

	elf = verdicts__elf_bytes(&size);
	tl_assert_ok(tl_freplace(elf, size, "xdp_drop", disp_fd, "slot0", &obj, &ext),
		     "plug xdp_drop into slot0");
	tl_assert_ok(tl_xdp_run(disp_fd, &verdict), "test run, slot0 plugged");
	assert_int_equal(verdict, XDP_DROP);

	bpf_link__destroy(ext);
	tl_assert_ok(tl_xdp_run(disp_fd, &verdict), "test run, slot0 unplugged");
	assert_int_equal(verdict, XDP_PASS);

	bpf_object__close(obj);
	bpf_link__destroy(root);
	plugnet_dispatcher__destroy(disp);
	close(nsfd);
	close(self);
	tl_netns_del(NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_slot_changes_verdict),
	};

	return cmocka_run_group_tests_name("smoke", tests, NULL, NULL);
}
