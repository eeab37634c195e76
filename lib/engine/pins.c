// SPDX-License-Identifier: Apache-2.0
/*
 * The pin layout: <pin_root>/<netns id>/<ifindex>/link holds the root
 * link, counters the per-slot counters, rev-<N>/dispatcher and
 * rev-<N>/slot-<i> a revision's program and slot links, meta the
 * interface's identity (docs/dispatcher-protocol.md).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/if_link.h>

#include "bpffs.h"
#include "engine_internal.h"

void rev_dir(const struct pn_iface *ifc, __u64 revision, char *buf, size_t size)
{
	snprintf(buf, size, "%s/rev-%llu", ifc->dir, (unsigned long long)revision);
}

void revision_unpin(const struct pn_iface *ifc, __u64 revision)
{
	char dir[REVDIR_MAX];
	int err;

	rev_dir(ifc, revision, dir, sizeof(dir));
	err = pn_bpffs_remove_tree(dir);
	if (err)
		pr_warn(IFACE_FMT ": cannot remove pins of revision %llu in %s: %s",
			IFACE_ARGS(ifc), (unsigned long long)revision, dir, strerror(-err));
}

/* Does <dir>/meta prove the pins were made for this very interface (same netns instance)? */
static bool meta_is_ours(const struct pn_iface *ifc)
{
	struct plugnet_iface_meta m;

	return !meta_read(ifc->dir, &m) && m.netns_cookie && m.netns_cookie == ifc->netns_cookie &&
	       m.netns_id == ifc->netns_id && m.ifindex == ifc->ifindex;
}

int clear_stale_pins(struct pn_iface *ifc)
{
	struct bpf_link_info li;
	char path[PINPATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	fd = bpf_obj_get(path);
	/* Only a link that is provably not this interface's may be cleared away. */
	if (fd < 0 && errno != ENOENT)
		return pn_fail(-errno, IFACE_FMT ": cannot open pinned link %s: %s",
			       IFACE_ARGS(ifc), path, strerror(errno));
	if (fd >= 0) {
		err = link_info(fd, &li);
		close(fd);
		if (err)
			return pn_fail(err, IFACE_FMT ": pinned link %s: %s", IFACE_ARGS(ifc), path,
				       strerror(-err));
		if (li.type == BPF_LINK_TYPE_XDP && li.xdp.ifindex == ifc->ifindex)
			return pn_fail(-EEXIST,
				       IFACE_FMT ": plugnet's dispatcher is already attached "
						 "(pinned at %s); adopt it instead",
				       IFACE_ARGS(ifc), path);
		/*
		 * Detached: by a host tool (then the pins are this very
		 * interface's, slots and all), or by the interface vanishing. Only
		 * the identity record tells which.
		 */
		if (li.type == BPF_LINK_TYPE_XDP && li.xdp.ifindex == 0 && meta_is_ours(ifc))
			return pn_fail(-EEXIST,
				       IFACE_FMT ": plugnet's dispatcher for this interface is "
						 "pinned at %s with its root link detached; adopt "
						 "it and re-attach it instead",
				       IFACE_ARGS(ifc), path);
	}
	err = pn_bpffs_remove_tree(ifc->dir);
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot remove stale pins in %s: %s",
			       IFACE_ARGS(ifc), ifc->dir, strerror(-err));
	return 0;
}

void remove_other_revisions(struct pn_iface *ifc)
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
		pr_info(IFACE_FMT ": removing unfinished revision %s", IFACE_ARGS(ifc), path);
		(void)pn_bpffs_remove_tree(path);
	}
	closedir(dir);
}

int unpin_iface(struct pn_iface *ifc)
{
	char path[PINPATH_MAX], *slash;
	int err;

	/*
	 * The root link first: if we die after this, what is left pins no
	 * attachment and install clears it; the other way round, a crash could
	 * leave the root pinned with its slots gone.
	 */
	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	if (unlink(path) && errno != ENOENT)
		return pn_fail(-errno, IFACE_FMT ": cannot unpin %s: %s", IFACE_ARGS(ifc), path,
			       strerror(errno));
	err = pn_bpffs_remove_tree(ifc->dir);
	if (err) {
		/* Pin back what is gone, so that the interface stays as it was, adoptable. */
		int again = pn_bpffs_mkdir(ifc->dir);

		if (!again)
			again = meta_pin(ifc);
		if (!again)
			again = counters_pin(ifc);
		if (!again)
			again = revision_pin(ifc, &ifc->cur);
		if (!again)
			again = pn_bpffs_pin(ifc->root_link_fd, path);
		return pn_fail(err, IFACE_FMT ": cannot remove its pins under %s: %s%s",
			       IFACE_ARGS(ifc), ifc->dir, strerror(-err),
			       again ? "; pinning them back failed too, so the dispatcher ends "
				       "with this process"
				     : "; nothing changed");
	}
	/* The netns directory goes with its last interface. */
	snprintf(path, sizeof(path), "%s", ifc->dir);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		(void)rmdir(path);
	}
	return 0;
}

int meta_pin(const struct pn_iface *ifc)
{
	struct plugnet_iface_meta m = {
		.magic = PLUGNET_META_MAGIC,
		.version = PLUGNET_META_VERSION,
		.netns_id = ifc->netns_id,
		.netns_cookie = ifc->netns_cookie,
		.ifindex = ifc->ifindex,
		.xdp_flags =
			ifc->mode == PN_XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
	};
	char path[PINPATH_MAX];
	__u32 zero = 0;
	int fd, err = 0;

	snprintf(m.ifname, sizeof(m.ifname), "%s", ifc->ifname);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "plugnet_meta", sizeof(zero), sizeof(m), 1, NULL);
	if (fd < 0)
		return -errno;
	/* Frozen: the record says what the pins were made for, and nobody rewrites that. */
	if (bpf_map_update_elem(fd, &zero, &m, BPF_ANY) || bpf_map_freeze(fd))
		err = -errno;
	if (!err) {
		snprintf(path, sizeof(path), "%s/meta", ifc->dir);
		err = pn_bpffs_pin(fd, path);
	}
	close(fd);
	return err;
}

int meta_read(const char *dir, struct plugnet_iface_meta *meta)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	char path[PINPATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/meta", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.type != BPF_MAP_TYPE_ARRAY || info.value_size != sizeof(*meta))
		err = -EPROTO;
	else if (bpf_map_lookup_elem(fd, &zero, meta))
		err = -errno;
	else if (meta->magic != PLUGNET_META_MAGIC || meta->version != PLUGNET_META_VERSION)
		err = -EPROTO;
	close(fd);
	if (!err)
		meta->ifname[sizeof(meta->ifname) - 1] = '\0';
	return err;
}

/* The highest N of the rev-<N> directories in dir; 0 if none. */
static __u64 newest_revision(const char *dir)
{
	struct dirent *de;
	__u64 newest = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		unsigned long long n;

		if (strncmp(de->d_name, "rev-", 4))
			continue;
		n = strtoull(de->d_name + 4, &end, 10);
		if (!*end && n > newest)
			newest = n;
	}
	closedir(d);
	return newest;
}

int pinned_dispatcher(const char *dir, __u32 link_prog_id, int *prog_fd,
		      struct plugnet_dispatcher_config *cfg)
{
	char path[PINPATH_MAX];
	__u64 rev;
	int fd;

	if (link_prog_id) {
		fd = bpf_prog_get_fd_by_id(link_prog_id);
		if (fd >= 0 && !read_dispatcher_config(fd, cfg)) {
			*prog_fd = fd;
			return 0;
		}
		if (fd >= 0)
			close(fd);
	}
	/*
	 * No root link, or it runs another program (an outside swap): the
	 * revision's own pin. At rest there is one; after a crash mid-revision
	 * the newest is the one the link was about to run or ran.
	 */
	rev = newest_revision(dir);
	if (!rev)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/rev-%llu/dispatcher", dir, (unsigned long long)rev);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (read_dispatcher_config(fd, cfg)) {
		close(fd);
		return -EPROTO;
	}
	*prog_fd = fd;
	return 0;
}
