/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ownership registry: which containers are registered (at CNI ADD),
 * which slot belongs to whom, and who may change what. Pure data and
 * rules: no kernel calls, no I/O. plugnetd keeps it beside the engine's
 * kernel state and persists it in its state file (pn_registry__to_json).
 *
 * The rules (docs/design.md, trust model):
 * - a slot's owner is the container that plugged it; only that container,
 *   or the runtime acting for it, may replace or unplug it; the admin may
 *   release anything;
 * - on a pod's own interfaces (targets pod and host) only that pod's
 *   containers may plug;
 * - on an uplink each owner gets a quota of slots and a priority range.
 * Every refusal says who owns what, so that the caller learns why.
 *
 * Every call is thread-safe (one lock); pointers into the registry are
 * not handed out, only copies.
 */
#ifndef PLUGNET_AGENT_REGISTRY_H
#define PLUGNET_AGENT_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#include <cjson/cJSON.h>

#define PN_ID_MAX 128 /* container ids, pod names (DNS-1123: 63; ids: 64 hex) and uids fit */

/* A container as registered at CNI ADD. */
struct pn_container {
	char container_id[PN_ID_MAX];
	char pod_namespace[PN_ID_MAX];
	char pod_name[PN_ID_MAX];
	char pod_uid[PN_ID_MAX];
	char network[PN_ID_MAX];   /* the CNI network it joined through plugnet, if told */
	__u64 netns_id;            /* the pod's network namespace */
	char netns_path[256];      /* as given (CNI_NETNS); checked against netns_id on use */
	char ifname[IF_NAMESIZE];  /* the pod's interface in it (target pod) */
	unsigned int pod_ifindex;  /* its interface inside that netns (target pod) */
	unsigned int host_ifindex; /* the veth peer in the host netns (target host) */
};

enum pn_target_kind {
	PN_TARGET_POD,    /* the container's interface in its netns */
	PN_TARGET_HOST,   /* the host side of the pod's veth */
	PN_TARGET_UPLINK, /* a physical interface all containers share */
};

/* One plugged slot and its owner. */
struct pn_slot_owner {
	__u64 netns_id;
	unsigned int ifindex;
	__u32 attach_id;
	enum pn_target_kind target;
	char uplink[IF_NAMESIZE]; /* for PN_TARGET_UPLINK */
	char container_id[PN_ID_MAX];
	char program[PN_ID_MAX];
	__s32 priority;
	/*
	 * Released by the admin: gone from the kernel, kept here so that the
	 * owner learns it, and why, until it acknowledges with an unplug.
	 */
	bool released;
	char released_reason[256];
};

enum pn_caller_role {
	PN_ROLE_RUNTIME,   /* the CNI plugin; acts for the container it names */
	PN_ROLE_CONTAINER, /* a registered container, found by its netns */
	PN_ROLE_ADMIN,     /* the admin socket */
};

/* Who asks, as established from peer credentials (never from the request body). */
struct pn_caller {
	enum pn_caller_role role;
	/* The container: the caller itself, or the one the runtime acts for. */
	char container_id[PN_ID_MAX];
};

/* What an owner may do on an uplink. */
struct pn_uplink_rule {
	char ifname[IF_NAMESIZE];
	unsigned int slot_quota;
	__s32 prio_min, prio_max;
};

struct pn_registry;

/* Is `ifname` one of the allowed uplinks? */
bool pn_registry__is_uplink(const struct pn_registry *registry, const char *ifname);

/* rules: the allowed uplinks (copied); an uplink not listed is refused. */
int pn_registry__new(const struct pn_uplink_rule *rules, size_t n_rules,
		     struct pn_registry **registry);
void pn_registry__free(struct pn_registry *registry);

/*
 * Register a container. The same id again with the same netns is a no-op
 * (CNI ADD may be retried); with another netns it is -EEXIST. A netns
 * holds one registered container: a second id on it is -EEXIST too, since
 * callers are recognised by their netns.
 */
int pn_registry__add_container(struct pn_registry *registry, const struct pn_container *c,
			       char *err, size_t err_size);
/* Forget a container and hand back its slots (for the caller to unplug). -ENOENT if unknown. */
int pn_registry__remove_container(struct pn_registry *registry, const char *container_id,
				  struct pn_slot_owner **slots, size_t *n_slots);
int pn_registry__find_container(struct pn_registry *registry, const char *container_id,
				struct pn_container *out);
/* A copy of every registered container (free *list). */
int pn_registry__list_containers(struct pn_registry *registry, struct pn_container **list,
				 size_t *n);
/* The container registered on a netns: how a container caller is recognised. -ENOENT. */
int pn_registry__container_by_netns(struct pn_registry *registry, __u64 netns_id,
				    struct pn_container *out);

/*
 * May `caller` plug a program at `priority` into the target? On an uplink
 * the quota counts the owner's slots on that uplink. 0, or -EPERM with
 * why (naming the owner, the target and the rule).
 */
int pn_registry__may_plug(struct pn_registry *registry, const struct pn_caller *caller,
			  enum pn_target_kind target, const char *uplink, __s32 priority, char *why,
			  size_t why_size);
/* May `caller` replace or unplug the slot? 0, -ENOENT (no such slot), or -EPERM naming its owner.
 */
int pn_registry__may_change(struct pn_registry *registry, const struct pn_caller *caller,
			    __u64 netns_id, unsigned int ifindex, __u32 attach_id, char *why,
			    size_t why_size);

/* "default/web-1 (container <id>)", or "container <id>" once unregistered: for the audit log. */
void pn_registry__describe_owner(struct pn_registry *registry, const char *container_id, char *buf,
				 size_t size);

/* A copy of every slot (free *list). */
int pn_registry__list_slots(struct pn_registry *registry, struct pn_slot_owner **list, size_t *n);
/* A copy of one slot. -ENOENT if there is none. */
int pn_registry__find_slot(struct pn_registry *registry, __u64 netns_id, unsigned int ifindex,
			   __u32 attach_id, struct pn_slot_owner *out);
/* Mark a slot released by the admin, with the reason. -ENOENT: no such slot; -EALREADY: released.
 */
int pn_registry__release_slot(struct pn_registry *registry, __u64 netns_id, unsigned int ifindex,
			      __u32 attach_id, const char *reason, struct pn_slot_owner *released);
/* Record a slot once the engine plugged it; forget it once unplugged or released. */
int pn_registry__add_slot(struct pn_registry *registry, const struct pn_slot_owner *slot);
int pn_registry__remove_slot(struct pn_registry *registry, __u64 netns_id, unsigned int ifindex,
			     __u32 attach_id, struct pn_slot_owner *removed);

/* The whole registry as JSON for the state file, and back. */
cJSON *pn_registry__to_json(struct pn_registry *registry);
/* Replace the contents with doc's; on error (naming the key) nothing changes. */
int pn_registry__from_json(struct pn_registry *registry, const cJSON *doc, char *err,
			   size_t err_size);

#endif
