/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How plugctl turns what the operator typed into the API's ids: a pod
 * "NAMESPACE/NAME" into its container, an interface id or ifname into an
 * interface, a slot into its slot id. Pure: they search the JSON the API
 * returned and write a message naming what was searched into err when
 * nothing, or more than one thing, matches.
 */
#ifndef PLUGCTL_RESOLVE_H
#define PLUGCTL_RESOLVE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The container of pod "NAMESPACE/NAME" in GET /v1/containers, or NULL. */
const cJSON *pn_resolve_pod(const cJSON *containers, const char *pod, char *err, size_t err_size);

/*
 * The interface of GET /v1/interfaces that `arg` names: its id
 * ("<netns>-<ifindex>"), else an ifname in netns `netns` (the inode as a
 * decimal string), which `where` describes for messages ("the host netns",
 * "pod default/web-a"). NULL when none or several match.
 */
const cJSON *pn_resolve_iface(const cJSON *ifaces, const char *arg, const char *netns,
			      const char *where, char *err, size_t err_size);

/*
 * The slot id "<netns>-<ifindex>-<attach>" of `slot` on the interface
 * `iface_id`: `slot` is the attach id, or the full slot id (which must be of
 * that interface). 0, or -EINVAL.
 */
int pn_resolve_slot(const char *iface_id, const char *slot, char *out, size_t size, char *err,
		    size_t err_size);

#endif
