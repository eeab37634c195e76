/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the engine's files share: the engine and interface structs, the
 * revision, and the calls one file makes into another. Not installed;
 * tests include it to reach the hooks at the end.
 */
#ifndef PLUGNET_LIB_ENGINE_INTERNAL_H
#define PLUGNET_LIB_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>

#include "dispatcher.h"
#include "plugnet/engine.h"
#include "plugnet/netns.h"
#include "print.h"
#include "slots.h"

_Static_assert(PN_SLOTS_MAX == PLUGNET_CONFIG_SLOTS,
	       "the public slot capacity is the dispatcher configuration's");
_Static_assert(PN_XDP_VERDICTS == PLUGNET_STATS_OTHER,
	       "pn_slot_info.verdicts[] are the counters' columns before 'other'");

/* Path buffers sized so each level provably fits the next (pin root <= 255 bytes). */
#define ROOT_MAX    256
#define IFDIR_MAX   (ROOT_MAX + 64)
#define REVDIR_MAX  (IFDIR_MAX + 64)
#define PINPATH_MAX (REVDIR_MAX + 64)

_Static_assert(PN_PIN_DIR_MAX == IFDIR_MAX, "the public pin directory size is the engine's");

#define IFACE_FMT     "interface '%s' (netns %llu, ifindex %u)"
#define IFACE_ARGS(i) (i)->ifname, (unsigned long long)(i)->netns_id, (i)->ifindex

struct pn_prog_cache;
struct pn_retire;
struct pn_pin_lock;

/* One loaded dispatcher program and the slot links attached to it. */
struct revision {
	int prog_fd;
	/* BTF ids of slot0.. in the program's BTF: freplace targets; 0 if absent. */
	__u32 slot_btf_id[PLUGNET_CONFIG_SLOTS];
	struct plugnet_dispatcher_config cfg;
	int link_fds[PLUGNET_CONFIG_SLOTS];
};

struct pn_iface {
	struct pn_engine *engine;
	struct pn_iface *next; /* in engine->ifaces, under engine->lock */
	/* Serialises the calls on this interface; fields below change only under it. */
	pthread_mutex_t lock;
	__u64 netns_id;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	char dir[IFDIR_MAX]; /* <pin_root>/<netns id>/<ifindex> */
	/* Which netns instance: the id alone is reused once a netns dies. 0: unknown. */
	__u64 netns_cookie;
	/* The path the caller named the netns by, if any: where to look for it first. */
	char *netns_hint;
	enum pn_xdp_mode mode;
	/* The next plug's attach id is at least this (pn_iface__reserve_attach_ids). */
	__u32 attach_id_floor;
	int root_link_fd;
	int counters_fd;      /* the per-slot counters, shared by every revision */
	__u32 last_stats_row; /* the counters row handed out last (pn_slots_pick_stats_row) */
	struct revision cur;
	/* In run order; .owner is the struct pn_prog plugged there. */
	struct pn_slot_entry slots[PLUGNET_CONFIG_SLOTS];
	size_t nslots;
};

/* Test hooks (engine_internal.h only): act at an exact point of a revision. */
struct pn_engine_hooks {
	/* After revision N+1 is fully built, just before the root link swap. */
	void (*before_swap)(void *arg);
	void *arg;
};

struct pn_engine {
	char pin_root[ROOT_MAX];
	struct pn_pin_lock *pin_lock;
	struct pn_kernel_features features;
	/* The dispatcher object every revision is loaded from, and its stub count. */
	const void *dispatcher_elf;
	size_t dispatcher_elf_size;
	unsigned int slot_count;
	struct pn_prog_cache *progs;
	struct pn_retire *retire;
	pthread_mutex_t lock; /* the interface list; taken before an interface's lock */
	struct pn_iface *ifaces;
	/*
	 * Every revision comes from the same object, so its slot BTF ids are
	 * the same: read from the kernel once.
	 */
	pthread_mutex_t slot_btf_lock; /* taken under an interface's lock */
	__u32 slot_btf_id[PLUGNET_CONFIG_SLOTS];
	bool have_slot_btf_ids;
	/* pn_engine__set_slot_stats(); read by revisions of any interface (atomic access). */
	bool slot_stats;
	struct pn_engine_hooks hooks;
};

/* revision.c: building a revision and swapping the root link to it. */
void revision_init(struct revision *rev);
void revision_release(struct revision *rev);
int revision_load(struct pn_iface *ifc, const struct plugnet_dispatcher_config *cfg,
		  struct revision *rev);
int revision_pin(const struct pn_iface *ifc, const struct revision *rev);
/*
 * Move the interface to a new revision running `slots` (sorted). On any
 * failure the interface is left exactly as it was.
 */
int iface_commit(struct pn_iface *ifc, struct pn_slot_entry *slots, size_t n, __u32 next_attach_id);

/* introspect.c: reading plugnet's objects back from the kernel. */
int prog_info(int fd, struct bpf_prog_info *info);
int link_info(int fd, struct bpf_link_info *info);
/* "<id> '<name>'" of a program, for messages. */
void describe_prog(__u32 id, char *buf, size_t size);
int read_slot_btf_ids(int prog_fd, __u32 ids[PLUGNET_CONFIG_SLOTS]);
int read_dispatcher_config(int prog_fd, struct plugnet_dispatcher_config *cfg);

/* counters.c: the interface's per-slot counters map (counters_fd), pinned as <dir>/counters. */
void counters_path(const struct pn_iface *ifc, char *buf, size_t size);
int counters_create(struct pn_iface *ifc);
int counters_pin(const struct pn_iface *ifc);
/* Open the pinned map and check it has the layout of this version's counters. */
int counters_adopt(struct pn_iface *ifc);
/* A new attachment's row starts at zero on every CPU. */
int counters_zero_row(const struct pn_iface *ifc, __u32 row);
/* A row summed over the CPUs. */
int counters_read_row(const struct pn_iface *ifc, __u32 row, struct plugnet_slot_counters *sum);

/* xdp_attach.c: the XDP hook, inside the interface's netns. */
const char *xdp_mode_name(enum pn_xdp_mode mode);
/* The XDP program attached to the interface in any mode (0: none), and that mode. */
int xdp_attached_prog(struct pn_iface *ifc, const struct pn_netns *ns, __u32 *prog_id,
		      enum pn_xdp_mode *mode);
/* -EEXIST, naming it, if any XDP program is attached to the interface. */
int xdp_check_free(struct pn_iface *ifc, const struct pn_netns *ns);
/* A new XDP link running the current revision on the interface, in *link_fd. */
int xdp_attach_link(struct pn_iface *ifc, const struct pn_netns *ns, enum pn_xdp_mode mode,
		    int *link_fd);
/*
 * Detach whatever foreign XDP program the interface runs (*evicted: its
 * id, 0 if there was none); plugnet's own dispatcher is refused, -EEXIST.
 */
int xdp_evict_foreign(struct pn_iface *ifc, const struct pn_netns *ns, __u32 *evicted);
/* Read back the mode the kernel attached the dispatcher in. */
int xdp_query_mode(struct pn_iface *ifc, const struct pn_netns *ns);

/* heal.c: where the root link stands, and re-attaching it. */
struct iface_probe {
	enum pn_iface_state state;
	struct bpf_link_info link; /* the root link's info */
	__u32 dispatcher_prog_id;
	/* DISPLACED: the other program, and whether it took the root link (a swap). */
	__u32 other_prog_id;
	bool swapped;
	enum pn_xdp_mode other_mode; /* when not swapped: the mode it is attached in */
};
/*
 * Find the interface's state. Once the root link is detached this looks
 * into the netns (found again by id and cookie); `ns`, when not NULL, is
 * left open on it if it was found (fd -1 otherwise) and the caller closes
 * it.
 */
int iface_probe(struct pn_iface *ifc, struct iface_probe *p, struct pn_netns *ns);

/* iface_registry.c: the engine's interfaces. */
struct resolved {
	struct pn_netns ns;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
};
/*
 * Resolve ref and register a new interface for it, locked, so that a
 * concurrent install or adopt of the same interface is refused. On
 * success the caller finishes with iface_end().
 */
int iface_begin(struct pn_engine *e, const struct pn_iface_ref *ref, struct resolved *r,
		struct pn_iface **ifcp);
/* Unlock a begun interface; on failure unregister and discard it. */
void iface_end(struct pn_iface *ifc, struct resolved *r, int err);
/* Unregister and free an interface whose dispatcher and slots were removed from the kernel. */
void iface_drop_removed(struct pn_iface *ifc);
/*
 * Register an interface known only by its identity (its pins), locked, so
 * that nothing installs or adopts it meanwhile. -EBUSY if the engine holds
 * it: *held_name then names it. Unlock, then iface_drop_removed() or
 * pn_iface__close().
 */
int iface_claim(struct pn_engine *e, __u64 netns_id, unsigned int ifindex, const char *ifname,
		struct pn_iface **ifcp, char held_name[IF_NAMESIZE]);
/* Does the engine hold a handle on this interface? */
bool iface_held(struct pn_engine *e, __u64 netns_id, unsigned int ifindex);

/* pins.c: the pin layout under <pin_root>. */
void rev_dir(const struct pn_iface *ifc, __u64 revision, char *buf, size_t size);
void revision_unpin(const struct pn_iface *ifc, __u64 revision);
/* A pinned root link left by an interface of the same index that no longer exists? */
int clear_stale_pins(struct pn_iface *ifc);
/* Remove revision directories other than the live one: leftovers of a crash mid-revision. */
void remove_other_revisions(struct pn_iface *ifc);
/* Unpin everything of the interface, root link first. */
int unpin_iface(struct pn_iface *ifc);
/* Record the interface's identity (netns id and cookie, ifindex, name, mode) as <dir>/meta. */
int meta_pin(const struct pn_iface *ifc);
/* Read <dir>/meta: -ENOENT if there is none, -EPROTO if it is not a plugnet record. */
int meta_read(const char *dir, struct plugnet_iface_meta *meta);
/*
 * The dispatcher program pinned in `dir`: the one the root link holds
 * (link_prog_id, 0 if none) when that is a plugnet dispatcher, else the
 * newest rev-<N>/dispatcher. Its fd (the caller closes it) and its
 * configuration.
 */
int pinned_dispatcher(const char *dir, __u32 link_prog_id, int *prog_fd,
		      struct plugnet_dispatcher_config *cfg);

/* --- test hooks ------------------------------------------------------------ */

void pn_engine__set_hooks(struct pn_engine *engine, const struct pn_engine_hooks *hooks);
/*
 * Replace the RCU grace-period wait of the release thread (NULL: the real
 * one). Tests use it to hold a replaced revision inside its grace period.
 */
void pn_engine__set_grace_period(struct pn_engine *engine, int (*wait)(void *arg), void *arg);
/* Pretend the kernel offers only `features`: for tests of the refusals and fallbacks. */
void pn_engine__set_features(struct pn_engine *engine, const struct pn_kernel_features *features);
/*
 * Create an engine that loads its dispatchers from another object (a
 * build of bpf/dispatcher.bpf.c with a different slot count); the bytes
 * must outlive the engine.
 */
int pn_engine__new_with_dispatcher(const char *pin_root, const void *elf, size_t elf_size,
				   struct pn_engine **engine);

#endif
