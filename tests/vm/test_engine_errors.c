// SPDX-License-Identifier: Apache-2.0
/*
 * The engine's failure paths. Every failing call must return the right
 * -errno, leave a message in pn_engine__last_error() that names the problem
 * and the object (interface, program), and leave the interface exactly as
 * it was: same revision, same slots, same verdict, no stray rev-* pins, no
 * leaked file descriptors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "err_progs.skel.h"
#include "evict_other.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define NS        "pn-errors"
#define IF_A      "er0"
#define IF_B      "er1"
#define COUNT_OFF 42 /* err_count's counter byte, see tests/progs/err_progs.bpf.c */

static struct tl_iface fx;

/* --- what "untouched" means ------------------------------------------------ */

struct snap {
	struct pn_iface_info info;
	__u32 verdict;
	unsigned char frame[TL_FRAME_SIZE];
	char revs[256];    /* the rev-* entries of the pin directory, sorted */
	__u32 attached_id; /* program attached to the interface, per the kernel */
	__u8 attach_mode;  /* XDP_ATTACHED_* */
	int nfds;          /* open file descriptors of this process */
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rev-* entries of `dir`, sorted, space separated; "" if there are none. */
static void rev_dirs(const char *dir, char *out, size_t size)
{
	char *names[2 * PLUGNET_MAX_SLOTS];
	size_t n = 0, o = 0;
	struct dirent *de;
	DIR *d;

	out[0] = '\0';
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		if (!strncmp(de->d_name, "rev-", 4))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (names[i] && o < size)
			o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
}

/* Query XDP on `ifname` inside the test netns. */
static int xdp_attached(const char *ifname, __u32 *prog_id, __u8 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	unsigned int ifindex = tl_ifindex(NS, ifname);
	int self, err;

	*prog_id = 0;
	*mode = 0;
	if (!ifindex)
		return -ENODEV;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(fx.nsfd, CLONE_NEWNET)) {
		err = -errno;
		close(self);
		return err;
	}
	err = bpf_xdp_query((int)ifindex, 0, &q) ? -errno : 0;
	if (setns(self, CLONE_NEWNET))
		abort(); /* every later test would run in the wrong netns */
	close(self);
	*prog_id = q.prog_id;
	*mode = q.attach_mode;
	return err;
}

/* Everything observable about interface A. `live`: it still exists in the kernel. */
static void snap_take(struct snap *s, bool live)
{
	int fd;

	memset(s, 0, sizeof(*s));
	/* Replaced revisions are released in the background; count after they are. */
	pn_engine__settle(fx.engine);
	s->nfds = count_fds();
	tl_assert_ok(pn_iface__describe(fx.iface, &s->info), "describe");
	fd = tl_iface_dispatcher_fd(&fx);
	assert_true(fd >= 0);
	tl_frame(s->frame);
	tl_assert_ok(tl_xdp_run_frame(fd, s->frame, &s->verdict), "test run");
	close(fd);
	rev_dirs(pn_iface__pin_dir(fx.iface), s->revs, sizeof(s->revs));
	if (live)
		tl_assert_ok(xdp_attached(IF_A, &s->attached_id, &s->attach_mode), "xdp query");
}

static void snap_assert_same(const struct snap *a, const struct snap *b)
{
	char want[32];

	assert_int_equal(b->info.revision, a->info.revision);
	assert_int_equal(b->info.root_link_id, a->info.root_link_id);
	assert_int_equal(b->info.dispatcher_prog_id, a->info.dispatcher_prog_id);
	assert_int_equal(b->info.num_slots, a->info.num_slots);
	for (__u32 i = 0; i < a->info.num_slots; i++) {
		assert_int_equal(b->info.slots[i].attach_id, a->info.slots[i].attach_id);
		assert_int_equal(b->info.slots[i].prog_id, a->info.slots[i].prog_id);
		assert_int_equal(b->info.slots[i].link_id, a->info.slots[i].link_id);
		assert_int_equal(b->info.slots[i].priority, a->info.slots[i].priority);
		assert_string_equal(b->info.slots[i].prog_name, a->info.slots[i].prog_name);
	}
	assert_int_equal(b->verdict, a->verdict);
	assert_memory_equal(b->frame, a->frame, TL_FRAME_SIZE);
	/* Only the live revision is pinned: a failed one left nothing behind. */
	snprintf(want, sizeof(want), "rev-%llu", (unsigned long long)a->info.revision);
	assert_string_equal(a->revs, want);
	assert_string_equal(b->revs, want);
	assert_int_equal(b->attached_id, a->attached_id);
	assert_int_equal(b->attach_mode, a->attach_mode);
	assert_int_equal(b->nfds, a->nfds);
}

/* The engine's message contains `what`. */
static void err_has(const char *what)
{
	const char *msg = pn_engine__last_error(fx.engine);

	if (!strstr(msg, what))
		fail_msg("last error \"%s\" does not contain \"%s\"", msg, what);
}

static void err_show(const char *test, int err)
{
	printf("# %s: %d: \"%s\"\n", test, err, pn_engine__last_error(fx.engine));
}

/* Interface A as "'er0' (netns N, ifindex I)" appears in every message about it. */
static void err_names_iface(void)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "interface '%s' (netns %llu, ifindex %u)", IF_A,
		 (unsigned long long)pn_iface__netns_id(fx.iface), pn_iface__ifindex(fx.iface));
	err_has(buf);
}

static int plug_bytes(const void *elf, size_t size, const char *name, int prio, __u32 *id)
{
	struct pn_slot_spec spec = {
		.elf = elf,
		.elf_size = size,
		.prog_name = name,
		.priority = prio,
	};

	return pn_iface__plug(fx.iface, &spec, id);
}

/* --- fixture: A carries err_count (prio 0) then xdp_drop (prio 10) --------- */

static int setup(void **state)
{
	const void *elf;
	size_t size;

	(void)state;
	if (tl_iface_setup(&fx, NS, IF_A, IF_B))
		return -1;
	elf = err_progs__elf_bytes(&size);
	if (tl_plug(&fx, elf, size, "err_count", 0, 0, NULL))
		return -1;
	elf = verdicts__elf_bytes(&size);
	if (tl_plug(&fx, elf, size, "xdp_drop", 10, 0, NULL))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fx.engine)
		pn_engine__set_hooks(fx.engine, NULL);
	tl_iface_teardown(&fx);
	return 0;
}

/* The fixture's state, which every untouched interface must still show. */
static void assert_fixture_state(const struct snap *s)
{
	assert_int_equal(s->info.revision, 3);
	assert_int_equal(s->info.num_slots, 2);
	assert_string_equal(s->info.slots[0].prog_name, "err_count");
	assert_string_equal(s->info.slots[1].prog_name, "xdp_drop");
	assert_int_equal(s->verdict, XDP_DROP);
	assert_int_equal(s->frame[COUNT_OFF], 1);
	assert_int_equal(s->attached_id, s->info.dispatcher_prog_id);
}

/* --- cases ------------------------------------------------------------------- */

static void test_verifier_rejects(void **state)
{
	struct snap before, after;
	unsigned long loads = pn_engine__prog_loads(fx.engine);
	const void *elf;
	size_t size;
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);
	elf = err_progs__elf_bytes(&size);
	err = plug_bytes(elf, size, "err_unchecked", 0, NULL);
	err_show("verifier", err);
	assert_int_equal(err, -EACCES);
	err_names_iface();
	err_has("program 'err_unchecked': the kernel refused to load it (Permission denied)");
	/* The tail of the verifier log: its actual complaint, not just "load failed". */
	err_has("; verifier log: ");
	err_has("invalid access to packet");
	err_has("R1 offset is outside of the packet");
	assert_int_equal(pn_engine__prog_loads(fx.engine), loads);
	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

static void test_not_xdp(void **state)
{
	struct snap before, after;
	const void *elf;
	size_t size;
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);
	elf = err_progs__elf_bytes(&size);
	err = plug_bytes(elf, size, "err_tc", 0, NULL);
	err_show("not xdp", err);
	assert_int_equal(err, -EINVAL);
	err_names_iface();
	err_has("program 'err_tc': is a sched_cls program (section 'tc'), not an XDP program");
	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

static void test_missing_program_name(void **state)
{
	struct snap before, after;
	const void *elf;
	size_t size;
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);
	elf = err_progs__elf_bytes(&size);

	err = plug_bytes(elf, size, "no_such_prog", 0, NULL);
	err_show("unknown name", err);
	assert_int_equal(err, -ENOENT);
	err_names_iface();
	err_has("program 'no_such_prog': not in the object; it has:");
	err_has("'err_unchecked'");
	err_has("'err_tc'");
	err_has("'err_count'");

	err = plug_bytes(elf, size, "", 0, NULL);
	err_show("empty name", err);
	assert_int_equal(err, -EINVAL);
	err_names_iface();
	err_has("no program name given");

	err = plug_bytes(elf, size, NULL, 0, NULL);
	err_show("NULL name", err);
	assert_int_equal(err, -EINVAL);
	err_names_iface();
	err_has("no program name given");

	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

static void test_malformed_elf(void **state)
{
	struct pn_slot_spec spec = {.prog_name = "xdp_pass"};
	struct snap before, after;
	unsigned char junk[4096];
	const void *elf;
	size_t size;
	__u32 x = 0x2545f491, id;
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);
	elf = verdicts__elf_bytes(&size);

	/* Random bytes (deterministic, and never an ELF magic). */
	for (size_t i = 0; i < sizeof(junk); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		junk[i] = (unsigned char)x;
	}
	junk[0] = 0;
	err = plug_bytes(junk, sizeof(junk), "xdp_pass", 0, NULL);
	err_show("random bytes", err);
	assert_int_equal(err, -EINVAL); /* an errno, not libbpf's own code */
	assert_null(strstr(pn_engine__last_error(fx.engine), "Unknown error"));
	err_names_iface();
	err_has("program 'xdp_pass': not a loadable BPF ELF object");

	/* A valid object cut in half: the section headers at its end are gone. */
	err = plug_bytes(elf, size / 2, "xdp_pass", 0, NULL);
	err_show("truncated in half", err);
	assert_int_equal(err, -EINVAL);
	assert_null(strstr(pn_engine__last_error(fx.engine), "Unknown error"));
	err_names_iface();
	err_has("program 'xdp_pass': not a loadable BPF ELF object");

	/* Only the ELF header left. */
	err = plug_bytes(elf, 64, "xdp_pass", 0, NULL);
	err_show("truncated to its header", err);
	assert_int_equal(err, -EINVAL);
	assert_null(strstr(pn_engine__last_error(fx.engine), "Unknown error"));
	err_names_iface();
	err_has("program 'xdp_pass': not a loadable BPF ELF object");

	/* No bytes at all. */
	err = plug_bytes(elf, 0, "xdp_pass", 0, NULL);
	err_show("empty", err);
	assert_int_equal(err, -EINVAL);
	err_names_iface();
	err_has("program 'xdp_pass': the ELF object is empty");

	/* A path that does not exist. */
	spec.elf_path = "/nonexistent/plugnet/err.bpf.o";
	err = pn_iface__plug(fx.iface, &spec, NULL);
	err_show("missing file", err);
	assert_int_equal(err, -ENOENT);
	err_names_iface();
	err_has("program 'xdp_pass': cannot read object file '/nonexistent/plugnet/err.bpf.o': "
		"No such file or directory");

	/* A path that is not a regular file. */
	spec.elf_path = "/";
	err = pn_iface__plug(fx.iface, &spec, NULL);
	err_show("directory", err);
	assert_int_equal(err, -EINVAL);
	err_names_iface();
	err_has("program 'xdp_pass': cannot read object file '/': not a regular");

	snap_take(&after, true);
	snap_assert_same(&before, &after);

	/* Control: the same object, whole, plugs fine. */
	tl_assert_ok(plug_bytes(elf, size, "xdp_pass", -5, &id), "plug the whole object");
	tl_assert_ok(pn_iface__unplug(fx.iface, id), "unplug it again");
}

static void test_too_many_slots(void **state)
{
	struct snap before, after;
	const void *elf;
	size_t size;
	__u32 id;
	int err;

	(void)state;
	elf = err_progs__elf_bytes(&size);
	/* The fixture has two slots; fill the rest with the same (cached) counter. */
	for (int i = 2; i < PLUGNET_MAX_SLOTS; i++) {
		err = plug_bytes(elf, size, "err_count", 0, &id);
		if (err)
			fail_msg("plug %d: %s", i, pn_engine__last_error(fx.engine));
	}
	snap_take(&before, true);
	assert_int_equal(before.info.num_slots, PLUGNET_MAX_SLOTS);
	/* Every slot ran: 62 counters, then xdp_drop (priority 10) last. */
	assert_int_equal(before.frame[COUNT_OFF], PLUGNET_MAX_SLOTS - 1);
	assert_int_equal(before.verdict, XDP_DROP);
	assert_string_equal(before.info.slots[PLUGNET_MAX_SLOTS - 1].prog_name, "xdp_drop");

	err = plug_bytes(elf, size, "err_count", 0, NULL);
	err_show("too many slots", err);
	assert_int_equal(err, -ENOSPC);
	err_names_iface();
	err_has("all 63 slots are in use");
	snap_take(&after, true);
	snap_assert_same(&before, &after);
	assert_int_equal(after.info.num_slots, PLUGNET_MAX_SLOTS);

	/* Not stuck: free one slot and it can be used again. */
	tl_assert_ok(pn_iface__unplug(fx.iface, id), "unplug the last counter");
	tl_assert_ok(plug_bytes(elf, size, "err_count", 0, NULL), "plug into the freed slot");
}

static void vanish(void *arg)
{
	(void)arg;
	if (tl_sh("ip -n %s link del %s", NS, IF_A))
		fprintf(stderr, "vanish: could not delete %s\n", IF_A);
}

static void test_iface_vanishes(void **state)
{
	struct pn_engine_hooks hooks = {.before_swap = vanish};
	struct snap before, after;
	char dir[256];
	struct stat st;
	const void *elf;
	size_t size;
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);
	assert_false(before.info.defunct);
	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(fx.iface));

	elf = verdicts__elf_bytes(&size);
	pn_engine__set_hooks(fx.engine, &hooks);
	err = plug_bytes(elf, size, "xdp_pass", -1, NULL);
	pn_engine__set_hooks(fx.engine, NULL);
	err_show("interface vanished", err);
	assert_int_equal(err, -ENOLINK);
	err_names_iface();
	err_has("the interface is gone");
	assert_int_equal(tl_ifindex(NS, IF_A), 0); /* it really is gone */

	snap_take(&after, false);
	before.attached_id = before.attach_mode = 0; /* nothing to query any more */
	snap_assert_same(&before, &after);
	assert_true(after.info.defunct);

	/* Further revisions fail the same way, and still leave nothing behind. */
	err = plug_bytes(elf, size, "xdp_pass", -1, NULL);
	assert_int_equal(err, -ENOLINK);
	err_has("the interface is gone");
	snap_take(&after, false);
	snap_assert_same(&before, &after);

	/* And it can still be removed, pins and all. */
	tl_assert_ok(pn_iface__remove(fx.iface), "remove the defunct interface");
	fx.iface = NULL;
	assert_int_not_equal(stat(dir, &st), 0);
	assert_int_equal(errno, ENOENT);
}

/* Write an embedded object to a file, for iproute2. */
static void write_file(const char *path, const void *bytes, size_t size)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
}

static void test_foreign_program(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = IF_B};
	struct snap before, after;
	struct pn_iface *other = NULL;
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), id, id2;
	char path[64], want[64], dir[256];
	struct stat st;
	const void *elf;
	size_t size;
	__u8 mode;
	int err, fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/%s-evict_other.bpf.o", NS);
	elf = evict_other__elf_bytes(&size);
	write_file(path, elf, size);
	assert_int_equal(tl_sh("ip -n %s link set dev %s xdp obj %s sec xdp", NS, IF_B, path), 0);
	unlink(path);
	tl_assert_ok(xdp_attached(IF_B, &id, &mode), "query er1");
	assert_true(id != 0);
	fd = bpf_prog_get_fd_by_id(id);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &pi, &len), 0);
	close(fd);
	assert_string_equal(pi.name, "evict_other");

	snap_take(&before, true);
	assert_fixture_state(&before);
	for (int m = PN_XDP_MODE_AUTO; m <= PN_XDP_MODE_GENERIC; m++) {
		err = pn_engine__install(fx.engine, &ref, (enum pn_xdp_mode)m, &other);
		err_show("foreign program", err);
		assert_int_equal(err, -EEXIST);
		assert_null(other);
		err_has("interface 'er1'");
		snprintf(want, sizeof(want), "XDP program %u 'evict_other' is already attached",
			 id);
		err_has(want);
	}
	/* The foreign program is still there, in the same mode. */
	tl_assert_ok(xdp_attached(IF_B, &id2, &mode), "query er1 again");
	assert_int_equal(id2, id);
	assert_int_equal(mode, XDP_ATTACHED_DRV);
	/* No pins were made for er1, and er0 is untouched. */
	snprintf(dir, sizeof(dir), "%s/%llu/%u", fx.pin_root,
		 (unsigned long long)pn_iface__netns_id(fx.iface), tl_ifindex(NS, IF_B));
	assert_int_not_equal(stat(dir, &st), 0);
	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

static void test_install_twice(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = IF_A};
	const char *other_root = "/sys/fs/bpf/plugnet-test-" NS "-other";
	struct pn_engine *e2 = NULL, *e3 = NULL;
	struct pn_iface *ifc = NULL;
	struct snap before, after;
	char want[128];
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);

	/* The same engine: it already manages er0. */
	err = pn_engine__install(fx.engine, &ref, PN_XDP_MODE_AUTO, &ifc);
	err_show("install twice, same engine", err);
	assert_int_equal(err, -EEXIST);
	assert_null(ifc);
	err_names_iface();
	err_has("already managed");

	/* A second engine on the same pin root (an agent restart): adopt, don't install. */
	tl_assert_ok(pn_engine__new(fx.pin_root, &e2), "second engine");
	err = pn_engine__install(e2, &ref, PN_XDP_MODE_AUTO, &ifc);
	printf("# install twice, same pin root: \"%s\"\n", pn_engine__last_error(e2));
	assert_int_equal(err, -EEXIST);
	assert_null(ifc);
	snprintf(want, sizeof(want), "(pinned at %s/link); adopt it instead",
		 pn_iface__pin_dir(fx.iface));
	assert_non_null(strstr(pn_engine__last_error(e2), "interface 'er0'"));
	assert_non_null(strstr(pn_engine__last_error(e2), want));
	pn_engine__free(e2);

	/* An engine with other pins: er0 carries a program it does not own. */
	(void)tl_sh("rm -rf %s", other_root);
	tl_assert_ok(pn_engine__new(other_root, &e3), "third engine");
	err = pn_engine__install(e3, &ref, PN_XDP_MODE_AUTO, &ifc);
	printf("# install twice, other pin root: \"%s\"\n", pn_engine__last_error(e3));
	assert_int_equal(err, -EEXIST);
	assert_null(ifc);
	snprintf(want, sizeof(want), "XDP program %u 'plugnet_root' is already attached",
		 before.info.dispatcher_prog_id);
	assert_non_null(strstr(pn_engine__last_error(e3), "interface 'er0'"));
	assert_non_null(strstr(pn_engine__last_error(e3), want));
	pn_engine__free(e3);
	(void)tl_sh("rm -rf %s", other_root);

	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

static void test_unplug_unknown(void **state)
{
	struct snap before, after;
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);
	err = pn_iface__unplug(fx.iface, 999);
	err_show("unplug unknown id", err);
	assert_int_equal(err, -ENOENT);
	err_names_iface();
	err_has("no slot with attach id 999");
	/* Id 0 is never handed out. */
	assert_int_equal(pn_iface__unplug(fx.iface, 0), -ENOENT);
	err_has("no slot with attach id 0");
	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

static void test_install_no_such_iface(void **state)
{
	struct pn_iface_ref ref = {.netns_fd = fx.nsfd, .ifname = "nope0"};
	struct pn_iface *ifc = NULL;
	struct snap before, after;
	char want[96];
	int err;

	(void)state;
	snap_take(&before, true);
	assert_fixture_state(&before);

	err = pn_engine__install(fx.engine, &ref, PN_XDP_MODE_AUTO, &ifc);
	err_show("no such interface", err);
	assert_int_equal(err, -ENODEV);
	assert_null(ifc);
	snprintf(want, sizeof(want), "interface 'nope0' (netns %llu",
		 (unsigned long long)pn_iface__netns_id(fx.iface));
	err_has(want);
	err_has("no such interface");

	/* By index. */
	ref.ifname = NULL;
	ref.ifindex = 4000;
	err = pn_engine__install(fx.engine, &ref, PN_XDP_MODE_AUTO, &ifc);
	err_show("no such ifindex", err);
	assert_int_equal(err, -ENODEV);
	assert_null(ifc);
	snprintf(want, sizeof(want), "interface with ifindex 4000 (netns %llu)",
		 (unsigned long long)pn_iface__netns_id(fx.iface));
	err_has(want);
	err_has("no such interface");

	/* A netns that does not exist. */
	ref = (struct pn_iface_ref){
		.netns_fd = -1, .netns_path = "/run/netns/pn-nope", .ifname = IF_A};
	err = pn_engine__install(fx.engine, &ref, PN_XDP_MODE_AUTO, &ifc);
	err_show("no such netns", err);
	assert_int_equal(err, -ENOENT);
	assert_null(ifc);
	err_has("network namespace /run/netns/pn-nope");

	snap_take(&after, true);
	snap_assert_same(&before, &after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verifier_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_xdp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_program_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_vanishes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_no_such_iface, setup, teardown),
	};

	return cmocka_run_group_tests_name("engine_errors", tests, NULL, NULL);
}
