/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What plugnetd learns from rtnetlink (libnl-route): the host side of a
 * pod's veth, and notifications of links that change or vanish.
 */
#ifndef PLUGNET_AGENT_LINKS_H
#define PLUGNET_AGENT_LINKS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The index of `ifname` in the netns at `netns_path`, and the index, in
 * plugnetd's own netns, of its veth peer. 0 in *host_ifindex (and return
 * 0) when ifname is no veth or its peer is not in plugnetd's netns: such
 * a pod has no host target. -errno when the netns or the interface cannot
 * be read (err names which; -ENODEV: no such interface).
 */
int pn_link_host_peer(const char *netns_path, const char *ifname, unsigned int *pod_ifindex,
		      unsigned int *host_ifindex, char *err, size_t err_size);

/*
 * A socket subscribed to link notifications in plugnetd's netns: its fd
 * becomes readable when a link is added, changed or deleted.
 */
struct pn_link_events;
int pn_link_events__open(struct pn_link_events **events);
int pn_link_events__fd(const struct pn_link_events *events);
/* Consume what is pending; true if a link was deleted or changed. */
bool pn_link_events__drain(struct pn_link_events *events);
void pn_link_events__close(struct pn_link_events *events);

#endif
