// SPDX-License-Identifier: Apache-2.0
/*
 * The engine's failure paths. Every failing call must return the right
 * -errno, leave a message in pn_last_error() that names the problem
 * and the object (interface, program), and leave the interface exactly as
 * it was: same revision, same slots, same verdict, no stray rev-* pins, no
 * leaked file descriptors.
 *
 * One table of cases, one driver: each case is a call with its arguments,
 * the errno it must return and the pieces its message must contain; the
 * driver checks those and everything "untouched" means, then the case's
 * own further checks, if any.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "engine_internal.h"
#include "err_progs.skel.h"
#include "evict_other.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

#define NS          "pn-errors"
#define IF_A        "er0"
#define IF_B        "er1"
#define COUNT_OFF   42 /* err_count's counter byte, see tests/progs/err_progs.bpf.c */
#define OTHER_ROOT  "/sys/fs/bpf/plugnet-test-" NS "-other"
#define FOREIGN_OBJ "/tmp/" NS "-evict_other.bpf.o"

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

/* Query XDP on `ifname` inside the test netns. */
static int xdp_attached(const char *ifname, __u32 *prog_id, __u8 *mode)
{
	struct bpf_xdp_query_opts q;
	int err = tl_xdp_query(fx.nsfd, ifname, &q);

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
	tl_rev_dirs(pn_iface__pin_dir(fx.iface), s->revs, sizeof(s->revs));
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

/*
 * The fixture's state, which every untouched interface must still show:
 * err_count (priority 0), `counters` more of it, then xdp_drop (priority 10).
 */
static void assert_fixture_state(const struct snap *s, unsigned int counters)
{
	const __u32 n = 2 + counters;

	assert_int_equal(s->info.revision, 3 + counters);
	assert_int_equal(s->info.num_slots, n);
	assert_string_equal(s->info.slots[0].prog_name, "err_count");
	assert_string_equal(s->info.slots[n - 1].prog_name, "xdp_drop");
	/* Every slot ran: each counter, then xdp_drop last. */
	assert_int_equal(s->frame[COUNT_OFF], 1 + counters);
	assert_int_equal(s->verdict, XDP_DROP);
	assert_int_equal(s->attached_id, s->info.dispatcher_prog_id);
	assert_int_equal(s->info.state, PN_IFACE_ATTACHED);
}

/* --- the cases ------------------------------------------------------------- */

struct run;

enum obj { ERR_PROGS, VERDICTS, JUNK };
enum cut { WHOLE, HALF, HEADER_ONLY, EMPTY };

struct err_case {
	const char *name;
	/* Before the call: evict_other attached to er1 without a link, and more counters on er0. */
	bool foreign;
	unsigned int counters;
	/* The call, and its arguments. */
	int (*call)(struct run *r);
	struct {
		enum obj obj;
		enum cut cut;
		const char *prog;
		const char *path; /* instead of the bytes */
		int priority;
		__u32 proceed_on;
		void (*before_swap)(void *arg);
	} plug;
	__u32 attach_id; /* to unplug */
	struct {
		const char *ifname;
		unsigned int ifindex;
		const char *netns_path; /* instead of the test netns */
		enum pn_xdp_mode mode;
		const char *pin_root; /* of a new engine, instead of the fixture's */
	} install;
	/* What the call must return, say and do. */
	int err;
	/* Pieces of pn_last_error(); {token}s stand for run-time values, see token(). */
	const char *has[6];
	unsigned long loads; /* programs the call loaded (and dropped again) */
	bool gone;           /* the call ends with er0 deleted from the kernel */
	/* Further checks, after the driver's. */
	void (*check)(struct run *r);
};

struct run {
	const struct err_case *c;
	struct snap before, after;
	__u32 foreign_id;   /* the program on er1, if the case put one there */
	__u32 last_counter; /* attach id of the last counter the case added */
};

static void object(enum obj obj, enum cut cut, const void **elf, size_t *size)
{
	/* Random bytes (deterministic, and never an ELF magic). */
	static unsigned char junk[4096];
	__u32 x = 0x2545f491;

	switch (obj) {
	case ERR_PROGS:
		*elf = err_progs__elf_bytes(size);
		break;
	case VERDICTS:
		*elf = verdicts__elf_bytes(size);
		break;
	case JUNK:
		for (size_t i = 0; i < sizeof(junk); i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			junk[i] = (unsigned char)x;
		}
		junk[0] = 0;
		*elf = junk;
		*size = sizeof(junk);
		break;
	}
	if (cut == HALF) /* a valid object cut in half: the section headers at its end are gone */
		*size /= 2;
	else if (cut == HEADER_ONLY)
		*size = 64;
	else if (cut == EMPTY)
		*size = 0;
}

static int call_plug(struct run *r)
{
	const struct pn_engine_hooks hooks = {.before_swap = r->c->plug.before_swap};
	struct pn_slot_spec spec = {
		.elf_path = r->c->plug.path,
		.prog_name = r->c->plug.prog,
		.priority = r->c->plug.priority,
		.proceed_on = r->c->plug.proceed_on,
	};
	int err;

	if (!spec.elf_path)
		object(r->c->plug.obj, r->c->plug.cut, &spec.elf, &spec.elf_size);
	pn_engine__set_hooks(fx.engine, &hooks);
	err = pn_iface__plug(fx.iface, &spec, NULL);
	pn_engine__set_hooks(fx.engine, NULL);
	return err;
}

static int call_unplug(struct run *r)
{
	return pn_iface__unplug(fx.iface, r->c->attach_id);
}

static int call_install(struct run *r)
{
	struct pn_iface_ref ref = {
		.netns_fd = r->c->install.netns_path ? -1 : fx.nsfd,
		.netns_path = r->c->install.netns_path,
		.ifname = r->c->install.ifname,
		.ifindex = r->c->install.ifindex,
	};
	const char *root = r->c->install.pin_root;
	struct pn_engine *e = fx.engine;
	struct pn_iface *ifc = NULL;
	int err;

	if (root) {
		(void)tl_sh("rm -rf %s", root);
		tl_assert_ok(pn_engine__new(root, &e), "new engine");
	}
	err = pn_engine__install(e, &ref, r->c->install.mode, &ifc);
	assert_null(ifc);
	if (root) {
		pn_engine__free(e);
		(void)tl_sh("rm -rf %s", root);
	}
	return err;
}

/* A second engine on the fixture's pin root. */
static int call_new_engine(struct run *r)
{
	struct pn_engine *e = NULL;
	int err = pn_engine__new(fx.pin_root, &e);

	(void)r;
	if (e) {
		pn_engine__free(e);
		fail_msg("a second engine on %s was created", fx.pin_root);
	}
	return err;
}

static bool is(const char *name, int name_len, const char *token)
{
	return strlen(token) == (size_t)name_len && !strncmp(name, token, (size_t)name_len);
}

/* The value of {name} (name_len bytes) in `r`, as text. */
static void token(const struct run *r, const char *name, int name_len, char *val, size_t size)
{
	if (is(name, name_len, "netns"))
		snprintf(val, size, "%llu", (unsigned long long)pn_iface__netns_id(fx.iface));
	else if (is(name, name_len, "ifindex"))
		snprintf(val, size, "%u", pn_iface__ifindex(fx.iface));
	else if (is(name, name_len, "er1_ifindex"))
		snprintf(val, size, "%u", tl_ifindex(NS, IF_B));
	else if (is(name, name_len, "pin_root"))
		snprintf(val, size, "%s", fx.pin_root);
	else if (is(name, name_len, "pid"))
		snprintf(val, size, "%d", getpid());
	else if (is(name, name_len, "dispatcher"))
		snprintf(val, size, "%u", r->before.info.dispatcher_prog_id);
	else if (is(name, name_len, "foreign") && r->foreign_id)
		snprintf(val, size, "%u", r->foreign_id);
	else
		fail_msg("%s: no value for {%.*s}", r->c->name, name_len, name);
}

/* Fail unless the last error contains `want`, its {token}s replaced. */
static void expect_has(const struct run *r, const char *want)
{
	char buf[512], val[256];
	size_t o = 0;

	while (*want) {
		const char *end = *want == '{' ? strchr(want, '}') : NULL;

		if (end) {
			token(r, want + 1, (int)(end - want - 1), val, sizeof(val));
			want = end + 1;
		} else {
			val[0] = *want++;
			val[1] = '\0';
		}
		assert_true(o + strlen(val) < sizeof(buf));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", val);
	}
	tl_assert_contains(pn_last_error(), buf);
}

/* --- further checks of some cases ------------------------------------------ */

/* The same object, whole, plugs fine: only the damage made it fail. */
static void check_whole_plugs(struct run *r)
{
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);
	__u32 id;

	(void)r;
	tl_assert_ok(tl_plug(&fx, elf, size, "xdp_pass", -5, 0, &id), "plug the whole object");
	tl_assert_ok(pn_iface__unplug(fx.iface, id), "unplug it again");
}

/* Not stuck: free one slot and it can be used again. */
static void check_slot_freed(struct run *r)
{
	size_t size;
	const void *elf = err_progs__elf_bytes(&size);

	tl_assert_ok(pn_iface__unplug(fx.iface, r->last_counter), "unplug the last counter");
	tl_assert_ok(tl_plug(&fx, elf, size, "err_count", 0, 0, NULL), "plug into the freed slot");
}

static void vanish(void *arg)
{
	(void)arg;
	if (tl_sh("ip -n %s link del %s", NS, IF_A))
		fprintf(stderr, "vanish: could not delete %s\n", IF_A);
}

/* er0 is gone: further revisions fail the same way, and it can still be removed. */
static void check_defunct(struct run *r)
{
	char dir[256];
	struct stat st;
	size_t size;
	const void *elf = verdicts__elf_bytes(&size);

	assert_int_equal(tl_ifindex(NS, IF_A), 0); /* it really is gone */
	assert_int_equal(r->after.info.state, PN_IFACE_GONE);
	assert_int_equal(tl_plug_iface(fx.iface, elf, size, "xdp_pass", -1, 0, NULL), -ENOLINK);
	tl_assert_contains(pn_last_error(), "the interface is gone");
	snap_take(&r->after, false);
	snap_assert_same(&r->before, &r->after);

	snprintf(dir, sizeof(dir), "%s", pn_iface__pin_dir(fx.iface));
	tl_assert_ok(pn_iface__remove(fx.iface), "remove the defunct interface");
	fx.iface = NULL;
	assert_int_not_equal(stat(dir, &st), 0);
	assert_int_equal(errno, ENOENT);
}

/* The foreign program is still on er1, in the same mode, and no pins were made for er1. */
static void check_foreign_kept(struct run *r)
{
	char dir[256];
	struct stat st;
	__u32 id;
	__u8 mode;

	tl_assert_ok(xdp_attached(IF_B, &id, &mode), "query er1 again");
	assert_int_equal(id, r->foreign_id);
	assert_int_equal(mode, XDP_ATTACHED_DRV);
	snprintf(dir, sizeof(dir), "%s/%llu/%u", fx.pin_root,
		 (unsigned long long)pn_iface__netns_id(fx.iface), tl_ifindex(NS, IF_B));
	assert_int_not_equal(stat(dir, &st), 0);
}

/* --- the table --------------------------------------------------------------- */

/* How every message about er0 (er1) names it. */
#define ER0 "interface 'er0' (netns {netns}, ifindex {ifindex})"
#define ER1 "interface 'er1' (netns {netns}, ifindex {er1_ifindex})"

#define NOT_ELF  "program 'xdp_pass': not a loadable BPF ELF object"
#define NO_NAME  "no program name given"
#define FOREIGN  ": XDP program {foreign} 'evict_other' is already attached"
#define NO_IFACE "no such interface"
#define FULL     (PLUGNET_CONFIG_SLOTS - 2)

#define PLUG(...)    .call = call_plug, .plug = {__VA_ARGS__}
#define INSTALL(...) .call = call_install, .install = {__VA_ARGS__}

static const struct err_case cases[] = {
	/* Plugs the engine refuses before any revision. */
	{"verifier_rejects", PLUG(.obj = ERR_PROGS, .prog = "err_unchecked"), .err = -EACCES,
	 /* The tail of the verifier log: its actual complaint, not just "load failed". */
	 .has = {ER0, "program 'err_unchecked': the kernel refused to load it (Permission denied)",
		 "; verifier log: ", "invalid access to packet",
		 "R1 offset is outside of the packet"}},
	{"not_xdp", PLUG(.obj = ERR_PROGS, .prog = "err_tc"), .err = -EINVAL,
	 .has = {ER0, "program 'err_tc': is a sched_cls program (section 'tc'), not an XDP "
		      "program"}},
	{"unknown_program_name", PLUG(.obj = ERR_PROGS, .prog = "no_such_prog"), .err = -ENOENT,
	 .has = {ER0, "program 'no_such_prog': not in the object; it has:", "'err_unchecked'",
		 "'err_tc'", "'err_count'"}},
	{"empty_program_name", PLUG(.obj = ERR_PROGS, .prog = ""), .err = -EINVAL,
	 .has = {ER0, NO_NAME}},
	{"null_program_name", PLUG(.obj = ERR_PROGS, .prog = NULL), .err = -EINVAL,
	 .has = {ER0, NO_NAME}},
	/* An errno, not libbpf's own code (the driver checks there is no "Unknown error"). */
	{"random_bytes", PLUG(.obj = JUNK, .prog = "xdp_pass"), .err = -EINVAL,
	 .has = {ER0, NOT_ELF}, .check = check_whole_plugs},
	{"truncated_in_half", PLUG(.obj = VERDICTS, .cut = HALF, .prog = "xdp_pass"),
	 .err = -EINVAL, .has = {ER0, NOT_ELF}, .check = check_whole_plugs},
	{"truncated_to_its_header", PLUG(.obj = VERDICTS, .cut = HEADER_ONLY, .prog = "xdp_pass"),
	 .err = -EINVAL, .has = {ER0, NOT_ELF}, .check = check_whole_plugs},
	{"empty_object", PLUG(.obj = VERDICTS, .cut = EMPTY, .prog = "xdp_pass"), .err = -EINVAL,
	 .has = {ER0, "program 'xdp_pass': the ELF object is empty"}, .check = check_whole_plugs},
	{"missing_file", PLUG(.path = "/nonexistent/plugnet/err.bpf.o", .prog = "xdp_pass"),
	 .err = -ENOENT,
	 .has = {ER0, "program 'xdp_pass': cannot read object file "
		      "'/nonexistent/plugnet/err.bpf.o': No such file or directory"}},
	{"directory", PLUG(.path = "/", .prog = "xdp_pass"), .err = -EINVAL,
	 .has = {ER0, "program 'xdp_pass': cannot read object file '/': not a regular"}},
	/* Bit 31 is the empty-slot sentinel, not an action a caller may name. */
	{"proceed_on_not_an_action",
	 PLUG(.obj = VERDICTS, .prog = "xdp_pass", .proceed_on = 1U << 31), .err = -EINVAL,
	 .has = {ER0 ": program 'xdp_pass': proceed-on set 0x80000000 names actions other than "
		     "aborted, drop, pass, tx and redirect"}},
	/* The fixture's two slots and FULL more counters (the same cached program). */
	{"too_many_slots", .counters = FULL, PLUG(.obj = ERR_PROGS, .prog = "err_count"),
	 .err = -ENOSPC, .has = {ER0 ": all 63 slots are in use"}, .check = check_slot_freed},
	/* Revisions that fail. xdp_pass is verified before the interface goes. */
	{"iface_vanishes",
	 PLUG(.obj = VERDICTS, .prog = "xdp_pass", .priority = -1, .before_swap = vanish),
	 .err = -ENOLINK, .has = {ER0 ": the interface is gone"}, .loads = 1, .gone = true,
	 .check = check_defunct},
	/* Unplugs. Id 0 is never handed out. */
	{"unplug_unknown_id", .call = call_unplug, .attach_id = 999, .err = -ENOENT,
	 .has = {ER0 ": no slot with attach id 999"}},
	{"unplug_id_0", .call = call_unplug, .attach_id = 0, .err = -ENOENT,
	 .has = {ER0 ": no slot with attach id 0"}},
	/* Installs: on er1, which carries a program plugnet does not own, in every mode. */
	{"foreign_program_auto", .foreign = true, INSTALL(.ifname = IF_B, .mode = PN_XDP_MODE_AUTO),
	 .err = -EEXIST, .has = {ER1 FOREIGN}, .check = check_foreign_kept},
	{"foreign_program_native", .foreign = true,
	 INSTALL(.ifname = IF_B, .mode = PN_XDP_MODE_NATIVE), .err = -EEXIST, .has = {ER1 FOREIGN},
	 .check = check_foreign_kept},
	{"foreign_program_generic", .foreign = true,
	 INSTALL(.ifname = IF_B, .mode = PN_XDP_MODE_GENERIC), .err = -EEXIST, .has = {ER1 FOREIGN},
	 .check = check_foreign_kept},
	/* On er0 again: the same engine already manages it. */
	{"install_twice_same_engine", INSTALL(.ifname = IF_A), .err = -EEXIST,
	 .has = {ER0 ": already managed"}},
	/* An engine with other pins: er0 carries a program it does not own. */
	{"install_twice_other_pin_root", INSTALL(.ifname = IF_A, .pin_root = OTHER_ROOT),
	 .err = -EEXIST,
	 .has = {ER0 ": XDP program {dispatcher} 'plugnet_root' is already attached"}},
	/* A second engine on the same pin root is refused before it can install anything. */
	{"second_engine_same_pin_root", .call = call_new_engine, .err = -EBUSY,
	 .has = {"pin root '{pin_root}' is in use by another plugnet engine (pid {pid})"}},
	{"install_no_such_iface", INSTALL(.ifname = "nope0"), .err = -ENODEV,
	 .has = {"interface 'nope0' (netns {netns}): " NO_IFACE}},
	{"install_no_such_ifindex", INSTALL(.ifindex = 4000), .err = -ENODEV,
	 .has = {"interface with ifindex 4000 (netns {netns}): " NO_IFACE}},
	{"install_no_such_netns", INSTALL(.netns_path = "/run/netns/pn-nope", .ifname = IF_A),
	 .err = -ENOENT,
	 .has = {"network namespace /run/netns/pn-nope: No such file or directory"}},
};

/* --- the driver ---------------------------------------------------------------- */

/* er0 carries err_count (priority 0) then xdp_drop (priority 10). */
static int setup(void **state)
{
	static const struct tl_slot slots[] = {
		{err_progs__elf_bytes, "err_count", 0, 0},
		{verdicts__elf_bytes, "xdp_drop", 10, 0},
	};

	(void)state;
	return tl_iface_setup(&fx, NS, IF_A, IF_B) || tl_plug_all(&fx, slots, ARRAY_SIZE(slots))
		       ? -1
		       : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fx.engine)
		pn_engine__set_hooks(fx.engine, NULL);
	tl_iface_teardown(&fx);
	return 0;
}

static void prepare(struct run *r)
{
	size_t size;
	const void *elf;
	__u8 mode;

	if (r->c->foreign) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi);
		int fd;

		elf = evict_other__elf_bytes(&size);
		tl_assert_ok(tl_write_file(FOREIGN_OBJ, elf, size), FOREIGN_OBJ);
		assert_int_equal(
			tl_sh("ip -n %s link set dev %s xdp obj %s sec xdp", NS, IF_B, FOREIGN_OBJ),
			0);
		unlink(FOREIGN_OBJ);
		tl_assert_ok(xdp_attached(IF_B, &r->foreign_id, &mode), "query er1");
		assert_true(r->foreign_id != 0);
		fd = bpf_prog_get_fd_by_id(r->foreign_id);
		assert_true(fd >= 0);
		assert_int_equal(bpf_obj_get_info_by_fd(fd, &pi, &len), 0);
		close(fd);
		assert_string_equal(pi.name, "evict_other");
	}
	elf = err_progs__elf_bytes(&size);
	for (unsigned int i = 0; i < r->c->counters; i++) {
		if (tl_plug(&fx, elf, size, "err_count", 0, 0, &r->last_counter))
			fail_msg("plug counter %u: %s", i, pn_last_error());
	}
}

static void run_case(void **state)
{
	struct run r = {.c = *state};
	unsigned long loads;
	int err;

	assert_non_null(r.c->call);
	assert_non_null(r.c->has[0]); /* every case says what its message must name */
	prepare(&r);
	snap_take(&r.before, true);
	assert_fixture_state(&r.before, r.c->counters);

	loads = pn_engine__prog_loads(fx.engine);
	err = r.c->call(&r);
	printf("# %s: %d: \"%s\"\n", r.c->name, err, pn_last_error());
	assert_int_equal(err, r.c->err);
	for (size_t i = 0; i < ARRAY_SIZE(r.c->has) && r.c->has[i]; i++)
		expect_has(&r, r.c->has[i]);
	assert_null(strstr(pn_last_error(), "Unknown error"));
	assert_int_equal(pn_engine__prog_loads(fx.engine) - loads, r.c->loads);

	if (r.c->gone)
		r.before.attached_id = r.before.attach_mode = 0; /* nothing to query any more */
	snap_take(&r.after, !r.c->gone);
	snap_assert_same(&r.before, &r.after);
	if (r.c->check)
		r.c->check(&r);
}

int main(void)
{
	return tl_run_table("engine_errors", cases, run_case, setup, teardown, NULL, NULL);
}
