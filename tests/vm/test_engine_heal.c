// SPDX-License-Identifier: Apache-2.0
/*
 * Healing what a privileged host tool did to a dispatcher, with a slot
 * plugged, under real traffic: `bpftool link detach` leaves the interface
 * unfiltered and describe says detached; pn_iface__reattach() filters it
 * again with the same slot programs and links, and the pins hold the new
 * root link. Another program attached meanwhile makes it displaced, and
 * the engine refuses to fight it; an interface or netns that vanished is
 * gone. A restarted engine adopts a detached dispatcher (and refuses pins
 * that are not provably this interface's), and finishes a re-attach a
 * crash interrupted. Pinned interfaces nobody holds are removed with their
 * slots, and their programs freed, whether their netns lives or not.
 *
 * Layout: netns NS holds IF_A (10.98.0.2, the dispatcher with xdp_drop
 * plugged), netns NS_TX its peer IF_B (10.98.0.1), which pings it.
 * Neighbour entries are static, so no ARP is needed.
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

#include "dispatcher.h"
#include "evict_other.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define NS     "pn-heal"
#define NS_TX  "pn-heal-tx"
#define IF_A   "hl0"
#define IF_B   "hl1"
#define RX_IP  "10.98.0.2"
#define TX_IP  "10.98.0.1"
#define RX_MAC "02:00:0a:62:00:02"
#define TX_MAC "02:00:0a:62:00:01"

/* evict_other.bpf.o, written out for iproute2. */
#define OTHER_OBJ "/tmp/" NS "-evict_other.bpf.o"

static struct tl_iface fx;

/* --- fixture --------------------------------------------------------------- */

static int setup(void **state)
{
	static const struct tl_slot slots[] = {{verdicts__elf_bytes, "xdp_drop", 0, 0}};
	const void *elf;
	size_t size;

	(void)state;
	tl_netns_del(NS_TX);
	if (tl_iface_setup(&fx, NS, IF_A, IF_B) || tl_plug_all(&fx, slots, 1))
		return -1;
	if (tl_sh("ip netns add " NS_TX " && ip -n " NS " link set " IF_B " netns " NS_TX
		  " && ip -n " NS_TX " link set lo up"
		  " && ip -n " NS " link set " IF_A " address " RX_MAC " && ip -n " NS_TX
		  " link set " IF_B " address " TX_MAC " && ip -n " NS " addr add " RX_IP
		  "/24 dev " IF_A " && ip -n " NS_TX " addr add " TX_IP "/24 dev " IF_B
		  " && ip -n " NS_TX " link set " IF_B " up"
		  " && ip -n " NS " neigh replace " TX_IP " lladdr " TX_MAC " dev " IF_A
		  " nud permanent"
		  " && ip -n " NS_TX " neigh replace " RX_IP " lladdr " RX_MAC " dev " IF_B
		  " nud permanent"))
		return -1;
	elf = evict_other__elf_bytes(&size);
	return tl_write_file(OTHER_OBJ, elf, size) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_iface_teardown(&fx);
	tl_netns_del(NS_TX);
	unlink(OTHER_OBJ);
	return 0;
}

/* --- helpers ----------------------------------------------------------------- */

/* Do pings from NS_TX reach IF_A? (Dropped ones take about a second to say no.) */
static bool reaches(void)
{
	return tl_sh("ip netns exec " NS_TX " ping -c 2 -i 0.2 -W 1 -q " RX_IP
		     " >/dev/null 2>&1") == 0;
}

static void describe(struct pn_iface_info *info)
{
	tl_assert_ok(pn_iface__describe(fx.iface, info), pn_last_error());
}

static void detach_root(__u32 link_id)
{
	/* The real host tool, as an operator would run it. */
	assert_int_equal(tl_sh("bpftool link detach id %u", link_id), 0);
}

/* The XDP program on IF_A and its mode. */
static __u32 xdp_on_a(__u8 *mode)
{
	struct bpf_xdp_query_opts q;

	tl_assert_ok(tl_xdp_query(fx.nsfd, IF_A, &q), "xdp query");
	if (mode)
		*mode = q.attach_mode;
	return q.prog_id;
}

/* The id of the link pinned at <pin dir>/<name>, 0 if there is none. */
static __u32 pinned_link_id(const char *dir, const char *name)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	char path[PN_PIN_DIR_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &li, &len), 0);
	close(fd);
	return li.id;
}

/* The slots run the very same programs through the very same links. */
static void assert_same_slots(const struct pn_iface_info *a, const struct pn_iface_info *b)
{
	assert_int_equal(b->num_slots, a->num_slots);
	assert_int_equal(b->revision, a->revision);
	assert_int_equal(b->dispatcher_prog_id, a->dispatcher_prog_id);
	for (__u32 i = 0; i < a->num_slots; i++) {
		assert_int_equal(b->slots[i].attach_id, a->slots[i].attach_id);
		assert_int_equal(b->slots[i].prog_id, a->slots[i].prog_id);
		assert_int_equal(b->slots[i].link_id, a->slots[i].link_id);
	}
}

static void assert_freed(int (*get)(__u32 id), __u32 id, const char *what)
{
	int ms = tl_wait_freed(get, id, 10000);

	if (ms < 0)
		fail_msg("%s %u is still alive 10 s after it was released", what, id);
	printf("# %s %u freed after %d ms\n", what, id, ms);
}

/* Detached, then attached again: filtered again by the same slot. */
static void heal(const struct pn_iface_info *before)
{
	static struct pn_iface_info after;
	struct pn_reattach_report rep;
	struct timespec t0;
	__u8 mode;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	tl_assert_ok(pn_iface__reattach(fx.iface, &rep), pn_last_error());
	printf("# pn_iface__reattach: %.2f ms\n", tl_ms_since(&t0));
	assert_true(rep.reattached);
	assert_int_equal(rep.old_link_id, before->root_link_id);
	assert_int_not_equal(rep.new_link_id, before->root_link_id);
	assert_int_equal(rep.dispatcher_prog_id, before->dispatcher_prog_id);
	assert_int_equal(rep.revision, before->revision);
	assert_int_equal(rep.num_slots, before->num_slots);

	describe(&after);
	assert_int_equal(after.state, PN_IFACE_ATTACHED);
	assert_int_equal(after.root_link_id, rep.new_link_id);
	assert_int_equal(after.root_prog_id, before->dispatcher_prog_id);
	assert_int_equal(after.mode, before->mode);
	assert_same_slots(before, &after);
	assert_int_equal(xdp_on_a(&mode), before->dispatcher_prog_id);
	assert_int_equal(mode, XDP_ATTACHED_DRV);
	/* The pins hold the new link, and nothing of the swap is left over. */
	assert_int_equal(pinned_link_id(pn_iface__pin_dir(fx.iface), "link"), rep.new_link_id);
	assert_int_equal(pinned_link_id(pn_iface__pin_dir(fx.iface), "link-new"), 0);
	assert_freed(bpf_link_get_fd_by_id, rep.old_link_id, "old root link");
	assert_false(reaches());
}

/* --- cases ------------------------------------------------------------------- */

static void test_detach_then_reattach(void **state)
{
	static struct pn_iface_info before, info;
	struct pn_reattach_report rep;
	struct timespec t0;

	(void)state;
	describe(&before);
	assert_int_equal(before.state, PN_IFACE_ATTACHED);
	assert_int_equal(before.num_slots, 1);
	assert_string_equal(before.slots[0].prog_name, "xdp_drop");
	assert_false(reaches());

	detach_root(before.root_link_id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	describe(&info);
	printf("# describe of the detached interface: %.2f ms\n", tl_ms_since(&t0));
	assert_int_equal(info.state, PN_IFACE_DETACHED);
	assert_string_equal(pn_iface_state_name(info.state), "detached");
	assert_int_equal(info.root_link_id, before.root_link_id);
	assert_int_equal(info.other_prog_id, 0);
	assert_same_slots(&before, &info);
	assert_int_equal(xdp_on_a(NULL), 0);
	/* Nothing filters the interface now. */
	assert_true(reaches());

	heal(&before);

	/* Attached: a no-op that says so. */
	tl_assert_ok(pn_iface__reattach(fx.iface, &rep), pn_last_error());
	assert_false(rep.reattached);
	describe(&info);
	assert_int_equal(rep.old_link_id, info.root_link_id);
	assert_int_equal(rep.new_link_id, info.root_link_id);
	/* And the engine goes on making revisions on the new link. */
	{
		size_t size;
		const void *elf = verdicts__elf_bytes(&size);

		tl_assert_ok(tl_plug(&fx, elf, size, "xdp_pass", -1, 0, NULL),
			     "plug after the heal");
		describe(&info);
		assert_int_equal(info.revision, before.revision + 1);
		assert_int_equal(xdp_on_a(NULL), info.dispatcher_prog_id);
		assert_false(reaches()); /* xdp_pass proceeds to xdp_drop */
	}
}

/* A plug while detached fails and says what happened and what heals it. */
static void test_plug_while_detached(void **state)
{
	static struct pn_iface_info before, info;
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);

	(void)state;
	describe(&before);
	detach_root(before.root_link_id);
	assert_int_equal(tl_plug(&fx, elf, size, "xdp_pass", 5, 0, NULL), -ENOLINK);
	tl_assert_contains(pn_last_error(), "interface 'hl0'");
	tl_assert_contains(pn_last_error(), "was detached (by a host tool) and the interface is "
					    "free; pn_iface__reattach() attaches it again");
	describe(&info);
	assert_int_equal(info.state, PN_IFACE_DETACHED);
	assert_same_slots(&before, &info);
	heal(&before);
}

static void test_displaced_after_detach(void **state)
{
	static struct pn_iface_info before, info;
	struct pn_reattach_report rep;
	char want[128];
	__u32 other;
	__u8 mode;

	(void)state;
	describe(&before);
	detach_root(before.root_link_id);
	assert_int_equal(
		tl_sh("ip -n " NS " link set dev " IF_A " xdpdrv obj " OTHER_OBJ " sec xdp"), 0);
	other = xdp_on_a(&mode);
	assert_true(other != 0 && other != before.dispatcher_prog_id);

	describe(&info);
	assert_int_equal(info.state, PN_IFACE_DISPLACED);
	assert_int_equal(info.other_prog_id, other);
	assert_string_equal(info.other_prog_name, "evict_other");
	assert_int_equal(info.root_prog_id,
			 before.dispatcher_prog_id); /* the link was not swapped */
	assert_same_slots(&before, &info);

	assert_int_equal(pn_iface__reattach(fx.iface, &rep), -EBUSY);
	printf("# %s\n", pn_last_error());
	tl_assert_contains(pn_last_error(), "interface 'hl0'");
	snprintf(want, sizeof(want),
		 "XDP program %u 'evict_other' is attached to it in native mode", other);
	tl_assert_contains(pn_last_error(), want);
	tl_assert_contains(pn_last_error(), "nothing changed");
	/* Untouched: the other program, its mode, the pinned (detached) link. */
	assert_int_equal(xdp_on_a(&mode), other);
	assert_int_equal(mode, XDP_ATTACHED_DRV);
	assert_int_equal(pinned_link_id(pn_iface__pin_dir(fx.iface), "link"), before.root_link_id);
	assert_true(reaches()); /* evict_other passes everything */
	describe(&info);
	assert_int_equal(info.state, PN_IFACE_DISPLACED);

	/* Once the other program leaves, the dispatcher comes back. */
	assert_int_equal(tl_sh("ip -n " NS " link set dev " IF_A " xdpdrv off"), 0);
	describe(&info);
	assert_int_equal(info.state, PN_IFACE_DETACHED);
	heal(&before);
}

static void test_gone_interface(void **state)
{
	static struct pn_iface_info info;

	(void)state;
	assert_int_equal(tl_sh("ip -n " NS " link del " IF_A), 0);
	describe(&info);
	assert_int_equal(info.state, PN_IFACE_GONE);
	assert_int_equal(pn_iface__reattach(fx.iface, NULL), -ENODEV);
	tl_assert_contains(pn_last_error(), "interface 'hl0'");
	tl_assert_contains(pn_last_error(), "is gone");
	tl_assert_ok(pn_iface__remove(fx.iface), pn_last_error());
	fx.iface = NULL;
}

static void test_gone_netns(void **state)
{
	static struct pn_iface_info info;

	(void)state;
	/* Nothing may keep the netns alive: the fixture's fd goes too. */
	close(fx.nsfd);
	fx.nsfd = -1;
	tl_netns_del(NS);
	/* The kernel dismantles a netns in the background. */
	for (int i = 0; i < 1000; i++) {
		describe(&info);
		if (info.state != PN_IFACE_ATTACHED)
			break;
		usleep(10000);
	}
	assert_int_equal(info.state, PN_IFACE_GONE);
	assert_int_equal(pn_iface__reattach(fx.iface, NULL), -ENODEV);
	tl_assert_ok(pn_iface__remove(fx.iface), pn_last_error());
	fx.iface = NULL;
}

/* The agent restarts while the dispatcher is detached: a fresh engine (fd-free). */
static void restart_engine(void)
{
	pn_engine__free(fx.engine);
	fx.engine = NULL;
	fx.iface = NULL;
	tl_assert_ok(pn_engine__new(fx.pin_root, &fx.engine), pn_last_error());
}

static int adopt(void)
{
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = IF_A};

	return pn_engine__adopt(fx.engine, &ref, &fx.iface);
}

/* Pin at `to` a copy of the record at `from` made in another netns instance with the same id. */
static void forge_meta_from(const char *from, const char *to)
{
	struct plugnet_iface_meta m;
	__u32 zero = 0;
	int fd;

	fd = bpf_obj_get(from);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &m), 0);
	close(fd);
	assert_int_equal(m.magic, PLUGNET_META_MAGIC);
	assert_true(m.netns_cookie != 0);
	m.netns_cookie++;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "plugnet_meta", 4, sizeof(m), 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &zero, &m, BPF_ANY), 0);
	assert_int_equal(bpf_obj_pin(fd, to), 0);
	close(fd);
}

static void test_adopt_while_detached(void **state)
{
	static struct pn_iface_info before, info;
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = IF_A};
	struct pn_iface *again = NULL;
	char dir[PN_PIN_DIR_MAX], meta[PN_PIN_DIR_MAX + 16], saved[PN_PIN_DIR_MAX + 16];

	(void)state;
	describe(&before);
	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(fx.iface));
	detach_root(before.root_link_id);
	restart_engine();

	/*
	 * Pins whose record names another netns instance (the id was reused
	 * after the one they were made in died) are not revived here.
	 */
	snprintf(meta, sizeof(meta), "%s/meta", dir);
	snprintf(saved, sizeof(saved), "%s/../saved-meta", dir);
	assert_int_equal(rename(meta, saved), 0);
	forge_meta_from(saved, meta);
	assert_int_equal(adopt(), -ESTALE);
	printf("# %s\n", pn_last_error());
	tl_assert_contains(pn_last_error(), "interface 'hl0'");
	tl_assert_contains(pn_last_error(), "is detached and not provably this interface's: they "
					    "were made in an earlier netns that had the same id");
	assert_null(fx.iface);
	assert_int_equal(unlink(meta), 0);
	assert_int_equal(rename(saved, meta), 0);

	/* Install must not clear a detached dispatcher that is provably this interface's. */
	assert_int_equal(pn_engine__install(fx.engine, &ref, PN_XDP_MODE_AUTO, &again), -EEXIST);
	printf("# %s\n", pn_last_error());
	tl_assert_contains(pn_last_error(),
			   "with its root link detached; adopt it and re-attach it");
	assert_null(again);
	assert_int_equal(pinned_link_id(dir, "link"), before.root_link_id);

	tl_assert_ok(adopt(), pn_last_error());
	describe(&info);
	assert_int_equal(info.state, PN_IFACE_DETACHED);
	assert_int_equal(info.root_link_id, before.root_link_id);
	assert_int_equal(info.mode, before.mode);
	assert_same_slots(&before, &info);
	assert_true(reaches());
	heal(&before);
}

struct link_create {
	int prog_fd;
	unsigned int ifindex;
	int link_fd;
};

static int link_create_here(void *arg)
{
	struct link_create *c = arg;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);

	c->link_fd = bpf_link_create(c->prog_fd, (int)c->ifindex, BPF_XDP, &opts);
	return c->link_fd < 0 ? -errno : 0;
}

/*
 * A crash between pinning the new root link as link-new and renaming it
 * over link: the next adopt finishes the re-attach.
 */
static void test_adopt_finishes_interrupted_reattach(void **state)
{
	static struct pn_iface_info before, info;
	struct link_create c = {.ifindex = tl_ifindex(NS, IF_A), .link_fd = -1};
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	char dir[PN_PIN_DIR_MAX], path[PN_PIN_DIR_MAX + 16];

	(void)state;
	describe(&before);
	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(fx.iface));
	detach_root(before.root_link_id);
	restart_engine();
	/* What pn_iface__reattach had done when it died: attached, pinned as link-new. */
	c.prog_fd = bpf_prog_get_fd_by_id(before.dispatcher_prog_id);
	assert_true(c.prog_fd >= 0);
	tl_assert_ok(tl_netns_call(fx.nsfd, link_create_here, &c), "link create");
	assert_int_equal(bpf_obj_get_info_by_fd(c.link_fd, &li, &len), 0);
	snprintf(path, sizeof(path), "%s/link-new", dir);
	assert_int_equal(bpf_obj_pin(c.link_fd, path), 0);
	close(c.link_fd);
	close(c.prog_fd);

	tl_assert_ok(adopt(), pn_last_error());
	describe(&info);
	assert_int_equal(info.state, PN_IFACE_ATTACHED);
	assert_int_equal(info.root_link_id, li.id);
	assert_int_equal(pinned_link_id(dir, "link"), li.id);
	assert_int_equal(pinned_link_id(dir, "link-new"), 0);
	assert_same_slots(&before, &info);
	assert_freed(bpf_link_get_fd_by_id, before.root_link_id, "old root link");
	assert_false(reaches());
}

struct listing {
	int n;
	struct pn_pinned_iface p;
};

static int collect(const struct pn_pinned_iface *p, void *ctx)
{
	struct listing *l = ctx;

	l->p = *p;
	l->n++;
	return 0;
}

/*
 * Pinned with two slots, no handle held: remove_pinned frees the root link,
 * the dispatcher, the slot links and their programs. netns_gone: the netns
 * vanished first, so only the pins are left to remove.
 */
static void remove_pinned_with_slots(bool netns_gone)
{
	static struct pn_iface_info before;
	struct listing l = {0};
	char dir[PN_PIN_DIR_MAX];
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);

	tl_assert_ok(tl_plug(&fx, elf, size, "xdp_pass", 5, 0, NULL), "plug a second slot");
	describe(&before);
	assert_int_equal(before.num_slots, 2);
	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(fx.iface));
	pn_iface__close(fx.iface);
	fx.iface = NULL;
	if (netns_gone) {
		close(fx.nsfd);
		fx.nsfd = -1;
		tl_netns_del(NS);
	}
	for (int i = 0; i < 1000; i++) {
		memset(&l, 0, sizeof(l));
		tl_assert_ok(pn_engine__list_pinned(fx.engine, collect, &l), pn_last_error());
		assert_int_equal(l.n, 1);
		if (l.p.link_attached != netns_gone)
			break;
		usleep(10000);
	}
	assert_int_equal(l.p.link_attached, !netns_gone);
	assert_int_equal(l.p.netns_id, before.netns_id);
	assert_int_equal(l.p.ifindex, before.ifindex);
	assert_string_equal(l.p.ifname, IF_A);
	assert_string_equal(l.p.pin_dir, dir);
	assert_int_equal(l.p.revision, before.revision);
	assert_int_equal(l.p.num_slots, 2);
	assert_false(l.p.held);

	tl_assert_ok(pn_engine__remove_pinned(fx.engine, l.p.netns_id, l.p.ifindex),
		     pn_last_error());
	if (!netns_gone) {
		assert_int_equal(xdp_on_a(NULL), 0);
		assert_true(reaches());
	}
	assert_int_not_equal(access(dir, F_OK), 0);
	memset(&l, 0, sizeof(l));
	tl_assert_ok(pn_engine__list_pinned(fx.engine, collect, &l), pn_last_error());
	assert_int_equal(l.n, 0);
	pn_engine__settle(fx.engine);
	assert_freed(bpf_link_get_fd_by_id, before.root_link_id, "root link");
	for (int i = 0; i < 2; i++) {
		assert_freed(bpf_link_get_fd_by_id, before.slots[i].link_id, "slot link");
		assert_freed(bpf_prog_get_fd_by_id, before.slots[i].prog_id, "slot program");
	}
	assert_freed(bpf_prog_get_fd_by_id, before.dispatcher_prog_id, "dispatcher");
}

static void test_remove_pinned_with_slots(void **state)
{
	(void)state;
	remove_pinned_with_slots(false);
}

static void test_remove_pinned_with_slots_netns_gone(void **state)
{
	(void)state;
	remove_pinned_with_slots(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detach_then_reattach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plug_while_detached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_displaced_after_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_netns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_while_detached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_finishes_interrupted_reattach, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remove_pinned_with_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_pinned_with_slots_netns_gone, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("engine_heal", tests, NULL, NULL);
}
