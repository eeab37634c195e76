/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin's overrides, each on the record: release a slot, release all
 * of an owner's slots, detach a whole dispatcher, take an interface over
 * from a foreign XDP program (adopt). Every one needs a reason and is
 * appended to the audit log before it takes effect; an override that
 * cannot be audited does not happen. A released slot stays in the
 * registry, marked, so that its owner's next request learns it was
 * released, by whom and why, and nothing stops silently.
 */
#ifndef PLUGNET_AGENT_OVERRIDES_H
#define PLUGNET_AGENT_OVERRIDES_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "agent.h"
#include "registry.h"

/* Who overrides, from the admin socket's peer credentials, and why. */
struct pn_admin {
	pid_t pid;
	uid_t uid;
	const char *reason;
};

/*
 * Errors, with err naming the slot or interface: -ENOENT (no such slot or
 * managed interface), -EALREADY (released or detached already), -EIO (the
 * audit log could not be written: nothing changed), or the engine's.
 * A state file that cannot be saved afterwards is -EPIPE: done, but the
 * file lags.
 */
int pn_override_release_slot(struct pn_agent *agent, const struct pn_admin *admin, __u64 netns_id,
			     unsigned int ifindex, __u32 attach_id, struct pn_slot_owner *released,
			     char *err, size_t err_size);
/* Every unreleased slot of the container; *n: how many. */
int pn_override_release_owner(struct pn_agent *agent, const struct pn_admin *admin,
			      const char *container_id, size_t *n, char *err, size_t err_size);
/* Remove the dispatcher (its slots are released) and keep the interface off until adopt. */
int pn_override_detach(struct pn_agent *agent, const struct pn_admin *admin, __u64 netns_id,
		       unsigned int ifindex, size_t *n, char *err, size_t err_size);
/* Detach whatever XDP program holds the interface and attach plugnet's dispatcher. */
int pn_override_adopt(struct pn_agent *agent, const struct pn_admin *admin, __u64 netns_id,
		      unsigned int ifindex, __u32 *evicted_prog_id, char *err, size_t err_size);

#endif
