/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libplugnet: the dispatcher engine. It owns the root XDP dispatcher of
 * each interface under a bpf_link and plugs extension programs into its
 * slots.
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
 * outlive the process; pn_engine__adopt() picks them up again. One engine
 * at a time works a pin root: pn_engine__new() takes an exclusive flock on
 * it and refuses while another engine, in this process or another, holds
 * it.
 *
 * Errors: functions return 0 or a negative errno. On failure,
 * pn_last_error() gives a one-line message naming the interface, netns and
 * program. The message is the calling thread's own, so concurrent callers
 * never see each other's.
 *
 * Threading:
 * - Calls on different interfaces may run at the same time from any
 *   threads, including install and adopt of different interfaces.
 * - Calls on the same interface may also come from several threads; the
 *   engine runs them one after the other (a lock per interface), so
 *   revisions of one interface never interleave.
 * - pn_iface__remove() and pn_iface__close() free the handle: the caller
 *   must make sure no other call on that interface is running or will
 *   start. pn_engine__free() likewise needs every other call finished.
 * - pn_iface__reattach() and pn_iface__describe() take the interface's
 *   lock like every other call on it.
 * - pn_engine__list_pinned() may run alongside any call; its callback runs
 *   with no engine lock held and may call the engine (remove_pinned, say).
 *   pn_engine__remove_pinned() registers the interface for the time it
 *   runs, so a concurrent install or adopt of it is refused (-EEXIST).
 * - The engine locks its interface registry (briefly, never across a
 *   kernel call that can take long) and its verification cache (across a
 *   load, so that two threads plugging the same new program verify it
 *   once). Revisions of different interfaces run in parallel.
 * - pn_set_print() and its callback: see there.
 */
#ifndef PLUGNET_ENGINE_H
#define PLUGNET_ENGINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#define PN_PIN_ROOT_DEFAULT "/sys/fs/bpf/plugnet"

/*
 * The most slots any plugnet dispatcher can have (the capacity of its
 * configuration). A given build may have fewer: pn_engine__slot_count().
 */
#define PN_SLOTS_MAX 63

/* Verdicts counted one by one per slot: XDP_ABORTED (0) .. XDP_REDIRECT (4). */
#define PN_XDP_VERDICTS 5

struct pn_engine;
struct pn_iface;

/* --- messages ------------------------------------------------------------- */

enum pn_print_level {
	PN_PRINT_WARN,
	PN_PRINT_INFO,
	PN_PRINT_DEBUG,
};

typedef int (*pn_print_fn_t)(enum pn_print_level level, const char *fmt, va_list ap);

/*
 * Route the library's messages (warnings, what it did, debug detail) to
 * fn; NULL silences them. The default prints warnings and info to stderr.
 * Returns the previous callback. It also takes over libbpf's print
 * callback (process-wide, like libbpf_set_print) so that libbpf's output
 * reaches fn at PN_PRINT_DEBUG; until it is called, libbpf prints as it
 * does by default. Set it once before creating engines: the callback is
 * called from any thread that calls the engine, sometimes with the
 * engine's locks held, and from its release thread, so it must be
 * thread-safe and must not call back into the engine.
 */
pn_print_fn_t pn_set_print(pn_print_fn_t fn);

/* The message of the last call that failed on this thread ("" if none). */
const char *pn_last_error(void);

/* --- kernel features ---------------------------------------------------- */

/*
 * What the running kernel offers, probed by pn_engine__new(). The first
 * two are needed (install refuses without them, naming the feature);
 * without frags support dispatchers are loaded without
 * BPF_F_XDP_HAS_FRAGS, so programs run single-buffer.
 */
struct pn_kernel_features {
	bool xdp_link;              /* XDP through a bpf_link (Linux 5.9) */
	bool freplace_multi_attach; /* one extension program on many dispatchers (5.10) */
	bool xdp_frags;             /* multi-buffer XDP, BPF_F_XDP_HAS_FRAGS (5.18) */
};

/* --- engine and interfaces -------------------------------------------------- */

enum pn_xdp_mode {
	PN_XDP_MODE_AUTO,    /* native when the driver supports XDP, else generic */
	PN_XDP_MODE_NATIVE,  /* driver mode; fails if the driver has none */
	PN_XDP_MODE_GENERIC, /* skb mode */
};

/*
 * An interface, for install and adopt: its netns by fd or path, itself by
 * name or index. netns_fd must be -1 when it is not used (0 is an fd).
 */
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
	/*
	 * The dispatcher's own counters of this attachment, summed over CPUs
	 * (see pn_engine__set_slot_stats): the packets the slot ran on, and of
	 * those, how many it returned each verdict for, indexed by XDP action;
	 * verdict_other counts any other value it returned. packets is their sum.
	 */
	__u64 packets;
	__u64 verdicts[PN_XDP_VERDICTS];
	__u64 verdict_other;
};

/*
 * Where an interface's dispatcher stands. The root link is plugnet's, but
 * a privileged host tool can still detach it (`bpftool link detach`,
 * `xdp-loader unload --all`) or swap the program it runs; the interface
 * (or its whole netns) can vanish under it.
 */
enum pn_iface_state {
	/* The root link is attached and runs the engine's current dispatcher. */
	PN_IFACE_ATTACHED,
	/*
	 * The root link was detached; the interface is still there and no XDP
	 * program is on it. The slots are intact (they hang off the dispatcher
	 * program, not the link): pn_iface__reattach() attaches it again.
	 */
	PN_IFACE_DETACHED,
	/*
	 * Another program runs instead of the dispatcher: the root link's
	 * program was swapped (root_prog_id), or after a detach another XDP
	 * program was attached to the interface. The engine does not fight it.
	 */
	PN_IFACE_DISPLACED,
	/* The interface or its netns no longer exists (or is out of reach: see describe). */
	PN_IFACE_GONE,
};

/* "attached", "detached", "displaced", "gone". */
const char *pn_iface_state_name(enum pn_iface_state state);

struct pn_iface_info {
	__u64 netns_id;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	enum pn_xdp_mode mode; /* NATIVE or GENERIC, as attached */
	bool frags;            /* dispatcher accepts multi-buffer packets */
	enum pn_iface_state state;
	__u32 root_link_id;
	__u32 dispatcher_prog_id; /* the engine's current revision */
	__u32 root_prog_id;       /* what the root link holds: differs only after an outside swap */
	/* DISPLACED: the program running instead of the dispatcher, and its name. */
	__u32 other_prog_id;
	char other_prog_name[16];
	__u64 revision;
	bool slot_stats;    /* the current revision counts per slot (pn_engine__set_slot_stats) */
	bool stats_enabled; /* kernel.bpf_stats_enabled */
	__u64 run_cnt;      /* dispatcher's, when stats are enabled */
	__u64 run_time_ns;
	__u32 num_slots;
	struct pn_slot_info slots[PN_SLOTS_MAX];
};

/*
 * Create an engine working pin_root (NULL: PN_PIN_ROOT_DEFAULT), which
 * must be on a bpf filesystem. -EBUSY if another engine holds it (the
 * message names the pin root and, when it can be found, the holder's pid).
 */
int pn_engine__new(const char *pin_root, struct pn_engine **engine);
/* Closes the engine's handles and its lock; pinned dispatchers keep running. */
void pn_engine__free(struct pn_engine *engine);
/* Slot stubs in this build's dispatcher, read from its BTF: plugs past this fail. */
unsigned int pn_engine__slot_count(const struct pn_engine *engine);
const struct pn_kernel_features *pn_engine__features(const struct pn_engine *engine);
/*
 * Extension programs loaded (verified) by this engine so far; a program
 * already plugged somewhere, or adopted after a restart, is not loaded
 * again.
 */
unsigned long pn_engine__prog_loads(struct pn_engine *engine);
/*
 * Per-slot counters, off by default. The kernel's run_cnt stays 0 for slot
 * programs (the dispatcher enters them by a direct jump), so the dispatcher
 * counts itself: while on, for every slot, the packets it ran on and the
 * verdict it returned, reported by pn_iface__describe() in pn_slot_info.
 *
 * The switch applies to the revisions this engine builds from then on, on
 * every interface: at its install, or its next plug or unplug. A revision
 * already running keeps counting or not (pn_iface_info.slot_stats says
 * which). Counts belong to the attachment, not to its slot position: they
 * start at zero when the program is plugged, are kept across revisions and
 * restarts (the counters are pinned beside the interface's other pins),
 * and stand still while counting is off. With counting off the dispatcher
 * holds no reference to the counters and runs every slot with the same
 * instructions as a dispatcher built without them.
 */
void pn_engine__set_slot_stats(struct pn_engine *engine, bool on);

/*
 * A replaced revision is released in the background once no packet can
 * still be inside it (an RCU grace period later): until then its pins
 * stay under rev-<N>. Returns once every revision replaced so far is gone.
 */
void pn_engine__settle(struct pn_engine *engine);

/*
 * Attach dispatcher revision 1 (no slots) to an interface. Refuses with
 * -EEXIST if any XDP program is already attached there (the message names
 * it), including one of plugnet's own, or if plugnet's dispatcher for this
 * very interface is pinned with its root link detached (adopt that
 * instead, and re-attach it), and with -EOPNOTSUPP if the kernel lacks a
 * feature the engine needs. Pins left by an interface that vanished are
 * cleared first.
 */
int pn_engine__install(struct pn_engine *engine, const struct pn_iface_ref *ref,
		       enum pn_xdp_mode mode, struct pn_iface **iface);

/*
 * The admin's override: like install, but a foreign XDP program attached
 * to the interface (through netlink or through someone else's XDP link)
 * is detached first; *evicted_prog_id gets its id (0: there was none).
 * plugnet's own dispatcher is never evicted (-EEXIST: adopt it). If the
 * install then fails, the interface is left without XDP program.
 */
int pn_engine__take_over(struct pn_engine *engine, const struct pn_iface_ref *ref,
			 enum pn_xdp_mode mode, struct pn_iface **iface, __u32 *evicted_prog_id);

/*
 * Rebuild the view of an installed interface from its pins, without
 * touching traffic. A root link a host tool detached is adopted too
 * (describe then says PN_IFACE_DETACHED, and pn_iface__reattach() heals
 * it), but only when the identity record pinned beside it (netns cookie,
 * ifindex) proves the pins were made for this very interface: pins left
 * by one that vanished, whose netns id and ifindex a newcomer reuses, are
 * refused with -ESTALE. A re-attach that a crash interrupted is finished.
 */
int pn_engine__adopt(struct pn_engine *engine, const struct pn_iface_ref *ref,
		     struct pn_iface **iface);

/*
 * Plug a program into a new slot; *attach_id identifies it from then on.
 * -ENOSPC when every slot is in use.
 */
int pn_iface__plug(struct pn_iface *iface, const struct pn_slot_spec *spec, __u32 *attach_id);
int pn_iface__unplug(struct pn_iface *iface, __u32 attach_id);
/*
 * Attach ids of the plugs from now on are at least `floor`. Attach ids
 * never repeat within one dispatcher's life; a caller whose records of
 * slots outlive a dispatcher (removed, then installed again on the same
 * interface) reserves the ids those records use, so an old record and a
 * new slot never share one. Kept in the next revision's configuration.
 */
void pn_iface__reserve_attach_ids(struct pn_iface *iface, __u32 floor);
/*
 * What the interface runs now, slot by slot, and its state. While the
 * root link holds the interface the state comes from the link alone. Once
 * it does not (the kernel reports the same for a detach and for a vanished
 * interface), describe looks into the interface's netns, which the engine
 * never holds: it finds it again by its id, looking at the path the
 * interface was named by at install or adopt, the calling thread's netns,
 * /run/netns and /var/run/netns, and /proc/<pid>/ns/net of every process,
 * and checks the netns cookie recorded at install, so that a newer netns
 * that reused the id is not taken for it. A netns none of these reach (one
 * kept alive only by an fd in a process outside the caller's pid
 * namespace, say) counts as gone. That search runs only while the root
 * link is detached; it costs a stat per process.
 */
int pn_iface__describe(struct pn_iface *iface, struct pn_iface_info *info);

/* What pn_iface__reattach() found and did, for the caller's audit log. */
struct pn_reattach_report {
	bool reattached;          /* false: the dispatcher was attached already, nothing done */
	__u32 old_link_id;        /* the root link found (detached, and now unpinned) */
	__u32 new_link_id;        /* the root link now pinned (== old_link_id when nothing done) */
	__u32 dispatcher_prog_id; /* the dispatcher attached again: the current revision's */
	__u64 revision;
	__u32 num_slots; /* slots running again, untouched */
};

/*
 * Heal a root link a host tool detached: attach the current revision's
 * dispatcher program to the same interface in the same mode with a new
 * XDP link, pin it in place of the old one, and release the old one. The
 * slots are not touched: their links hang off the dispatcher program, so
 * they run again as they were, with the same program and link ids.
 *
 * The new link is pinned as <dir>/link-new and then renamed over
 * <dir>/link (bpffs renames atomically), so a crash leaves either the old
 * pin or the new one as `link`; a leftover link-new is finished (renamed,
 * if it is attached to this interface) or dropped by the next adopt.
 *
 * Returns 0 when the dispatcher runs on the interface afterwards:
 * report->reattached says whether this call attached it or found it
 * attached already (a no-op). report may be NULL; it is filled only when
 * 0 is returned. Errors:
 * -EBUSY     another program holds the interface (DISPLACED): the root
 *            link runs another program, or another XDP program was
 *            attached after the detach. The message names the interface
 *            and that program (id, name); nothing is changed, the engine
 *            never fights it.
 * -ENODEV    the interface or its netns is gone (GONE).
 * other      the attach or the pin failed; the interface is left detached
 *            as it was.
 */
int pn_iface__reattach(struct pn_iface *iface, struct pn_reattach_report *report);

/*
 * The admin's adopt of a displaced interface: the program that runs
 * instead of the dispatcher is evicted (an XDP program attached after
 * the root link was detached is detached; a program swapped into the root
 * link is swapped out) and the dispatcher runs again with its slots.
 * *evicted_prog_id: the program evicted (0: none; the interface was only
 * detached, or attached already). -ENODEV if the interface is gone; the
 * engine's own dispatcher is never evicted.
 */
int pn_iface__take_back(struct pn_iface *iface, __u32 *evicted_prog_id);

/* Detach the dispatcher and release everything: for teardown and admin override only. */
int pn_iface__remove(struct pn_iface *iface);
/* Forget the interface without touching it; its pins keep it running. */
void pn_iface__close(struct pn_iface *iface);

/* --- pinned interfaces -------------------------------------------------- */

/* Longest pin directory: a pin root of up to 255 bytes, /<netns id>/<ifindex>. */
#define PN_PIN_DIR_MAX 320

/* One interface that has pins under the engine's pin root. */
struct pn_pinned_iface {
	__u64 netns_id;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE]; /* as recorded at install; "" for pins made without a record */
	char pin_dir[PN_PIN_DIR_MAX];
	__u64 revision;     /* of its dispatcher; 0 when no dispatcher pin can be read */
	__u32 num_slots;    /* slots of that revision */
	bool link_attached; /* the root link is pinned and attached to an interface */
	bool held;          /* this engine has a handle on it (install or adopt) */
};

/* Called once per pinned interface; a non-zero return stops the listing and is returned. */
typedef int (*pn_pinned_fn_t)(const struct pn_pinned_iface *pinned, void *ctx);

/*
 * Walk what is pinned under the pin root, interface by interface
 * (<pin root>/<netns id>/<ifindex>/), whether this engine holds it or not:
 * what the agent compares with its records at start. It reads pins and
 * kernel objects only, never a netns, so interfaces whose netns is gone are
 * listed too. An interface installed or removed meanwhile may or may not
 * appear. Returns 0, -errno if the pin root cannot be read, or the first
 * non-zero return of fn.
 */
int pn_engine__list_pinned(struct pn_engine *engine, pn_pinned_fn_t fn, void *ctx);

/*
 * Remove the pins of an interface this engine holds no handle for, by its
 * identity, without the caller naming its netns (which may be gone): the
 * root link is unpinned first (as pn_iface__remove does), and detached
 * when it is still attached, then the revision and its slot links are
 * unpinned and released; once nothing else holds them, the kernel frees
 * the dispatcher, the slot links and the extension programs no other
 * interface runs (after an RCU grace period). Errors name the pin
 * directory: -ENOENT nothing is pinned there, -EBUSY this engine holds the
 * interface (use pn_iface__remove()), or why a pin could not be removed.
 */
int pn_engine__remove_pinned(struct pn_engine *engine, __u64 netns_id, unsigned int ifindex);

/* Fixed for the handle's life: safe without any lock. */
__u64 pn_iface__netns_id(const struct pn_iface *iface);
unsigned int pn_iface__ifindex(const struct pn_iface *iface);
const char *pn_iface__pin_dir(const struct pn_iface *iface);

#endif
