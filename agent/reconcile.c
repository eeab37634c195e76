// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "plugnet/log.h"
#include "reconcile.h"

static bool on_iface(const struct pn_slot_owner *s, const struct pn_iface_info *info)
{
	return s->netns_id == info->netns_id && s->ifindex == info->ifindex;
}

void pn_reconcile_diff(const struct pn_iface_info *info, const struct pn_slot_owner *recorded,
		       size_t n_recorded, __u32 *unplug, size_t *n_unplug, bool *gone)
{
	*n_unplug = 0;
	for (__u32 k = 0; k < info->num_slots && k < PN_SLOTS_MAX; k++) {
		const struct pn_slot_owner *owner = NULL;

		for (size_t i = 0; i < n_recorded && !owner; i++) {
			if (on_iface(&recorded[i], info) &&
			    recorded[i].attach_id == info->slots[k].attach_id)
				owner = &recorded[i];
		}
		if (!owner || owner->released)
			unplug[(*n_unplug)++] = info->slots[k].attach_id;
	}
	for (size_t i = 0; i < n_recorded; i++) {
		bool running = false;

		gone[i] = false;
		if (!on_iface(&recorded[i], info) || recorded[i].released)
			continue;
		for (__u32 k = 0; k < info->num_slots && k < PN_SLOTS_MAX && !running; k++)
			running = info->slots[k].attach_id == recorded[i].attach_id;
		gone[i] = !running;
	}
}

static void keep_first(int *first, int ret, char *err, size_t err_size, const char *msg)
{
	if (*first)
		return;
	*first = ret;
	snprintf(err, err_size, "%s", msg);
}

/* The program in the kernel's slot `attach_id`, for messages. */
static const char *slot_prog(const struct pn_iface_info *info, __u32 attach_id)
{
	for (__u32 k = 0; k < info->num_slots && k < PN_SLOTS_MAX; k++) {
		if (info->slots[k].attach_id == attach_id)
			return info->slots[k].prog_name;
	}
	return "?";
}

static int audit(struct pn_agent *a, const char *action, const char *target, const char *owner,
		 const char *reason, char *why, size_t why_size)
{
	const struct pn_audit_entry e = {
		.action = action,
		.target = target,
		.previous_owner = owner,
		.reason = reason,
		.pid = getpid(),
		.uid = getuid(),
	};

	return pn_audit_append(a->audit_path, &e, why, why_size);
}

static void unplug_unrecorded(struct pn_agent *a, struct pn_iface *iface,
			      const struct pn_iface_info *info, const char *what, __u32 attach_id,
			      int *first, char *err, size_t err_size)
{
	char target[64], why[1024], msg[1400];
	const char *prog = slot_prog(info, attach_id);
	int ret;

	snprintf(target, sizeof(target), "%llu-%u-%u", (unsigned long long)info->netns_id,
		 info->ifindex, attach_id);
	ret = audit(a, "unrecorded", target, "",
		    "in the kernel at start but not owned in the state file (a plug or release "
		    "that a crash cut short, never acknowledged): unplugged",
		    why, sizeof(why));
	if (ret) {
		snprintf(msg, sizeof(msg), "%s: slot %s ('%s') left in place: %s", what, target,
			 prog, why);
		keep_first(first, ret, err, err_size, msg);
		return;
	}
	ret = pn_iface__unplug(iface, attach_id);
	if (ret) {
		snprintf(msg, sizeof(msg),
			 "%s: slot %s ('%s') has no owner, and unplugging it failed: %s", what,
			 target, prog, pn_last_error());
		keep_first(first, ret, err, err_size, msg);
		return;
	}
	pn_log_warn("%s: slot %s ('%s') was in the kernel with no owner in the state file (never "
		    "acknowledged): unplugged",
		    what, target, prog);
}

/* Drop the record of a slot the kernel does not run; true if it was dropped. */
static bool drop_gone(struct pn_agent *a, const struct pn_slot_owner *s, const char *what,
		      int *first, char *err, size_t err_size)
{
	char target[64], owner[3 * PN_ID_MAX + 32], why[1024], msg[1600];
	struct pn_container c;
	int ret;

	snprintf(target, sizeof(target), "%llu-%u-%u", (unsigned long long)s->netns_id, s->ifindex,
		 s->attach_id);
	if (!pn_registry__find_container(a->registry, s->container_id, &c))
		snprintf(owner, sizeof(owner), "%s/%s (container %s)", c.pod_namespace, c.pod_name,
			 c.container_id);
	else
		snprintf(owner, sizeof(owner), "container %s", s->container_id);
	ret = audit(a, "gone", target, owner,
		    "recorded in the state file but not in the kernel at start (an unplug that a "
		    "crash cut short, or the pins were lost): record dropped",
		    why, sizeof(why));
	if (ret) {
		snprintf(msg, sizeof(msg), "%s: record of slot %s ('%s') kept: %s", what, target,
			 s->program, why);
		keep_first(first, ret, err, err_size, msg);
		return false;
	}
	(void)pn_registry__remove_slot(a->registry, s->netns_id, s->ifindex, s->attach_id, NULL);
	pn_log_warn("%s: slot %s ('%s', owned by %s) is recorded but not in the kernel: record "
		    "dropped",
		    what, target, s->program, owner);
	return true;
}

int pn_reconcile_iface(struct pn_agent *a, struct pn_iface *iface, const char *what, char *err,
		       size_t err_size)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */
	struct pn_slot_owner *list = NULL;
	__u32 unplug[PN_SLOTS_MAX];
	size_t n = 0, n_unplug = 0, n_dropped = 0;
	char msg[1400];
	bool *gone = NULL;
	int first = 0, ret;

	if (!info || pn_registry__list_slots(a->registry, &list, &n) ||
	    !(gone = calloc(n ? n : 1, sizeof(*gone)))) {
		snprintf(err, err_size, "%s: reconciling its slots: out of memory", what);
		first = -ENOMEM;
		goto out;
	}
	ret = pn_iface__describe(iface, info);
	if (ret) {
		snprintf(err, err_size, "%s: reconciling its slots: %s", what, pn_last_error());
		first = ret;
		goto out;
	}
	/* Its slots cannot be changed; health reports the interface as gone. */
	if (info->state == PN_IFACE_GONE)
		goto out;
	pn_reconcile_diff(info, list, n, unplug, &n_unplug, gone);
	for (size_t k = 0; k < n_unplug; k++)
		unplug_unrecorded(a, iface, info, what, unplug[k], &first, err, err_size);
	for (size_t i = 0; i < n; i++) {
		if (gone[i] && drop_gone(a, &list[i], what, &first, err, err_size))
			n_dropped++;
	}
	if (n_dropped) {
		char why[1024];

		ret = pn_agent_save_state(a, why, sizeof(why));
		if (ret) {
			snprintf(msg, sizeof(msg),
				 "%s: dropped %zu records of slots gone, but the state file was "
				 "not saved: %s",
				 what, n_dropped, why);
			keep_first(&first, ret, err, err_size, msg);
		}
	}
out:
	free(gone);
	free(list);
	free(info);
	return first;
}
