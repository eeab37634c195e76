// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "agent/bpf_error.h"
#include "agent/bpffs.h"
#include "agent/engine.h"
#include "agent/log.h"
#include "agent/netns.h"
#include "agent/prog_cache.h"
#include "agent/retire.h"
#include "agent/slots.h"
#include "dispatcher.skel.h"

#define ERR_SIZE 2048
/* Path buffers sized so each level provably fits the next (pin root <= 255 bytes). */
#define ROOT_MAX    256
#define IFDIR_MAX   (ROOT_MAX + 64)
#define REVDIR_MAX  (IFDIR_MAX + 64)
#define PINPATH_MAX (REVDIR_MAX + 64)

/* One loaded dispatcher program and the slot links attached to it. */
struct revision {
	int prog_fd;
	/* BTF ids of slot0.. in the program's BTF: freplace targets; 0 if absent. */
	__u32 slot_btf_id[PLUGNET_MAX_SLOTS];
	struct plugnet_dispatcher_config cfg;
	int link_fds[PLUGNET_MAX_SLOTS];
};

struct pn_iface {
	struct pn_engine *engine;
	struct pn_iface *next;
	__u64 netns_id;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	enum pn_xdp_mode mode;
	int root_link_fd;
	char dir[IFDIR_MAX]; /* <pin_root>/<netns id>/<ifindex> */
	struct revision cur;
	/* In run order; .owner is the struct pn_prog plugged there. */
	struct pn_slot_entry slots[PLUGNET_MAX_SLOTS];
	size_t nslots;
};

struct pn_engine {
	char pin_root[ROOT_MAX];
	struct pn_prog_cache *progs;
	struct pn_retire *retire;
	struct pn_iface *ifaces;
	/*
	 * Every revision this engine loads comes from the same embedded object,
	 * so its slot BTF ids are the same: read from the kernel once.
	 */
	__u32 slot_btf_id[PLUGNET_MAX_SLOTS];
	bool have_slot_btf_ids;
	struct pn_engine_hooks hooks;
	char err[ERR_SIZE];
};

__attribute__((format(printf, 3, 4))) static int fail(struct pn_engine *e, int err, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	pn_log_debug("%s", e->err);
	return err;
}

#define IFACE_FMT     "interface '%s' (netns %llu, ifindex %u)"
#define IFACE_ARGS(i) (i)->ifname, (unsigned long long)(i)->netns_id, (i)->ifindex

/* --- engine --------------------------------------------------------------- */

int pn_engine__new(const char *pin_root, struct pn_engine **enginep)
{
	struct pn_engine *e;
	int err;

	if (!pin_root)
		pin_root = PN_PIN_ROOT_DEFAULT;
	if (strlen(pin_root) >= sizeof(e->pin_root))
		return -ENAMETOOLONG;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	strcpy(e->pin_root, pin_root);
	e->progs = pn_prog_cache__new();
	if (!e->progs) {
		err = -ENOMEM;
		goto err_free;
	}
	err = pn_retire__new(&e->retire);
	if (err) {
		pn_log_error("cannot start the thread that releases replaced revisions: %s",
			     strerror(-err));
		goto err_free;
	}
	err = pn_bpffs_mkdir(pin_root);
	if (err) {
		pn_log_error("pin directory '%s': %s%s", pin_root, strerror(-err),
			     err == -ENOTSUP
				     ? " (not on a bpf filesystem; mount -t bpf bpf /sys/fs/bpf)"
				     : "");
		goto err_free;
	}
	*enginep = e;
	return 0;
err_free:
	pn_retire__free(e->retire);
	pn_prog_cache__free(e->progs);
	free(e);
	return err;
}

void pn_engine__free(struct pn_engine *e)
{
	if (!e)
		return;
	while (e->ifaces)
		pn_iface__close(e->ifaces);
	pn_retire__free(e->retire);
	pn_prog_cache__free(e->progs);
	free(e);
}

const char *pn_engine__last_error(const struct pn_engine *e)
{
	return e->err;
}

unsigned long pn_engine__prog_loads(const struct pn_engine *e)
{
	return pn_prog_cache__loads(e->progs);
}

void pn_engine__settle(struct pn_engine *e)
{
	pn_retire__drain(e->retire);
}

void pn_engine__set_hooks(struct pn_engine *e, const struct pn_engine_hooks *hooks)
{
	e->hooks = hooks ? *hooks : (struct pn_engine_hooks){};
}

/* --- revisions ---------------------------------------------------------------- */

static void revision_init(struct revision *rev)
{
	memset(rev, 0, sizeof(*rev));
	rev->prog_fd = -1;
	for (int i = 0; i < PLUGNET_MAX_SLOTS; i++)
		rev->link_fds[i] = -1;
}

static void revision_release(struct revision *rev)
{
	for (int i = 0; i < PLUGNET_MAX_SLOTS; i++) {
		if (rev->link_fds[i] >= 0)
			close(rev->link_fds[i]);
	}
	if (rev->prog_fd >= 0)
		close(rev->prog_fd);
	revision_init(rev);
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static int link_info(int fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* Find slot0.. in the BTF the kernel holds for a dispatcher program. */
static int read_slot_btf_ids(int prog_fd, __u32 ids[PLUGNET_MAX_SLOTS])
{
	struct bpf_prog_info info;
	struct btf *btf;
	int err = prog_info(prog_fd, &info);

	if (err)
		return err;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -errno;
	for (int i = 0; i < PLUGNET_MAX_SLOTS; i++) {
		char name[16];
		int id;

		snprintf(name, sizeof(name), "slot%d", i);
		id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
		ids[i] = id > 0 ? (__u32)id : 0;
	}
	btf__free(btf);
	return 0;
}

/* Load a dispatcher program for `cfg` into rev (no links yet). */
static int revision_load(struct pn_iface *ifc, const struct plugnet_dispatcher_config *cfg,
			 struct revision *rev)
{
	/* Generous: the dispatcher only fails to verify if something is badly wrong. */
	const size_t log_size = 1U << 20;
	struct pn_engine *e = ifc->engine;
	struct plugnet_dispatcher *skel;
	char why[128], tail[PN_VERIFIER_TAIL + 8] = "";
	char *vlog;
	int err;

	revision_init(rev);
	rev->cfg = *cfg;
	skel = plugnet_dispatcher__open();
	if (!skel)
		return fail(e, -errno,
			    IFACE_FMT
			    ": dispatcher revision %llu: cannot open the embedded object: %s",
			    IFACE_ARGS(ifc), (unsigned long long)cfg->revision, strerror(errno));
	memcpy((void *)&skel->rodata->plugnet_cfg, cfg, sizeof(*cfg));
	err = 0;
	if (cfg->flags & PLUGNET_DISPATCHER_F_FRAGS)
		err = bpf_program__set_flags(skel->progs.plugnet_root,
					     bpf_program__flags(skel->progs.plugnet_root) |
						     BPF_F_XDP_HAS_FRAGS);
	vlog = calloc(1, log_size);
	if (!err && vlog)
		err = bpf_program__set_log_buf(skel->progs.plugnet_root, vlog, log_size);
	if (!err)
		err = plugnet_dispatcher__load(skel);
	if (err) {
		plugnet_dispatcher__destroy(skel);
		err = pn_bpf_error(err, why, sizeof(why));
		pn_verifier_log_tail(vlog ? vlog : "", tail, sizeof(tail));
		free(vlog);
		return fail(e, err,
			    IFACE_FMT
			    ": dispatcher revision %llu with %u slots: load failed (%s)%s%s",
			    IFACE_ARGS(ifc), (unsigned long long)cfg->revision, cfg->num_slots, why,
			    tail[0] ? "; verifier log: " : "", tail);
	}
	free(vlog);
	rev->prog_fd = fcntl(bpf_program__fd(skel->progs.plugnet_root), F_DUPFD_CLOEXEC, 0);
	err = rev->prog_fd < 0 ? -errno : 0;
	plugnet_dispatcher__destroy(skel);
	if (!err && !e->have_slot_btf_ids) {
		err = read_slot_btf_ids(rev->prog_fd, e->slot_btf_id);
		e->have_slot_btf_ids = !err;
	}
	if (!err)
		memcpy(rev->slot_btf_id, e->slot_btf_id, sizeof(rev->slot_btf_id));
	if (err) {
		revision_release(rev);
		return fail(e, err, IFACE_FMT ": dispatcher revision %llu: %s", IFACE_ARGS(ifc),
			    (unsigned long long)cfg->revision, strerror(-err));
	}
	return 0;
}

/* Attach prog to slot `slot` of rev: a freplace link, the program is not reloaded. */
static int revision_attach(struct revision *rev, __u32 slot, int prog_fd)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .target_btf_id = rev->slot_btf_id[slot]);
	int fd;

	if (!opts.target_btf_id)
		return -ENOENT;
	/* The kernel ignores attach_type for EXT programs; theirs is 0, as libbpf passes. */
	fd = bpf_link_create(prog_fd, rev->prog_fd, (enum bpf_attach_type)0, &opts);
	if (fd < 0)
		return -errno;
	rev->link_fds[slot] = fd;
	return 0;
}

static void rev_dir(const struct pn_iface *ifc, __u64 revision, char *buf, size_t size)
{
	snprintf(buf, size, "%s/rev-%llu", ifc->dir, (unsigned long long)revision);
}

static int revision_pin(const struct pn_iface *ifc, const struct revision *rev)
{
	char dir[REVDIR_MAX], path[PINPATH_MAX];
	int err;

	rev_dir(ifc, rev->cfg.revision, dir, sizeof(dir));
	err = pn_bpffs_mkdir(dir);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/dispatcher", dir);
	err = pn_bpffs_pin(rev->prog_fd, path);
	for (__u32 i = 0; !err && i < rev->cfg.num_slots; i++) {
		snprintf(path, sizeof(path), "%s/slot-%u", dir, i);
		err = pn_bpffs_pin(rev->link_fds[i], path);
	}
	return err;
}

static void revision_unpin(const struct pn_iface *ifc, __u64 revision)
{
	char dir[REVDIR_MAX];
	int err;

	rev_dir(ifc, revision, dir, sizeof(dir));
	err = pn_bpffs_remove_tree(dir);
	if (err)
		pn_log_warn(IFACE_FMT ": cannot remove pins of revision %llu in %s: %s",
			    IFACE_ARGS(ifc), (unsigned long long)revision, dir, strerror(-err));
}

/* A replaced revision, waiting for the packets inside it to leave. */
struct retired {
	struct revision rev;
	char dir[REVDIR_MAX];
	char what[IF_NAMESIZE + 64]; /* the interface, for messages */
};

static void release_retired(void *arg)
{
	struct retired *r = arg;
	int err = pn_bpffs_remove_tree(r->dir);

	if (err)
		pn_log_warn("%s: cannot remove the pins of replaced revision %s: %s", r->what,
			    r->dir, strerror(-err));
	revision_release(&r->rev);
	free(r);
}

static const char *mode_name(enum pn_xdp_mode mode)
{
	switch (mode) {
	case PN_XDP_MODE_NATIVE:
		return "native";
	case PN_XDP_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

static const char *single_buffer_prog(const struct pn_slot_entry *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!slots[i].frags)
			return pn_prog__name(slots[i].owner);
	}
	return "?";
}

static void describe_prog(__u32 id, char *buf, size_t size);

/* The program a link runs now, as "<id> '<name>'", for messages. */
static const char *link_prog(int link_fd, char *buf, size_t size)
{
	struct bpf_link_info li;

	if (link_info(link_fd, &li))
		snprintf(buf, size, "?");
	else
		describe_prog(li.prog_id, buf, size);
	return buf;
}

/*
 * Move the interface to a new revision running `slots` (sorted). On any
 * failure the interface is left exactly as it was.
 */
static int iface_commit(struct pn_iface *ifc, struct pn_slot_entry *slots, size_t n,
			__u32 next_attach_id)
{
	struct pn_engine *e = ifc->engine;
	LIBBPF_OPTS(bpf_link_update_opts, uopts);
	struct plugnet_dispatcher_config cfg;
	__u64 number = ifc->cur.cfg.revision + 1;
	struct retired *old;
	struct revision next;
	char holder[64];
	int err;

	err = pn_slots_build_config(slots, n, number, next_attach_id, &cfg);
	if (err)
		return fail(e, err, IFACE_FMT ": %zu slots requested, the dispatcher has %d",
			    IFACE_ARGS(ifc), n, PLUGNET_MAX_SLOTS);
	/* Allocated up front: once the swap is done, retiring revision N must not fail. */
	old = malloc(sizeof(*old));
	if (!old)
		return fail(e, -ENOMEM, IFACE_FMT ": out of memory", IFACE_ARGS(ifc));
	err = revision_load(ifc, &cfg, &next);
	if (err) {
		free(old);
		return err;
	}
	for (__u32 i = 0; i < n; i++) {
		const struct pn_prog *prog = slots[i].owner;

		err = revision_attach(&next, i, pn_prog__fd(prog));
		if (err) {
			fail(e, err,
			     IFACE_FMT ": revision %llu: cannot attach program '%s' to slot %u: %s",
			     IFACE_ARGS(ifc), (unsigned long long)number, pn_prog__name(prog), i,
			     strerror(-err));
			goto err_release;
		}
	}
	err = revision_pin(ifc, &next);
	if (err) {
		fail(e, err, IFACE_FMT ": revision %llu: cannot pin under %s: %s", IFACE_ARGS(ifc),
		     (unsigned long long)number, ifc->dir, strerror(-err));
		goto err_unpin;
	}
	if (e->hooks.before_swap)
		e->hooks.before_swap(e->hooks.arg);

	/* The cmpxchg: refused if anyone swapped the root program behind our back. */
	uopts.old_prog_fd = ifc->cur.prog_fd;
	uopts.flags = BPF_F_REPLACE;
	if (bpf_link_update(ifc->root_link_fd, next.prog_fd, &uopts)) {
		err = -errno;
		if (err == -ENOLINK)
			fail(e, err,
			     IFACE_FMT ": the interface is gone (deleted while its dispatcher was "
				       "attached); nothing changed",
			     IFACE_ARGS(ifc));
		else if (err == -ERANGE && !(cfg.flags & PLUGNET_DISPATCHER_F_FRAGS))
			fail(e, err,
			     IFACE_FMT
			     ": the driver refused a single-buffer dispatcher (its MTU "
			     "needs multi-buffer XDP), and program '%s' is not frags-capable "
			     "(SEC(\"xdp.frags\")); nothing changed",
			     IFACE_ARGS(ifc), single_buffer_prog(slots, n));
		else if (err == -EPERM)
			fail(e, err,
			     IFACE_FMT
			     ": revision %llu not applied: the root link no longer runs "
			     "revision %llu (program %s was put there behind plugnet's back); "
			     "nothing changed",
			     IFACE_ARGS(ifc), (unsigned long long)number,
			     (unsigned long long)ifc->cur.cfg.revision,
			     link_prog(ifc->root_link_fd, holder, sizeof(holder)));
		else
			fail(e, err, IFACE_FMT ": swapping revision %llu for %llu failed: %s",
			     IFACE_ARGS(ifc), (unsigned long long)ifc->cur.cfg.revision,
			     (unsigned long long)number, strerror(-err));
		goto err_unpin;
	}

	/*
	 * Packets that entered revision N before the swap still call its stubs:
	 * detaching N's slot links before they leave would let them skip slots.
	 */
	old->rev = ifc->cur;
	rev_dir(ifc, ifc->cur.cfg.revision, old->dir, sizeof(old->dir));
	snprintf(old->what, sizeof(old->what), IFACE_FMT, IFACE_ARGS(ifc));
	pn_retire__defer(e->retire, release_retired, old);
	ifc->cur = next;
	memcpy(ifc->slots, slots, n * sizeof(*slots));
	ifc->nslots = n;
	pn_log_debug(IFACE_FMT ": now on revision %llu with %zu slots", IFACE_ARGS(ifc),
		     (unsigned long long)number, n);
	return 0;

err_unpin:
	revision_unpin(ifc, number);
err_release:
	revision_release(&next);
	free(old);
	return err;
}

/* --- interfaces ---------------------------------------------------------------- */

struct resolved {
	struct pn_netns ns;
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
};

static int resolve(struct pn_engine *e, const struct pn_iface_ref *ref, struct resolved *r)
{
	const char *what = ref->netns_path ? ref->netns_path : "the caller's netns";
	int err;

	r->ns.fd = -1;
	if (ref->netns_fd >= 0)
		err = pn_netns_from_fd(ref->netns_fd, &r->ns);
	else
		err = pn_netns_open(ref->netns_path, &r->ns);
	if (err)
		return fail(e, err, "network namespace %s: %s", ref->netns_fd >= 0 ? "fd" : what,
			    strerror(-err));
	if (ref->ifname) {
		err = pn_netns_ifindex(&r->ns, ref->ifname, &r->ifindex);
		snprintf(r->ifname, sizeof(r->ifname), "%s", ref->ifname);
	} else {
		r->ifindex = ref->ifindex;
		err = pn_netns_ifname(&r->ns, ref->ifindex, r->ifname);
	}
	if (err) {
		const char *why = err == -ENODEV ? "no such interface" : strerror(-err);

		if (ref->ifname)
			fail(e, err, "interface '%s' (netns %llu): %s", ref->ifname,
			     (unsigned long long)r->ns.id, why);
		else
			fail(e, err, "interface with ifindex %u (netns %llu): %s", ref->ifindex,
			     (unsigned long long)r->ns.id, why);
		pn_netns_close(&r->ns);
		return err;
	}
	return 0;
}

static struct pn_iface *iface_new(struct pn_engine *e, const struct resolved *r)
{
	struct pn_iface *ifc = calloc(1, sizeof(*ifc));

	if (!ifc)
		return NULL;
	ifc->engine = e;
	ifc->netns_id = r->ns.id;
	ifc->ifindex = r->ifindex;
	snprintf(ifc->ifname, sizeof(ifc->ifname), "%s", r->ifname);
	ifc->root_link_fd = -1;
	revision_init(&ifc->cur);
	snprintf(ifc->dir, sizeof(ifc->dir), "%s/%llu/%u", e->pin_root,
		 (unsigned long long)r->ns.id, r->ifindex);
	return ifc;
}

static void iface_link(struct pn_iface *ifc)
{
	ifc->next = ifc->engine->ifaces;
	ifc->engine->ifaces = ifc;
}

static struct pn_iface *iface_find(struct pn_engine *e, __u64 netns_id, unsigned int ifindex)
{
	for (struct pn_iface *i = e->ifaces; i; i = i->next) {
		if (i->netns_id == netns_id && i->ifindex == ifindex)
			return i;
	}
	return NULL;
}

struct xdp_state {
	unsigned int ifindex;
	struct bpf_xdp_query_opts q;
};

static int query_xdp(void *arg)
{
	struct xdp_state *s = arg;

	s->q.sz = sizeof(s->q);
	return bpf_xdp_query((int)s->ifindex, 0, &s->q) ? -errno : 0;
}

struct xdp_attach {
	int prog_fd;
	unsigned int ifindex;
	__u32 flags;
	int link_fd;
};

/* XDP links resolve the ifindex in the caller's netns, so this runs inside it. */
static int attach_xdp(void *arg)
{
	struct xdp_attach *a = arg;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = a->flags);

	a->link_fd = bpf_link_create(a->prog_fd, (int)a->ifindex, BPF_XDP, &opts);
	return a->link_fd < 0 ? -errno : 0;
}

static void describe_prog(__u32 id, char *buf, size_t size)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && !prog_info(fd, &info))
		snprintf(buf, size, "%u '%s'", id, info.name);
	else
		snprintf(buf, size, "%u", id);
	if (fd >= 0)
		close(fd);
}

/* Resolve ref, check nobody manages it yet, and make the (unlinked) iface. */
static int iface_begin(struct pn_engine *e, const struct pn_iface_ref *ref, struct resolved *r,
		       struct pn_iface **ifcp)
{
	int err;

	/*
	 * A queued release removes rev-N by path; finish them before this
	 * (netns id, ifindex), which may be a reused one, gets pins again.
	 */
	pn_retire__drain(e->retire);
	err = resolve(e, ref, r);
	if (err)
		return err;
	if (iface_find(e, r->ns.id, r->ifindex))
		err = fail(e, -EEXIST, "interface '%s' (netns %llu, ifindex %u): already managed",
			   r->ifname, (unsigned long long)r->ns.id, r->ifindex);
	else if (!(*ifcp = iface_new(e, r)))
		err = fail(e, -ENOMEM, "interface '%s': out of memory", r->ifname);
	if (err)
		pn_netns_close(&r->ns);
	return err;
}

/* Release an iface's handles (not its pins) and free it; it must be unlinked. */
static void iface_discard(struct pn_iface *ifc)
{
	for (size_t i = 0; i < ifc->nslots; i++)
		pn_prog_cache__put(ifc->engine->progs, ifc->slots[i].owner);
	revision_release(&ifc->cur);
	if (ifc->root_link_fd >= 0)
		close(ifc->root_link_fd);
	free(ifc);
}

/* Read back the mode the kernel attached the dispatcher in. */
static int iface_query_mode(struct pn_iface *ifc, const struct pn_netns *ns)
{
	struct xdp_state st = {.ifindex = ifc->ifindex};
	int err = pn_netns_call(ns, query_xdp, &st);

	if (err)
		return fail(ifc->engine, err, IFACE_FMT ": cannot query its XDP state: %s",
			    IFACE_ARGS(ifc), strerror(-err));
	ifc->mode = st.q.attach_mode == XDP_ATTACHED_SKB ? PN_XDP_MODE_GENERIC : PN_XDP_MODE_NATIVE;
	return 0;
}

/* A pinned root link left by an interface of the same index that no longer exists? */
static int clear_stale_pins(struct pn_engine *e, struct pn_iface *ifc)
{
	struct bpf_link_info li;
	char path[PINPATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	fd = bpf_obj_get(path);
	/* Only a link that is provably not this interface's may be cleared away. */
	if (fd < 0 && errno != ENOENT)
		return fail(e, -errno, IFACE_FMT ": cannot open pinned link %s: %s",
			    IFACE_ARGS(ifc), path, strerror(errno));
	if (fd >= 0) {
		err = link_info(fd, &li);
		close(fd);
		if (err)
			return fail(e, err, IFACE_FMT ": pinned link %s: %s", IFACE_ARGS(ifc), path,
				    strerror(-err));
		if (li.type == BPF_LINK_TYPE_XDP && li.xdp.ifindex == ifc->ifindex)
			return fail(e, -EEXIST,
				    IFACE_FMT ": plugnet's dispatcher is already attached (pinned "
					      "at %s); adopt it instead",
				    IFACE_ARGS(ifc), path);
	}
	err = pn_bpffs_remove_tree(ifc->dir);
	if (err)
		return fail(e, err, IFACE_FMT ": cannot remove stale pins in %s: %s",
			    IFACE_ARGS(ifc), ifc->dir, strerror(-err));
	return 0;
}

int pn_engine__install(struct pn_engine *e, const struct pn_iface_ref *ref, enum pn_xdp_mode mode,
		       struct pn_iface **ifacep)
{
	struct plugnet_dispatcher_config cfg;
	struct xdp_state st = {};
	struct xdp_attach at = {.link_fd = -1};
	char path[PINPATH_MAX], prog[64];
	struct pn_iface *ifc = NULL;
	struct resolved r;
	int err;

	err = iface_begin(e, ref, &r, &ifc);
	if (err)
		return err;
	err = clear_stale_pins(e, ifc);
	if (err)
		goto out;

	st.ifindex = r.ifindex;
	err = pn_netns_call(&r.ns, query_xdp, &st);
	if (err) {
		fail(e, err, IFACE_FMT ": cannot query its XDP state: %s", IFACE_ARGS(ifc),
		     strerror(-err));
		goto out;
	}
	if (st.q.prog_id || st.q.drv_prog_id || st.q.skb_prog_id || st.q.hw_prog_id) {
		__u32 id = st.q.prog_id ? st.q.prog_id
					: (st.q.drv_prog_id ? st.q.drv_prog_id
							    : (st.q.skb_prog_id ? st.q.skb_prog_id
										: st.q.hw_prog_id));

		describe_prog(id, prog, sizeof(prog));
		err = fail(e, -EEXIST,
			   IFACE_FMT ": XDP program %s is already attached; plugnet does not "
				     "replace a program it does not own",
			   IFACE_ARGS(ifc), prog);
		goto out;
	}

	err = pn_slots_build_config(NULL, 0, 1, 1, &cfg);
	if (!err)
		err = revision_load(ifc, &cfg, &ifc->cur);
	if (err)
		goto out;

	at.prog_fd = ifc->cur.prog_fd;
	at.ifindex = r.ifindex;
	at.flags = mode == PN_XDP_MODE_NATIVE    ? XDP_FLAGS_DRV_MODE
		   : mode == PN_XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
						 : 0;
	err = pn_netns_call(&r.ns, attach_xdp, &at);
	if (err) {
		fail(e, err, IFACE_FMT ": cannot attach the dispatcher in %s mode: %s%s",
		     IFACE_ARGS(ifc), mode_name(mode), strerror(-err),
		     err == -EOPNOTSUPP ? " (the driver has no native XDP; try generic)" : "");
		goto out;
	}
	ifc->root_link_fd = at.link_fd;

	err = iface_query_mode(ifc, &r.ns);
	if (err)
		goto out;

	/* Pinned last: until then, a crash lets the kernel drop everything with our fds. */
	err = pn_bpffs_mkdir(ifc->dir);
	if (!err)
		err = revision_pin(ifc, &ifc->cur);
	if (!err) {
		snprintf(path, sizeof(path), "%s/link", ifc->dir);
		err = pn_bpffs_pin(ifc->root_link_fd, path);
	}
	if (err) {
		fail(e, err, IFACE_FMT ": cannot pin the dispatcher under %s: %s", IFACE_ARGS(ifc),
		     ifc->dir, strerror(-err));
		(void)pn_bpffs_remove_tree(ifc->dir);
		goto out;
	}
	pn_log_info(IFACE_FMT ": dispatcher attached (%s mode, link pinned at %s)", IFACE_ARGS(ifc),
		    mode_name(ifc->mode), path);
	iface_link(ifc);
	*ifacep = ifc;
	ifc = NULL;
out:
	if (ifc)
		iface_discard(ifc);
	pn_netns_close(&r.ns);
	return err;
}

/* Remove revision directories other than the live one: leftovers of a crash mid-revision. */
static void remove_other_revisions(struct pn_iface *ifc)
{
	char keep[32];
	struct dirent *de;
	DIR *dir = opendir(ifc->dir);

	if (!dir)
		return;
	snprintf(keep, sizeof(keep), "rev-%llu", (unsigned long long)ifc->cur.cfg.revision);
	while ((de = readdir(dir))) {
		char path[IFDIR_MAX + 260];

		if (strncmp(de->d_name, "rev-", 4) || !strcmp(de->d_name, keep))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ifc->dir, de->d_name);
		pn_log_info(IFACE_FMT ": removing unfinished revision %s", IFACE_ARGS(ifc), path);
		(void)pn_bpffs_remove_tree(path);
	}
	closedir(dir);
}

static int read_dispatcher_config(int prog_fd, struct plugnet_dispatcher_config *cfg)
{
	struct bpf_prog_info info;
	__u32 map_id, zero = 0;
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo);
	int err, map_fd;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 1;
	info.map_ids = (__u64)(unsigned long)&map_id;
	{
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
			return -errno;
	}
	if (info.nr_map_ids != 1 || strcmp(info.name, PLUGNET_DISPATCHER_PROG_NAME))
		return -EPROTO;
	map_fd = bpf_map_get_fd_by_id(map_id);
	if (map_fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(map_fd, &minfo, &mlen) ? -errno : 0;
	if (!err && minfo.value_size != sizeof(*cfg))
		err = -EPROTO;
	if (!err && bpf_map_lookup_elem(map_fd, &zero, cfg))
		err = -errno;
	close(map_fd);
	return err ? err : pn_slots_check_config(cfg);
}

int pn_engine__adopt(struct pn_engine *e, const struct pn_iface_ref *ref, struct pn_iface **ifacep)
{
	struct bpf_link_info li;
	char path[PINPATH_MAX], dir[REVDIR_MAX];
	struct pn_iface *ifc = NULL;
	struct resolved r;
	int err;

	err = iface_begin(e, ref, &r, &ifc);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	ifc->root_link_fd = bpf_obj_get(path);
	if (ifc->root_link_fd < 0) {
		err = fail(e, -errno, IFACE_FMT ": no pinned dispatcher link at %s: %s",
			   IFACE_ARGS(ifc), path, strerror(errno));
		goto out;
	}
	err = link_info(ifc->root_link_fd, &li);
	if (!err && (li.type != BPF_LINK_TYPE_XDP || li.xdp.ifindex != r.ifindex))
		err = -ESTALE;
	if (err) {
		fail(e, err, IFACE_FMT ": pinned link %s is not this interface's XDP link%s",
		     IFACE_ARGS(ifc), path,
		     err == -ESTALE ? " (the interface it belonged to is gone)" : "");
		goto out;
	}
	ifc->cur.prog_fd = bpf_prog_get_fd_by_id(li.prog_id);
	if (ifc->cur.prog_fd < 0) {
		err = fail(e, -errno, IFACE_FMT ": dispatcher program %u: %s", IFACE_ARGS(ifc),
			   li.prog_id, strerror(errno));
		goto out;
	}
	err = read_dispatcher_config(ifc->cur.prog_fd, &ifc->cur.cfg);
	if (!err)
		err = read_slot_btf_ids(ifc->cur.prog_fd, ifc->cur.slot_btf_id);
	if (err) {
		fail(e, err,
		     IFACE_FMT ": program %u on the pinned link is not a plugnet dispatcher "
			       "of version %u: %s",
		     IFACE_ARGS(ifc), li.prog_id, PLUGNET_DISPATCHER_VERSION, strerror(-err));
		goto out;
	}
	rev_dir(ifc, ifc->cur.cfg.revision, dir, sizeof(dir));
	for (__u32 i = 0; i < ifc->cur.cfg.num_slots; i++) {
		struct pn_slot_entry *s = &ifc->slots[i];
		struct pn_prog *prog;
		int prog_fd;

		snprintf(path, sizeof(path), "%s/slot-%u", dir, i);
		ifc->cur.link_fds[i] = bpf_obj_get(path);
		err = ifc->cur.link_fds[i] < 0 ? -errno : link_info(ifc->cur.link_fds[i], &li);
		prog_fd = err ? -1 : bpf_prog_get_fd_by_id(li.prog_id);
		if (!err && prog_fd < 0)
			err = -errno;
		if (!err) {
			err = pn_prog_cache__adopt(e->progs, prog_fd,
						   ifc->cur.cfg.frags_slots & (1ULL << i), &prog);
			close(prog_fd);
		}
		if (err) {
			fail(e, err, IFACE_FMT ": revision %llu slot %u (%s): %s", IFACE_ARGS(ifc),
			     (unsigned long long)ifc->cur.cfg.revision, i, path, strerror(-err));
			goto out;
		}
		s->attach_id = ifc->cur.cfg.attach_id[i];
		s->priority = ifc->cur.cfg.priority[i];
		s->proceed_on = ifc->cur.cfg.proceed_on[i] & ~(1U << PLUGNET_SLOT_EMPTY);
		s->frags = pn_prog__frags(prog);
		s->owner = prog;
		ifc->nslots = i + 1;
	}
	err = iface_query_mode(ifc, &r.ns);
	if (err)
		goto out;
	remove_other_revisions(ifc);
	pn_log_info(IFACE_FMT ": adopted revision %llu with %zu slots", IFACE_ARGS(ifc),
		    (unsigned long long)ifc->cur.cfg.revision, ifc->nslots);
	iface_link(ifc);
	*ifacep = ifc;
	ifc = NULL;
out:
	if (ifc)
		iface_discard(ifc);
	pn_netns_close(&r.ns);
	return err;
}

static int read_file(const char *path, void **data, size_t *size)
{
	struct stat st;
	void *buf;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (64 << 20)) {
		err = -EINVAL;
	} else if (!(buf = malloc((size_t)st.st_size))) {
		err = -ENOMEM;
	} else {
		n = read(fd, buf, (size_t)st.st_size);
		if (n != st.st_size) {
			err = n < 0 ? -errno : -EIO;
			free(buf);
		} else {
			*data = buf;
			*size = (size_t)n;
		}
	}
	close(fd);
	return err;
}

int pn_iface__plug(struct pn_iface *ifc, const struct pn_slot_spec *spec, __u32 *attach_id)
{
	struct pn_engine *e = ifc->engine;
	struct pn_slot_entry slots[PLUGNET_MAX_SLOTS + 1];
	const void *elf = spec->elf;
	size_t elf_size = spec->elf_size;
	void *file = NULL;
	char msg[ERR_SIZE - 128];
	struct pn_prog *prog;
	__u32 id = ifc->cur.cfg.next_attach_id;
	int err;

	if (ifc->nslots >= PLUGNET_MAX_SLOTS)
		return fail(e, -ENOSPC, IFACE_FMT ": all %d slots are in use", IFACE_ARGS(ifc),
			    PLUGNET_MAX_SLOTS);
	if (spec->elf_path) {
		err = read_file(spec->elf_path, &file, &elf_size);
		if (err)
			return fail(e, err,
				    IFACE_FMT ": program '%s': cannot read object file '%s': %s",
				    IFACE_ARGS(ifc), spec->prog_name ? spec->prog_name : "?",
				    spec->elf_path,
				    err == -EINVAL ? "not a regular, non-empty file under 64 MiB"
						   : strerror(-err));
		elf = file;
	}
	/* Any dispatcher verifies the program: every slot stub has the same signature. */
	err = pn_prog_cache__get(e->progs, elf, elf_size, spec->prog_name, ifc->cur.prog_fd,
				 "slot0", &prog, msg, sizeof(msg));
	free(file);
	if (err)
		return fail(e, err, IFACE_FMT ": %s", IFACE_ARGS(ifc), msg);

	memcpy(slots, ifc->slots, ifc->nslots * sizeof(*slots));
	slots[ifc->nslots] = (struct pn_slot_entry){
		.attach_id = id,
		.priority = spec->priority,
		.proceed_on = spec->proceed_on ? spec->proceed_on : PN_PROCEED_ON_DEFAULT,
		.frags = pn_prog__frags(prog),
		.owner = prog,
	};
	pn_slots_sort(slots, ifc->nslots + 1);
	err = iface_commit(ifc, slots, ifc->nslots + 1, id + 1);
	if (err) {
		pn_prog_cache__put(e->progs, prog);
		return err;
	}
	pn_log_info(IFACE_FMT ": plugged program '%s' (attach id %u, priority %d)", IFACE_ARGS(ifc),
		    pn_prog__name(prog), id, spec->priority);
	if (attach_id)
		*attach_id = id;
	return 0;
}

int pn_iface__unplug(struct pn_iface *ifc, __u32 attach_id)
{
	struct pn_engine *e = ifc->engine;
	struct pn_slot_entry slots[PLUGNET_MAX_SLOTS];
	struct pn_prog *prog = NULL;
	size_t n = 0;
	int err;

	for (size_t i = 0; i < ifc->nslots; i++) {
		if (ifc->slots[i].attach_id == attach_id)
			prog = ifc->slots[i].owner;
		else
			slots[n++] = ifc->slots[i];
	}
	if (!prog)
		return fail(e, -ENOENT, IFACE_FMT ": no slot with attach id %u", IFACE_ARGS(ifc),
			    attach_id);
	err = iface_commit(ifc, slots, n, ifc->cur.cfg.next_attach_id);
	if (err)
		return err;
	pn_log_info(IFACE_FMT ": unplugged program '%s' (attach id %u)", IFACE_ARGS(ifc),
		    pn_prog__name(prog), attach_id);
	pn_prog_cache__put(e->progs, prog);
	return 0;
}

static bool stats_enabled(void)
{
	char c = '0';
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

int pn_iface__describe(const struct pn_iface *ifc, struct pn_iface_info *info)
{
	struct pn_engine *e = ifc->engine;
	struct bpf_prog_info pi;
	struct bpf_link_info li;
	int err;

	memset(info, 0, sizeof(*info));
	info->netns_id = ifc->netns_id;
	info->ifindex = ifc->ifindex;
	snprintf(info->ifname, sizeof(info->ifname), "%s", ifc->ifname);
	info->mode = ifc->mode;
	info->frags = ifc->cur.cfg.flags & PLUGNET_DISPATCHER_F_FRAGS;
	info->revision = ifc->cur.cfg.revision;
	info->stats_enabled = stats_enabled();
	err = link_info(ifc->root_link_fd, &li);
	if (err)
		return fail(e, err, IFACE_FMT ": root link: %s", IFACE_ARGS(ifc), strerror(-err));
	info->root_link_id = li.id;
	info->root_prog_id = li.prog_id;
	info->defunct = li.xdp.ifindex == 0;
	err = prog_info(ifc->cur.prog_fd, &pi);
	if (err)
		return fail(e, err, IFACE_FMT ": dispatcher program: %s", IFACE_ARGS(ifc),
			    strerror(-err));
	info->dispatcher_prog_id = pi.id;
	info->run_cnt = pi.run_cnt;
	info->run_time_ns = pi.run_time_ns;
	info->num_slots = (__u32)ifc->nslots;
	for (__u32 i = 0; i < ifc->nslots; i++) {
		const struct pn_slot_entry *s = &ifc->slots[i];
		struct pn_slot_info *o = &info->slots[i];

		o->index = i;
		o->attach_id = s->attach_id;
		o->priority = s->priority;
		o->proceed_on = s->proceed_on;
		o->frags = s->frags;
		err = prog_info(pn_prog__fd(s->owner), &pi);
		if (!err)
			err = link_info(ifc->cur.link_fds[i], &li);
		if (err)
			return fail(e, err, IFACE_FMT ": slot %u: %s", IFACE_ARGS(ifc), i,
				    strerror(-err));
		o->prog_id = pi.id;
		snprintf(o->prog_name, sizeof(o->prog_name), "%s", pi.name);
		for (int b = 0; b < BPF_TAG_SIZE; b++)
			snprintf(o->prog_tag + 2 * b, 3, "%02x", pi.tag[b]);
		o->link_id = li.id;
		o->run_cnt = pi.run_cnt;
		o->run_time_ns = pi.run_time_ns;
	}
	return 0;
}

static void iface_unlink(struct pn_iface *ifc)
{
	for (struct pn_iface **p = &ifc->engine->ifaces; *p; p = &(*p)->next) {
		if (*p == ifc) {
			*p = ifc->next;
			return;
		}
	}
}

void pn_iface__close(struct pn_iface *ifc)
{
	if (!ifc)
		return;
	iface_unlink(ifc);
	iface_discard(ifc);
}

int pn_iface__remove(struct pn_iface *ifc)
{
	struct pn_engine *e = ifc->engine;
	int err;

	char path[PINPATH_MAX], *slash;

	/* Replaced revisions still waiting for release live under the same directory. */
	pn_retire__drain(e->retire);
	/*
	 * The root link first: if we die after this, what is left pins no
	 * attachment and install clears it; the other way round, a crash could
	 * leave the root pinned with its slots gone.
	 */
	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	if (unlink(path) && errno != ENOENT)
		return fail(e, -errno, IFACE_FMT ": cannot unpin %s: %s", IFACE_ARGS(ifc), path,
			    strerror(errno));
	/* Without its pins, closing our fds releases the links and detaches the dispatcher. */
	err = pn_bpffs_remove_tree(ifc->dir);
	if (err)
		return fail(e, err, IFACE_FMT ": cannot remove its pins under %s: %s",
			    IFACE_ARGS(ifc), ifc->dir, strerror(-err));
	/* The netns directory goes with its last interface. */
	snprintf(path, sizeof(path), "%s", ifc->dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		(void)rmdir(path);
	}
	pn_log_info(IFACE_FMT ": dispatcher removed", IFACE_ARGS(ifc));
	pn_iface__close(ifc);
	return 0;
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
