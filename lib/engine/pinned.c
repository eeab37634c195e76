// SPDX-License-Identifier: Apache-2.0
/*
 * Interfaces known only by their pins: listing everything pinned under the
 * pin root, and removing an interface the engine holds no handle for. The
 * agent needs both at start, to remove what is pinned but not in its
 * records, whose netns may be long gone.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>

#include "bpffs.h"
#include "engine_internal.h"

#define PINNED_FMT "interface '%s' (netns %llu, ifindex %u) pinned at %s"
#define PINNED_ARGS(i)                                                                       \
	(i)->ifname[0] ? (i)->ifname : "?", (unsigned long long)(i)->netns_id, (i)->ifindex, \
		(i)->dir

/* A decimal number as the engine writes them in pin paths: digits only, no leading zero. */
static bool parse_id(const char *s, __u64 *v)
{
	char *end;

	if (!*s || s[0] == '0' || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* What one pin directory holds, read from the pins and the kernel objects behind them. */
static void read_pinned(struct pn_engine *e, struct pn_pinned_iface *pi)
{
	struct plugnet_dispatcher_config cfg;
	struct plugnet_iface_meta m;
	struct bpf_link_info li;
	char path[PINPATH_MAX];
	__u32 link_prog = 0;
	int fd;

	if (!meta_read(pi->pin_dir, &m))
		snprintf(pi->ifname, sizeof(pi->ifname), "%s", m.ifname);
	snprintf(path, sizeof(path), "%s/link", pi->pin_dir);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (!link_info(fd, &li) && li.type == BPF_LINK_TYPE_XDP) {
			pi->link_attached = li.xdp.ifindex != 0;
			link_prog = li.prog_id;
		}
		close(fd);
	}
	if (!pinned_dispatcher(pi->pin_dir, link_prog, &fd, &cfg)) {
		pi->revision = cfg.revision;
		pi->num_slots = cfg.num_slots;
		close(fd);
	}
	pi->held = iface_held(e, pi->netns_id, pi->ifindex);
}

/* List the interfaces pinned under one netns directory. */
static int list_netns(struct pn_engine *e, __u64 netns_id, pn_pinned_fn_t fn, void *ctx)
{
	char nsdir[IFDIR_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	snprintf(nsdir, sizeof(nsdir), "%s/%llu", e->pin_root, (unsigned long long)netns_id);
	d = opendir(nsdir);
	if (!d) /* removed meanwhile, with its last interface; or not a directory */
		return 0;
	while (!ret && (de = readdir(d))) {
		struct pn_pinned_iface pi = {.netns_id = netns_id};
		struct stat st;
		__u64 ifindex;

		if (!parse_id(de->d_name, &ifindex) || ifindex > UINT_MAX)
			continue;
		pi.ifindex = (unsigned int)ifindex;
		snprintf(pi.pin_dir, sizeof(pi.pin_dir), "%s/%llu/%u", e->pin_root,
			 (unsigned long long)netns_id, pi.ifindex);
		if (stat(pi.pin_dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		read_pinned(e, &pi);
		ret = fn(&pi, ctx);
	}
	closedir(d);
	return ret;
}

int pn_engine__list_pinned(struct pn_engine *e, pn_pinned_fn_t fn, void *ctx)
{
	struct dirent *de;
	int ret = 0;
	DIR *root;

	pn_error_clear();
	root = opendir(e->pin_root);
	if (!root)
		return pn_fail(-errno, "pin root '%s': cannot list it: %s", e->pin_root,
			       strerror(errno));
	while (!ret && (de = readdir(root))) {
		__u64 netns_id;

		if (parse_id(de->d_name, &netns_id))
			ret = list_netns(e, netns_id, fn, ctx);
	}
	closedir(root);
	return ret;
}

/*
 * Open what is pinned, as far as it is there (a crash may have left part
 * of it): the root link, to detach it, and the dispatcher, to say what
 * goes. The slot links and programs go with their pins; the index of
 * loaded programs drops their entries once it finds them dead, as it does
 * for every adopted program.
 */
static void open_pins(struct pn_iface *ifc)
{
	struct bpf_link_info li;
	char path[PINPATH_MAX];
	__u32 link_prog = 0;
	int err;

	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	ifc->root_link_fd = bpf_obj_get(path);
	if (ifc->root_link_fd >= 0 && !link_info(ifc->root_link_fd, &li))
		link_prog = li.prog_id;
	err = pinned_dispatcher(ifc->dir, link_prog, &ifc->cur.prog_fd, &ifc->cur.cfg);
	if (err)
		pr_debug(PINNED_FMT ": no dispatcher pinned (%s)", PINNED_ARGS(ifc),
			 strerror(-err));
}

/*
 * Unpin and detach; the caller holds ifc's lock. *touched: something was
 * removed (else the pins are as they were).
 */
static int remove_locked(struct pn_iface *ifc, bool *was_attached, bool *touched)
{
	char path[PINPATH_MAX], *slash;
	struct bpf_link_info li;
	int err, detach_err = 0;

	/* As pn_iface__remove: the root link first, so no crash leaves it without its slots. */
	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	if (unlink(path) && errno != ENOENT)
		return pn_fail(-errno, PINNED_FMT ": cannot unpin %s: %s; nothing changed",
			       PINNED_ARGS(ifc), path, strerror(errno));
	*touched = true;
	err = pn_bpffs_remove_tree(ifc->dir);
	/* Explicitly: another holder of the link (bpftool, say) would keep it attached. */
	if (ifc->root_link_fd >= 0) {
		*was_attached = !link_info(ifc->root_link_fd, &li) && li.xdp.ifindex != 0;
		if (bpf_link_detach(ifc->root_link_fd) && errno != ENOLINK)
			detach_err = -errno;
	}
	snprintf(path, sizeof(path), "%s", ifc->dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		(void)rmdir(path); /* the netns directory goes with its last interface */
	}
	if (err)
		return pn_fail(err,
			       PINNED_FMT ": root link unpinned%s, but pins remain under it: %s; "
					  "removing it again clears them",
			       PINNED_ARGS(ifc), detach_err ? "" : " and detached", strerror(-err));
	if (detach_err)
		return pn_fail(detach_err,
			       PINNED_FMT ": unpinned, but detaching the root link failed: %s",
			       PINNED_ARGS(ifc), strerror(-detach_err));
	return 0;
}

int pn_engine__remove_pinned(struct pn_engine *e, __u64 netns_id, unsigned int ifindex)
{
	char dir[IFDIR_MAX], held[IF_NAMESIZE];
	struct plugnet_iface_meta m;
	bool was_attached = false, touched = false;
	struct pn_iface *ifc;
	struct stat st;
	__u32 nslots;
	int err;

	pn_error_clear();
	snprintf(dir, sizeof(dir), "%s/%llu/%u", e->pin_root, (unsigned long long)netns_id,
		 ifindex);
	if (stat(dir, &st))
		return pn_fail(-errno,
			       "interface (netns %llu, ifindex %u): nothing pinned at %s: %s",
			       (unsigned long long)netns_id, ifindex, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pn_fail(-ENOTDIR,
			       "interface (netns %llu, ifindex %u): %s is no pin directory",
			       (unsigned long long)netns_id, ifindex, dir);
	if (meta_read(dir, &m))
		m.ifname[0] = '\0';
	err = iface_claim(e, netns_id, ifindex, m.ifname, &ifc, held);
	if (err == -EBUSY)
		return pn_fail(err,
			       "interface '%s' (netns %llu, ifindex %u) pinned at %s: this engine "
			       "holds it; remove it through its handle (pn_iface__remove)",
			       held, (unsigned long long)netns_id, ifindex, dir);
	if (err)
		return pn_fail(err, "pins at %s: out of memory", dir);
	open_pins(ifc);
	nslots = ifc->cur.cfg.num_slots;
	err = remove_locked(ifc, &was_attached, &touched);
	pthread_mutex_unlock(&ifc->lock);
	if (!touched) {
		/* Forget the handle only: the pins keep everything as it was. */
		pn_iface__close(ifc);
		return err;
	}
	if (!err)
		pr_info(PINNED_FMT ": removed (root link %s, %u slots released)", PINNED_ARGS(ifc),
			was_attached ? "detached" : "was not attached", nslots);
	iface_drop_removed(ifc);
	return err;
}
