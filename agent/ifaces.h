/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interfaces plugnetd holds a dispatcher on, one entry each: a
 * registered container's pod interface (target pod, attached at
 * registration), the host side of its veth (target host, attached at the
 * first plug there), and the configured uplinks (attached at start).
 *
 * Requests borrow an entry's engine handle with pn_ifaces_get() and give
 * it back with pn_ifaces_put(). The table's lock is held only to find and
 * count: a slow verification on one interface never holds up a request on
 * another, and an entry is removed only once nobody borrows it.
 */
#ifndef PLUGNET_AGENT_IFACES_H
#define PLUGNET_AGENT_IFACES_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "registry.h"

/* Which of a container's interfaces, or which uplink. */
struct pn_target {
	enum pn_target_kind kind;
	const char *container_id; /* pod and host */
	const char *uplink;       /* uplink */
};

/* A copy of one entry, for listing. */
struct pn_managed_info {
	enum pn_target_kind kind;
	char container_id[PN_ID_MAX];
	char ifname[IF_NAMESIZE];
	__u64 netns_id;
	unsigned int ifindex;
	bool held;      /* a dispatcher is held */
	bool displaced; /* another XDP program took the interface; waits for an admin's adopt */
	bool detached_by_admin;
	char problem[512]; /* why nothing is held, or "" */
};

/* Create and free the (empty) table. */
int pn_ifaces_init(struct pn_agent *agent);
/* Forget every handle (pins stay): at shutdown. */
void pn_ifaces_close(struct pn_agent *agent);

/*
 * Take over the dispatcher plugnet left pinned on the target's interface,
 * or install one. A target held already is 0. -errno; err names the
 * interface and the cause. An interface the admin detached is -EPERM
 * until pn_ifaces_adopt().
 */
int pn_ifaces_attach(struct pn_agent *agent, const struct pn_target *target, char *err,
		     size_t err_size);
/* Only adopt what plugnet left pinned there: 0 if nothing was (then nothing is held). */
int pn_ifaces_adopt_pinned(struct pn_agent *agent, const struct pn_target *target, char *err,
			   size_t err_size);
/*
 * Remove the dispatchers on a container's pod and host interfaces, with
 * every slot. Waits until no request borrows them. -ENOENT if it had none.
 */
int pn_ifaces_detach_container(struct pn_agent *agent, const char *container_id, char *err,
			       size_t err_size);

/*
 * Borrow the handle of the target's dispatcher, or the one on
 * (netns_id, ifindex). NULL if none is held (err says why). Every handle
 * got is given back with pn_ifaces_put().
 */
struct pn_iface *pn_ifaces_get(struct pn_agent *agent, const struct pn_target *target, char *err,
			       size_t err_size);
struct pn_iface *pn_ifaces_get_by_index(struct pn_agent *agent, __u64 netns_id,
					unsigned int ifindex);
void pn_ifaces_put(struct pn_agent *agent, struct pn_iface *iface);

/*
 * The interfaces the admin detached, for the state file: an admin's
 * detach must outlive a restart, or the next start would quietly attach
 * the dispatcher again. A JSON array of {"kind", "container_id" (pod and
 * host), "ifname", "netns_id", "ifindex"}; NULL when out of memory.
 */
cJSON *pn_ifaces_detached_json(struct pn_agent *agent);
/*
 * Mark the interfaces of such an array detached again, before anything
 * is attached at start. -EINVAL naming the entry and key for a malformed
 * one (the state file is then not trusted), -ENOMEM.
 */
int pn_ifaces_restore_detached(struct pn_agent *agent, const cJSON *detached, char *err,
			       size_t err_size);

/* A copy of every entry (free *list). */
int pn_ifaces_list(struct pn_agent *agent, struct pn_managed_info **list, size_t *n);

/*
 * The admin's override on one interface: remove plugnet's dispatcher and
 * hold the interface off until adopt (detach), or take the interface over
 * from whatever XDP program holds it and attach plugnet's again (adopt).
 * The caller audits and marks the slots released.
 */
int pn_ifaces_admin_detach(struct pn_agent *agent, __u64 netns_id, unsigned int ifindex, char *err,
			   size_t err_size);
int pn_ifaces_adopt(struct pn_agent *agent, __u64 netns_id, unsigned int ifindex,
		    __u32 *evicted_prog_id, char *err, size_t err_size);

/*
 * Serialise plugs on one uplink from the quota check to the record, so
 * that two plugs of one owner cannot both pass the check; plugs on other
 * interfaces go on. -ENOENT: not an uplink plugnetd manages (configured
 * uplinks always are, attached or not).
 */
int pn_ifaces_lock_uplink(struct pn_agent *agent, const char *uplink);
void pn_ifaces_unlock_uplink(struct pn_agent *agent, const char *uplink);

/*
 * The sweeper's findings (sweeper.h). Displaced: another XDP program took
 * the interface (problem says which; NULL: it is plugnet's again). Lost:
 * the interface vanished; its dispatcher's pins are removed, and an uplink
 * stays listed, unattached, with `why`, to be attached again when it is
 * back.
 */
void pn_ifaces_set_displaced(struct pn_agent *agent, __u64 netns_id, unsigned int ifindex,
			     const char *problem);
void pn_ifaces_lost(struct pn_agent *agent, __u64 netns_id, unsigned int ifindex, const char *why);

/*
 * What keeps the managed interfaces from being served as recorded, one
 * message each (an empty array when all is well). NULL when out of memory.
 */
cJSON *pn_ifaces_problems(struct pn_agent *agent);

#endif
