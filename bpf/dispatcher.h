/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
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
#define PLUGNET_DISPATCHER_VERSION   1U
#define PLUGNET_DISPATCHER_PROG_NAME "plugnet_root"

/*
 * 63 slots, against libxdp's 10. The kernel accepts up to 255 stubs (plus
 * the main program: 256 subprograms, measured on 6.1, docs/benchmarks.md);
 * 63 keeps the per-slot bitmaps in the configuration one 64-bit word.
 */
#ifndef PLUGNET_MAX_SLOTS
#define PLUGNET_MAX_SLOTS 63
#endif

/*
 * What an empty slot stub returns. It is not a valid XDP action, and its
 * bit is set in every proceed-on mask, so an unplugged slot is skipped.
 */
#define PLUGNET_SLOT_EMPTY 31U

/* Dispatcher was loaded with BPF_F_XDP_HAS_FRAGS. */
#define PLUGNET_DISPATCHER_F_FRAGS (1U << 0)

struct plugnet_dispatcher_config {
	__u32 magic;          /* PLUGNET_DISPATCHER_MAGIC */
	__u32 version;        /* PLUGNET_DISPATCHER_VERSION */
	__u32 num_slots;      /* active slots, 0..PLUGNET_MAX_SLOTS */
	__u32 flags;          /* PLUGNET_DISPATCHER_F_* */
	__u64 revision;       /* engine revision number of this dispatcher program */
	__u32 next_attach_id; /* the interface's next attach id (ids are never reused) */
	__u32 reserved;
	__u64 frags_slots; /* bit i: slot i's program handles multi-buffer packets */
	/* Per slot: bit A set = go on to the next slot when the program returns action A. */
	__u32 proceed_on[PLUGNET_MAX_SLOTS];
	/* Per slot, informational: lets a restarted agent or another tool rebuild the table. */
	__s32 priority[PLUGNET_MAX_SLOTS];
	__u32 attach_id[PLUGNET_MAX_SLOTS];
};

#endif
