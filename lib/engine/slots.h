/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The slot table of one dispatcher revision, as pure data: which plugged
 * program runs in which slot, and the frozen configuration that tells the
 * dispatcher what to do with each slot's verdict. No kernel calls here.
 *
 * Run order: ascending priority (lower runs first, as in libxdp and tc),
 * ties broken by attach id (the program plugged earlier runs first). Attach
 * ids are per interface, assigned in increasing order and never reused
 * while the interface lives, so the order is total and stable across
 * revisions and agent restarts.
 */
#ifndef PLUGNET_LIB_SLOTS_H
#define PLUGNET_LIB_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "dispatcher.h"
#include "plugnet/xdp_action.h"

struct pn_slot_entry {
	__u32 attach_id;
	__s32 priority;
	__u32 proceed_on; /* mask of XDP actions (bit A = action A) */
	bool frags;       /* program handles multi-buffer packets */
	__u32 stats_row;  /* the attachment's row of the interface's counters */
	void *owner;      /* the caller's handle for the program (opaque here) */
};

/* True if a runs before b. */
bool pn_slot_runs_before(const struct pn_slot_entry *a, const struct pn_slot_entry *b);

/* Sort entries into run order. */
void pn_slots_sort(struct pn_slot_entry *slots, size_t n);

/*
 * Fill the dispatcher configuration for `n` sorted slots. The empty-slot
 * sentinel is added to every mask. The dispatcher is frags-capable only if
 * every slot's program is. -E2BIG if n > PLUGNET_CONFIG_SLOTS.
 */
int pn_slots_build_config(const struct pn_slot_entry *slots, size_t n, __u64 revision,
			  __u32 next_attach_id, struct plugnet_dispatcher_config *cfg);

/*
 * Check a configuration read back from a dispatcher: magic, version, bounds
 * (of the slot count and of every active slot's counters row).
 */
int pn_slots_check_config(const struct plugnet_dispatcher_config *cfg);

/*
 * A counters row for a new attachment, none of `slots` holding it: the
 * first free one after `last` (the row handed out last), wrapping around.
 * Going round rather than taking the lowest makes a row that an unplug has
 * just freed the last choice, so a packet still inside a replaced revision
 * cannot count into the next attachment's row. -ENOSPC if every row is
 * taken.
 */
int pn_slots_pick_stats_row(const struct pn_slot_entry *slots, size_t n, __u32 last, __u32 *row);

#endif
