/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is calling on a connected AF_UNIX stream socket. The answer comes
 * from the kernel's peer credentials and from /proc of the peer's pid,
 * never from anything the caller writes: a request body cannot make a
 * container pass for another one, for the runtime or for an admin.
 *
 * The pid of a peer can exit and be reused between connect() and the
 * moment the agent looks at it. A pidfd taken on the peer pins its
 * struct pid: if the process it names is still alive after /proc has been
 * read, the pid number was never freed in between, so what was read is
 * the peer's. If it is not, the caller is refused (-ESRCH).
 */
#ifndef PLUGNET_AGENT_IDENTITY_H
#define PLUGNET_AGENT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/types.h>

struct pn_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	__u64 netns_id;   /* inode of the caller's /proc/<pid>/ns/net */
	char cgroup[512]; /* the caller's cgroup v2 path (the "0::" line of /proc/<pid>/cgroup); ""
			     if it has none */
	char exe[4096];   /* readlink /proc/<pid>/exe, "" if unreadable */
	/*
	 * The executable's file itself (stat of /proc/<pid>/exe): the path is
	 * resolved in the caller's mount namespace and proves nothing, the
	 * inode does. Both 0 if unreadable.
	 */
	dev_t exe_dev;
	ino_t exe_ino;
	bool via_pidfd; /* SO_PEERPIDFD was used */
};

/*
 * Read the peer of a connected unix socket fd. Uses SO_PEERPIDFD where the
 * kernel has it (6.5+), else SO_PEERCRED and pidfd_open(pid) at once;
 * reads netns, cgroup and exe through /proc/<pid>, then checks that the
 * pidfd still refers to a live process, so that a pid that exited and was
 * reused meanwhile is refused (-ESRCH) rather than misattributed. A cgroup
 * path too long for peer->cgroup is refused (-ENAMETOOLONG) rather than
 * cut, since the cut could drop what marks it as a pod's.
 *
 * Before 6.5 the kernel gives only the peer's pid number, so the pidfd is
 * taken from it at once and the peer's end of the socket must still be
 * open at that moment. One case escapes that fallback: a peer that handed
 * its end to another process and exited, its pid being reused meanwhile.
 *
 * 0 or -errno; messages in err name the socket fd and pid.
 */
int pn_peer_read(int sock_fd, struct pn_peer *peer, char *err, size_t err_size);

enum pn_caller_kind { PN_CALLER_REFUSED, PN_CALLER_RUNTIME, PN_CALLER_CONTAINER };

struct pn_runtime_rule {
	__u64 host_netns_id;               /* the agent's own netns id */
	const char *cni_binary;            /* the CNI plugin's path; "" or NULL: any exe */
	const char *pod_cgroup_markers[4]; /* substrings that mark a pod's cgroup, e.g. "kubepods",
					      "/pod"; NULL-terminated */
};

/*
 * Runtime = host netns, uid 0, a known cgroup containing none of the pod
 * markers, and exe equal to cni_binary when one is set: a hostNetwork pod
 * running as root (host netns, uid 0, pod cgroup) is not the runtime.
 * Anything else in the host netns is refused; anything in another netns
 * is PN_CALLER_CONTAINER, a candidate the caller still has to match
 * against the containers registered at CNI ADD. `why` says which rule
 * decided, naming the pid and the value that decided.
 */
enum pn_caller_kind pn_peer_classify(const struct pn_peer *peer, const struct pn_runtime_rule *rule,
				     char *why, size_t why_size);

/* The calling process's own netns id, for rule.host_netns_id. 0 or -errno. */
int pn_self_netns_id(__u64 *id);

/* For tests: take the SO_PEERCRED + pidfd_open() path even where SO_PEERPIDFD works. */
extern bool pn_identity_no_peerpidfd;

#endif
