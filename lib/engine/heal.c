// SPDX-License-Identifier: Apache-2.0
/*
 * Where an interface's root link stands (attached, detached by a host
 * tool, displaced by another program, gone with its interface), and
 * attaching a detached dispatcher again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpffs.h"
#include "engine_internal.h"

const char *pn_iface_state_name(enum pn_iface_state state)
{
	switch (state) {
	case PN_IFACE_ATTACHED:
		return "attached";
	case PN_IFACE_DETACHED:
		return "detached";
	case PN_IFACE_DISPLACED:
		return "displaced";
	case PN_IFACE_GONE:
		return "gone";
	}
	return "?";
}

/* The root link no longer holds the interface: ask the interface itself, in its netns. */
static int probe_interface(struct pn_iface *ifc, struct iface_probe *p, struct pn_netns *ns)
{
	char name[IF_NAMESIZE];
	int err;

	err = pn_netns_find(ifc->netns_id, ifc->netns_cookie, ifc->netns_hint, ns);
	if (err == -ENOENT) {
		p->state = PN_IFACE_GONE;
		return 0;
	}
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot look for its network namespace: %s",
			       IFACE_ARGS(ifc), strerror(-err));
	err = pn_netns_ifname(ns, ifc->ifindex, name);
	if (err == -ENODEV) {
		p->state = PN_IFACE_GONE;
		return 0;
	}
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot look the interface up: %s", IFACE_ARGS(ifc),
			       strerror(-err));
	err = xdp_attached_prog(ifc, ns, &p->other_prog_id, &p->other_mode);
	if (err)
		return err;
	p->state = p->other_prog_id ? PN_IFACE_DISPLACED : PN_IFACE_DETACHED;
	return 0;
}

int iface_probe(struct pn_iface *ifc, struct iface_probe *p, struct pn_netns *ns)
{
	struct pn_netns local = {.fd = -1};
	struct bpf_prog_info pi;
	int err;

	memset(p, 0, sizeof(*p));
	if (!ns)
		ns = &local;
	ns->fd = -1;
	err = link_info(ifc->root_link_fd, &p->link);
	if (err)
		return pn_fail(err, IFACE_FMT ": root link: %s", IFACE_ARGS(ifc), strerror(-err));
	err = prog_info(ifc->cur.prog_fd, &pi);
	if (err)
		return pn_fail(err, IFACE_FMT ": dispatcher program: %s", IFACE_ARGS(ifc),
			       strerror(-err));
	p->dispatcher_prog_id = pi.id;
	/* The kernel clears the link's device on a detach and when the device goes alike. */
	if (p->link.xdp.ifindex) {
		p->state = p->link.prog_id == pi.id ? PN_IFACE_ATTACHED : PN_IFACE_DISPLACED;
		p->swapped = p->state == PN_IFACE_DISPLACED;
		p->other_prog_id = p->swapped ? p->link.prog_id : 0;
		return 0;
	}
	err = probe_interface(ifc, p, ns);
	if (ns == &local || err)
		pn_netns_close(ns);
	return err;
}

/* Why the interface is displaced, for messages: "<how> program <id> '<name>'". */
static void displaced_by(const struct iface_probe *p, char *buf, size_t size)
{
	char prog[64];

	describe_prog(p->other_prog_id, prog, sizeof(prog));
	if (p->swapped)
		snprintf(buf, size, "its root link was swapped to program %s", prog);
	else
		snprintf(buf, size, "XDP program %s is attached to it in %s mode", prog,
			 xdp_mode_name(p->other_mode));
}

/* Pin the new root link in place of the old one: never a moment without a `link` pin. */
static int pin_new_root(struct pn_iface *ifc, int link_fd)
{
	char path[PINPATH_MAX], tmp[PINPATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/link", ifc->dir);
	snprintf(tmp, sizeof(tmp), "%s/link-new", ifc->dir);
	err = pn_bpffs_pin(link_fd, tmp);
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot pin the new root link at %s: %s",
			       IFACE_ARGS(ifc), tmp, strerror(-err));
	if (rename(tmp, path)) {
		err = -errno;
		if (unlink(tmp) && errno != ENOENT)
			pr_warn(IFACE_FMT ": cannot unpin %s: %s", IFACE_ARGS(ifc), tmp,
				strerror(errno));
		return pn_fail(err, IFACE_FMT ": cannot rename %s to %s: %s", IFACE_ARGS(ifc), tmp,
			       path, strerror(-err));
	}
	return 0;
}

static int reattach_detached(struct pn_iface *ifc, const struct pn_netns *ns,
			     const struct iface_probe *p, struct pn_reattach_report *report)
{
	struct bpf_link_info li;
	struct iface_probe now;
	char why[128];
	int fd, err;

	err = xdp_attach_link(ifc, ns, ifc->mode, &fd);
	/* Someone attached a program between the look and the attach: theirs it stays. */
	if ((err == -EBUSY || err == -EEXIST) &&
	    !xdp_attached_prog(ifc, ns, &now.other_prog_id, &now.other_mode) && now.other_prog_id) {
		now.swapped = false;
		displaced_by(&now, why, sizeof(why));
		return pn_fail(-EBUSY,
			       IFACE_FMT ": not re-attached: %s; plugnet does not fight it, "
					 "nothing changed",
			       IFACE_ARGS(ifc), why);
	}
	if (err)
		return err;
	err = link_info(fd, &li);
	if (err)
		pn_fail(err, IFACE_FMT ": new root link: %s", IFACE_ARGS(ifc), strerror(-err));
	else
		err = pin_new_root(ifc, fd);
	if (err) {
		/* Nothing pins it: detached and released with our fd, back to as it was. */
		if (bpf_link_detach(fd))
			pr_warn(IFACE_FMT ": cannot detach the unpinned new root link: %s",
				IFACE_ARGS(ifc), strerror(errno));
		close(fd);
		return err;
	}
	/* The old link is unpinned by the rename; our fd was the last thing holding it. */
	close(ifc->root_link_fd);
	ifc->root_link_fd = fd;
	report->reattached = true;
	report->new_link_id = li.id;
	pr_info(IFACE_FMT ": root link %u had been detached; dispatcher revision %llu re-attached "
			  "(%s mode) with %zu slots under the new root link %u",
		IFACE_ARGS(ifc), p->link.id, (unsigned long long)ifc->cur.cfg.revision,
		xdp_mode_name(ifc->mode), ifc->nslots, li.id);
	return 0;
}

static int reattach_locked(struct pn_iface *ifc, struct pn_reattach_report *report)
{
	struct iface_probe p;
	struct pn_netns ns;
	char why[128];
	int err;

	memset(report, 0, sizeof(*report));
	err = iface_probe(ifc, &p, &ns);
	if (err)
		return err;
	report->old_link_id = p.link.id;
	report->new_link_id = p.link.id;
	report->dispatcher_prog_id = p.dispatcher_prog_id;
	report->revision = ifc->cur.cfg.revision;
	report->num_slots = (__u32)ifc->nslots;
	switch (p.state) {
	case PN_IFACE_ATTACHED:
		break;
	case PN_IFACE_DISPLACED:
		displaced_by(&p, why, sizeof(why));
		err = pn_fail(-EBUSY,
			      IFACE_FMT ": not re-attached: %s; plugnet does not fight it, "
					"nothing changed",
			      IFACE_ARGS(ifc), why);
		break;
	case PN_IFACE_GONE:
		err = pn_fail(-ENODEV,
			      IFACE_FMT ": not re-attached: the interface or its network "
					"namespace is gone",
			      IFACE_ARGS(ifc));
		break;
	case PN_IFACE_DETACHED:
		err = reattach_detached(ifc, &ns, &p, report);
		break;
	}
	pn_netns_close(&ns);
	return err;
}

int pn_iface__reattach(struct pn_iface *ifc, struct pn_reattach_report *report)
{
	struct pn_reattach_report local;
	int err;

	pn_error_clear();
	pthread_mutex_lock(&ifc->lock);
	err = reattach_locked(ifc, report ? report : &local);
	pthread_mutex_unlock(&ifc->lock);
	return err;
}

/* The admin's adopt over a displaced interface: the other program goes, ours comes back. */
static int take_back_locked(struct pn_iface *ifc, __u32 *evicted)
{
	struct pn_reattach_report report = {};
	struct iface_probe p;
	struct pn_netns ns;
	int err;

	*evicted = 0;
	err = iface_probe(ifc, &p, &ns);
	if (err)
		return err;
	switch (p.state) {
	case PN_IFACE_ATTACHED:
		break;
	case PN_IFACE_GONE:
		err = pn_fail(-ENODEV, IFACE_FMT ": the interface or its network namespace is gone",
			      IFACE_ARGS(ifc));
		break;
	case PN_IFACE_DETACHED:
		err = reattach_detached(ifc, &ns, &p, &report);
		break;
	case PN_IFACE_DISPLACED:
		if (p.swapped) {
			/* Our link, someone else's program in it: swapped back in place. */
			if (bpf_link_update(ifc->root_link_fd, ifc->cur.prog_fd, NULL))
				err = pn_fail(-errno,
					      IFACE_FMT ": cannot swap root link %u back to the "
							"dispatcher: %s",
					      IFACE_ARGS(ifc), p.link.id, strerror(errno));
			else
				*evicted = p.other_prog_id;
			break;
		}
		err = xdp_evict_foreign(ifc, &ns, evicted);
		if (!err)
			err = reattach_detached(ifc, &ns, &p, &report);
		break;
	}
	pn_netns_close(&ns);
	return err;
}

int pn_iface__take_back(struct pn_iface *ifc, __u32 *evicted_prog_id)
{
	__u32 evicted;
	int err;

	pn_error_clear();
	pthread_mutex_lock(&ifc->lock);
	err = take_back_locked(ifc, &evicted);
	pthread_mutex_unlock(&ifc->lock);
	if (evicted_prog_id)
		*evicted_prog_id = evicted;
	return err;
}
