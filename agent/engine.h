/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dispatcher engine: owns the root XDP dispatcher of each interface
 * under a bpf_link, and plugs extension programs into its slots.
 *
 * Every change is a revision. To add, remove or reorder slots the engine
 * loads dispatcher revision N+1, attaches every current extension program
 * to it as well (freplace multi-attach), swaps the root link from N to N+1
 * with BPF_LINK_UPDATE (old program expected), and only then releases
 * revision N, one RCU grace period later, in the background. If any step
 * fails the interface stays on revision N, as it was; traffic never sees
 * a missing program.
 *
 * Interfaces are keyed by (netns id, ifindex). The root link and every
 * slot link are pinned under <pin_root>/<netns id>/<ifindex>/, so they
 * outlive the agent; pn_engine__adopt() picks them up again.
 *
 * Functions return 0 or a negative errno. On failure,
 * pn_engine__last_error() says what failed, naming the interface, netns
 * and program. Not thread-safe: one engine is driven by one thread.
 */
#ifndef PLUGNET_AGENT_ENGINE_H
#define PLUGNET_AGENT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#include "dispatcher.h"

#define PN_PIN_ROOT_DEFAULT "/sys/fs/bpf/plugnet"

struct pn_engine;
struct pn_iface;

enum pn_xdp_mode {
	PN_XDP_MODE_AUTO,    /* native when the driver supports XDP, else generic */
	PN_XDP_MODE_NATIVE,  /* driver mode; fails if the driver has none */
	PN_XDP_MODE_GENERIC, /* skb mode */
};

/* An interface, for install and adopt: its netns by fd or path, itself by name or index. */
struct pn_iface_ref {
	int netns_fd;           /* >= 0: this netns (the caller keeps the fd) */
	const char *netns_path; /* else this path; both unset: the caller's netns */
	const char *ifname;     /* one of ifname ... */
	unsigned int ifindex;   /* ... or ifindex */
};

/* A program to plug into a slot. */
struct pn_slot_spec {
	const void *elf; /* the ELF object's bytes ... */
	size_t elf_size;
	const char *elf_path; /* ... or a file holding them */
	const char *prog_name;
	__s32 priority;   /* lower runs first; ties: earlier plug first */
	__u32 proceed_on; /* XDP actions after which the next slot runs; 0: pass only */
};

struct pn_slot_info {
	__u32 index; /* position in the current revision */
	__u32 attach_id;
	__s32 priority;
	__u32 proceed_on;
	bool frags;
	__u32 prog_id;
	char prog_name[16];
	char prog_tag[17];
	__u32 link_id;
	__u64 run_cnt; /* 0 unless kernel.bpf_stats_enabled */
	__u64 run_time_ns;
};

struct pn_iface_info {
	__u64 netns_id;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	enum pn_xdp_mode mode; /* NATIVE or GENERIC, as attached */
	bool frags;            /* dispatcher accepts multi-buffer packets */
	bool defunct;          /* the interface is gone; the root link holds nothing */
	__u32 root_link_id;
	__u32 dispatcher_prog_id; /* the engine's current revision */
	__u32 root_prog_id;       /* what the root link runs: differs only after an outside swap */
	__u64 revision;
	bool stats_enabled;
	__u64 run_cnt; /* dispatcher's, when stats are enabled */
	__u64 run_time_ns;
	__u32 num_slots;
	struct pn_slot_info slots[PLUGNET_MAX_SLOTS];
};

/* Hooks for tests that need to act at an exact point of a revision. */
struct pn_engine_hooks {
	/* After revision N+1 is fully built, just before the root link swap. */
	void (*before_swap)(void *arg);
	void *arg;
};

int pn_engine__new(const char *pin_root, struct pn_engine **engine);
/* Closes the engine's handles; pinned dispatchers keep running. */
void pn_engine__free(struct pn_engine *engine);
const char *pn_engine__last_error(const struct pn_engine *engine);
/* Extension programs loaded (verified) by this engine so far. */
unsigned long pn_engine__prog_loads(const struct pn_engine *engine);
void pn_engine__set_hooks(struct pn_engine *engine, const struct pn_engine_hooks *hooks);
/*
 * A replaced revision is released in the background once no packet can
 * still be inside it (an RCU grace period later): until then its pins
 * stay under rev-<N>. Returns once every revision replaced so far is gone.
 */
void pn_engine__settle(struct pn_engine *engine);

/*
 * Attach dispatcher revision 1 (no slots) to an interface. Refuses with
 * -EEXIST if any XDP program is already attached there (the message names
 * it), including one of plugnet's own (adopt that instead).
 */
int pn_engine__install(struct pn_engine *engine, const struct pn_iface_ref *ref,
		       enum pn_xdp_mode mode, struct pn_iface **iface);

/* Rebuild the view of an installed interface from its pins, without touching traffic. */
int pn_engine__adopt(struct pn_engine *engine, const struct pn_iface_ref *ref,
		     struct pn_iface **iface);

/* Plug a program into a new slot; *attach_id identifies it from then on. */
int pn_iface__plug(struct pn_iface *iface, const struct pn_slot_spec *spec, __u32 *attach_id);
int pn_iface__unplug(struct pn_iface *iface, __u32 attach_id);
int pn_iface__describe(const struct pn_iface *iface, struct pn_iface_info *info);

/* Detach the dispatcher and release everything: for teardown and admin override only. */
int pn_iface__remove(struct pn_iface *iface);
/* Forget the interface without touching it; its pins keep it running. */
void pn_iface__close(struct pn_iface *iface);

__u64 pn_iface__netns_id(const struct pn_iface *iface);
unsigned int pn_iface__ifindex(const struct pn_iface *iface);
const char *pn_iface__pin_dir(const struct pn_iface *iface);

#endif
