// SPDX-License-Identifier: Apache-2.0
/*
 * Eviction resistance: while plugnet holds the root bpf_link, the kernel
 * refuses every way an outsider would take the interface or a slot away.
 * Each test checks the refusal, that it was refused for the right reason,
 * and that the dispatcher is still attached and still plugged afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "evict_other.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define NS   "pn-evict"
#define IF_A "ev0"
#define IF_B "ev1"

static struct tl_iface fx;
static char other_path[64]; /* evict_other.bpf.o, written out for iproute2 */

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

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* Run fn inside the test netns. */
static int in_ns(int (*fn)(void *), void *arg)
{
	int self, err;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(fx.nsfd, CLONE_NEWNET)) {
		err = -errno;
		close(self);
		return err;
	}
	err = fn(arg);
	if (setns(self, CLONE_NEWNET))
		abort(); /* every later test would run in the wrong netns */
	close(self);
	return err;
}

struct query {
	unsigned int ifindex;
	struct bpf_xdp_query_opts q;
};

static int do_query(void *arg)
{
	struct query *s = arg;

	s->q.sz = sizeof(s->q);
	return bpf_xdp_query((int)s->ifindex, 0, &s->q) ? -errno : 0;
}

static void xdp_query(const char *ifname, struct bpf_xdp_query_opts *q)
{
	struct query s = {.ifindex = tl_ifindex(NS, ifname)};

	assert_true(s.ifindex > 0);
	tl_assert_ok(in_ns(do_query, &s), "xdp query");
	*q = s.q;
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
	const void *elf;
	size_t size;
	FILE *f;

	(void)state;
	if (tl_iface_setup(&fx, NS, IF_A, IF_B))
		return -1;
	elf = verdicts__elf_bytes(&size);
	if (tl_plug(&fx, elf, size, "xdp_drop", 0, 0, NULL))
		return -1;
	snprintf(other_path, sizeof(other_path), "/tmp/%s-evict_other.bpf.o", NS);
	elf = evict_other__elf_bytes(&size);
	f = fopen(other_path, "w");
	if (!f || fwrite(elf, 1, size, f) != size) {
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_iface_teardown(&fx);
	unlink(other_path);
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

static void test_netlink_detach_refused(void **state)
{
	static const char *const variants[] = {"xdp", "xdpdrv"};
	struct bpf_xdp_query_opts q;
	struct snap before;
	char out[512];

	(void)state;
	snap_fixture(&before);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		assert_int_not_equal(sh_capture(out, sizeof(out), "ip -n %s link set dev %s %s off",
						NS, IF_A, variants[i]),
				     0);
		assert_contains(out, "Can't replace active BPF XDP link");
		assert_still_ours(&before);
	}
	/* Even forced. */
	assert_int_not_equal(
		sh_capture(out, sizeof(out), "ip -force -n %s link set dev %s xdp off", NS, IF_A),
		0);
	assert_contains(out, "Can't replace active BPF XDP link");
	assert_still_ours(&before);

	/*
	 * Generic mode holds nothing on ev0, so "xdpgeneric off" is a no-op the
	 * kernel accepts; what matters is that it does not touch the native link.
	 */
	(void)sh_capture(out, sizeof(out), "ip -n %s link set dev %s xdpgeneric off", NS, IF_A);
	assert_still_ours(&before);

	/* Control: the same command does detach a program attached without a link. */
	assert_int_equal(sh_capture(out, sizeof(out), "ip -n %s link set dev %s xdp obj %s sec xdp",
				    NS, IF_B, other_path),
			 0);
	xdp_query(IF_B, &q);
	assert_true(q.prog_id != 0);
	assert_int_equal(sh_capture(out, sizeof(out), "ip -n %s link set dev %s xdp off", NS, IF_B),
			 0);
	xdp_query(IF_B, &q);
	assert_int_equal(q.prog_id, 0);
}

static void test_netlink_replace_refused(void **state)
{
	static const struct {
		const char *ip;   /* iproute2 and its global options */
		const char *mode; /* the xdp keyword: mode */
		const char *why;  /* what the kernel says */
	} variants[] = {
		{"ip", "xdp", "Can't replace active BPF XDP link"},
		{"ip -force", "xdp", "Can't replace active BPF XDP link"},
		{"ip", "xdpdrv", "Can't replace active BPF XDP link"},
		{"ip -force", "xdpdrv", "Can't replace active BPF XDP link"},
		/* Generic mode holds no link, but native and generic never coexist. */
		{"ip", "xdpgeneric", "Native and generic XDP can't be active at the same time"},
		{"ip -force", "xdpgeneric",
		 "Native and generic XDP can't be active at the same time"},
	};
	struct bpf_xdp_query_opts q;
	struct snap before;
	char out[512];

	(void)state;
	snap_fixture(&before);

	/* Control: the object attaches fine where no link holds the interface. */
	assert_int_equal(sh_capture(out, sizeof(out), "ip -n %s link set dev %s xdp obj %s sec xdp",
				    NS, IF_B, other_path),
			 0);
	xdp_query(IF_B, &q);
	assert_true(q.prog_id != 0);

	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		assert_int_not_equal(
			sh_capture(out, sizeof(out), "%s -n %s link set dev %s %s obj %s sec xdp",
				   variants[i].ip, NS, IF_A, variants[i].mode, other_path),
			0);
		assert_contains(out, variants[i].why);
		assert_still_ours(&before);
	}
}

static void test_second_ext_attach_refused(void **state)
{
	struct bpf_link *link = NULL;
	struct bpf_object *obj = NULL;
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	struct snap before;
	const void *elf;
	size_t size;
	__u32 verdict;
	int disp_fd, prog_fd, btf_id, fd, err;
	struct btf *btf;
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);

	(void)state;
	snap_fixture(&before);
	disp_fd = tl_iface_dispatcher_fd(&fx);
	assert_true(disp_fd >= 0);
	elf = evict_other__elf_bytes(&size);

	/* An outsider's extension on the occupied slot0: it loads, but may not attach. */
	err = tl_freplace(elf, size, "evict_other", disp_fd, "slot0", &obj, &link);
	printf("# tl_freplace onto occupied slot0: %d (%s)\n", err, strerror(-err));
	if (!err) {
		bpf_link__destroy(link);
		bpf_object__close(obj);
	}
	assert_int_equal(err, -EBUSY);
	assert_still_ours(&before);

	/* The engine's own slot program, linked a second time to slot0 by hand. */
	prog_fd = bpf_prog_get_fd_by_id(before.info.slots[0].prog_id);
	assert_true(prog_fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(disp_fd, &pi, &len), 0);
	btf = btf__load_from_kernel_by_id(pi.btf_id);
	assert_non_null(btf);
	btf_id = btf__find_by_name_kind(btf, "slot0", BTF_KIND_FUNC);
	btf__free(btf);
	assert_true(btf_id > 0);
	opts.target_btf_id = (__u32)btf_id;
	fd = bpf_link_create(prog_fd, disp_fd, (enum bpf_attach_type)0, &opts);
	err = fd < 0 ? -errno : 0;
	printf("# second link of the slot program onto slot0: %d (%s)\n", err, strerror(-err));
	if (fd >= 0)
		close(fd);
	close(prog_fd);
	assert_int_equal(err, -EBUSY);
	assert_still_ours(&before);

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
	char path[256];
	int link_fd, other_fd, slot_fd, err;

	(void)state;
	snap_fixture(&before);
	snprintf(path, sizeof(path), "%s/link", pn_iface__pin_dir(fx.iface));
	link_fd = bpf_obj_get(path);
	assert_true(link_fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(link_fd, &li, &len), 0);
	assert_int_equal(li.id, before.info.root_link_id);

	other = evict_other__open_and_load();
	assert_non_null(other);
	other_fd = bpf_program__fd(other->progs.evict_other);

	/* Expecting a program that is not the one on the link. */
	uopts.flags = BPF_F_REPLACE;
	uopts.old_prog_fd = other_fd;
	err = bpf_link_update(link_fd, other_fd, &uopts) ? -errno : 0;
	printf("# bpf_link_update, wrong old program: %d (%s)\n", err, strerror(-err));
	assert_int_equal(err, -EPERM);
	assert_still_ours(&before);

	/* Expecting the slot program, which is on the dispatcher but not on the link. */
	slot_fd = bpf_prog_get_fd_by_id(before.info.slots[0].prog_id);
	assert_true(slot_fd >= 0);
	uopts.old_prog_fd = (__u32)slot_fd;
	err = bpf_link_update(link_fd, other_fd, &uopts) ? -errno : 0;
	close(slot_fd);
	printf("# bpf_link_update, slot program as old: %d (%s)\n", err, strerror(-err));
	assert_int_equal(err, -EPERM);
	assert_still_ours(&before);

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
	char path[256], rev[300];
	size_t size;
	int link_fd, other_fd, disp_fd, err;

	(void)state;
	snap_fixture(&before);
	snprintf(path, sizeof(path), "%s/link", pn_iface__pin_dir(fx.iface));
	link_fd = bpf_obj_get(path);
	assert_true(link_fd >= 0);
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
	printf("# plug after an outside swap: %d: \"%s\"\n", err, pn_engine__last_error(fx.engine));
	assert_int_equal(err, -EPERM);
	assert_non_null(strstr(pn_engine__last_error(fx.engine), "interface 'ev0'"));
	snprintf(rev, sizeof(rev),
		 "revision 3 not applied: the root link no longer runs revision 2 (program %u "
		 "'evict_other' was put there",
		 other_id);
	assert_non_null(strstr(pn_engine__last_error(fx.engine), rev));
	/* The outsider's program stays; the engine did not fight it. */
	xdp_query(IF_A, &q);
	assert_int_equal(q.prog_id, other_id);
	snap_take(&after);
	assert_int_equal(after.info.revision, before.info.revision);
	/* describe tells the truth about what the link runs. */
	assert_int_equal(after.info.root_prog_id, other_id);
	assert_int_equal(after.info.dispatcher_prog_id, before.info.dispatcher_prog_id);
	snprintf(rev, sizeof(rev), "test -e %s/rev-3", pn_iface__pin_dir(fx.iface));
	assert_int_not_equal(tl_sh("%s", rev), 0);

	/* Swap back, and the engine carries on. */
	uopts.old_prog_fd = other_fd;
	tl_assert_ok(bpf_link_update(link_fd, disp_fd, &uopts) ? -errno : 0, "swap back");
	assert_still_ours(&before);
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
		cmocka_unit_test_setup_teardown(test_netlink_detach_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netlink_replace_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_ext_attach_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_link_update_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_swap_detected, setup, teardown),
	};

	return cmocka_run_group_tests_name("engine_eviction", tests, NULL, NULL);
}
