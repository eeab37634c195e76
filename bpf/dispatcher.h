/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The plugnet dispatcher ABI, shared by the BPF program and user space.
 * Other tools recognise a plugnet dispatcher by its program name
 * (PLUGNET_DISPATCHER_PROG_NAME) and by the magic at the start of its
 * frozen .rodata map; docs/dispatcher-protocol.md describes the rest.
 */
#ifndef PLUGNET_BPF_DISPATCHER_H
#define PLUGNET_BPF_DISPATCHER_H

#include <linux/types.h>

#define PLUGNET_DISPATCHER_MAGIC     0x504c474eU /* "PLGN" */
#define PLUGNET_DISPATCHER_VERSION   2U
#define PLUGNET_DISPATCHER_PROG_NAME "plugnet_root"

/*
 * Capacity of the configuration's per-slot arrays. It is part of the ABI
 * (the layout of struct plugnet_dispatcher_config), so it does
 * not change with the number of stubs a build has: 63 keeps the per-slot
 * bitmaps one 64-bit word. How many stubs (slot0..slotN-1) a dispatcher
 * really has is read from its BTF (mk/gen-slots.sh sets it at build time,
 * `make SLOTS=N`, N <= 63). The slot-limit measurement builds variants with
 * a larger capacity; those are not engine dispatchers.
 */
#ifndef PLUGNET_CONFIG_SLOTS
#define PLUGNET_CONFIG_SLOTS 63
#endif

/*
 * What an empty slot stub returns. It is not a valid XDP action, and its
 * bit is set in every proceed-on mask, so an unplugged slot is skipped.
 */
#define PLUGNET_SLOT_EMPTY 31U

/* Dispatcher was loaded with BPF_F_XDP_HAS_FRAGS. */
#define PLUGNET_DISPATCHER_F_FRAGS (1U << 0)
/*
 * Dispatcher counts each slot's verdicts into PLUGNET_COUNTERS_MAP_NAME,
 * row stats_row[slot]. Without it the verifier prunes the counting code and
 * the program holds no reference to that map.
 */
#define PLUGNET_DISPATCHER_F_STATS (1U << 1)

/*
 * Per-slot counters: a per-CPU array of PLUGNET_STATS_ROWS rows, one per
 * attachment (not per slot position, which moves between revisions), each
 * a struct plugnet_slot_counters. It is pinned beside the interface's
 * other pins and shared by all its revisions.
 */
#define PLUGNET_COUNTERS_MAP_NAME "slot_counters"
#define PLUGNET_STATS_ROWS        PLUGNET_CONFIG_SLOTS

/* Columns of a counters row: XDP_ABORTED..XDP_REDIRECT by value, then anything else. */
#define PLUGNET_STATS_OTHER 5U
#define PLUGNET_STATS_COLS  6U

struct plugnet_slot_counters {
	__u64 verdicts[PLUGNET_STATS_COLS];
};

struct plugnet_dispatcher_config {
	__u32 magic;          /* PLUGNET_DISPATCHER_MAGIC */
	__u32 version;        /* PLUGNET_DISPATCHER_VERSION */
	__u32 num_slots;      /* active slots, 0..PLUGNET_CONFIG_SLOTS */
	__u32 flags;          /* PLUGNET_DISPATCHER_F_* */
	__u64 revision;       /* engine revision number of this dispatcher program */
	__u32 next_attach_id; /* the interface's next attach id (ids are never reused) */
	__u32 reserved;
	__u64 frags_slots; /* bit i: slot i's program handles multi-buffer packets */
	/* Per slot: bit A set = go on to the next slot when the program returns action A. */
	__u32 proceed_on[PLUGNET_CONFIG_SLOTS];
	/* Per slot, informational: lets a restarted agent or another tool rebuild the table. */
	__s32 priority[PLUGNET_CONFIG_SLOTS];
	__u32 attach_id[PLUGNET_CONFIG_SLOTS];
	/* Per slot: the counters row of the slot's attachment (read only with F_STATS). */
	__u32 stats_row[PLUGNET_CONFIG_SLOTS];
};

/*
 * The identity of the interface a pin directory belongs to, pinned beside
 * its root link as <dir>/meta: a frozen BPF array map of one element (user
 * space only; no program reads it). A detached root link reports ifindex 0
 * whether a host tool detached it or the interface vanished, and netns
 * inode numbers are reused once a netns dies: the netns cookie (unique for
 * the boot) tells the interface the pins were made for from a newcomer with
 * the same (netns id, ifindex). The mode and name are what a re-attach and
 * a listing need when the interface cannot be asked.
 */
#define PLUGNET_META_MAGIC   0x504c4e4dU /* "PLNM" */
#define PLUGNET_META_VERSION 1U

struct plugnet_iface_meta {
	__u32 magic;        /* PLUGNET_META_MAGIC */
	__u32 version;      /* PLUGNET_META_VERSION */
	__u64 netns_id;     /* inode number of the netns */
	__u64 netns_cookie; /* SO_NETNS_COOKIE of the netns; 0: the kernel has none (< 5.14) */
	__u32 ifindex;
	__u32 xdp_flags; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE: the mode attached in */
	char ifname[16]; /* at install (IF_NAMESIZE) */
};

#endif
