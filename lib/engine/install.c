// SPDX-License-Identifier: Apache-2.0
/* Bringing an interface under the engine (install, adopt) and taking it out (remove). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/if_link.h>

#include "bpffs.h"
#include "engine_internal.h"
#include "prog_cache.h"
#include "retire.h"

static int missing_feature(const struct pn_engine *e, const struct pn_iface *ifc)
{
	const char *what = !e->features.xdp_link ? "XDP through a bpf_link (Linux 5.9)"
			   : !e->features.freplace_multi_attach
				   ? "attaching one extension program to several programs "
				     "(freplace multi-attach, Linux 5.10)"
				   : NULL;

	if (!what)
		return 0;
	return pn_fail(-EOPNOTSUPP, IFACE_FMT ": not installed: this kernel lacks %s",
		       IFACE_ARGS(ifc), what);
}

/*
 * Register the interface ref names, run body on it under its lock, and
 * hand it out on success; on failure it is gone again.
 */
static int with_new_iface(struct pn_engine *e, const struct pn_iface_ref *ref,
			  int (*body)(struct pn_iface *ifc, const struct resolved *r, void *arg),
			  void *arg, struct pn_iface **ifacep)
{
	struct pn_iface *ifc;
	struct resolved r;
	int err;

	err = iface_begin(e, ref, &r, &ifc);
	if (err)
		return err;
	err = body(ifc, &r, arg);
	iface_end(ifc, &r, err);
	if (!err)
		*ifacep = ifc;
	return err;
}

/*
 * Which netns instance the interface is in: recorded in the pins, checked
 * whenever the netns is found again.
 */
static int read_netns_cookie(struct pn_iface *ifc, const struct resolved *r)
{
	int err = pn_netns_cookie(&r->ns, &ifc->netns_cookie);

	/* Before 5.14 there are no cookies: the id alone then has to do. */
	if (err == -ENOPROTOOPT) {
		ifc->netns_cookie = 0;
		return 0;
	}
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot read its netns cookie: %s", IFACE_ARGS(ifc),
			       strerror(-err));
	return 0;
}

static int install_locked(struct pn_iface *ifc, const struct resolved *r, void *arg)
{
	const enum pn_xdp_mode mode = *(const enum pn_xdp_mode *)arg;
	struct pn_engine *e = ifc->engine;
	struct plugnet_dispatcher_config cfg;
	char path[PINPATH_MAX];
	int err;

	err = missing_feature(e, ifc);
	if (!err)
		err = read_netns_cookie(ifc, r);
	if (!err)
		err = clear_stale_pins(ifc);
	if (!err)
		err = xdp_check_free(ifc, &r->ns);
	if (err)
		return err;
	err = counters_create(ifc);
	if (!err)
		err = pn_slots_build_config(NULL, 0, 1, 1, &cfg);
	if (!err)
		err = revision_load(ifc, &cfg, &ifc->cur);
	if (!err)
		err = xdp_attach_link(ifc, &r->ns, mode, &ifc->root_link_fd);
	if (!err)
		err = xdp_query_mode(ifc, &r->ns);
	if (err)
		return err;

	/* Pinned last: until then, a crash lets the kernel drop everything with our fds. */
	err = pn_bpffs_mkdir(ifc->dir);
	if (!err)
		err = meta_pin(ifc);
	if (!err)
		err = counters_pin(ifc);
	if (!err)
		err = revision_pin(ifc, &ifc->cur);
	if (!err) {
		snprintf(path, sizeof(path), "%s/link", ifc->dir);
		err = pn_bpffs_pin(ifc->root_link_fd, path);
	}
	if (err) {
		pn_fail(err, IFACE_FMT ": cannot pin the dispatcher under %s: %s", IFACE_ARGS(ifc),
			ifc->dir, strerror(-err));
		(void)pn_bpffs_remove_tree(ifc->dir);
		return err;
	}
	pr_info(IFACE_FMT ": dispatcher attached (%s mode, link pinned at %s)", IFACE_ARGS(ifc),
		xdp_mode_name(ifc->mode), path);
	return 0;
}

int pn_engine__install(struct pn_engine *e, const struct pn_iface_ref *ref, enum pn_xdp_mode mode,
		       struct pn_iface **ifacep)
{
	return with_new_iface(e, ref, install_locked, &mode, ifacep);
}

struct take_over {
	enum pn_xdp_mode mode;
	__u32 evicted;
};

static int take_over_locked(struct pn_iface *ifc, const struct resolved *r, void *arg)
{
	struct take_over *t = arg;
	int err = missing_feature(ifc->engine, ifc);

	/* Checked before anything goes: a kernel that cannot run plugnet keeps what it has. */
	if (!err)
		err = xdp_evict_foreign(ifc, &r->ns, &t->evicted);
	if (!err)
		err = install_locked(ifc, r, &t->mode);
	return err;
}

int pn_engine__take_over(struct pn_engine *e, const struct pn_iface_ref *ref, enum pn_xdp_mode mode,
			 struct pn_iface **ifacep, __u32 *evicted_prog_id)
{
	struct take_over t = {.mode = mode};
	int err = with_new_iface(e, ref, take_over_locked, &t, ifacep);

	if (evicted_prog_id)
		*evicted_prog_id = t.evicted;
	return err;
}

/*
 * A re-attach interrupted by a crash between pinning link-new and renaming
 * it over link: finish it if the new link holds this interface, else drop
 * it.
 */
static int finish_reattach(struct pn_iface *ifc)
{
	char path[PINPATH_MAX], tmp[PINPATH_MAX];
	struct bpf_link_info li;
	int fd, err;

	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	snprintf(tmp, sizeof(tmp), "%s/link-new", ifc->dir);
	fd = bpf_obj_get(tmp);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : pn_fail(-errno, IFACE_FMT ": cannot open %s: %s",
						 IFACE_ARGS(ifc), tmp, strerror(errno));
	err = link_info(fd, &li);
	close(fd);
	if (!err && li.type == BPF_LINK_TYPE_XDP && li.xdp.ifindex == ifc->ifindex) {
		if (rename(tmp, path))
			return pn_fail(-errno, IFACE_FMT ": cannot rename %s to %s: %s",
				       IFACE_ARGS(ifc), tmp, path, strerror(errno));
		pr_info(IFACE_FMT ": finished the re-attach a crash interrupted (root link %u)",
			IFACE_ARGS(ifc), li.id);
		return 0;
	}
	if (unlink(tmp) && errno != ENOENT)
		return pn_fail(-errno, IFACE_FMT ": cannot remove %s: %s", IFACE_ARGS(ifc), tmp,
			       strerror(errno));
	return 0;
}

/*
 * The pinned root link is detached. Adopt it only if the identity record
 * proves the pins were made for this interface in this very netns: a
 * detach by a host tool leaves the interface with its slots intact, while
 * pins left by a vanished interface must never be revived on a newcomer
 * that reuses the netns id and ifindex. The mode comes from the record,
 * since the interface has no program to ask about.
 */
static int adopt_detached(struct pn_iface *ifc, const char *path)
{
	struct plugnet_iface_meta m;
	const char *why = NULL;
	int err = meta_read(ifc->dir, &m);

	if (err == -ENOENT)
		why = "the pins carry no identity record (meta) to tell";
	else if (err)
		return pn_fail(err, IFACE_FMT ": identity record %s/meta: %s", IFACE_ARGS(ifc),
			       ifc->dir, err == -EPROTO ? "not a plugnet record" : strerror(-err));
	else if (!m.netns_cookie || !ifc->netns_cookie)
		why = "this kernel has no netns cookies to tell";
	else if (m.netns_cookie != ifc->netns_cookie || m.netns_id != ifc->netns_id)
		why = "they were made in an earlier netns that had the same id";
	else if (m.ifindex != ifc->ifindex)
		why = "they were made for another ifindex";
	if (why)
		return pn_fail(-ESTALE,
			       IFACE_FMT ": pinned link %s is detached and not provably this "
					 "interface's: %s (the interface it belonged to is gone)",
			       IFACE_ARGS(ifc), path, why);
	ifc->mode = m.xdp_flags & XDP_FLAGS_SKB_MODE ? PN_XDP_MODE_GENERIC : PN_XDP_MODE_NATIVE;
	return 0;
}

/*
 * Open the root link pinned for the interface and its current dispatcher
 * program. *detached: the link no longer holds the interface (a host tool
 * detached it).
 */
static int adopt_root(struct pn_iface *ifc, const struct resolved *r, bool *detached)
{
	struct bpf_link_info li;
	char path[PINPATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	ifc->root_link_fd = bpf_obj_get(path);
	if (ifc->root_link_fd < 0)
		return pn_fail(-errno, IFACE_FMT ": no pinned dispatcher link at %s: %s",
			       IFACE_ARGS(ifc), path, strerror(errno));
	err = link_info(ifc->root_link_fd, &li);
	if (!err &&
	    (li.type != BPF_LINK_TYPE_XDP || (li.xdp.ifindex != r->ifindex && li.xdp.ifindex != 0)))
		err = -ESTALE;
	if (err)
		return pn_fail(err, IFACE_FMT ": pinned link %s is not this interface's XDP link%s",
			       IFACE_ARGS(ifc), path,
			       err == -ESTALE ? " (the interface it belonged to is gone)" : "");
	*detached = li.xdp.ifindex == 0;
	if (*detached) {
		err = adopt_detached(ifc, path);
		if (err)
			return err;
	}
	ifc->cur.prog_fd = bpf_prog_get_fd_by_id(li.prog_id);
	if (ifc->cur.prog_fd < 0)
		return pn_fail(-errno, IFACE_FMT ": dispatcher program %u: %s", IFACE_ARGS(ifc),
			       li.prog_id, strerror(errno));
	err = read_dispatcher_config(ifc->cur.prog_fd, &ifc->cur.cfg);
	if (err == -EPROTONOSUPPORT)
		return pn_fail(err,
			       IFACE_FMT
			       ": program %u on the pinned link is a plugnet dispatcher of "
			       "version %u; this engine adopts version %u only (remove it "
			       "with the plugnet that installed it, or delete %s, and "
			       "install again)",
			       IFACE_ARGS(ifc), li.prog_id, ifc->cur.cfg.version,
			       PLUGNET_DISPATCHER_VERSION, ifc->dir);
	if (!err)
		err = read_slot_btf_ids(ifc->cur.prog_fd, ifc->cur.slot_btf_id);
	if (err)
		return pn_fail(err,
			       IFACE_FMT ": program %u on the pinned link is not a plugnet "
					 "dispatcher of version %u: %s",
			       IFACE_ARGS(ifc), li.prog_id, PLUGNET_DISPATCHER_VERSION,
			       strerror(-err));
	return 0;
}

/* Take over slot i of the adopted revision: its link, and its program through the cache. */
static int adopt_slot(struct pn_iface *ifc, __u32 i)
{
	const struct plugnet_dispatcher_config *cfg = &ifc->cur.cfg;
	struct pn_slot_entry *s = &ifc->slots[i];
	char path[PINPATH_MAX], dir[REVDIR_MAX];
	struct bpf_link_info li;
	struct pn_prog *prog;
	int prog_fd, err;

	rev_dir(ifc, cfg->revision, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/slot-%u", dir, i);
	ifc->cur.link_fds[i] = bpf_obj_get(path);
	err = ifc->cur.link_fds[i] < 0 ? -errno : link_info(ifc->cur.link_fds[i], &li);
	/* A slot link is the freplace (tracing) link of an extension; anything else is not ours. */
	if (!err && li.type != BPF_LINK_TYPE_TRACING)
		err = -EPROTO;
	prog_fd = err ? -1 : bpf_prog_get_fd_by_id(li.prog_id);
	if (!err && prog_fd < 0)
		err = -errno;
	if (!err) {
		err = pn_prog_cache__adopt(ifc->engine->progs, prog_fd,
					   cfg->frags_slots & (1ULL << i), &prog);
		close(prog_fd);
	}
	if (err)
		return pn_fail(err, IFACE_FMT ": revision %llu slot %u (%s): %s", IFACE_ARGS(ifc),
			       (unsigned long long)cfg->revision, i, path, strerror(-err));
	s->attach_id = cfg->attach_id[i];
	s->priority = cfg->priority[i];
	s->proceed_on = cfg->proceed_on[i] & ~(1U << PLUGNET_SLOT_EMPTY);
	s->frags = pn_prog__frags(prog);
	s->stats_row = cfg->stats_row[i];
	s->owner = prog;
	ifc->nslots = i + 1;
	/* Rows go round from the highest in use, so that none in use is handed out again soon. */
	if (i == 0 || s->stats_row > ifc->last_stats_row)
		ifc->last_stats_row = s->stats_row;
	return 0;
}

/* Pins made before the identity record existed get one, while the attached link proves it. */
static void add_missing_meta(struct pn_iface *ifc)
{
	struct plugnet_iface_meta m;
	int err = meta_read(ifc->dir, &m);

	if (err == -ENOENT)
		err = meta_pin(ifc);
	if (err)
		pr_warn(IFACE_FMT ": identity record %s/meta: %s; a re-attach after a restart "
				  "will not be possible",
			IFACE_ARGS(ifc), ifc->dir, strerror(-err));
}

static int adopt_locked(struct pn_iface *ifc, const struct resolved *r, void *arg)
{
	bool detached = false;
	int err;

	(void)arg;
	err = read_netns_cookie(ifc, r);
	if (!err)
		err = finish_reattach(ifc);
	if (!err)
		err = adopt_root(ifc, r, &detached);
	if (!err)
		err = counters_adopt(ifc);
	for (__u32 i = 0; !err && i < ifc->cur.cfg.num_slots; i++)
		err = adopt_slot(ifc, i);
	if (!err && !detached)
		err = xdp_query_mode(ifc, &r->ns);
	if (err)
		return err;
	if (!detached)
		add_missing_meta(ifc);
	remove_other_revisions(ifc);
	if (detached)
		pr_warn(IFACE_FMT
			": adopted revision %llu with %zu slots; its root link is detached "
			"(by a host tool?): pn_iface__reattach() attaches it again",
			IFACE_ARGS(ifc), (unsigned long long)ifc->cur.cfg.revision, ifc->nslots);
	else
		pr_info(IFACE_FMT ": adopted revision %llu with %zu slots", IFACE_ARGS(ifc),
			(unsigned long long)ifc->cur.cfg.revision, ifc->nslots);
	return 0;
}

int pn_engine__adopt(struct pn_engine *e, const struct pn_iface_ref *ref, struct pn_iface **ifacep)
{
	return with_new_iface(e, ref, adopt_locked, NULL, ifacep);
}

int pn_iface__remove(struct pn_iface *ifc)
{
	int err;

	pn_error_clear();
	/* Replaced revisions still waiting for release live under the same directory. */
	pn_retire__drain(ifc->engine->retire);
	pthread_mutex_lock(&ifc->lock);
	err = unpin_iface(ifc);
	/*
	 * Detach explicitly: closing our fds is not enough while anyone else
	 * (bpftool, a process that took the link by id) holds a reference.
	 */
	if (!err && bpf_link_detach(ifc->root_link_fd) && errno != ENOLINK)
		err = pn_fail(-errno, IFACE_FMT ": unpinned, but detaching root link failed: %s",
			      IFACE_ARGS(ifc), strerror(errno));
	pthread_mutex_unlock(&ifc->lock);
	if (err)
		return err;
	pr_info(IFACE_FMT ": dispatcher removed", IFACE_ARGS(ifc));
	iface_drop_removed(ifc);
	return 0;
}
