// SPDX-License-Identifier: Apache-2.0
/* The engine's interfaces: resolving a reference, registering, finding and dropping handles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"
#include "prog_cache.h"
#include "retire.h"

static int resolve(const struct pn_iface_ref *ref, struct resolved *r)
{
	const char *what = ref->netns_path ? ref->netns_path : "the caller's netns";
	const char *why;
	int err;

	r->ns.fd = -1;
	if (ref->netns_fd >= 0)
		err = pn_netns_from_fd(ref->netns_fd, &r->ns);
	else
		err = pn_netns_open(ref->netns_path, &r->ns);
	if (err)
		return pn_fail(err, "network namespace %s: %s", ref->netns_fd >= 0 ? "fd" : what,
			       strerror(-err));
	if (ref->ifname) {
		err = pn_netns_ifindex(&r->ns, ref->ifname, &r->ifindex);
		snprintf(r->ifname, sizeof(r->ifname), "%s", ref->ifname);
	} else {
		r->ifindex = ref->ifindex;
		err = pn_netns_ifname(&r->ns, ref->ifindex, r->ifname);
	}
	if (!err)
		return 0;
	why = err == -ENODEV ? "no such interface" : strerror(-err);
	if (ref->ifname)
		pn_fail(err, "interface '%s' (netns %llu): %s", ref->ifname,
			(unsigned long long)r->ns.id, why);
	else
		pn_fail(err, "interface with ifindex %u (netns %llu): %s", ref->ifindex,
			(unsigned long long)r->ns.id, why);
	pn_netns_close(&r->ns);
	return err;
}

/* hint: the netns path the caller named, kept to find the netns again (NULL: none). */
static struct pn_iface *iface_new(struct pn_engine *e, __u64 netns_id, unsigned int ifindex,
				  const char *ifname, const char *hint)
{
	struct pn_iface *ifc = calloc(1, sizeof(*ifc));

	if (!ifc)
		return NULL;
	if (hint && !(ifc->netns_hint = strdup(hint))) {
		free(ifc);
		return NULL;
	}
	if (pthread_mutex_init(&ifc->lock, NULL)) {
		free(ifc->netns_hint);
		free(ifc);
		return NULL;
	}
	ifc->engine = e;
	ifc->netns_id = netns_id;
	ifc->ifindex = ifindex;
	snprintf(ifc->ifname, sizeof(ifc->ifname), "%s", ifname);
	ifc->root_link_fd = -1;
	ifc->counters_fd = -1;
	ifc->last_stats_row = PLUGNET_STATS_ROWS - 1; /* the first attachment takes row 0 */
	revision_init(&ifc->cur);
	snprintf(ifc->dir, sizeof(ifc->dir), "%s/%llu/%u", e->pin_root,
		 (unsigned long long)netns_id, ifindex);
	return ifc;
}

static struct pn_iface *iface_find(struct pn_engine *e, __u64 netns_id, unsigned int ifindex)
{
	for (struct pn_iface *i = e->ifaces; i; i = i->next) {
		if (i->netns_id == netns_id && i->ifindex == ifindex)
			return i;
	}
	return NULL;
}

static void iface_unlink(struct pn_iface *ifc)
{
	struct pn_engine *e = ifc->engine;

	pthread_mutex_lock(&e->lock);
	for (struct pn_iface **p = &e->ifaces; *p; p = &(*p)->next) {
		if (*p == ifc) {
			*p = ifc->next;
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
}

/*
 * Release an iface's handles (not its pins) and free it; it must be
 * unlinked. `removed`: its slots are gone from the kernel too.
 */
static void iface_discard(struct pn_iface *ifc, bool removed)
{
	/* The root first: a dispatcher whose slot links went first would run with empty slots. */
	if (ifc->root_link_fd >= 0)
		close(ifc->root_link_fd);
	revision_release(&ifc->cur);
	if (ifc->counters_fd >= 0)
		close(ifc->counters_fd);
	for (size_t i = 0; i < ifc->nslots; i++)
		pn_prog_cache__put(ifc->engine->progs, ifc->slots[i].owner, removed);
	pthread_mutex_destroy(&ifc->lock);
	free(ifc->netns_hint);
	free(ifc);
}

int iface_begin(struct pn_engine *e, const struct pn_iface_ref *ref, struct resolved *r,
		struct pn_iface **ifcp)
{
	struct pn_iface *ifc = NULL;
	int err;

	pn_error_clear();
	err = resolve(ref, r);
	if (err)
		return err;
	pthread_mutex_lock(&e->lock);
	if (iface_find(e, r->ns.id, r->ifindex)) {
		err = pn_fail(-EEXIST, "interface '%s' (netns %llu, ifindex %u): already managed",
			      r->ifname, (unsigned long long)r->ns.id, r->ifindex);
	} else if (!(ifc = iface_new(e, r->ns.id, r->ifindex, r->ifname,
				     ref->netns_fd < 0 ? ref->netns_path : NULL))) {
		err = pn_fail(-ENOMEM, "interface '%s': out of memory", r->ifname);
	} else {
		/* Registered at once, locked: a second install of it is refused meanwhile. */
		pthread_mutex_lock(&ifc->lock);
		ifc->next = e->ifaces;
		e->ifaces = ifc;
	}
	pthread_mutex_unlock(&e->lock);
	if (err) {
		pn_netns_close(&r->ns);
		return err;
	}
	/*
	 * A queued release removes rev-N by path. This (netns id, ifindex) may
	 * be a reused one whose old handle queued some: finish them before it
	 * gets pins again. Registered first, so no handle can queue more.
	 */
	pn_retire__drain(e->retire);
	*ifcp = ifc;
	return 0;
}

void iface_end(struct pn_iface *ifc, struct resolved *r, int err)
{
	pn_netns_close(&r->ns);
	pthread_mutex_unlock(&ifc->lock);
	if (err) {
		iface_unlink(ifc);
		/* A failed adopt leaves the pinned slots running: the index keeps their programs.
		 */
		iface_discard(ifc, false);
	}
}

int iface_claim(struct pn_engine *e, __u64 netns_id, unsigned int ifindex, const char *ifname,
		struct pn_iface **ifcp, char held_name[IF_NAMESIZE])
{
	struct pn_iface *ifc, *held;

	pthread_mutex_lock(&e->lock);
	held = iface_find(e, netns_id, ifindex);
	if (held) {
		/* Its name is fixed for the handle's life: safe to read under the engine's lock. */
		snprintf(held_name, IF_NAMESIZE, "%s", held->ifname);
		pthread_mutex_unlock(&e->lock);
		return -EBUSY;
	}
	ifc = iface_new(e, netns_id, ifindex, ifname, NULL);
	if (ifc) {
		pthread_mutex_lock(&ifc->lock);
		ifc->next = e->ifaces;
		e->ifaces = ifc;
	}
	pthread_mutex_unlock(&e->lock);
	if (!ifc)
		return -ENOMEM;
	/* As in iface_begin: releases queued by an earlier handle of it remove rev-N by path. */
	pn_retire__drain(e->retire);
	*ifcp = ifc;
	return 0;
}

bool iface_held(struct pn_engine *e, __u64 netns_id, unsigned int ifindex)
{
	bool held;

	pthread_mutex_lock(&e->lock);
	held = iface_find(e, netns_id, ifindex) != NULL;
	pthread_mutex_unlock(&e->lock);
	return held;
}

void pn_iface__close(struct pn_iface *ifc)
{
	if (!ifc)
		return;
	iface_unlink(ifc);
	iface_discard(ifc, false);
}

void iface_drop_removed(struct pn_iface *ifc)
{
	iface_unlink(ifc);
	iface_discard(ifc, true);
}

__u64 pn_iface__netns_id(const struct pn_iface *ifc)
{
	return ifc->netns_id;
}

unsigned int pn_iface__ifindex(const struct pn_iface *ifc)
{
	return ifc->ifindex;
}

const char *pn_iface__pin_dir(const struct pn_iface *ifc)
{
	return ifc->dir;
}
