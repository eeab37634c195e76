// SPDX-License-Identifier: Apache-2.0
/*
 * The XDP hook of an interface. XDP links resolve the ifindex in the
 * caller's netns, and bpf_xdp_query asks it, so these run inside the
 * interface's netns (pn_netns_call).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "engine_internal.h"

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

static int attach_xdp(void *arg)
{
	struct xdp_attach *a = arg;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = a->flags);

	a->link_fd = bpf_link_create(a->prog_fd, (int)a->ifindex, BPF_XDP, &opts);
	return a->link_fd < 0 ? -errno : 0;
}

const char *xdp_mode_name(enum pn_xdp_mode mode)
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

static int query(struct pn_iface *ifc, const struct pn_netns *ns, struct xdp_state *st)
{
	int err;

	st->ifindex = ifc->ifindex;
	err = pn_netns_call(ns, query_xdp, st);
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot query its XDP state: %s", IFACE_ARGS(ifc),
			       strerror(-err));
	return 0;
}

int xdp_attached_prog(struct pn_iface *ifc, const struct pn_netns *ns, __u32 *prog_id,
		      enum pn_xdp_mode *mode)
{
	struct xdp_state st = {};
	int err = query(ifc, ns, &st);

	if (err)
		return err;
	/* prog_id is set only when one mode is in use; native and generic never coexist. */
	*prog_id = st.q.prog_id       ? st.q.prog_id
		   : st.q.drv_prog_id ? st.q.drv_prog_id
		   : st.q.skb_prog_id ? st.q.skb_prog_id
				      : st.q.hw_prog_id;
	*mode = st.q.skb_prog_id && !st.q.drv_prog_id ? PN_XDP_MODE_GENERIC : PN_XDP_MODE_NATIVE;
	return 0;
}

int xdp_check_free(struct pn_iface *ifc, const struct pn_netns *ns)
{
	enum pn_xdp_mode mode;
	char prog[64];
	__u32 id;
	int err = xdp_attached_prog(ifc, ns, &id, &mode);

	if (err)
		return err;
	if (!id)
		return 0;
	describe_prog(id, prog, sizeof(prog));
	return pn_fail(-EEXIST,
		       IFACE_FMT ": XDP program %s is already attached; plugnet does not "
				 "replace a program it does not own",
		       IFACE_ARGS(ifc), prog);
}

struct xdp_detach {
	unsigned int ifindex;
	__u32 flags;
};

static int detach_xdp(void *arg)
{
	struct xdp_detach *d = arg;

	return bpf_xdp_detach((int)d->ifindex, d->flags, NULL) ? -errno : 0;
}

/*
 * The XDP link running prog_id on ifindex, detached. A link does not say
 * its netns, but the program it runs was just read from this interface's
 * hook, which no other interface's link can run at the same time unless
 * its owner attached one program twice: then the ifindex decides.
 */
static int detach_foreign_link(struct pn_iface *ifc, __u32 prog_id)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);
		int err = 0;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_XDP &&
		    info.prog_id == prog_id && info.xdp.ifindex == ifc->ifindex) {
			err = bpf_link_detach(fd) ? -errno : 0;
			close(fd);
			if (err)
				return pn_fail(err, IFACE_FMT ": cannot detach XDP link %u: %s",
					       IFACE_ARGS(ifc), id, strerror(-err));
			return 0;
		}
		close(fd);
	}
	return pn_fail(-ENOENT, IFACE_FMT ": no XDP link runs program %u there", IFACE_ARGS(ifc),
		       prog_id);
}

int xdp_evict_foreign(struct pn_iface *ifc, const struct pn_netns *ns, __u32 *evicted)
{
	struct xdp_state st = {};
	struct xdp_detach d = {.ifindex = ifc->ifindex};
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), id;
	char prog[64];
	int err = query(ifc, ns, &st), fd;

	*evicted = 0;
	if (err)
		return err;
	id = st.q.prog_id ? st.q.prog_id : st.q.drv_prog_id ? st.q.drv_prog_id : st.q.skb_prog_id;
	if (!id)
		return 0;
	describe_prog(id, prog, sizeof(prog));
	/* plugnet's own dispatcher is adopted, never evicted: its slots would go with it. */
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, PLUGNET_DISPATCHER_PROG_NAME))
			err = -EEXIST;
		close(fd);
	}
	if (err)
		return pn_fail(err,
			       IFACE_FMT ": XDP program %s is a plugnet dispatcher; it is adopted, "
					 "not replaced",
			       IFACE_ARGS(ifc), prog);
	d.flags = st.q.attach_mode == XDP_ATTACHED_SKB  ? XDP_FLAGS_SKB_MODE
		  : st.q.attach_mode == XDP_ATTACHED_HW ? XDP_FLAGS_HW_MODE
							: XDP_FLAGS_DRV_MODE;
	err = pn_netns_call(ns, detach_xdp, &d);
	/* Attached through a link: netlink may not detach it; the link itself can be. */
	if (err == -EBUSY || err == -EINVAL)
		err = detach_foreign_link(ifc, id);
	if (err)
		return pn_fail(err, IFACE_FMT ": cannot detach XDP program %s: %s", IFACE_ARGS(ifc),
			       prog, pn_last_error()[0] ? pn_last_error() : strerror(-err));
	pr_info(IFACE_FMT ": XDP program %s detached to take the interface over", IFACE_ARGS(ifc),
		prog);
	*evicted = id;
	return 0;
}

int xdp_attach_link(struct pn_iface *ifc, const struct pn_netns *ns, enum pn_xdp_mode mode,
		    int *link_fd)
{
	struct xdp_attach at = {
		.prog_fd = ifc->cur.prog_fd,
		.ifindex = ifc->ifindex,
		.flags = mode == PN_XDP_MODE_NATIVE    ? XDP_FLAGS_DRV_MODE
			 : mode == PN_XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE
						       : 0,
		.link_fd = -1,
	};
	int err = pn_netns_call(ns, attach_xdp, &at);

	if (err)
		return pn_fail(err, IFACE_FMT ": cannot attach the dispatcher in %s mode: %s%s",
			       IFACE_ARGS(ifc), xdp_mode_name(mode), strerror(-err),
			       err == -EOPNOTSUPP ? " (the driver has no native XDP; try generic)"
						  : "");
	*link_fd = at.link_fd;
	return 0;
}

int xdp_query_mode(struct pn_iface *ifc, const struct pn_netns *ns)
{
	struct xdp_state st = {};
	int err = query(ifc, ns, &st);

	if (err)
		return err;
	ifc->mode = st.q.attach_mode == XDP_ATTACHED_SKB ? PN_XDP_MODE_GENERIC : PN_XDP_MODE_NATIVE;
	return 0;
}
