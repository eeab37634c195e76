// SPDX-License-Identifier: Apache-2.0
/* Building dispatcher revisions, and the swap of the root link from one to the next. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_error.h"
#include "bpffs.h"
#include "engine_internal.h"
#include "prog_cache.h"
#include "retire.h"

void revision_init(struct revision *rev)
{
	memset(rev, 0, sizeof(*rev));
	rev->prog_fd = -1;
	for (int i = 0; i < PLUGNET_CONFIG_SLOTS; i++)
		rev->link_fds[i] = -1;
}

void revision_release(struct revision *rev)
{
	for (int i = 0; i < PLUGNET_CONFIG_SLOTS; i++) {
		if (rev->link_fds[i] >= 0)
			close(rev->link_fds[i]);
	}
	if (rev->prog_fd >= 0)
		close(rev->prog_fd);
	revision_init(rev);
}

/* Every revision comes from the same object: read the slot BTF ids from the kernel once. */
static int slot_btf_ids(struct pn_engine *e, int prog_fd, __u32 ids[PLUGNET_CONFIG_SLOTS])
{
	int err = 0;

	pthread_mutex_lock(&e->slot_btf_lock);
	if (!e->have_slot_btf_ids) {
		err = read_slot_btf_ids(prog_fd, e->slot_btf_id);
		e->have_slot_btf_ids = !err;
	}
	if (!err)
		memcpy(ids, e->slot_btf_id, sizeof(e->slot_btf_id));
	pthread_mutex_unlock(&e->slot_btf_lock);
	return err;
}

/*
 * Open the engine's dispatcher object with cfg frozen into its .rodata,
 * and its counters map set up: the interface's own when cfg counts, else
 * not created at all, so that the program has no reference to it (the
 * verifier drops the code that uses it). *why says what failed.
 */
static int dispatcher_open(const struct pn_iface *ifc, const struct plugnet_dispatcher_config *cfg,
			   struct bpf_object **objp, struct bpf_program **progp, const char **why)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "plugnet_dispatcher");
	const struct pn_engine *e = ifc->engine;
	struct bpf_object *obj;
	struct bpf_map *rodata, *counters;
	int err = 0;

	*why = NULL;
	obj = bpf_object__open_mem(e->dispatcher_elf, e->dispatcher_elf_size, &opts);
	if (!obj)
		return -errno;
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	counters = bpf_object__find_map_by_name(obj, PLUGNET_COUNTERS_MAP_NAME);
	*progp = bpf_object__find_program_by_name(obj, PLUGNET_DISPATCHER_PROG_NAME);
	if (!rodata || !*progp || bpf_map__value_size(rodata) != sizeof(*cfg)) {
		err = -EPROTO;
		*why = "not a plugnet dispatcher of this version";
	} else if (cfg->flags & PLUGNET_DISPATCHER_F_STATS) {
		err = counters ? bpf_map__reuse_fd(counters, ifc->counters_fd) : -ENOENT;
		if (err)
			*why = counters ? "cannot use the interface's counters map"
					: "the object has no counters map, and counting is on";
	} else if (counters) {
		err = bpf_map__set_autocreate(counters, false);
	}
	if (!err)
		err = bpf_map__set_initial_value(rodata, cfg, sizeof(*cfg));
	if (err) {
		bpf_object__close(obj);
		return err;
	}
	*objp = obj;
	return 0;
}

int revision_load(struct pn_iface *ifc, const struct plugnet_dispatcher_config *want,
		  struct revision *rev)
{
	/* Generous: the dispatcher only fails to verify if something is badly wrong. */
	const size_t log_size = 1U << 20;
	struct pn_engine *e = ifc->engine;
	const struct plugnet_dispatcher_config *cfg;
	struct bpf_program *prog = NULL;
	struct bpf_object *obj = NULL;
	char why[128], tail[PN_VERIFIER_TAIL + 8] = "";
	const char *open_why;
	char *vlog = NULL;
	int err;

	revision_init(rev);
	rev->cfg = *want;
	/* Without kernel support the dispatcher runs single-buffer, and its configuration says so.
	 */
	if (!e->features.xdp_frags)
		rev->cfg.flags &= ~PLUGNET_DISPATCHER_F_FRAGS;
	if (__atomic_load_n(&e->slot_stats, __ATOMIC_RELAXED))
		rev->cfg.flags |= PLUGNET_DISPATCHER_F_STATS;
	else
		rev->cfg.flags &= ~PLUGNET_DISPATCHER_F_STATS;
	cfg = &rev->cfg;
	err = dispatcher_open(ifc, cfg, &obj, &prog, &open_why);
	if (err)
		return pn_fail(err,
			       IFACE_FMT ": dispatcher revision %llu: cannot open the dispatcher "
					 "object: %s%s%s",
			       IFACE_ARGS(ifc), (unsigned long long)cfg->revision,
			       open_why ? open_why : strerror(-err), open_why ? ": " : "",
			       open_why ? strerror(-err) : "");
	if (cfg->flags & PLUGNET_DISPATCHER_F_FRAGS)
		err = bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_HAS_FRAGS);
	vlog = calloc(1, log_size);
	if (!err && vlog)
		err = bpf_program__set_log_buf(prog, vlog, log_size);
	if (!err)
		err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		err = pn_bpf_error(err, why, sizeof(why));
		pn_verifier_log_tail(vlog ? vlog : "", tail, sizeof(tail));
		free(vlog);
		return pn_fail(err,
			       IFACE_FMT
			       ": dispatcher revision %llu with %u slots: load failed (%s)%s%s",
			       IFACE_ARGS(ifc), (unsigned long long)cfg->revision, cfg->num_slots,
			       why, tail[0] ? "; verifier log: " : "", tail);
	}
	free(vlog);
	rev->prog_fd = fcntl(bpf_program__fd(prog), F_DUPFD_CLOEXEC, 0);
	err = rev->prog_fd < 0 ? -errno : 0;
	bpf_object__close(obj);
	if (!err)
		err = slot_btf_ids(e, rev->prog_fd, rev->slot_btf_id);
	if (err) {
		revision_release(rev);
		return pn_fail(err, IFACE_FMT ": dispatcher revision %llu: %s", IFACE_ARGS(ifc),
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

int revision_pin(const struct pn_iface *ifc, const struct revision *rev)
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
		pr_warn("%s: cannot remove the pins of replaced revision %s: %s", r->what, r->dir,
			strerror(-err));
	revision_release(&r->rev);
	free(r);
}

static const char *single_buffer_prog(const struct pn_slot_entry *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!slots[i].frags)
			return pn_prog__name(slots[i].owner);
	}
	return "?";
}

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

static int swap_failed(struct pn_iface *ifc, int err, const struct plugnet_dispatcher_config *cfg,
		       const struct pn_slot_entry *slots, size_t n)
{
	struct iface_probe p;
	char holder[64];

	switch (err) {
	case -ENOLINK:
		/* The link lost its device: a host tool detached it, or the interface went. */
		if (!iface_probe(ifc, &p, NULL) && p.state != PN_IFACE_GONE)
			return pn_fail(
				err,
				IFACE_FMT ": revision %llu not applied: its root link %u "
					  "was detached (by a host tool) and the interface is "
					  "%s; pn_iface__reattach() attaches it again; nothing "
					  "changed",
				IFACE_ARGS(ifc), (unsigned long long)cfg->revision, p.link.id,
				p.state == PN_IFACE_DISPLACED ? "now held by another program"
							      : "free");
		return pn_fail(err,
			       IFACE_FMT ": the interface is gone (deleted while its dispatcher "
					 "was attached); nothing changed",
			       IFACE_ARGS(ifc));
	case -ERANGE:
		if (cfg->flags & PLUGNET_DISPATCHER_F_FRAGS)
			break;
		return pn_fail(err,
			       IFACE_FMT ": the driver refused a single-buffer dispatcher (its MTU "
					 "needs multi-buffer XDP), and program '%s' is not "
					 "frags-capable (SEC(\"xdp.frags\")); nothing changed",
			       IFACE_ARGS(ifc), single_buffer_prog(slots, n));
	case -EPERM:
		return pn_fail(err,
			       IFACE_FMT ": revision %llu not applied: the root link no longer "
					 "runs revision %llu (program %s was put there behind "
					 "plugnet's back); nothing changed",
			       IFACE_ARGS(ifc), (unsigned long long)cfg->revision,
			       (unsigned long long)ifc->cur.cfg.revision,
			       link_prog(ifc->root_link_fd, holder, sizeof(holder)));
	}
	return pn_fail(err, IFACE_FMT ": swapping revision %llu for %llu failed: %s",
		       IFACE_ARGS(ifc), (unsigned long long)ifc->cur.cfg.revision,
		       (unsigned long long)cfg->revision, strerror(-err));
}

int iface_commit(struct pn_iface *ifc, struct pn_slot_entry *slots, size_t n, __u32 next_attach_id)
{
	struct pn_engine *e = ifc->engine;
	LIBBPF_OPTS(bpf_link_update_opts, uopts);
	struct plugnet_dispatcher_config cfg;
	__u64 number = ifc->cur.cfg.revision + 1;
	struct retired *old;
	struct revision next;
	int err;

	if (n > e->slot_count)
		return pn_fail(-ENOSPC, IFACE_FMT ": %zu slots requested, the dispatcher has %u",
			       IFACE_ARGS(ifc), n, e->slot_count);
	err = pn_slots_build_config(slots, n, number, next_attach_id, &cfg);
	if (err)
		return pn_fail(err, IFACE_FMT ": %zu slots requested, the configuration holds %d",
			       IFACE_ARGS(ifc), n, PLUGNET_CONFIG_SLOTS);
	/* Allocated up front: once the swap is done, retiring revision N must not fail. */
	old = malloc(sizeof(*old));
	if (!old)
		return pn_fail(-ENOMEM, IFACE_FMT ": out of memory", IFACE_ARGS(ifc));
	err = revision_load(ifc, &cfg, &next);
	if (err) {
		free(old);
		return err;
	}
	for (__u32 i = 0; i < n; i++) {
		const struct pn_prog *prog = slots[i].owner;

		err = revision_attach(&next, i, pn_prog__fd(prog));
		if (err) {
			pn_fail(err,
				IFACE_FMT
				": revision %llu: cannot attach program '%s' to slot %u: %s",
				IFACE_ARGS(ifc), (unsigned long long)number, pn_prog__name(prog), i,
				strerror(-err));
			goto err_release;
		}
	}
	err = revision_pin(ifc, &next);
	if (err) {
		pn_fail(err, IFACE_FMT ": revision %llu: cannot pin under %s: %s", IFACE_ARGS(ifc),
			(unsigned long long)number, ifc->dir, strerror(-err));
		goto err_unpin;
	}
	if (e->hooks.before_swap)
		e->hooks.before_swap(e->hooks.arg);

	/* The cmpxchg: refused if anyone swapped the root program behind our back. */
	uopts.old_prog_fd = ifc->cur.prog_fd;
	uopts.flags = BPF_F_REPLACE;
	if (bpf_link_update(ifc->root_link_fd, next.prog_fd, &uopts)) {
		err = swap_failed(ifc, -errno, &next.cfg, slots, n);
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
	pr_debug(IFACE_FMT ": now on revision %llu with %zu slots", IFACE_ARGS(ifc),
		 (unsigned long long)number, n);
	return 0;

err_unpin:
	revision_unpin(ifc, number);
err_release:
	revision_release(&next);
	free(old);
	return err;
}
