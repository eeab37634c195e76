// SPDX-License-Identifier: Apache-2.0
/*
 * The pin layout: <pin_root>/<netns id>/<ifindex>/link holds the root
 * link, counters the per-slot counters, rev-<N>/dispatcher and
 * rev-<N>/slot-<i> a revision's program and slot links
 * (docs/dispatcher-protocol.md).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

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
