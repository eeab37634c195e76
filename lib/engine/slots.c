// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slots.h"

/* struct plugnet_dispatcher_config.frags_slots has one bit per slot. */
_Static_assert(PLUGNET_CONFIG_SLOTS <= 64, "frags_slots is a 64-bit mask: at most 64 slots");

bool pn_slot_runs_before(const struct pn_slot_entry *a, const struct pn_slot_entry *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->attach_id < b->attach_id;
}

static int cmp_slots(const void *pa, const void *pb)
{
	const struct pn_slot_entry *a = pa, *b = pb;

	if (pn_slot_runs_before(a, b))
		return -1;
	return pn_slot_runs_before(b, a) ? 1 : 0;
}

void pn_slots_sort(struct pn_slot_entry *slots, size_t n)
{
	if (n > 1)
		qsort(slots, n, sizeof(*slots), cmp_slots);
}

int pn_slots_build_config(const struct pn_slot_entry *slots, size_t n, __u64 revision,
			  __u32 next_attach_id, struct plugnet_dispatcher_config *cfg)
{
	bool frags = true;

	if (n > PLUGNET_CONFIG_SLOTS)
		return -E2BIG;
	memset(cfg, 0, sizeof(*cfg));
	cfg->magic = PLUGNET_DISPATCHER_MAGIC;
	cfg->version = PLUGNET_DISPATCHER_VERSION;
	cfg->num_slots = (__u32)n;
	cfg->revision = revision;
	cfg->next_attach_id = next_attach_id;
	for (size_t i = 0; i < n; i++) {
		cfg->proceed_on[i] = slots[i].proceed_on | 1U << PLUGNET_SLOT_EMPTY;
		cfg->priority[i] = slots[i].priority;
		cfg->attach_id[i] = slots[i].attach_id;
		cfg->stats_row[i] = slots[i].stats_row;
		if (slots[i].frags)
			cfg->frags_slots |= 1ULL << i;
		frags = frags && slots[i].frags;
	}
	if (frags)
		cfg->flags |= PLUGNET_DISPATCHER_F_FRAGS;
	return 0;
}

int pn_slots_check_config(const struct plugnet_dispatcher_config *cfg)
{
	if (cfg->magic != PLUGNET_DISPATCHER_MAGIC)
		return -EPROTO;
	if (cfg->version != PLUGNET_DISPATCHER_VERSION)
		return -EPROTONOSUPPORT;
	if (cfg->num_slots > PLUGNET_CONFIG_SLOTS)
		return -E2BIG;
	for (__u32 i = 0; i < cfg->num_slots; i++) {
		if (cfg->stats_row[i] >= PLUGNET_STATS_ROWS)
			return -ERANGE;
	}
	return 0;
}

int pn_slots_pick_stats_row(const struct pn_slot_entry *slots, size_t n, __u32 last, __u32 *row)
{
	bool taken[PLUGNET_STATS_ROWS] = {false};

	for (size_t i = 0; i < n; i++) {
		if (slots[i].stats_row < PLUGNET_STATS_ROWS)
			taken[slots[i].stats_row] = true;
	}
	for (__u32 step = 1; step <= PLUGNET_STATS_ROWS; step++) {
		__u32 r = (last + step) % PLUGNET_STATS_ROWS;

		if (!taken[r]) {
			*row = r;
			return 0;
		}
	}
	return -ENOSPC;
}
