// SPDX-License-Identifier: Apache-2.0
/*
 * The engine's life cycle around the revisions: what describe reports,
 * adopting pinned dispatchers after a restart, the verification cache
 * across many interfaces, frags capability, packet-moving extensions,
 * attach modes and removal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "slots.h"
#include "frags.skel.h"
#include "marks.skel.h"
#include "pktmod.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"
#include "trail.h"

#define PASS (1U << XDP_PASS)

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_describe(void **state)
{
	struct tl_iface t;
	struct pn_iface_info info;
	size_t size;
	const void *elf = marks__elf_bytes(&size);
	__u32 a, b;

	(void)state;
	tl_assert_ok(tl_iface_setup(&t, "pn-describe", "ds0", "ds1"), "setup");
	tl_assert_ok(pn_iface__describe(t.iface, &info), "describe empty");
	assert_string_equal(info.ifname, "ds0");
	assert_int_equal(info.ifindex, tl_ifindex("pn-describe", "ds0"));
	assert_true(info.netns_id != 0);
	assert_int_equal(info.mode, PN_XDP_MODE_NATIVE);
	assert_true(info.root_link_id > 0 && info.dispatcher_prog_id > 0);
	assert_int_equal(info.revision, 1);
	assert_int_equal(info.num_slots, 0);
	assert_int_equal(info.state, PN_IFACE_ATTACHED);
	/* An empty dispatcher is frags-capable: every one of its zero programs is. */
	assert_true(info.frags);

	tl_assert_ok(tl_plug(&t, elf, size, "mark_a", 10, PASS | 1U << XDP_TX, &a), "plug a");
	tl_assert_ok(tl_plug(&t, elf, size, "mark_b", -5, 0, &b), "plug b");
	tl_assert_ok(tl_sh("sysctl -qw kernel.bpf_stats_enabled=1"), "enable bpf stats");
	tl_expect_trail(&t, "ba", XDP_PASS);
	tl_assert_ok(pn_iface__describe(t.iface, &info), "describe");
	tl_assert_ok(tl_sh("sysctl -qw kernel.bpf_stats_enabled=0"), "disable bpf stats");
	assert_int_equal(info.revision, 3);
	assert_int_equal(info.num_slots, 2);
	assert_true(info.stats_enabled);
	assert_true(info.run_cnt >= 1);
	assert_int_equal(info.slots[0].index, 0);
	assert_int_equal(info.slots[0].attach_id, b);
	assert_int_equal(info.slots[0].priority, -5);
	assert_int_equal(info.slots[0].proceed_on, PN_PROCEED_ON_DEFAULT);
	assert_string_equal(info.slots[0].prog_name, "mark_b");
	assert_int_equal(info.slots[1].index, 1);
	assert_int_equal(info.slots[1].attach_id, a);
	assert_int_equal(info.slots[1].proceed_on, PASS | 1U << XDP_TX);
	assert_string_equal(info.slots[1].prog_name, "mark_a");
	for (int i = 0; i < 2; i++) {
		assert_true(info.slots[i].prog_id > 0);
		assert_true(info.slots[i].link_id > 0);
		assert_int_equal(strlen(info.slots[i].prog_tag), 16);
		assert_int_equal(strspn(info.slots[i].prog_tag, "0123456789abcdef"), 16);
	}
	assert_int_not_equal(info.slots[0].link_id, info.slots[1].link_id);
	assert_int_not_equal(info.slots[0].prog_id, info.slots[1].prog_id);
	/* Only the live revision is pinned (replaced ones are released in the background). */
	pn_engine__settle(t.engine);
	assert_int_equal(tl_rev_dirs(pn_iface__pin_dir(t.iface), NULL, 0), 1);
	tl_iface_teardown(&t);
}

static void test_adopt_after_restart(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = -1, .ifname = "ad0"};
	struct pn_iface_info before, after;
	struct tl_iface t;
	char stale[512];
	size_t size;
	const void *elf = marks__elf_bytes(&size);
	__u32 b, d;
	int fd;

	(void)state;
	tl_assert_ok(tl_iface_setup(&t, "pn-adopt", "ad0", "ad1"), "setup");
	tl_assert_ok(tl_plug(&t, elf, size, "mark_a", 10, PASS, NULL), "plug a");
	tl_assert_ok(tl_plug(&t, elf, size, "mark_b", 20, PASS, &b), "plug b");
	tl_assert_ok(tl_plug(&t, elf, size, "mark_c", 30, 1U << XDP_PASS | 1U << XDP_DROP, NULL),
		     "plug c");
	tl_assert_ok(pn_iface__describe(t.iface, &before), "describe before");

	/* The agent goes away: its fds close, the pins keep everything running. */
	snprintf(stale, sizeof(stale), "%s/rev-999", pn_iface__pin_dir(t.iface));
	pn_engine__free(t.engine);
	t.engine = NULL;
	t.iface = NULL;
	fd = bpf_prog_get_fd_by_id(before.dispatcher_prog_id);
	assert_true(fd >= 0);
	{
		unsigned char frame[TL_FRAME_SIZE];
		__u32 v;

		tl_frame(frame);
		tl_assert_ok(tl_xdp_run_frame(fd, frame, &v), "run while no agent");
		assert_int_equal(frame[TRAIL_OFF], 3);
		assert_int_equal(v, XDP_PASS);
	}
	close(fd);
	/* A revision the crashed agent never finished. */
	assert_int_equal(mkdir(stale, 0700), 0);

	tl_assert_ok(pn_engine__new(t.pin_root, &t.engine), "new engine");
	ref.netns_fd = t.nsfd;
	tl_assert_ok(pn_engine__adopt(t.engine, &ref, &t.iface), "adopt");
	tl_assert_ok(pn_iface__describe(t.iface, &after), "describe after");
	assert_int_equal(after.revision, before.revision);
	assert_int_equal(after.root_link_id, before.root_link_id);
	assert_int_equal(after.dispatcher_prog_id, before.dispatcher_prog_id);
	assert_int_equal(after.mode, before.mode);
	assert_int_equal(after.num_slots, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(after.slots[i].attach_id, before.slots[i].attach_id);
		assert_int_equal(after.slots[i].priority, before.slots[i].priority);
		assert_int_equal(after.slots[i].proceed_on, before.slots[i].proceed_on);
		assert_int_equal(after.slots[i].prog_id, before.slots[i].prog_id);
		assert_int_equal(after.slots[i].link_id, before.slots[i].link_id);
	}
	assert_false(dir_exists(stale));
	tl_expect_trail(&t, "abc", XDP_PASS);

	/* It goes on working: new ids continue after the old ones. */
	tl_assert_ok(tl_plug(&t, elf, size, "mark_d", 40, PASS, &d), "plug d after adopt");
	assert_true(d > before.slots[2].attach_id);
	tl_expect_trail(&t, "abcd", XDP_PASS);
	tl_assert_ok(pn_iface__unplug(t.iface, b), "unplug b after adopt");
	tl_expect_trail(&t, "acd", XDP_PASS);

	/* A second adopt of the same interface is refused. */
	assert_int_equal(pn_engine__adopt(t.engine, &ref, &t.iface), -EEXIST);
	tl_iface_teardown(&t);
}

/*
 * After a restart, install (instead of adopt) on an interface plugnet
 * already holds must refuse: clearing those pins would detach the
 * dispatcher and every slot. Adopt still finds everything afterwards.
 */
static void test_install_never_clears_a_live_dispatcher(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = -1, .ifname = "lv0"};
	struct pn_iface_info before, after;
	struct pn_iface *again = NULL;
	struct tl_iface t;
	char want[512];
	size_t size;
	const void *elf = marks__elf_bytes(&size);

	(void)state;
	tl_assert_ok(tl_iface_setup(&t, "pn-live", "lv0", "lv1"), "setup");
	tl_assert_ok(tl_plug(&t, elf, size, "mark_a", 1, PASS, NULL), "plug a");
	tl_assert_ok(pn_iface__describe(t.iface, &before), "describe");
	snprintf(want, sizeof(want),
		 "interface 'lv0' (netns %llu, ifindex %u): plugnet's dispatcher is already "
		 "attached (pinned at %s/link); adopt it instead",
		 (unsigned long long)before.netns_id, before.ifindex, pn_iface__pin_dir(t.iface));
	pn_engine__free(t.engine);
	t.iface = NULL;
	tl_assert_ok(pn_engine__new(t.pin_root, &t.engine), "new engine");
	ref.netns_fd = t.nsfd;

	/* install refuses and clears nothing: adopt finds the same dispatcher, still running a. */
	assert_int_equal(pn_engine__install(t.engine, &ref, PN_XDP_MODE_AUTO, &again), -EEXIST);
	assert_null(again);
	tl_assert_contains(pn_last_error(), want);
	tl_assert_ok(pn_engine__adopt(t.engine, &ref, &t.iface), "adopt");
	tl_assert_ok(pn_iface__describe(t.iface, &after), "describe");
	assert_int_equal(after.dispatcher_prog_id, before.dispatcher_prog_id);
	assert_int_equal(after.slots[0].link_id, before.slots[0].link_id);
	tl_expect_trail(&t, "a", XDP_PASS);
	tl_iface_teardown(&t);
}

#define N_IFACES 100

static void test_one_verification_for_many_interfaces(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = -1};
	static struct pn_iface *ifaces[N_IFACES];
	struct pn_engine *engine;
	char name[IF_NAMESIZE];
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);
	int nsfd;
	FILE *batch;

	(void)state;
	tl_netns_del("pn-many");
	assert_int_equal(tl_sh("ip netns add pn-many"), 0);
	batch = fopen("/tmp/pn-many.batch", "w");
	assert_non_null(batch);
	for (int i = 0; i < N_IFACES; i++)
		fprintf(batch, "link add many%d type dummy\nlink set many%d up\n", i, i);
	assert_int_equal(fclose(batch), 0);
	assert_int_equal(tl_sh("ip -n pn-many -batch /tmp/pn-many.batch"), 0);
	nsfd = tl_netns_open("pn-many");
	assert_true(nsfd >= 0);
	(void)tl_sh("rm -rf /sys/fs/bpf/plugnet-test-many");
	tl_assert_ok(pn_engine__new("/sys/fs/bpf/plugnet-test-many", &engine), "engine");

	ref.netns_fd = nsfd;
	ref.ifname = name;
	for (int i = 0; i < N_IFACES; i++) {
		snprintf(name, sizeof(name), "many%d", i);
		if (pn_engine__install(engine, &ref, PN_XDP_MODE_AUTO, &ifaces[i]))
			fail_msg("install %s: %s", name, pn_last_error());
	}
	for (int i = 0; i < N_IFACES; i++) {
		if (tl_plug_iface(ifaces[i], elf, size, "xdp_drop", 0, 0, NULL))
			fail_msg("plug many%d: %s", i, pn_last_error());
	}
	assert_int_equal(pn_engine__prog_loads(engine), 1);
	print_message("plugged one program into %d interfaces with %lu load(s)\n", N_IFACES,
		      pn_engine__prog_loads(engine));

	/* Every dispatcher runs it, all through the one loaded program. */
	{
		struct pn_iface_info info;
		__u32 prog_id = 0;

		for (int i = 0; i < N_IFACES; i++) {
			__u32 v = ~0U;
			int fd;

			tl_assert_ok(pn_iface__describe(ifaces[i], &info), "describe");
			assert_int_equal(info.mode,
					 PN_XDP_MODE_GENERIC); /* dummy has no native XDP */
			assert_int_equal(info.num_slots, 1);
			if (i == 0)
				prog_id = info.slots[0].prog_id;
			assert_int_equal(info.slots[0].prog_id, prog_id);
			fd = bpf_prog_get_fd_by_id(info.dispatcher_prog_id);
			assert_true(fd >= 0);
			tl_assert_ok(tl_xdp_run(fd, &v), "test run");
			close(fd);
			assert_int_equal(v, XDP_DROP);
		}
	}
	for (int i = 0; i < N_IFACES; i++)
		tl_assert_ok(pn_iface__remove(ifaces[i]), "remove");
	assert_int_equal(tl_sh("ip -n pn-many link show | grep -q 'prog/xdp'"), 1);
	pn_engine__free(engine);
	close(nsfd);
	tl_netns_del("pn-many");
	(void)tl_sh("rm -rf /sys/fs/bpf/plugnet-test-many /tmp/pn-many.batch");
}

/* Interface a of a new netns `ns`, carrying frags_pass; `mtu`: both ends get it first. */
static void setup_frags(struct tl_iface *t, const char *ns, const char *a, const char *b,
			unsigned int mtu, struct pn_iface_info *info)
{
	size_t size;
	const void *elf = frags__elf_bytes(&size);

	tl_assert_ok(tl_iface_setup(t, ns, a, b), "setup");
	if (mtu)
		assert_int_equal(tl_sh("ip -n %s link set %s mtu %u && ip -n %s link set %s mtu %u",
				       ns, a, mtu, ns, b, mtu),
				 0);
	tl_assert_ok(tl_plug(t, elf, size, "frags_pass", 0, PASS, NULL), "plug frags_pass");
	tl_assert_ok(pn_iface__describe(t->iface, info), "describe");
	assert_true(info->frags);
	assert_true(info->slots[0].frags);
}

static void test_frags_capability_follows_programs(void **state)
{
	struct tl_iface t;
	struct pn_iface_info info;
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);
	__u32 plain;

	(void)state;
	setup_frags(&t, "pn-frags", "fr0", "fr1", 0, &info);
	tl_assert_ok(tl_plug(&t, elf, size, "xdp_pass", 1, PASS, &plain), "plug xdp_pass");
	tl_assert_ok(pn_iface__describe(t.iface, &info), "describe");
	assert_false(info.frags);
	assert_false(info.slots[1].frags);

	tl_assert_ok(pn_iface__unplug(t.iface, plain), "unplug xdp_pass");
	tl_assert_ok(pn_iface__describe(t.iface, &info), "describe");
	assert_true(info.frags);
	tl_iface_teardown(&t);
}

/* With a jumbo MTU only a frags-capable dispatcher may stay attached to a veth. */
static void test_single_buffer_program_refused_on_jumbo_mtu(void **state)
{
	struct tl_iface t;
	struct pn_iface_info before, after;
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);

	(void)state;
	setup_frags(&t, "pn-jumbo", "jb0", "jb1", 9000, &before);
	assert_true(tl_plug(&t, elf, size, "xdp_pass", 1, PASS, NULL) < 0);
	tl_assert_contains(pn_last_error(), "jb0");
	tl_assert_contains(pn_last_error(), "'xdp_pass' is not frags-capable");
	tl_assert_ok(pn_iface__describe(t.iface, &after), "describe");
	assert_int_equal(after.revision, before.revision);
	assert_int_equal(after.num_slots, 1);
	assert_true(after.frags);
	pn_engine__settle(t.engine);
	assert_int_equal(tl_rev_dirs(pn_iface__pin_dir(t.iface), NULL, 0), 1);
	tl_iface_teardown(&t);
}

static void test_packet_moving_programs_verify(void **state)
{
	struct tl_iface t;
	unsigned char frame[TL_FRAME_SIZE], out[TL_FRAME_SIZE + 64];
	size_t size;
	const void *elf = pktmod__elf_bytes(&size);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int fd;

	(void)state;
	tl_assert_ok(tl_iface_setup(&t, "pn-pktmod", "pm0", "pm1"), "setup");
	tl_assert_ok(tl_plug(&t, elf, size, "pkt_push_pop_head", 0, PASS, NULL),
		     "plug pkt_push_pop_head");
	tl_assert_ok(tl_plug(&t, elf, size, "pkt_trim_tail", 1, PASS, NULL), "plug pkt_trim_tail");
	fd = tl_iface_dispatcher_fd(&t);
	assert_true(fd >= 0);
	tl_frame(frame);
	assert_int_equal(bpf_prog_test_run_opts(fd, &opts), 0);
	close(fd);
	assert_int_equal(opts.retval, XDP_PASS);
	/* Both ran: the head came back where it was, the tail lost 4 bytes. */
	assert_int_equal(opts.data_size_out, TL_FRAME_SIZE - 4);
	assert_memory_equal(out, frame, TL_FRAME_SIZE - 4);
	tl_iface_teardown(&t);
}

static void test_modes(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = -1, .ifname = "mo0"};
	struct pn_iface_info info;
	struct tl_iface t;
	struct pn_iface *dummy;

	(void)state;
	tl_assert_ok(tl_iface_setup(&t, "pn-modes", "mo0", "mo1"), "setup");
	tl_assert_ok(pn_iface__remove(t.iface), "remove");
	t.iface = NULL;
	/* Removal detached it: netlink sees no program, and the pins are gone. */
	assert_int_equal(tl_sh("ip -n pn-modes link show dev mo0 | grep -q 'prog/xdp'"), 1);
	/*
	 * Down to the netns directory, which went with its last interface: only
	 * the engine's index of loaded programs stays (docs/dispatcher-protocol.md).
	 */
	assert_int_equal(tl_sh("test \"$(ls -A %s)\" = prog-index", t.pin_root), 0);
	assert_false(dir_exists(t.pin_root) && tl_rev_dirs(t.pin_root, NULL, 0) > 0);

	ref.netns_fd = t.nsfd;
	tl_assert_ok(pn_engine__install(t.engine, &ref, PN_XDP_MODE_GENERIC, &t.iface),
		     "install generic");
	tl_assert_ok(pn_iface__describe(t.iface, &info), "describe");
	assert_int_equal(info.mode, PN_XDP_MODE_GENERIC);
	assert_int_equal(tl_sh("ip -n pn-modes link show dev mo0 | grep -q 'xdpgeneric'"), 0);

	/* A dummy device has no native XDP: asking for it fails and says so. */
	assert_int_equal(tl_sh("ip -n pn-modes link add mo2 type dummy"), 0);
	ref.ifname = "mo2";
	assert_int_equal(pn_engine__install(t.engine, &ref, PN_XDP_MODE_NATIVE, &dummy),
			 -EOPNOTSUPP);
	tl_assert_contains(pn_last_error(), "mo2");
	tl_assert_contains(pn_last_error(), "native");
	tl_iface_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_adopt_after_restart),
		cmocka_unit_test(test_install_never_clears_a_live_dispatcher),
		cmocka_unit_test(test_one_verification_for_many_interfaces),
		cmocka_unit_test(test_frags_capability_follows_programs),
		cmocka_unit_test(test_single_buffer_program_refused_on_jumbo_mtu),
		cmocka_unit_test(test_packet_moving_programs_verify),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests_name("engine_lifecycle", tests, NULL, NULL);
}
