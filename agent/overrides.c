// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "ifaces.h"
#include "overrides.h"
#include "plugnet/engine.h"

static int audit(struct pn_agent *a, const struct pn_admin *admin, const char *action,
		 const char *target, const char *previous_owner, char *err, size_t err_size)
{
	struct pn_audit_entry entry = {
		.action = action,
		.target = target,
		.previous_owner = previous_owner,
		.reason = admin->reason,
		.pid = admin->pid,
		.uid = admin->uid,
	};

	return pn_audit_append(a->audit_path, &entry, err, err_size) ? -EIO : 0;
}

static int save(struct pn_agent *a, char *err, size_t err_size)
{
	char why[512];

	if (!pn_agent_save_state(a, why, sizeof(why)))
		return 0;
	snprintf(err, err_size, "done, but the state file was not updated: %.*s",
		 (int)(err_size > 64 ? err_size - 64 : 0), why);
	return -EPIPE;
}

/*
 * Release one slot: audited, out of the kernel, then marked; the caller
 * saves. The kernel goes before the mark: any request's save writes the
 * registry as it is, and a mark taken back after a failed unplug could be
 * in the file when a crash follows, losing a slot never released.
 */
static int release_one(struct pn_agent *a, const struct pn_admin *admin, __u64 netns_id,
		       unsigned int ifindex, __u32 attach_id, struct pn_slot_owner *s, char *err,
		       size_t err_size)
{
	char id[64], owner[3 * PN_ID_MAX + 32], ignored[256];
	struct pn_iface *iface;
	int ret;

	snprintf(id, sizeof(id), "%llu-%u-%u", (unsigned long long)netns_id, ifindex, attach_id);
	if (pn_registry__find_slot(a->registry, netns_id, ifindex, attach_id, s)) {
		snprintf(err, err_size, "no slot %s", id);
		return -ENOENT;
	}
	if (s->released) {
		snprintf(err, err_size, "slot %s was released already", id);
		return -EALREADY;
	}
	pn_registry__describe_owner(a->registry, s->container_id, owner, sizeof(owner));
	ret = audit(a, admin, "release", id, owner, err, err_size);
	if (ret)
		return ret;
	iface = pn_ifaces_get_by_index(a, netns_id, ifindex);
	ret = iface ? pn_iface__unplug(iface, attach_id) : 0;
	pn_ifaces_put(a, iface);
	/* Counted when the engine was asked and had the slot: what left the kernel here. */
	if (iface && ret != -ENOENT)
		atomic_fetch_add(ret ? &a->counters.unplug_failures : &a->counters.unplugs, 1);
	if (ret == -ENOENT)
		ret = 0; /* gone from the kernel already */
	if (ret) {
		/* Still in the kernel and still its owner's, and the log says so. */
		snprintf(err, err_size, "slot %s: %s", id, pn_last_error());
		(void)audit(a, admin, "release-failed", id, owner, ignored, sizeof(ignored));
		return ret;
	}
	ret = pn_registry__release_slot(a->registry, netns_id, ifindex, attach_id, admin->reason,
					s);
	if (ret)
		snprintf(err, err_size,
			 ret == -EALREADY ? "slot %s was released meanwhile"
					  : "slot %s was unplugged meanwhile",
			 id);
	return ret;
}

int pn_override_release_slot(struct pn_agent *a, const struct pn_admin *admin, __u64 netns_id,
			     unsigned int ifindex, __u32 attach_id, struct pn_slot_owner *released,
			     char *err, size_t err_size)
{
	int ret = release_one(a, admin, netns_id, ifindex, attach_id, released, err, err_size);

	return ret ? ret : save(a, err, err_size);
}

/* Release every unreleased slot keep() accepts; stops at the first failure. */
static int release_where(struct pn_agent *a, const struct pn_admin *admin,
			 bool (*keep)(const struct pn_slot_owner *s, const void *ctx),
			 const void *ctx, size_t *n, char *err, size_t err_size)
{
	struct pn_slot_owner *list, s;
	size_t count;
	int ret = 0;

	*n = 0;
	if (pn_registry__list_slots(a->registry, &list, &count)) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; !ret && i < count; i++) {
		if (list[i].released || !keep(&list[i], ctx))
			continue;
		ret = release_one(a, admin, list[i].netns_id, list[i].ifindex, list[i].attach_id,
				  &s, err, err_size);
		if (!ret)
			(*n)++;
	}
	free(list);
	/* What was released stays released: the file must say so even after a failure. */
	if (*n) {
		char why[512];
		int saved = save(a, why, sizeof(why));

		if (saved && !ret) {
			snprintf(err, err_size, "%s", why);
			ret = saved;
		}
	}
	return ret;
}

static bool owned_by(const struct pn_slot_owner *s, const void *ctx)
{
	return !strcmp(s->container_id, ctx);
}

int pn_override_release_owner(struct pn_agent *a, const struct pn_admin *admin,
			      const char *container_id, size_t *n, char *err, size_t err_size)
{
	struct pn_container c;

	if (pn_registry__find_container(a->registry, container_id, &c)) {
		snprintf(err, err_size, "no registered container '%s'", container_id);
		return -ENOENT;
	}
	return release_where(a, admin, owned_by, container_id, n, err, err_size);
}

struct iface_key {
	__u64 netns_id;
	unsigned int ifindex;
};

static bool on_iface(const struct pn_slot_owner *s, const void *ctx)
{
	const struct iface_key *k = ctx;

	return s->netns_id == k->netns_id && s->ifindex == k->ifindex;
}

int pn_override_detach(struct pn_agent *a, const struct pn_admin *admin, __u64 netns_id,
		       unsigned int ifindex, size_t *n, char *err, size_t err_size)
{
	const struct iface_key key = {netns_id, ifindex};
	char target[64];
	int ret;

	*n = 0;
	snprintf(target, sizeof(target), "interface %llu-%u", (unsigned long long)netns_id,
		 ifindex);
	/* Each slot is released on the record first, so that its owner learns why. */
	ret = release_where(a, admin, on_iface, &key, n, err, err_size);
	if (ret)
		return ret;
	ret = audit(a, admin, "detach", target, NULL, err, err_size);
	if (!ret)
		ret = pn_ifaces_admin_detach(a, netns_id, ifindex, err, err_size);
	return ret ? ret : save(a, err, err_size);
}

int pn_override_adopt(struct pn_agent *a, const struct pn_admin *admin, __u64 netns_id,
		      unsigned int ifindex, __u32 *evicted, char *err, size_t err_size)
{
	char target[64];
	int ret;

	snprintf(target, sizeof(target), "interface %llu-%u", (unsigned long long)netns_id,
		 ifindex);
	ret = audit(a, admin, "adopt", target, NULL, err, err_size);
	if (!ret)
		ret = pn_ifaces_adopt(a, netns_id, ifindex, evicted, err, err_size);
	return ret ? ret : save(a, err, err_size);
}
