// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ifaces.h"
#include "plugnet/engine.h"
#include "plugnet/log.h"

struct entry {
	enum pn_target_kind kind;
	char container_id[PN_ID_MAX];
	char ifname[IF_NAMESIZE];
	__u64 netns_id;
	unsigned int ifindex;
	struct pn_iface *iface; /* NULL: nothing held */
	unsigned int users;     /* requests borrowing iface */
	bool busy;              /* an attach, removal or adopt is under way */
	bool displaced;
	bool detached_by_admin;
	char problem[512];
	/* Uplinks: held from a plug's quota check until its slot is recorded. */
	pthread_mutex_t quota_lock;
};

/* Entries are separately allocated: a borrowed one never moves when the table grows. */
struct pn_ifaces {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* an entry stopped being busy, or lost a user */
	struct entry **v;
	size_t n, cap;
};

static const char *const kind_names[] = {
	[PN_TARGET_POD] = "pod",
	[PN_TARGET_HOST] = "host",
	[PN_TARGET_UPLINK] = "uplink",
};

static void entry_free(struct entry *e)
{
	pthread_mutex_destroy(&e->quota_lock);
	free(e);
}

int pn_ifaces_init(struct pn_agent *a)
{
	struct pn_ifaces *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	if (pthread_mutex_init(&t->lock, NULL)) {
		free(t);
		return -ENOMEM;
	}
	if (pthread_cond_init(&t->changed, NULL)) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return -ENOMEM;
	}
	a->ifaces = t;
	return 0;
}

void pn_ifaces_close(struct pn_agent *a)
{
	struct pn_ifaces *t = a->ifaces;

	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		pn_iface__close(t->v[i]->iface);
		entry_free(t->v[i]);
	}
	free(t->v);
	pthread_cond_destroy(&t->changed);
	pthread_mutex_destroy(&t->lock);
	free(t);
	a->ifaces = NULL;
}

static bool matches(const struct entry *e, const struct pn_target *tg)
{
	if (e->kind != tg->kind)
		return false;
	if (tg->kind == PN_TARGET_UPLINK)
		return !strcmp(e->ifname, tg->uplink);
	return !strcmp(e->container_id, tg->container_id);
}

static struct entry *find_target(struct pn_ifaces *t, const struct pn_target *tg)
{
	for (size_t i = 0; i < t->n; i++) {
		if (matches(t->v[i], tg))
			return t->v[i];
	}
	return NULL;
}

static struct entry *find_index(struct pn_ifaces *t, __u64 netns_id, unsigned int ifindex)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->iface && t->v[i]->netns_id == netns_id && t->v[i]->ifindex == ifindex)
			return t->v[i];
	}
	return NULL;
}

static void unlink_entry(struct pn_ifaces *t, struct entry *e)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i] == e) {
			t->v[i] = t->v[--t->n];
			return;
		}
	}
}

/*
 * Wait until nobody else changes or borrows e; the caller then owns it
 * until it clears busy (nobody borrows a busy entry).
 */
static void claim(struct pn_ifaces *t, struct entry *e)
{
	while (e->busy)
		pthread_cond_wait(&t->changed, &t->lock);
	e->busy = true;
	while (e->users)
		pthread_cond_wait(&t->changed, &t->lock);
}

static void release_claim(struct pn_ifaces *t, struct entry *e)
{
	e->busy = false;
	pthread_cond_broadcast(&t->changed);
}

/* A new entry for the target, in the table; NULL when out of memory. */
static struct entry *add_entry(struct pn_ifaces *t, const struct pn_target *tg)
{
	struct entry *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct entry **grown = realloc(t->v, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		t->v = grown;
		t->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (pthread_mutex_init(&e->quota_lock, NULL)) {
		free(e);
		return NULL;
	}
	e->kind = tg->kind;
	if (tg->kind == PN_TARGET_UPLINK)
		snprintf(e->ifname, sizeof(e->ifname), "%s", tg->uplink);
	else
		snprintf(e->container_id, sizeof(e->container_id), "%s", tg->container_id);
	t->v[t->n++] = e;
	return e;
}

/* Open c's netns path, and check it still is c's netns: a path can be reused. */
static int open_netns(const struct pn_container *c, char *err, size_t err_size)
{
	struct stat st;
	int fd = open(c->netns_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, err_size, "container %.12s: netns %s: %s", c->container_id,
			 c->netns_path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || st.st_ino != c->netns_id) {
		snprintf(err, err_size, "container %.12s: netns %s is no longer netns %llu",
			 c->container_id, c->netns_path, (unsigned long long)c->netns_id);
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * Where the target's interface is: fills ref (and the fd to close, or
 * -1) and the entry's name. The host side of a pod's veth is in our own
 * netns, by the index recorded at registration.
 */
static int locate(struct pn_agent *a, struct entry *e, struct pn_iface_ref *ref, int *fd, char *err,
		  size_t err_size)
{
	struct pn_container c;

	*fd = -1;
	*ref = (struct pn_iface_ref){.netns_fd = -1};
	if (e->kind == PN_TARGET_UPLINK) {
		ref->ifname = e->ifname;
		return 0;
	}
	if (pn_registry__find_container(a->registry, e->container_id, &c)) {
		snprintf(err, err_size, "container %.12s: not registered", e->container_id);
		return -ENOENT;
	}
	if (e->kind == PN_TARGET_HOST) {
		if (!c.host_ifindex) {
			snprintf(err, err_size,
				 "%s/%s: %s has no veth peer in the host netns, so there is no "
				 "host target",
				 c.pod_namespace, c.pod_name, c.ifname);
			return -EOPNOTSUPP;
		}
		ref->ifindex = c.host_ifindex;
		return 0;
	}
	*fd = open_netns(&c, err, err_size);
	if (*fd < 0)
		return *fd;
	ref->netns_fd = *fd;
	snprintf(e->ifname, sizeof(e->ifname), "%s", c.ifname);
	ref->ifname = e->ifname;
	return 0;
}

/* "uplink eth1", or "<pod ns>/<pod name> (host target)": what messages start with. */
static const char *describe_target(struct pn_agent *a, const struct entry *e, char *buf,
				   size_t size)
{
	struct pn_container c;

	if (e->kind == PN_TARGET_UPLINK)
		snprintf(buf, size, "uplink %s", e->ifname);
	else if (!pn_registry__find_container(a->registry, e->container_id, &c))
		snprintf(buf, size, "%s/%s (%s target)", c.pod_namespace, c.pod_name,
			 kind_names[e->kind]);
	else
		snprintf(buf, size, "container %.12s (%s target)", e->container_id,
			 kind_names[e->kind]);
	return buf;
}

/*
 * Records can outlive a dispatcher (slots the admin released, then a
 * detach and a new install): new slots get ids past theirs.
 */
static void reserve_recorded_ids(struct pn_agent *a, struct pn_iface *iface)
{
	const __u64 netns_id = pn_iface__netns_id(iface);
	const unsigned int ifindex = pn_iface__ifindex(iface);
	struct pn_slot_owner *list;
	__u32 floor = 0;
	size_t n;

	if (pn_registry__list_slots(a->registry, &list, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		if (list[i].netns_id == netns_id && list[i].ifindex == ifindex &&
		    list[i].attach_id >= floor)
			floor = list[i].attach_id + 1;
	}
	free(list);
	if (floor)
		pn_iface__reserve_attach_ids(iface, floor);
}

/* Adopt what plugnet left pinned, else (unless adopt_only) install; e is claimed. */
static int attach_claimed(struct pn_agent *a, struct entry *e, bool adopt_only, char *err,
			  size_t err_size)
{
	struct pn_iface_ref ref;
	struct pn_iface *iface;
	char what[2 * PN_ID_MAX + 32];
	int fd, ret;

	ret = locate(a, e, &ref, &fd, err, err_size);
	if (ret)
		return ret;
	/* After a restart plugnet's own pins are there: adopt, never install over them. */
	ret = pn_engine__adopt(a->engine, &ref, &iface);
	if (ret == -ENOENT && !adopt_only)
		ret = pn_engine__install(a->engine, &ref, PN_XDP_MODE_AUTO, &iface);
	if (fd >= 0)
		close(fd);
	if (ret) {
		snprintf(err, err_size, "%s: %s", describe_target(a, e, what, sizeof(what)),
			 pn_last_error());
		return ret;
	}
	reserve_recorded_ids(a, iface);
	e->iface = iface;
	e->netns_id = pn_iface__netns_id(iface);
	e->ifindex = pn_iface__ifindex(iface);
	return 0;
}

static int attach_target(struct pn_agent *a, const struct pn_target *tg, bool adopt_only, char *err,
			 size_t err_size)
{
	struct pn_ifaces *t = a->ifaces;
	struct entry *e;
	bool fresh = false;
	int ret;

	pthread_mutex_lock(&t->lock);
	e = find_target(t, tg);
	if (!e) {
		e = add_entry(t, tg);
		fresh = true;
	}
	if (!e) {
		pthread_mutex_unlock(&t->lock);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	claim(t, e);
	if (e->iface || e->detached_by_admin) {
		char what[2 * PN_ID_MAX + 32];

		ret = e->iface ? 0 : -EPERM;
		if (ret)
			snprintf(err, err_size,
				 "%s was detached by the admin; it stays so until adopted",
				 describe_target(a, e, what, sizeof(what)));
		release_claim(t, e);
		pthread_mutex_unlock(&t->lock);
		return ret;
	}
	pthread_mutex_unlock(&t->lock);

	/* The slow part (loading and verifying a dispatcher) runs without the table's lock. */
	ret = attach_claimed(a, e, adopt_only, err, err_size);

	pthread_mutex_lock(&t->lock);
	if (ret && fresh && (e->kind != PN_TARGET_UPLINK || ret == -ENOENT)) {
		/* A container's interface is tried again at its next request. */
		unlink_entry(t, e);
		pthread_cond_broadcast(&t->changed);
		pthread_mutex_unlock(&t->lock);
		entry_free(e);
		return ret;
	}
	/* An uplink stays listed, with why nothing is held, so that health names it. */
	snprintf(e->problem, sizeof(e->problem), "%s", ret ? err : "");
	release_claim(t, e);
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int pn_ifaces_attach(struct pn_agent *a, const struct pn_target *tg, char *err, size_t err_size)
{
	return attach_target(a, tg, false, err, err_size);
}

int pn_ifaces_adopt_pinned(struct pn_agent *a, const struct pn_target *tg, char *err,
			   size_t err_size)
{
	int ret = attach_target(a, tg, true, err, err_size);

	return ret == -ENOENT ? 0 : ret;
}

/* Take e out of the table once nobody borrows it, and remove its dispatcher. */
static int remove_entry(struct pn_agent *a, struct entry *e, char *err, size_t err_size)
{
	struct pn_ifaces *t = a->ifaces;
	char what[2 * PN_ID_MAX + 32];
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	claim(t, e);
	pthread_mutex_unlock(&t->lock);
	if (e->iface) {
		ret = pn_iface__remove(e->iface);
		if (ret)
			snprintf(err, err_size, "%s: %s", describe_target(a, e, what, sizeof(what)),
				 pn_last_error());
		else
			e->iface = NULL;
	}
	pthread_mutex_lock(&t->lock);
	if (!ret)
		unlink_entry(t, e);
	release_claim(t, e);
	pthread_mutex_unlock(&t->lock);
	if (!ret)
		entry_free(e);
	return ret;
}

int pn_ifaces_detach_container(struct pn_agent *a, const char *container_id, char *err,
			       size_t err_size)
{
	static const enum pn_target_kind kinds[] = {PN_TARGET_HOST, PN_TARGET_POD};
	struct pn_ifaces *t = a->ifaces;
	int ret = -ENOENT;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct pn_target tg = {.kind = kinds[k], .container_id = container_id};
		struct entry *e;
		int one;

		pthread_mutex_lock(&t->lock);
		e = find_target(t, &tg);
		pthread_mutex_unlock(&t->lock);
		if (!e)
			continue;
		one = remove_entry(a, e, err, err_size);
		if (one)
			return one;
		ret = 0;
	}
	return ret;
}

static struct pn_iface *borrow(struct entry *e)
{
	if (!e || !e->iface || e->busy)
		return NULL;
	e->users++;
	return e->iface;
}

struct pn_iface *pn_ifaces_get(struct pn_agent *a, const struct pn_target *tg, char *err,
			       size_t err_size)
{
	struct pn_ifaces *t = a->ifaces;
	struct pn_iface *iface;
	struct entry *e;

	pthread_mutex_lock(&t->lock);
	e = find_target(t, tg);
	/* A change under way (attach, removal, adopt) finishes first. */
	while (e && e->busy) {
		pthread_cond_wait(&t->changed, &t->lock);
		e = find_target(t, tg);
	}
	iface = borrow(e);
	if (!iface) {
		char what[2 * PN_ID_MAX + 32];
		struct entry probe = {.kind = tg->kind};

		if (tg->kind == PN_TARGET_UPLINK)
			snprintf(probe.ifname, sizeof(probe.ifname), "%s", tg->uplink);
		else
			snprintf(probe.container_id, sizeof(probe.container_id), "%s",
				 tg->container_id);
		describe_target(a, e ? e : &probe, what, sizeof(what));
		if (e && e->problem[0])
			snprintf(err, err_size, "%s", e->problem);
		else if (e && e->detached_by_admin)
			snprintf(err, err_size, "%s: its dispatcher was detached by the admin",
				 what);
		else if (e && e->busy)
			snprintf(err, err_size, "%s: its dispatcher is being removed", what);
		else
			snprintf(err, err_size, "%s: no dispatcher is held there", what);
	}
	pthread_mutex_unlock(&t->lock);
	return iface;
}

struct pn_iface *pn_ifaces_get_by_index(struct pn_agent *a, __u64 netns_id, unsigned int ifindex)
{
	struct pn_ifaces *t = a->ifaces;
	struct pn_iface *iface;

	pthread_mutex_lock(&t->lock);
	iface = borrow(find_index(t, netns_id, ifindex));
	pthread_mutex_unlock(&t->lock);
	return iface;
}

void pn_ifaces_put(struct pn_agent *a, struct pn_iface *iface)
{
	struct pn_ifaces *t = a->ifaces;

	if (!iface)
		return;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->iface == iface && t->v[i]->users) {
			t->v[i]->users--;
			break;
		}
	}
	pthread_cond_broadcast(&t->changed);
	pthread_mutex_unlock(&t->lock);
}

int pn_ifaces_list(struct pn_agent *a, struct pn_managed_info **listp, size_t *np)
{
	struct pn_ifaces *t = a->ifaces;
	struct pn_managed_info *list;

	pthread_mutex_lock(&t->lock);
	list = calloc(t->n ? t->n : 1, sizeof(*list));
	if (!list) {
		pthread_mutex_unlock(&t->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = t->v[i];
		struct pn_managed_info *m = &list[i];

		m->kind = e->kind;
		memcpy(m->container_id, e->container_id, sizeof(m->container_id));
		memcpy(m->ifname, e->ifname, sizeof(m->ifname));
		m->netns_id = e->netns_id;
		m->ifindex = e->ifindex;
		m->held = e->iface != NULL;
		m->displaced = e->displaced;
		m->detached_by_admin = e->detached_by_admin;
		memcpy(m->problem, e->problem, sizeof(m->problem));
	}
	*np = t->n;
	pthread_mutex_unlock(&t->lock);
	*listp = list;
	return 0;
}

/* The entry holding (netns_id, ifindex), claimed; NULL (err set) if none. */
static struct entry *claim_index(struct pn_agent *a, __u64 netns_id, unsigned int ifindex,
				 char *err, size_t err_size)
{
	struct pn_ifaces *t = a->ifaces;
	struct entry *e = NULL;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->netns_id == netns_id && t->v[i]->ifindex == ifindex &&
		    (t->v[i]->iface || t->v[i]->detached_by_admin || t->v[i]->displaced))
			e = t->v[i];
	}
	if (e)
		claim(t, e);
	pthread_mutex_unlock(&t->lock);
	if (!e)
		snprintf(err, err_size, "no interface %llu-%u is managed by plugnet",
			 (unsigned long long)netns_id, ifindex);
	return e;
}

static void unclaim(struct pn_agent *a, struct entry *e)
{
	pthread_mutex_lock(&a->ifaces->lock);
	release_claim(a->ifaces, e);
	pthread_mutex_unlock(&a->ifaces->lock);
}

int pn_ifaces_admin_detach(struct pn_agent *a, __u64 netns_id, unsigned int ifindex, char *err,
			   size_t err_size)
{
	char what[2 * PN_ID_MAX + 32];
	struct entry *e = claim_index(a, netns_id, ifindex, err, err_size);
	int ret = 0;

	if (!e)
		return -ENOENT;
	if (!e->iface) {
		snprintf(err, err_size, "%s holds no dispatcher",
			 describe_target(a, e, what, sizeof(what)));
		unclaim(a, e);
		return -EALREADY;
	}
	ret = pn_iface__remove(e->iface);
	if (ret) {
		snprintf(err, err_size, "%s: %s", describe_target(a, e, what, sizeof(what)),
			 pn_last_error());
	} else {
		e->iface = NULL;
		e->detached_by_admin = true;
		e->displaced = false;
		e->problem[0] = '\0';
	}
	unclaim(a, e);
	return ret;
}

int pn_ifaces_adopt(struct pn_agent *a, __u64 netns_id, unsigned int ifindex, __u32 *evicted,
		    char *err, size_t err_size)
{
	char what[2 * PN_ID_MAX + 32];
	struct pn_iface_ref ref;
	struct pn_iface *iface;
	struct entry *e = claim_index(a, netns_id, ifindex, err, err_size);
	int fd, ret;

	*evicted = 0;
	if (!e)
		return -ENOENT;
	if (e->iface && !e->displaced) {
		snprintf(err, err_size, "%s: plugnet's dispatcher is attached already",
			 describe_target(a, e, what, sizeof(what)));
		unclaim(a, e);
		return -EALREADY;
	}
	if (e->iface) {
		/* Displaced: our pins stay, the other program goes, our root link comes back. */
		ret = pn_iface__take_back(e->iface, evicted);
		if (ret)
			snprintf(err, err_size, "%s: %s", describe_target(a, e, what, sizeof(what)),
				 pn_last_error());
	} else {
		ret = locate(a, e, &ref, &fd, err, err_size);
		if (!ret) {
			ret = pn_engine__take_over(a->engine, &ref, PN_XDP_MODE_AUTO, &iface,
						   evicted);
			if (ret)
				snprintf(err, err_size, "%s: %s",
					 describe_target(a, e, what, sizeof(what)),
					 pn_last_error());
			else
				e->iface = iface;
			if (!ret)
				reserve_recorded_ids(a, iface);
		}
		if (fd >= 0)
			close(fd);
	}
	if (!ret) {
		e->displaced = false;
		e->detached_by_admin = false;
		e->problem[0] = '\0';
	}
	unclaim(a, e);
	return ret;
}

void pn_ifaces_set_displaced(struct pn_agent *a, __u64 netns_id, unsigned int ifindex,
			     const char *problem)
{
	struct pn_ifaces *t = a->ifaces;
	struct entry *e;

	pthread_mutex_lock(&t->lock);
	e = find_index(t, netns_id, ifindex);
	if (e) {
		e->displaced = problem != NULL;
		snprintf(e->problem, sizeof(e->problem), "%s", problem ? problem : "");
	}
	pthread_mutex_unlock(&t->lock);
}

void pn_ifaces_lost(struct pn_agent *a, __u64 netns_id, unsigned int ifindex, const char *why)
{
	struct pn_ifaces *t = a->ifaces;
	struct pn_iface *iface;
	struct entry *e;

	pthread_mutex_lock(&t->lock);
	e = find_index(t, netns_id, ifindex);
	if (e)
		claim(t, e);
	pthread_mutex_unlock(&t->lock);
	if (!e)
		return;
	iface = e->iface;
	/* The kernel dropped the attachment with the interface: only our pins are left. */
	if (iface && pn_iface__remove(iface)) {
		pn_log_warn("%s", pn_last_error());
		pn_iface__close(iface);
	}
	pthread_mutex_lock(&t->lock);
	e->iface = NULL;
	e->displaced = false;
	snprintf(e->problem, sizeof(e->problem), "uplink %s: %s", e->ifname, why);
	release_claim(t, e);
	pthread_mutex_unlock(&t->lock);
}

/* The problem with one entry, or "" if none. */
static void entry_problem(struct pn_agent *a, const struct entry *e, struct pn_iface_info *info,
			  char *buf, size_t size)
{
	char what[2 * PN_ID_MAX + 32];

	buf[0] = '\0';
	describe_target(a, e, what, sizeof(what));
	if (e->detached_by_admin)
		return;
	if (!e->iface) {
		snprintf(buf, size, "%s", e->problem[0] ? e->problem : "no dispatcher held");
	} else if (pn_iface__describe(e->iface, info)) {
		snprintf(buf, size, "%s: %s", what, pn_last_error());
	} else if (info->state == PN_IFACE_GONE) {
		snprintf(buf, size, "%s: interface %s is gone", what, info->ifname);
	} else if (info->state == PN_IFACE_DETACHED) {
		snprintf(buf, size,
			 "%s: %s: its root link %u was detached from outside plugnetd; it is being "
			 "attached again",
			 what, info->ifname, info->root_link_id);
	} else if (info->state == PN_IFACE_DISPLACED) {
		snprintf(buf, size,
			 "%s: %s is displaced: XDP program %u '%s' runs there instead of "
			 "plugnet's dispatcher %u; an admin's adopt takes it back",
			 what, info->ifname, info->other_prog_id, info->other_prog_name,
			 info->dispatcher_prog_id);
	}
}

cJSON *pn_ifaces_problems(struct pn_agent *a)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */
	struct pn_ifaces *t = a->ifaces;
	cJSON *arr = cJSON_CreateArray();
	struct entry **seen = NULL;
	size_t n = 0;
	char msg[1024];

	pthread_mutex_lock(&t->lock);
	if (info && arr)
		seen = calloc(t->n ? t->n : 1, sizeof(*seen));
	/*
	 * Borrowed, then described without the table's lock: describe waits
	 * for the interface's own lock, which a slow plug may hold.
	 * Busy entries are being changed right now: their state is the
	 * change's to tell.
	 */
	for (size_t i = 0; seen && i < t->n; i++) {
		if (!t->v[i]->busy) {
			t->v[i]->users++;
			seen[n++] = t->v[i];
		}
	}
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < n; i++) {
		entry_problem(a, seen[i], info, msg, sizeof(msg));
		if (arr && msg[0] && !cJSON_AddItemToArray(arr, cJSON_CreateString(msg))) {
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < n; i++)
		seen[i]->users--;
	pthread_cond_broadcast(&t->changed);
	pthread_mutex_unlock(&t->lock);
	if (!seen) {
		cJSON_Delete(arr);
		arr = NULL;
	}
	free(seen);
	free(info);
	return arr;
}

/* An uplink's entry; uplink entries stay for the agent's life, so it outlives the unlock. */
static struct entry *uplink_entry(struct pn_agent *a, const char *uplink)
{
	struct pn_target tg = {.kind = PN_TARGET_UPLINK, .uplink = uplink};
	struct entry *e;

	pthread_mutex_lock(&a->ifaces->lock);
	e = find_target(a->ifaces, &tg);
	pthread_mutex_unlock(&a->ifaces->lock);
	return e;
}

int pn_ifaces_lock_uplink(struct pn_agent *a, const char *uplink)
{
	struct entry *e = uplink_entry(a, uplink);

	if (!e)
		return -ENOENT;
	pthread_mutex_lock(&e->quota_lock);
	return 0;
}

void pn_ifaces_unlock_uplink(struct pn_agent *a, const char *uplink)
{
	struct entry *e = uplink_entry(a, uplink);

	if (e)
		pthread_mutex_unlock(&e->quota_lock);
}

cJSON *pn_ifaces_detached_json(struct pn_agent *a)
{
	struct pn_ifaces *t = a->ifaces;
	cJSON *arr = cJSON_CreateArray();

	if (!arr || !t)
		return arr;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = t->v[i];
		cJSON *o;

		if (!e->detached_by_admin)
			continue;
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o) ||
		    !cJSON_AddStringToObject(o, "kind", kind_names[e->kind]) ||
		    (e->kind != PN_TARGET_UPLINK &&
		     !cJSON_AddStringToObject(o, "container_id", e->container_id)) ||
		    !cJSON_AddStringToObject(o, "ifname", e->ifname) ||
		    !cJSON_AddNumberToObject(o, "netns_id", (double)e->netns_id) ||
		    !cJSON_AddNumberToObject(o, "ifindex", e->ifindex)) {
			cJSON_Delete(arr); /* with o, once added */
			arr = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return arr;
}

/* One entry of the state file's "detached" array into *tg and the rest; -EINVAL naming the key. */
static int parse_detached(const cJSON *o, int index, struct pn_target *tg, const char **ifname,
			  __u64 *netns_id, unsigned int *ifindex, char *err, size_t err_size)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
	const cJSON *cid = cJSON_GetObjectItemCaseSensitive(o, "container_id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "ifname");
	const cJSON *netns = cJSON_GetObjectItemCaseSensitive(o, "netns_id");
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(o, "ifindex");
	const char *bad = NULL;

	*tg = (struct pn_target){.kind = PN_TARGET_POD};
	if (!cJSON_IsObject(o))
		bad = "an object";
	else if (!cJSON_IsString(kind) || !kind->valuestring)
		bad = "'kind'";
	else if (!strcmp(kind->valuestring, "uplink"))
		tg->kind = PN_TARGET_UPLINK;
	else if (!strcmp(kind->valuestring, "host"))
		tg->kind = PN_TARGET_HOST;
	else if (strcmp(kind->valuestring, "pod"))
		bad = "'kind' (pod, host or uplink)";
	if (!bad && (!cJSON_IsString(name) || strlen(name->valuestring) >= IF_NAMESIZE ||
		     (tg->kind == PN_TARGET_UPLINK && !name->valuestring[0])))
		bad = "'ifname'";
	if (!bad && tg->kind != PN_TARGET_UPLINK &&
	    (!cJSON_IsString(cid) || !cid->valuestring[0] || strlen(cid->valuestring) >= PN_ID_MAX))
		bad = "'container_id'";
	if (!bad && (!cJSON_IsNumber(netns) || netns->valuedouble < 0 ||
		     netns->valuedouble != (double)(__u64)netns->valuedouble))
		bad = "'netns_id'";
	if (!bad &&
	    (!cJSON_IsNumber(idx) || idx->valuedouble < 0 || idx->valuedouble > 0x7fffffff ||
	     idx->valuedouble != (double)(unsigned int)idx->valuedouble))
		bad = "'ifindex'";
	if (bad) {
		snprintf(err, err_size, "key 'detached'[%d]: expected %s", index, bad);
		return -EINVAL;
	}
	*ifname = name->valuestring;
	if (tg->kind == PN_TARGET_UPLINK)
		tg->uplink = name->valuestring;
	else
		tg->container_id = cid->valuestring;
	*netns_id = (__u64)netns->valuedouble;
	*ifindex = (unsigned int)idx->valuedouble;
	return 0;
}

int pn_ifaces_restore_detached(struct pn_agent *a, const cJSON *detached, char *err,
			       size_t err_size)
{
	struct pn_ifaces *t = a->ifaces;
	const cJSON *o;
	int index = 0, ret = 0;

	if (!detached)
		return 0;
	if (!cJSON_IsArray(detached)) {
		snprintf(err, err_size, "key 'detached': expected an array");
		return -EINVAL;
	}
	cJSON_ArrayForEach(o, detached)
	{
		struct pn_target tg;
		struct pn_container c;
		const char *ifname;
		__u64 netns_id;
		unsigned int ifindex;
		struct entry *e;

		ret = parse_detached(o, index++, &tg, &ifname, &netns_id, &ifindex, err, err_size);
		if (ret)
			return ret;
		/*
		 * A record of what is no longer plugnet's to hold (an uplink taken
		 * out of the configuration, a pod unregistered before the save
		 * that would have dropped it) is forgotten, not held on to.
		 */
		if (tg.kind == PN_TARGET_UPLINK
			    ? !pn_registry__is_uplink(a->registry, tg.uplink)
			    : pn_registry__find_container(a->registry, tg.container_id, &c)) {
			pn_log_info("state file: forgetting the admin's detach of %s %s: %s",
				    kind_names[tg.kind],
				    tg.kind == PN_TARGET_UPLINK ? tg.uplink : tg.container_id,
				    tg.kind == PN_TARGET_UPLINK ? "no longer a configured uplink"
								: "no longer registered");
			continue;
		}
		pthread_mutex_lock(&t->lock);
		e = find_target(t, &tg);
		if (!e)
			e = add_entry(t, &tg);
		if (e) {
			e->detached_by_admin = true;
			snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
			e->netns_id = netns_id;
			/* An uplink's index may change at a reboot: its name is what was detached.
			 */
			unsigned int now = tg.kind == PN_TARGET_UPLINK ? if_nametoindex(ifname) : 0;

			e->ifindex = now ? now : ifindex;
		}
		pthread_mutex_unlock(&t->lock);
		if (!e) {
			snprintf(err, err_size, "key 'detached'[%d]: out of memory", index - 1);
			return -ENOMEM;
		}
	}
	return 0;
}
