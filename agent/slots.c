// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/slots.h"

/* struct plugnet_dispatcher_config.frags_slots has one bit per slot. */
_Static_assert(PLUGNET_MAX_SLOTS <= 64, "frags_slots is a 64-bit mask: at most 64 slots");

static const char *const action_names[] = {"aborted", "drop", "pass", "tx", "redirect"};
#define N_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *pn_xdp_action_name(__u32 action)
{
	return action < N_ACTIONS ? action_names[action] : NULL;
}

static int action_parse(const char *word, size_t len, __u32 *action)
{
	for (__u32 a = 0; a < N_ACTIONS; a++) {
		if (strlen(action_names[a]) == len && !strncasecmp(word, action_names[a], len)) {
			*action = a;
			return 0;
		}
	}
	if (len == 1 && word[0] >= '0' && word[0] < (char)('0' + N_ACTIONS)) {
		*action = (__u32)(word[0] - '0');
		return 0;
	}
	return -EINVAL;
}

int pn_proceed_on_parse(const char *text, __u32 *mask)
{
	__u32 m = 0, action;
	const char *p = text;

	if (!text || !*text)
		return -EINVAL;
	for (;;) {
		size_t len = strcspn(p, ",");

		while (len && p[0] == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (!len || action_parse(p, len, &action))
			return -EINVAL;
		m |= 1U << action;
		p += strcspn(p, ",");
		if (!*p)
			break;
		p++;
	}
	*mask = m;
	return 0;
}

int pn_proceed_on_format(__u32 mask, char *buf, size_t size)
{
	char all[sizeof("aborted,drop,pass,tx,redirect")] = "";

	for (__u32 a = 0; a < N_ACTIONS; a++) {
		if (!(mask & (1U << a)))
			continue;
		if (all[0])
			strcat(all, ",");
		strcat(all, action_names[a]);
	}
	return snprintf(buf, size, "%s", all);
}

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

	if (n > PLUGNET_MAX_SLOTS)
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
	if (cfg->num_slots > PLUGNET_MAX_SLOTS)
		return -E2BIG;
	return 0;
}
