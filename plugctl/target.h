/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interface an IFACE argument names, as the commands show, release,
 * detach and adopt look it up: its id, or its ifname in the netns plugctl
 * runs in (the host's), in the netns of the file given with --netns, or in
 * the netns of the pod given with --pod NAMESPACE/NAME.
 */
#ifndef PLUGCTL_TARGET_H
#define PLUGCTL_TARGET_H

#include "cli.h"

struct plugctl_target {
	cJSON *ifaces;      /* GET /v1/interfaces */
	cJSON *containers;  /* GET /v1/containers */
	const cJSON *iface; /* the interface named, in ifaces */
	const char *id;     /* its id */
	const char *ifname; /* its ifname */
};

/*
 * Fill `t` for `arg`; at most one of netns_path and pod is not NULL. 0, or
 * the exit code after reporting the error. plugctl_target_free either way.
 */
int plugctl_target_find(struct plugctl *p, const char *arg, const char *netns_path, const char *pod,
			struct plugctl_target *t);
/*
 * plugctl_target_find, then the slot `slot_arg` names on that interface
 * (its attach id, or its full slot id): its id in `slot`, and "slot <id>
 * of interface '<ifname>'" in `what`, for messages.
 */
int plugctl_target_find_slot(struct plugctl *p, const char *iface_arg, const char *slot_arg,
			     const char *netns_path, const char *pod, struct plugctl_target *t,
			     char *slot, size_t slot_size, char *what, size_t what_size);
void plugctl_target_free(struct plugctl_target *t);

#endif
