/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network namespaces. plugnet keys everything by (netns id, ifindex), since
 * ifindex alone collides across namespaces. The netns id is the inode
 * number of the namespace file, the same number `ip netns identify`,
 * `lsns` and /proc/PID/ns/net show.
 *
 * Handles are held only for the length of an operation: the engine never
 * keeps a pod's namespace alive after the pod is gone.
 */
#ifndef PLUGNET_NETNS_H
#define PLUGNET_NETNS_H

#include <net/if.h>
#include <linux/types.h>

struct pn_netns {
	int fd;
	__u64 id;
};

/* Open a netns by path (NULL: the calling thread's own). -errno on failure. */
int pn_netns_open(const char *path, struct pn_netns *ns);
/* Take a private duplicate of an fd the caller keeps. */
int pn_netns_from_fd(int fd, struct pn_netns *ns);
void pn_netns_close(struct pn_netns *ns);

/*
 * Run fn(arg) with the calling thread inside `ns` and return its result.
 * The thread is always moved back; if it cannot be, the process aborts
 * rather than go on acting in the wrong namespace.
 */
int pn_netns_call(const struct pn_netns *ns, int (*fn)(void *arg), void *arg);

/*
 * The netns cookie (SO_NETNS_COOKIE): unlike the id, never reused during a
 * boot. -ENOPROTOOPT on kernels before 5.14, which have none.
 */
int pn_netns_cookie(const struct pn_netns *ns, __u64 *cookie);

/*
 * Open the live netns with inode number `id` again, without the engine
 * having held it meanwhile. Looks at `hint` (a path the caller once named
 * it by; may be NULL), the calling thread's and process's own netns, the
 * bind mounts in /run/netns and /var/run/netns, and /proc/<pid>/ns/net of
 * every process. When `cookie` is not 0, a netns with that id but another
 * cookie is a newer one that reused the id: ours is gone. -ENOENT when no
 * reachable netns is it (gone, or kept alive only by something none of
 * these show, such as an fd in a process of another pid namespace).
 */
int pn_netns_find(__u64 id, __u64 cookie, const char *hint, struct pn_netns *ns);

/* ifname -> ifindex inside ns; -ENODEV if there is no such interface. */
int pn_netns_ifindex(const struct pn_netns *ns, const char *ifname, unsigned int *ifindex);
/* ifindex -> ifname inside ns; -ENODEV if there is no such interface. */
int pn_netns_ifname(const struct pn_netns *ns, unsigned int ifindex, char name[IF_NAMESIZE]);

#endif
