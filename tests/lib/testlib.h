/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the host, VM and bench tiers: network namespaces and
 * veths made with iproute2, BPF_PROG_TEST_RUN on a fixed packet, and
 * loading a test program as a freplace extension by hand (the engine's
 * own path is what the engine tests exercise).
 */
#ifndef PLUGNET_TESTLIB_H
#define PLUGNET_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>

#include <linux/types.h>

struct bpf_object;
struct bpf_link;

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
/* Interface index of `ifname` inside netns `ns`; 0 on failure. */
unsigned int tl_ifindex(const char *ns, const char *ifname);

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

/* --- engine fixtures ------------------------------------------------------ */
#include "agent/engine.h"

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
/* A new fd of the interface's current dispatcher program; the caller closes it. */
int tl_iface_dispatcher_fd(struct tl_iface *t);
/* Plug program `name` of an embedded object (skeleton elf bytes). */
int tl_plug(struct tl_iface *t, const void *elf, size_t size, const char *name, int priority,
	    __u32 proceed_on, __u32 *attach_id);
/* Run the test frame through the current dispatcher; the marks' trail goes to `trail`. */
int tl_run_trail(struct tl_iface *t, char *trail, size_t size, __u32 *verdict);

#endif
