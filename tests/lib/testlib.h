/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the unit, host, VM and bench tiers: network namespaces
 * and veths made with iproute2 (code that must run inside one goes through
 * tl_netns_call), BPF_PROG_TEST_RUN on a fixed packet, loading a test
 * program as a freplace extension by hand (the engine's own path is what
 * the engine tests exercise), table-driven cmocka groups, and engine
 * fixtures.
 */
#ifndef PLUGNET_TESTLIB_H
#define PLUGNET_TESTLIB_H

#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include <linux/types.h>

struct bpf_object;
struct bpf_link;
struct bpf_xdp_query_opts;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Run a shell command; returns its exit status (or -1). Output goes to stderr. */
int tl_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Create netns `ns` holding a veth pair `a` <-> `b`, both up. A stale
 * namespace of the same name is removed first.
 */
int tl_netns_veth(const char *ns, const char *a, const char *b);
void tl_netns_del(const char *ns);
/* Open /run/netns/<ns> (O_CLOEXEC); -errno on failure. */
int tl_netns_open(const char *ns);
/*
 * Run fn(arg) with the calling thread inside the netns behind nsfd and
 * return its result; the thread always comes back (pn_netns_call).
 */
int tl_netns_call(int nsfd, int (*fn)(void *arg), void *arg);
/* Interface index of `ifname` inside netns `ns`; 0 on failure. */
unsigned int tl_ifindex(const char *ns, const char *ifname);
/* bpf_xdp_query() of `ifname` inside the netns behind nsfd; -ENODEV if there is none. */
int tl_xdp_query(int nsfd, const char *ifname, struct bpf_xdp_query_opts *q);

/*
 * Wait up to timeout_ms for the kernel to free BPF object `id`, which it
 * does an RCU grace period after the last reference goes: `get`
 * (bpf_prog_get_fd_by_id, bpf_link_get_fd_by_id) fails with ENOENT. The
 * milliseconds it took, or -1 if the object still lives.
 */
int tl_wait_freed(int (*get)(__u32 id), __u32 id, int timeout_ms);

/* Milliseconds since *t0 (CLOCK_MONOTONIC). */
double tl_ms_since(const struct timespec *t0);

/* Write `size` bytes to a new file `path` (an embedded object, for iproute2); 0 or -errno. */
int tl_write_file(const char *path, const void *bytes, size_t size);
/*
 * The rev-* entries of the pin directory `dir`: their count, or -errno.
 * Their names, sorted and space separated, go to `out` when it is not NULL.
 */
int tl_rev_dirs(const char *dir, char *out, size_t size);

#define TL_FRAME_SIZE 64

/* A 64-byte UDP/IPv4 frame, 10.0.0.1:4000 -> 10.0.0.2:5000, zero payload. */
void tl_frame(unsigned char frame[TL_FRAME_SIZE]);
/* BPF_PROG_TEST_RUN of an XDP program on tl_frame(). */
int tl_xdp_run(int prog_fd, __u32 *verdict);
/* BPF_PROG_TEST_RUN on `frame`, which is replaced by the program's output. */
int tl_xdp_run_frame(int prog_fd, unsigned char frame[TL_FRAME_SIZE], __u32 *verdict);

/*
 * Load program `name` of the ELF object `bytes` as BPF_PROG_TYPE_EXT
 * replacing `func` of program `target_fd`, and attach it there.
 * On success *obj and *link are set; the caller destroys both.
 */
int tl_freplace(const void *bytes, size_t size, const char *name, int target_fd, const char *func,
		struct bpf_object **obj, struct bpf_link **link);

/* Fail the current cmocka test with a message if `err` is non-zero. */
#define tl_assert_ok(err, what)                                                    \
	do {                                                                       \
		int tl_err_ = (err);                                               \
		if (tl_err_)                                                       \
			fail_msg("%s: error %d (%s)", what, tl_err_,               \
				 tl_err_ < 0 ? strerror(-tl_err_) : "see stderr"); \
	} while (0)

/* Fail the current cmocka test, showing both, unless `hay` contains `needle`. */
void tl_assert_contains(const char *hay, const char *needle);

/*
 * Run `test` once per entry of the array `table`, as the cmocka group
 * `group`: each entry's member `name` names its test, and the test's state
 * is the entry. setup and teardown run around each test; a group_setup
 * must leave its state NULL. Returns what cmocka's group run returns.
 */
#define tl_run_table(group, table, test, setup, teardown, group_setup, group_teardown)            \
	tl_run_table_(group, table, ARRAY_SIZE(table), sizeof((table)[0]),                        \
		      (size_t)((const char *)&(table)[0].name - (const char *)&(table)[0]), test, \
		      setup, teardown, group_setup, group_teardown)
int tl_run_table_(const char *group, const void *table, size_t n, size_t size, size_t name_off,
		  CMUnitTestFunction test, CMFixtureFunction setup, CMFixtureFunction teardown,
		  CMFixtureFunction group_setup, CMFixtureFunction group_teardown);

/* --- engine fixtures ------------------------------------------------------ */
#include "plugnet/engine.h"
#include "plugnet/log.h"

/* Show the engine's messages (and the common log's) up to `level`. */
void tl_log_level(enum pn_log_level level);

/*
 * A grace period that lasts until the test ends it, for the release
 * thread's injectable wait: init hands out the wait function to install
 * (with the struct as its argument); started waits up to 10 s for the
 * thread to enter it and says whether it did.
 */
struct tl_held_grace {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool waiting, ended;
};
void tl_held_grace_init(struct tl_held_grace *g, int (**wait)(void *arg));
bool tl_held_grace_started(struct tl_held_grace *g);
void tl_held_grace_end(struct tl_held_grace *g);
void tl_held_grace_destroy(struct tl_held_grace *g);

/* One veth pair in its own netns, an engine with a private pin root, the dispatcher on `a`. */
struct tl_iface {
	char ns[32], a[IF_NAMESIZE], b[IF_NAMESIZE];
	char pin_root[96];
	int nsfd;
	struct pn_engine *engine;
	struct pn_iface *iface;
};

int tl_iface_setup(struct tl_iface *t, const char *ns, const char *a, const char *b);
void tl_iface_teardown(struct tl_iface *t);
/*
 * A new fd of the interface's current dispatcher program (the caller closes
 * it), or -errno; its slot count goes to *num_slots when that is not NULL.
 */
int tl_dispatcher_fd(struct pn_iface *iface, __u32 *num_slots);
int tl_iface_dispatcher_fd(struct tl_iface *t);
/*
 * Plug program `name` of an embedded object (skeleton elf bytes) into
 * `iface`; on failure the engine's message is in pn_last_error().
 */
int tl_plug_iface(struct pn_iface *iface, const void *elf, size_t size, const char *name,
		  int priority, __u32 proceed_on, __u32 *attach_id);
/* The same into the fixture's interface; prints the engine's message on failure. */
int tl_plug(struct tl_iface *t, const void *elf, size_t size, const char *name, int priority,
	    __u32 proceed_on, __u32 *attach_id);

/* A program for tl_plug_all(): its skeleton's bytes, its name, priority and proceed-on set. */
struct tl_slot {
	const void *(*elf)(size_t *size);
	const char *name;
	int priority;
	__u32 proceed_on;
};

/* tl_plug() each of slots[0..n) in turn; stops at the first failure and returns it. */
int tl_plug_all(struct tl_iface *t, const struct tl_slot *slots, size_t n);
/* Run the test frame through the current dispatcher; the marks' trail goes to `trail`. */
int tl_run_trail(struct tl_iface *t, char *trail, size_t size, __u32 *verdict);
/* Fail the current test unless the test frame leaves `trail` and `verdict`. */
void tl_expect_trail(struct tl_iface *t, const char *trail, __u32 verdict);

#endif
