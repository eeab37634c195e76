// SPDX-License-Identifier: Apache-2.0
/*
 * Per-slot counters kept by the dispatcher itself (pn_engine__set_slot_stats):
 * exact counts per slot and per verdict after BPF_PROG_TEST_RUN through the
 * engine's dispatcher, counts that follow the attachment across revisions
 * and restarts and start at zero for a new one, and counting off costing no
 * instruction per slot (compared with a build of the dispatcher without
 * counters).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "engine_internal.h" /* pn_engine__new_with_dispatcher(), the dispatcher ABI */
#include "dispatcher.skel.h"
#include "dispatcher_nocounters.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define PASS (1U << XDP_PASS)
#define TX   (1U << XDP_TX)

static struct tl_iface fx;

static int setup(void **state)
{
	(void)state;
	if (tl_iface_setup(&fx, "pn-stats", "st0", "st1"))
		return -1;
	/*
	 * The peer down, so that it sends st0 nothing (IPv6 neighbour
	 * discovery would): the test runs are then the only packets counted.
	 */
	return tl_sh("ip -n %s link set %s down", fx.ns, fx.b) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_iface_teardown(&fx);
	return 0;
}

static int plug(struct tl_iface *t, const char *prog, int priority, __u32 proceed_on, __u32 *id)
{
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);

	return tl_plug(t, elf, size, prog, priority, proceed_on, id);
}

/* `n` packets through the interface's current dispatcher; each must end with `verdict`. */
static void run_packets(struct pn_iface *iface, unsigned int n, __u32 verdict)
{
	unsigned char frame[TL_FRAME_SIZE];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = n);
	int fd = tl_dispatcher_fd(iface, NULL);

	if (fd < 0)
		fail_msg("dispatcher fd: %s (%s)", strerror(-fd), pn_last_error());
	tl_frame(frame);
	if (bpf_prog_test_run_opts(fd, &opts))
		fail_msg("test run of %u packets: %s", n, strerror(errno));
	close(fd);
	assert_int_equal(opts.retval, verdict);
}

static const struct pn_slot_info *slot_of(const struct pn_iface_info *info, __u32 attach_id)
{
	for (__u32 i = 0; i < info->num_slots; i++) {
		if (info->slots[i].attach_id == attach_id)
			return &info->slots[i];
	}
	fail_msg("no slot with attach id %u", attach_id);
	return NULL;
}

/* The slot's counts: exactly `count` packets, all with `verdict` (none if count is 0). */
static void expect_counts(const struct pn_iface_info *info, __u32 attach_id, __u64 count,
			  __u32 verdict)
{
	const struct pn_slot_info *s = slot_of(info, attach_id);

	if (s->packets != count)
		fail_msg("attach id %u (slot %u): %llu packets, expected %llu", attach_id, s->index,
			 (unsigned long long)s->packets, (unsigned long long)count);
	for (__u32 v = 0; v < PN_XDP_VERDICTS; v++) {
		__u64 want = v == verdict ? count : 0;

		if (s->verdicts[v] != want)
			fail_msg("attach id %u (slot %u): %llu verdicts %u, expected %llu",
				 attach_id, s->index, (unsigned long long)s->verdicts[v], v,
				 (unsigned long long)want);
	}
	assert_int_equal(s->verdict_other, 0);
}

static void describe(struct pn_iface *iface, struct pn_iface_info *info)
{
	if (pn_iface__describe(iface, info))
		fail_msg("describe: %s", pn_last_error());
}

static void test_counts_per_slot_and_verdict(void **state)
{
	static struct pn_iface_info info;
	__u32 tx, drop, never, pass;

	(void)state;
	pn_engine__set_slot_stats(fx.engine, true);
	/* tx goes on (TX is in its proceed-on set), drop ends the chain, never is never reached. */
	tl_assert_ok(plug(&fx, "xdp_tx", 10, TX, &tx), "plug xdp_tx");
	tl_assert_ok(plug(&fx, "xdp_drop", 20, PASS, &drop), "plug xdp_drop");
	tl_assert_ok(plug(&fx, "xdp_aborted", 30, PASS, &never), "plug xdp_aborted");
	describe(fx.iface, &info);
	assert_true(info.slot_stats);
	expect_counts(&info, tx, 0, 0);
	expect_counts(&info, drop, 0, 0);

	run_packets(fx.iface, 7, XDP_DROP);
	describe(fx.iface, &info);
	expect_counts(&info, tx, 7, XDP_TX);
	expect_counts(&info, drop, 7, XDP_DROP);
	expect_counts(&info, never, 0, 0);

	/* A pass slot in front: it counts the packets, the others go on from where they were. */
	tl_assert_ok(plug(&fx, "xdp_pass", 0, PASS, &pass), "plug xdp_pass");
	run_packets(fx.iface, 3, XDP_DROP);
	describe(fx.iface, &info);
	expect_counts(&info, pass, 3, XDP_PASS);
	expect_counts(&info, tx, 10, XDP_TX);
	expect_counts(&info, drop, 10, XDP_DROP);
	expect_counts(&info, never, 0, 0);
}

/* Write `value` into every column of every row that counts nothing, on every CPU. */
static void dirty_unused_rows(const char *pin_dir, __u64 value)
{
	int ncpus = libbpf_num_possible_cpus(), fd;
	struct plugnet_slot_counters *row;
	char path[512];
	unsigned int dirtied = 0;

	assert_true(ncpus > 0);
	row = calloc((size_t)ncpus, sizeof(*row));
	assert_non_null(row);
	snprintf(path, sizeof(path), "%s/counters", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	for (__u32 r = 0; r < PLUGNET_STATS_ROWS; r++) {
		__u64 sum = 0;

		assert_int_equal(bpf_map_lookup_elem(fd, &r, row), 0);
		for (int c = 0; c < ncpus; c++) {
			for (unsigned int v = 0; v < PLUGNET_STATS_COLS; v++)
				sum += row[c].verdicts[v];
		}
		if (sum)
			continue;
		for (int c = 0; c < ncpus; c++) {
			for (unsigned int v = 0; v < PLUGNET_STATS_COLS; v++)
				row[c].verdicts[v] = value;
		}
		assert_int_equal(bpf_map_update_elem(fd, &r, row, BPF_ANY), 0);
		dirtied++;
	}
	/* Two attachments count: every other row is free. */
	assert_int_equal(dirtied, PLUGNET_STATS_ROWS - 2);
	close(fd);
	free(row);
}

static void test_counts_follow_the_attachment(void **state)
{
	static struct pn_iface_info info;
	__u32 old, first, again;
	__u64 rev;

	(void)state;
	pn_engine__set_slot_stats(fx.engine, true);
	tl_assert_ok(plug(&fx, "xdp_pass", 10, PASS, &old), "plug xdp_pass at 10");
	run_packets(fx.iface, 5, XDP_PASS);
	describe(fx.iface, &info);
	assert_int_equal(slot_of(&info, old)->index, 0);
	expect_counts(&info, old, 5, XDP_PASS);
	rev = info.revision;

	/* A higher-priority plug moves the old slot to position 1 of a new revision. */
	tl_assert_ok(plug(&fx, "xdp_pass", 0, PASS, &first), "plug xdp_pass at 0");
	run_packets(fx.iface, 2, XDP_PASS);
	describe(fx.iface, &info);
	assert_int_equal(info.revision, rev + 1);
	assert_int_equal(slot_of(&info, first)->index, 0);
	assert_int_equal(slot_of(&info, old)->index, 1);
	expect_counts(&info, first, 2, XDP_PASS);
	expect_counts(&info, old, 7, XDP_PASS);

	/*
	 * Leftovers in every free row, so that a new attachment that was not
	 * zeroed would show them; then unplug and plug the same program again.
	 */
	dirty_unused_rows(pn_iface__pin_dir(fx.iface), 1000);
	tl_assert_ok(pn_iface__unplug(fx.iface, old), "unplug");
	tl_assert_ok(plug(&fx, "xdp_pass", 10, PASS, &again), "plug xdp_pass at 10 again");
	assert_int_not_equal(again, old);
	describe(fx.iface, &info);
	expect_counts(&info, again, 0, 0);
	expect_counts(&info, first, 2, XDP_PASS);
	run_packets(fx.iface, 4, XDP_PASS);
	describe(fx.iface, &info);
	expect_counts(&info, again, 4, XDP_PASS);
	expect_counts(&info, first, 6, XDP_PASS);
}

static void test_counts_survive_a_restart_and_stand_still_when_off(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = fx.a};
	static struct pn_iface_info info;
	__u32 pass, drop;

	(void)state;
	pn_engine__set_slot_stats(fx.engine, true);
	tl_assert_ok(plug(&fx, "xdp_pass", 0, PASS, &pass), "plug xdp_pass");
	run_packets(fx.iface, 3, XDP_PASS);

	/* A new engine (counting off, the default) adopts the revision, which still counts. */
	pn_engine__free(fx.engine);
	fx.iface = NULL;
	tl_assert_ok(pn_engine__new(fx.pin_root, &fx.engine), "new engine");
	if (pn_engine__adopt(fx.engine, &ref, &fx.iface))
		fail_msg("adopt: %s", pn_last_error());
	describe(fx.iface, &info);
	assert_true(info.slot_stats);
	expect_counts(&info, pass, 3, XDP_PASS);
	run_packets(fx.iface, 2, XDP_PASS);
	describe(fx.iface, &info);
	expect_counts(&info, pass, 5, XDP_PASS);

	/* Its next revision is built without counting: the counts stand still. */
	tl_assert_ok(plug(&fx, "xdp_drop", 5, PASS, &drop), "plug xdp_drop");
	run_packets(fx.iface, 4, XDP_DROP);
	describe(fx.iface, &info);
	assert_false(info.slot_stats);
	expect_counts(&info, pass, 5, XDP_PASS);
	expect_counts(&info, drop, 0, 0);

	/* On again from the next revision; the kept counts go on. */
	pn_engine__set_slot_stats(fx.engine, true);
	tl_assert_ok(pn_iface__unplug(fx.iface, drop), "unplug xdp_drop");
	run_packets(fx.iface, 1, XDP_PASS);
	describe(fx.iface, &info);
	assert_true(info.slot_stats);
	expect_counts(&info, pass, 6, XDP_PASS);
}

/* What the verifier left of a dispatcher: its maps and its translated instructions. */
struct prog_facts {
	__u32 nr_maps;
	__u32 map_ids[4];
	__u32 insns;
	__u32 helper_calls;
};

static void dispatcher_facts(struct pn_iface *iface, struct prog_facts *f)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bpf_insn *insns;
	int fd = tl_dispatcher_fd(iface, NULL);

	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	memset(f, 0, sizeof(*f));
	f->nr_maps = info.nr_map_ids;
	f->insns = info.xlated_prog_len / sizeof(*insns);
	assert_true(f->nr_maps <= 4);
	insns = calloc(f->insns, sizeof(*insns));
	assert_non_null(insns);
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = f->nr_maps;
	info.map_ids = (__u64)(unsigned long)f->map_ids;
	info.xlated_prog_len = f->insns * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	for (__u32 i = 0; i < f->insns; i++) {
		/* src_reg 0: a helper; bpf-to-bpf calls (the slots) have src_reg 1. */
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0)
			f->helper_calls++;
	}
	free(insns);
}

static __u32 map_id_of_pin(const char *pin_dir, const char *name)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &mi, &len), 0);
	close(fd);
	return mi.id;
}

/* An interface whose engine loads the dispatcher built without counters. */
static void setup_nocounters(struct tl_iface *t)
{
	struct pn_iface_ref ref = {.netns_fd = -1, .ifname = "nc0"};
	size_t size;
	const void *elf = dispatcher_nocounters__elf_bytes(&size);

	memset(t, 0, sizeof(*t));
	snprintf(t->ns, sizeof(t->ns), "pn-stats-nc");
	snprintf(t->a, sizeof(t->a), "nc0");
	snprintf(t->pin_root, sizeof(t->pin_root), "/sys/fs/bpf/plugnet-test-stats-nc");
	(void)tl_sh("rm -rf %s", t->pin_root);
	t->nsfd = -1;
	assert_int_equal(tl_netns_veth(t->ns, "nc0", "nc1"), 0);
	t->nsfd = tl_netns_open(t->ns);
	assert_true(t->nsfd >= 0);
	tl_assert_ok(pn_engine__new_with_dispatcher(t->pin_root, elf, size, &t->engine),
		     pn_last_error());
	ref.netns_fd = t->nsfd;
	if (pn_engine__install(t->engine, &ref, PN_XDP_MODE_AUTO, &t->iface))
		fail_msg("install with the dispatcher without counters: %s", pn_last_error());
}

static void test_counting_off_costs_nothing(void **state)
{
	struct prog_facts off1, off3, nc1, nc3, on;
	struct tl_iface nc;
	__u32 id;

	(void)state;
	setup_nocounters(&nc);
	/*
	 * Off (the default): no reference to the counters, and no helper call
	 * but those of the build without counters (each stub's unreachable
	 * bpf_xdp_adjust_tail()).
	 */
	tl_assert_ok(plug(&fx, "xdp_pass", 0, PASS, NULL), "plug");
	tl_assert_ok(plug(&nc, "xdp_pass", 0, PASS, NULL), "plug without counters");
	dispatcher_facts(fx.iface, &off1);
	dispatcher_facts(nc.iface, &nc1);
	assert_int_equal(off1.nr_maps, 1);
	assert_int_equal(nc1.nr_maps, 1);
	assert_int_equal(off1.helper_calls, nc1.helper_calls);

	for (int i = 0; i < 2; i++) {
		tl_assert_ok(plug(&fx, "xdp_pass", 0, PASS, NULL), "plug");
		tl_assert_ok(plug(&nc, "xdp_pass", 0, PASS, NULL), "plug without counters");
	}
	dispatcher_facts(fx.iface, &off3);
	dispatcher_facts(nc.iface, &nc3);
	print_message("xlated instructions: off %u (1 slot), %u (3 slots); without counters %u, "
		      "%u\n",
		      off1.insns, off3.insns, nc1.insns, nc3.insns);
	/* Not one instruction more per slot; per packet only the test of the frozen flag. */
	assert_int_equal(off3.insns - nc3.insns, off1.insns - nc1.insns);
	assert_true(off1.insns >= nc1.insns && off1.insns - nc1.insns <= 2);
	assert_int_equal(off3.nr_maps, 1);
	assert_int_equal(off3.helper_calls, nc3.helper_calls);

	/* On: the next revision references the interface's pinned counters and looks rows up. */
	pn_engine__set_slot_stats(fx.engine, true);
	tl_assert_ok(plug(&fx, "xdp_pass", 0, PASS, &id), "plug with counting on");
	dispatcher_facts(fx.iface, &on);
	assert_int_equal(on.nr_maps, 2);
	assert_true(on.map_ids[0] == map_id_of_pin(pn_iface__pin_dir(fx.iface), "counters") ||
		    on.map_ids[1] == map_id_of_pin(pn_iface__pin_dir(fx.iface), "counters"));
	/* One row lookup per slot, for the four slots. */
	assert_int_equal(on.helper_calls, nc3.helper_calls + 4);
	tl_iface_teardown(&nc);
}

/*
 * A dispatcher of protocol version 1 (before the counters) on the pinned
 * root link: adopt refuses it and names both versions. It is this build's
 * object with version 1 in its header, which is what adopt reads first.
 */
static void test_adopt_refuses_an_older_version(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = fx.a};
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE);
	struct plugnet_dispatcher *old;
	char path[512];
	int link_fd, cur_fd, err;

	(void)state;
	old = plugnet_dispatcher__open();
	assert_non_null(old);
	old->rodata->plugnet_cfg.version = 1;
	tl_assert_ok(plugnet_dispatcher__load(old), "load a version 1 dispatcher");
	snprintf(path, sizeof(path), "%s/link", pn_iface__pin_dir(fx.iface));
	link_fd = bpf_obj_get(path);
	assert_true(link_fd >= 0);
	cur_fd = tl_dispatcher_fd(fx.iface, NULL);
	assert_true(cur_fd >= 0);
	opts.old_prog_fd = (__u32)cur_fd;
	err = bpf_link_update(link_fd, bpf_program__fd(old->progs.plugnet_root), &opts);
	close(cur_fd);
	close(link_fd);
	tl_assert_ok(err ? -errno : 0, "swap the root link to the version 1 dispatcher");

	pn_engine__free(fx.engine);
	fx.iface = NULL;
	tl_assert_ok(pn_engine__new(fx.pin_root, &fx.engine), "new engine");
	assert_int_equal(pn_engine__adopt(fx.engine, &ref, &fx.iface), -EPROTONOSUPPORT);
	assert_null(fx.iface);
	tl_assert_contains(pn_last_error(), "a plugnet dispatcher of version 1; this engine "
					    "adopts version 2 only");
	tl_assert_contains(pn_last_error(), "interface 'st0'");
	plugnet_dispatcher__destroy(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_per_slot_and_verdict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_follow_the_attachment, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_counts_survive_a_restart_and_stand_still_when_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counting_off_costs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_refuses_an_older_version, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("engine_stats", tests, NULL, NULL);
}
