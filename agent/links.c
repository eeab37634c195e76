// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "links.h"
#include "plugnet/netns.h"

/* A route netlink socket in the calling thread's netns. */
static struct nl_sock *route_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		sk = NULL;
	}
	return sk;
}

struct link_read {
	const char *ifname; /* by name ... */
	int ifindex;        /* ... or index */
	bool veth;
	int ifindex_out;
	int peer;            /* IFLA_LINK */
	bool peer_elsewhere; /* IFLA_LINK_NETNSID: the peer is in another netns */
	int nlerr;
};

static int read_link(void *arg)
{
	struct link_read *lr = arg;
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = route_socket();
	const char *type;
	int32_t nsid;

	if (!sk)
		return -ENOMEM;
	lr->nlerr = rtnl_link_get_kernel(sk, lr->ifindex, lr->ifindex ? NULL : lr->ifname, &link);
	nl_socket_free(sk);
	if (lr->nlerr)
		return lr->nlerr == -NLE_OBJ_NOTFOUND || lr->nlerr == -NLE_NODEV ? -ENODEV : -EIO;
	type = rtnl_link_get_type(link);
	lr->veth = type && !strcmp(type, "veth");
	lr->ifindex_out = rtnl_link_get_ifindex(link);
	lr->peer = rtnl_link_get_link(link);
	lr->peer_elsewhere = !rtnl_link_get_link_netnsid(link, &nsid);
	rtnl_link_put(link);
	return 0;
}

int pn_link_host_peer(const char *netns_path, const char *ifname, unsigned int *pod_ifindex,
		      unsigned int *host_ifindex, char *err, size_t err_size)
{
	struct link_read pod = {.ifname = ifname}, host = {};
	struct pn_netns ns;
	int ret;

	*host_ifindex = 0;
	ret = pn_netns_open(netns_path, &ns);
	if (ret) {
		snprintf(err, err_size, "netns %s: %s", netns_path, strerror(-ret));
		return ret;
	}
	ret = pn_netns_call(&ns, read_link, &pod);
	pn_netns_close(&ns);
	if (ret) {
		snprintf(err, err_size, "interface %s in netns %s: %s", ifname, netns_path,
			 ret == -EIO ? nl_geterror(pod.nlerr) : strerror(-ret));
		return ret;
	}
	*pod_ifindex = (unsigned int)pod.ifindex_out;
	if (!pod.veth || !pod.peer_elsewhere || pod.peer <= 0)
		return 0;
	/* The index names the peer only if the link there points back: else it is another netns's.
	 */
	host.ifindex = pod.peer;
	ret = read_link(&host);
	if (ret == -ENODEV)
		return 0;
	if (ret) {
		snprintf(err, err_size, "the veth peer (ifindex %d) of %s in netns %s: %s",
			 pod.peer, ifname, netns_path, nl_geterror(host.nlerr));
		return ret;
	}
	if (host.veth && host.peer_elsewhere && host.peer == pod.ifindex_out)
		*host_ifindex = (unsigned int)pod.peer;
	return 0;
}

struct pn_link_events {
	struct nl_sock *sk;
	bool changed;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct pn_link_events *ev = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	if (type == RTM_DELLINK || type == RTM_NEWLINK)
		ev->changed = true;
	return NL_OK;
}

int pn_link_events__open(struct pn_link_events **evp)
{
	struct pn_link_events *ev = calloc(1, sizeof(*ev));
	int ret = -ENOMEM;

	if (!ev)
		return -ENOMEM;
	ev->sk = nl_socket_alloc();
	if (!ev->sk)
		goto fail;
	/* Notifications carry no sequence numbers to check. */
	nl_socket_disable_seq_check(ev->sk);
	if (nl_socket_modify_cb(ev->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, ev) ||
	    nl_connect(ev->sk, NETLINK_ROUTE) || nl_socket_add_membership(ev->sk, RTNLGRP_LINK) ||
	    nl_socket_set_nonblocking(ev->sk)) {
		ret = -EIO;
		goto fail;
	}
	*evp = ev;
	return 0;
fail:
	if (ev->sk)
		nl_socket_free(ev->sk);
	free(ev);
	return ret;
}

int pn_link_events__fd(const struct pn_link_events *ev)
{
	return nl_socket_get_fd(ev->sk);
}

bool pn_link_events__drain(struct pn_link_events *ev)
{
	bool changed;

	ev->changed = false;
	/* Until EAGAIN; an overrun (ENOBUFS) lost events, so it counts as a change. */
	for (;;) {
		int ret = nl_recvmsgs_default(ev->sk);

		if (ret == -NLE_AGAIN)
			break;
		if (ret < 0) {
			ev->changed = true;
			if (ret != -NLE_NOMEM)
				break;
		}
	}
	changed = ev->changed;
	return changed;
}

void pn_link_events__close(struct pn_link_events *ev)
{
	if (!ev)
		return;
	nl_socket_free(ev->sk);
	free(ev);
}
