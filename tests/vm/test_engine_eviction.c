// SPDX-License-Identifier: Apache-2.0
/*
 * Eviction resistance: while plugnet holds the root bpf_link, the kernel
 * refuses every way an outsider would take the interface or a slot away.
 * Each test checks the refusal, that it was refused for the right reason,
 * and that the dispatcher is still attached and still plugged afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "engine_internal.h"
#include "evict_other.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define NS   "pn-evict"
#define IF_A "ev0"
#define IF_B "ev1"

/* evict_other.bpf.o, written out for iproute2. */
#define OTHER_OBJ "/tmp/" NS "-evict_other.bpf.o"

static struct tl_iface fx;

/* --- helpers --------------------------------------------------------------- */

/* Run a shell command; its exit status, with stdout and stderr in `out`. */
static int sh_capture(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int sh_capture(char *out, size_t size, const char *fmt, ...)
{
	char cmd[1024];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < size) {
		size_t r = fread(out + n, 1, size - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	st = pclose(p);
	printf("# $ %s -> exit %d: %s", cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       n ? out : "(no output)\n");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void xdp_query(const char *ifname, struct bpf_xdp_query_opts *q)
{
	tl_assert_ok(tl_xdp_query(fx.nsfd, ifname, q), "xdp query");
}

/* What must not change. */
struct snap {
	struct pn_iface_info info;
	__u32 verdict;
};

static void snap_take(struct snap *s)
{
	int fd;

	memset(s, 0, sizeof(*s));
	tl_assert_ok(pn_iface__describe(fx.iface, &s->info), "describe");
	fd = tl_iface_dispatcher_fd(&fx);
	assert_true(fd >= 0);
	tl_assert_ok(tl_xdp_run(fd, &s->verdict), "test run");
	close(fd);
}

/*
 * Still ours: the kernel reports the dispatcher attached to ev0 in native
 * mode through the same link, its one slot still linked to xdp_drop, and
 * the dispatcher still drops.
 */
static void assert_still_ours(const struct snap *before)
{
	struct bpf_xdp_query_opts q;
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	struct snap now;
	int fd;

	xdp_query(IF_A, &q);
	assert_int_equal(q.attach_mode, XDP_ATTACHED_DRV);
	assert_int_equal(q.drv_prog_id, before->info.dispatcher_prog_id);
	assert_int_equal(q.skb_prog_id, 0);

	fd = bpf_link_get_fd_by_id(before->info.root_link_id);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &li, &len), 0);
	close(fd);
	assert_int_equal(li.prog_id, before->info.dispatcher_prog_id);
	assert_int_equal(li.xdp.ifindex, before->info.ifindex);

	fd = bpf_link_get_fd_by_id(before->info.slots[0].link_id);
	assert_true(fd >= 0);
	memset(&li, 0, sizeof(li));
	len = sizeof(li);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &li, &len), 0);
	close(fd);
	assert_int_equal(li.prog_id, before->info.slots[0].prog_id);

	snap_take(&now);
	assert_int_equal(now.info.revision, before->info.revision);
	assert_int_equal(now.info.dispatcher_prog_id, before->info.dispatcher_prog_id);
	assert_int_equal(now.info.root_prog_id, before->info.dispatcher_prog_id);
	assert_int_equal(now.info.num_slots, 1);
	assert_int_equal(now.info.slots[0].attach_id, before->info.slots[0].attach_id);
	assert_int_equal(now.info.slots[0].prog_id, before->info.slots[0].prog_id);
	assert_int_equal(now.info.slots[0].link_id, before->info.slots[0].link_id);
	assert_int_equal(now.verdict, XDP_DROP);
}

/* --- fixture: ev0 carries the dispatcher with xdp_drop in its one slot ------ */

static int setup(void **state)
{
	static const struct tl_slot slots[] = {{verdicts__elf_bytes, "xdp_drop", 0, 0}};
	const void *elf;
	size_t size;

	(void)state;
	if (tl_iface_setup(&fx, NS, IF_A, IF_B) || tl_plug_all(&fx, slots, 1))
		return -1;
	elf = evict_other__elf_bytes(&size);
	return tl_write_file(OTHER_OBJ, elf, size) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_iface_teardown(&fx);
	unlink(OTHER_OBJ);
	return 0;
}

static void snap_fixture(struct snap *s)
{
	snap_take(s);
	assert_int_equal(s->info.num_slots, 1);
	assert_string_equal(s->info.slots[0].prog_name, "xdp_drop");
	assert_int_equal(s->verdict, XDP_DROP);
}

/* --- cases ------------------------------------------------------------------- */

#define LINK_HELD      "Can't replace active BPF XDP link"
#define NOT_BOTH       "Native and generic XDP can't be active at the same time"
#define ON_A(ip, what) ip " -n " NS " link set dev " IF_A " " what
#define OBJ            " obj " OTHER_OBJ " sec xdp"

/* What an outsider may try with iproute2 on ev0, and what the kernel says. */
static const struct {
	const char *cmd;
	const char *why; /* NULL: accepted, as a no-op */
} netlink_attempts[] = {
	/* Detach. */
	{ON_A("ip", "xdp off"), LINK_HELD},
	{ON_A("ip", "xdpdrv off"), LINK_HELD},
	{ON_A("ip -force", "xdp off"), LINK_HELD},
	/*
	 * Generic mode holds nothing on ev0, so "xdpgeneric off" is a no-op the
	 * kernel accepts; what matters is that it does not touch the native link.
	 */
	{ON_A("ip", "xdpgeneric off"), NULL},
	/* Replace. */
	{ON_A("ip", "xdp" OBJ), LINK_HELD},
	{ON_A("ip -force", "xdp" OBJ), LINK_HELD},
	{ON_A("ip", "xdpdrv" OBJ), LINK_HELD},
	{ON_A("ip -force", "xdpdrv" OBJ), LINK_HELD},
	/* Generic mode holds no link, but native and generic never coexist. */
	{ON_A("ip", "xdpgeneric" OBJ), NOT_BOTH},
	{ON_A("ip -force", "xdpgeneric" OBJ), NOT_BOTH},
};

static void test_netlink_refused(void **state)
{
	struct snap before;
	char out[512];

	(void)state;
	snap_fixture(&before);
	for (size_t i = 0; i < ARRAY_SIZE(netlink_attempts); i++) {
		int rc = sh_capture(out, sizeof(out), "%s", netlink_attempts[i].cmd);

		if (netlink_attempts[i].why) {
			assert_int_not_equal(rc, 0);
			tl_assert_contains(out, netlink_attempts[i].why);
		}
		assert_still_ours(&before);
	}
}

/* Control: on ev1, which no link holds, the same commands attach and detach. */
static void test_netlink_control(void **state)
{
	struct bpf_xdp_query_opts q;
	char out[512];

	(void)state;
	assert_int_equal(sh_capture(out, sizeof(out), "ip -n " NS " link set dev " IF_B " xdp" OBJ),
			 0);
	xdp_query(IF_B, &q);
	assert_true(q.prog_id != 0);
	assert_int_equal(sh_capture(out, sizeof(out), "ip -n " NS " link set dev " IF_B " xdp off"),
			 0);
	xdp_query(IF_B, &q);
	assert_int_equal(q.prog_id, 0);
}

/* An outsider's attempt returned err: it must be `want`, and ev0 must be untouched. */
static void expect_refused(const char *what, int err, int want, const struct snap *before)
{
	printf("# %s: %d (%s)\n", what, err, strerror(-err));
	assert_int_equal(err, want);
	assert_still_ours(before);
}

/* An fd of ev0's root link, from its pin. */
static int root_link_fd(void)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/link", pn_iface__pin_dir(fx.iface));
	fd = bpf_obj_get(path);
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	return fd;
}

static void test_second_ext_attach_refused(void **state)
{
	struct bpf_link *link = NULL;
	struct bpf_object *obj = NULL;
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	__u32 slot_btf_ids[PLUGNET_CONFIG_SLOTS];
	struct snap before;
	const void *elf;
	size_t size;
	__u32 verdict;
	int disp_fd, prog_fd, fd, err;

	(void)state;
	snap_fixture(&before);
	disp_fd = tl_iface_dispatcher_fd(&fx);
	assert_true(disp_fd >= 0);
	elf = evict_other__elf_bytes(&size);

	/* An outsider's extension on the occupied slot0: it loads, but may not attach. */
	err = tl_freplace(elf, size, "evict_other", disp_fd, "slot0", &obj, &link);
	if (!err) {
		bpf_link__destroy(link);
		bpf_object__close(obj);
	}
	expect_refused("tl_freplace onto occupied slot0", err, -EBUSY, &before);

	/* The engine's own slot program, linked a second time to slot0 by hand. */
	prog_fd = bpf_prog_get_fd_by_id(before.info.slots[0].prog_id);
	assert_true(prog_fd >= 0);
	tl_assert_ok(read_slot_btf_ids(disp_fd, slot_btf_ids), "slot BTF ids");
	assert_true(slot_btf_ids[0] > 0);
	opts.target_btf_id = slot_btf_ids[0];
	fd = bpf_link_create(prog_fd, disp_fd, (enum bpf_attach_type)0, &opts);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	close(prog_fd);
	expect_refused("second link of the slot program onto slot0", err, -EBUSY, &before);

	/*
	 * Control: the same extension attaches to slot1, which this revision
	 * has but never calls (num_slots is 1), so it is harmless there.
	 */
	tl_assert_ok(tl_freplace(elf, size, "evict_other", disp_fd, "slot1", &obj, &link),
		     "attach onto unused slot1");
	tl_assert_ok(tl_xdp_run(disp_fd, &verdict), "test run with slot1 taken");
	assert_int_equal(verdict, XDP_DROP);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	close(disp_fd);
	assert_still_ours(&before);
}

static void test_outside_link_update_refused(void **state)
{
	LIBBPF_OPTS(bpf_link_update_opts, uopts);
	struct evict_other *other;
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	struct snap before;
	int link_fd, other_fd, slot_fd, err;

	(void)state;
	snap_fixture(&before);
	link_fd = root_link_fd();
	assert_int_equal(bpf_obj_get_info_by_fd(link_fd, &li, &len), 0);
	assert_int_equal(li.id, before.info.root_link_id);

	other = evict_other__open_and_load();
	assert_non_null(other);
	other_fd = bpf_program__fd(other->progs.evict_other);

	/* Expecting a program that is not the one on the link. */
	uopts.flags = BPF_F_REPLACE;
	uopts.old_prog_fd = other_fd;
	err = bpf_link_update(link_fd, other_fd, &uopts) ? -errno : 0;
	expect_refused("bpf_link_update, wrong old program", err, -EPERM, &before);

	/* Expecting the slot program, which is on the dispatcher but not on the link. */
	slot_fd = bpf_prog_get_fd_by_id(before.info.slots[0].prog_id);
	assert_true(slot_fd >= 0);
	uopts.old_prog_fd = (__u32)slot_fd;
	err = bpf_link_update(link_fd, other_fd, &uopts) ? -errno : 0;
	close(slot_fd);
	expect_refused("bpf_link_update, slot program as old", err, -EPERM, &before);

	evict_other__destroy(other);
	close(link_fd);
	assert_still_ours(&before);
}

/*
 * Whoever holds the pin can swap the root program (root can), but the
 * engine then notices: its next revision's compare-and-swap fails instead
 * of overwriting the outsider, and nothing of the failed revision remains.
 */
static void test_outside_swap_detected(void **state)
{
	LIBBPF_OPTS(bpf_link_update_opts, uopts);
	struct bpf_xdp_query_opts q;
	struct evict_other *other;
	struct snap before, after;
	const void *elf;
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), other_id;
	char rev[300];
	size_t size;
	int link_fd, other_fd, disp_fd, err;

	(void)state;
	snap_fixture(&before);
	link_fd = root_link_fd();
	other = evict_other__open_and_load();
	assert_non_null(other);
	other_fd = bpf_program__fd(other->progs.evict_other);
	assert_int_equal(bpf_obj_get_info_by_fd(other_fd, &pi, &len), 0);
	other_id = pi.id;
	disp_fd = tl_iface_dispatcher_fd(&fx);
	assert_true(disp_fd >= 0);

	uopts.flags = BPF_F_REPLACE;
	uopts.old_prog_fd = disp_fd;
	tl_assert_ok(bpf_link_update(link_fd, other_fd, &uopts) ? -errno : 0, "outside swap");
	xdp_query(IF_A, &q);
	assert_int_equal(q.prog_id, other_id);

	elf = verdicts__elf_bytes(&size);
	err = tl_plug(&fx, elf, size, "xdp_pass", 5, 0, NULL);
	printf("# plug after an outside swap: %d: \"%s\"\n", err, pn_last_error());
	assert_int_equal(err, -EPERM);
	tl_assert_contains(pn_last_error(), "interface 'ev0'");
	snprintf(rev, sizeof(rev),
		 "revision 3 not applied: the root link no longer runs revision 2 (program %u "
		 "'evict_other' was put there",
		 other_id);
	tl_assert_contains(pn_last_error(), rev);
	/* The outsider's program stays; the engine did not fight it. */
	xdp_query(IF_A, &q);
	assert_int_equal(q.prog_id, other_id);
	snap_take(&after);
	assert_int_equal(after.info.revision, before.info.revision);
	/* describe tells the truth about what the link runs. */
	assert_int_equal(after.info.root_prog_id, other_id);
	assert_int_equal(after.info.dispatcher_prog_id, before.info.dispatcher_prog_id);
	assert_int_equal(after.info.state, PN_IFACE_DISPLACED);
	assert_int_equal(after.info.other_prog_id, other_id);
	assert_string_equal(after.info.other_prog_name, "evict_other");
	/* Nor does a re-attach take the link back: it names the program and leaves it. */
	assert_int_equal(pn_iface__reattach(fx.iface, NULL), -EBUSY);
	printf("# reattach after an outside swap: \"%s\"\n", pn_last_error());
	tl_assert_contains(pn_last_error(), "interface 'ev0'");
	snprintf(rev, sizeof(rev), "its root link was swapped to program %u 'evict_other'",
		 other_id);
	tl_assert_contains(pn_last_error(), rev);
	xdp_query(IF_A, &q);
	assert_int_equal(q.prog_id, other_id);
	snprintf(rev, sizeof(rev), "test -e %s/rev-3", pn_iface__pin_dir(fx.iface));
	assert_int_not_equal(tl_sh("%s", rev), 0);

	/* Swap back, and the engine carries on. */
	uopts.old_prog_fd = other_fd;
	tl_assert_ok(bpf_link_update(link_fd, disp_fd, &uopts) ? -errno : 0, "swap back");
	assert_still_ours(&before);
	snap_take(&after);
	assert_int_equal(after.info.state, PN_IFACE_ATTACHED);
	assert_int_equal(after.info.other_prog_id, 0);
	tl_assert_ok(tl_plug(&fx, elf, size, "xdp_pass", 5, 0, NULL), "plug after swap back");
	xdp_query(IF_A, &q);
	snap_take(&after);
	assert_int_equal(after.info.revision, 3);
	assert_int_equal(q.prog_id, after.info.dispatcher_prog_id);

	close(disp_fd);
	close(link_fd);
	evict_other__destroy(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_netlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netlink_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_ext_attach_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_link_update_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_swap_detected, setup, teardown),
	};

	return cmocka_run_group_tests_name("engine_eviction", tests, NULL, NULL);
}
