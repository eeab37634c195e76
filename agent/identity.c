// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "identity.h"

/* Linux 6.5; glibc 2.36's headers do not have it yet. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

bool pn_identity_no_peerpidfd;

/* Whether this kernel has SO_PEERPIDFD: -1 until probed, then 0 or 1. */
static int peerpidfd_state = -1;

static void vsay(char *buf, size_t size, const char *fmt, va_list ap)
{
	if (buf && size)
		vsnprintf(buf, size, fmt, ap);
}

static void say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(buf, size, fmt, ap);
	va_end(ap);
}

/* say() into err, and return ret: for `return fail(-E..., ...)`. */
static int fail(int ret, char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int ret, char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(err, err_size, fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * Probed on a socketpair of our own, whose peer (this process) is alive,
 * rather than on the caller's socket: there, EINVAL also means that the
 * peer has no task any more (pidfd_prepare() on 6.5 to 6.15), and taking
 * that for "no SO_PEERPIDFD" would send a dead peer down the pid-number
 * path, which is the race SO_PEERPIDFD exists to close. An unknown socket
 * option is ENOPROTOOPT; EINVAL is accepted as well for kernels that
 * answer so.
 */
static int peerpidfd_supported(void)
{
	int state = __atomic_load_n(&peerpidfd_state, __ATOMIC_RELAXED);
	socklen_t len = sizeof(int);
	int sv[2], pidfd;

	if (state >= 0)
		return state;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (!getsockopt(sv[0], SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len)) {
		close(pidfd);
		state = 1;
	} else if (errno == ENOPROTOOPT || errno == EINVAL) {
		state = 0;
	} else {
		state = -errno;
	}
	close(sv[0]);
	close(sv[1]);
	/* A transient failure (EMFILE) is not an answer: probe again next time. */
	if (state >= 0)
		__atomic_store_n(&peerpidfd_state, state, __ATOMIC_RELAXED);
	return state;
}

/* The "0::" line of /proc/<pid>/cgroup into cgroup ("" without one). */
static int read_cgroup(pid_t pid, char *cgroup, size_t size, char *err, size_t err_size,
		       int sock_fd)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;
	FILE *f;

	cgroup[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		return fail(ret, err, err_size, "socket fd %d: peer pid %d: opening '%s': %s",
			    sock_fd, pid, path, strerror(-ret));
	}
	errno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		/* A cut path could lose the part that marks it as a pod's. */
		if ((size_t)(n - 3) >= size)
			ret = fail(-ENAMETOOLONG, err, err_size,
				   "socket fd %d: peer pid %d: cgroup path in '%s' is %zd bytes, "
				   "longer than %zu",
				   sock_fd, pid, path, n - 3, size - 1);
		else
			memcpy(cgroup, line + 3, (size_t)(n - 3) + 1);
		break;
	}
	if (n < 0 && errno) {
		ret = -errno;
		fail(ret, err, err_size, "socket fd %d: peer pid %d: reading '%s': %s", sock_fd,
		     pid, path, strerror(-ret));
	}
	free(line);
	fclose(f);
	return ret;
}

static void read_exe(pid_t pid, struct pn_peer *peer, char *exe, size_t size)
{
	char path[64];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (!stat(path, &st)) {
		peer->exe_dev = st.st_dev;
		peer->exe_ino = st.st_ino;
	}
	n = readlink(path, exe, size);
	/* A cut path could equal the configured CNI binary by accident. */
	if (n < 0 || (size_t)n >= size)
		n = 0;
	exe[n] = '\0';
}

/*
 * Whether the peer runs the CNI binary: the same file, by device and
 * inode as seen from the agent. A container on the host network could
 * ship its own file at the same path in its mount namespace.
 */
static bool is_cni_binary(const struct pn_peer *peer, const char *cni_binary)
{
	struct stat st;

	if (!peer->exe_ino || stat(cni_binary, &st))
		return false;
	return st.st_dev == peer->exe_dev && st.st_ino == peer->exe_ino;
}

/*
 * The peer's pidfd, with its credentials in cred. Through SO_PEERPIDFD the
 * pidfd names the very process that connected, even once its pid number
 * has gone to another; through SO_PEERCRED only the number is known, so
 * the pidfd is taken at once and the socket is checked to be still open at
 * the other end (see below).
 */
static int peer_pidfd(int sock_fd, bool use_peerpidfd, struct ucred *cred, char *err,
		      size_t err_size)
{
	socklen_t len = sizeof(*cred);
	struct pollfd pfd = {.fd = sock_fd, .events = POLLIN};
	socklen_t addr_len = sizeof(struct sockaddr_un);
	struct sockaddr_un addr;
	int pidfd, ret;

	/* First, so that every message below can name the pid. */
	if (getsockopt(sock_fd, SOL_SOCKET, SO_PEERCRED, cred, &len)) {
		ret = -errno;
		return fail(ret, err, err_size, "socket fd %d: SO_PEERCRED: %s", sock_fd,
			    strerror(-ret));
	}
	/* 0: no peer, or one whose pid has no number in this agent's pid namespace. */
	if (cred->pid <= 0) {
		if (getpeername(sock_fd, (struct sockaddr *)&addr, &addr_len)) {
			ret = -errno;
			return fail(ret, err, err_size, "socket fd %d: no peer: %s", sock_fd,
				    strerror(-ret));
		}
		return fail(-ESRCH, err, err_size,
			    "socket fd %d: the peer's pid is not visible in this pid namespace",
			    sock_fd);
	}
	if (use_peerpidfd) {
		len = sizeof(pidfd);
		if (!getsockopt(sock_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len))
			return pidfd;
		ret = -errno;
		/* The kernel has the option (probed): the peer has no live process. */
		if (ret == -EINVAL || ret == -ESRCH)
			return fail(-ESRCH, err, err_size,
				    "socket fd %d: peer pid %d has exited (SO_PEERPIDFD: %s)",
				    sock_fd, cred->pid, strerror(-ret));
		return fail(ret, err, err_size, "socket fd %d: peer pid %d: SO_PEERPIDFD: %s",
			    sock_fd, cred->pid, strerror(-ret));
	}

	pidfd = pidfd_open(cred->pid, 0);
	if (pidfd < 0) {
		ret = -errno;
		if (ret == -ESRCH)
			return fail(ret, err, err_size,
				    "socket fd %d: peer pid %d has exited (pidfd_open)", sock_fd,
				    cred->pid);
		return fail(ret, err, err_size, "socket fd %d: peer pid %d: pidfd_open: %s",
			    sock_fd, cred->pid, strerror(-ret));
	}
	/*
	 * Without SO_PEERPIDFD the pid may have been reused before pidfd_open()
	 * by a process that never connected. The peer's end being still open
	 * after the pidfd was taken rules out the usual case, a peer that
	 * exited (POLLHUP: every holder of the other end has closed it); it
	 * cannot rule out a peer that handed its socket on and then exited.
	 */
	if (poll(&pfd, 1, 0) < 0) {
		ret = -errno;
		fail(ret, err, err_size, "socket fd %d: peer pid %d: poll: %s", sock_fd, cred->pid,
		     strerror(-ret));
		goto out_close;
	}
	if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
		ret = fail(-ESRCH, err, err_size,
			   "socket fd %d: peer pid %d: the peer closed its end, so pid %d may "
			   "be another process by now",
			   sock_fd, cred->pid, cred->pid);
		goto out_close;
	}
	return pidfd;

out_close:
	close(pidfd);
	return ret;
}

int pn_peer_read(int sock_fd, struct pn_peer *peer, char *err, size_t err_size)
{
	int use_peerpidfd = 0, pidfd, ret;
	struct ucred cred;
	char path[64];
	struct stat st;

	memset(peer, 0, sizeof(*peer));
	if (err && err_size)
		err[0] = '\0';
	if (!pn_identity_no_peerpidfd) {
		use_peerpidfd = peerpidfd_supported();
		if (use_peerpidfd < 0)
			return fail(use_peerpidfd, err, err_size,
				    "socket fd %d: probing for SO_PEERPIDFD: %s", sock_fd,
				    strerror(-use_peerpidfd));
	}
	pidfd = peer_pidfd(sock_fd, use_peerpidfd, &cred, err, err_size);
	if (pidfd < 0)
		return pidfd;

	peer->pid = cred.pid;
	peer->uid = cred.uid;
	peer->gid = cred.gid;
	peer->via_pidfd = use_peerpidfd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", cred.pid);
	if (stat(path, &st)) {
		ret = -errno;
		/* No /proc/<pid>, or a zombie's: its namespaces go before it is reaped. */
		if (ret == -ENOENT)
			ret = fail(-ESRCH, err, err_size,
				   "socket fd %d: peer pid %d has exited ('%s' is gone)", sock_fd,
				   cred.pid, path);
		else
			fail(ret, err, err_size, "socket fd %d: peer pid %d: stat '%s': %s",
			     sock_fd, cred.pid, path, strerror(-ret));
		goto out;
	}
	peer->netns_id = st.st_ino;
	ret = read_cgroup(cred.pid, peer->cgroup, sizeof(peer->cgroup), err, err_size, sock_fd);
	if (ret)
		goto out;
	read_exe(cred.pid, peer, peer->exe, sizeof(peer->exe));

out:
	/*
	 * Alive now means the pid number was never freed while /proc was read,
	 * so what was read is the peer's. A dead peer wins over any read
	 * error: the error would name a process that is not the caller.
	 * EPERM still proves the process exists.
	 */
	if (pidfd_send_signal(pidfd, 0, NULL, 0) && errno != EPERM) {
		int serr = errno;

		if (serr == ESRCH)
			ret = fail(
				-ESRCH, err, err_size,
				"socket fd %d: peer pid %d exited while it was being read; refused "
				"rather than attributed to whatever now has pid %d",
				sock_fd, cred.pid, cred.pid);
		else if (!ret)
			ret = fail(-serr, err, err_size,
				   "socket fd %d: peer pid %d: pidfd_send_signal: %s", sock_fd,
				   cred.pid, strerror(serr));
	}
	close(pidfd);
	if (ret)
		memset(peer, 0, sizeof(*peer));
	return ret;
}

static const char *pod_marker(const char *cgroup, const struct pn_runtime_rule *rule)
{
	size_t n = sizeof(rule->pod_cgroup_markers) / sizeof(rule->pod_cgroup_markers[0]);

	for (size_t i = 0; i < n && rule->pod_cgroup_markers[i]; i++)
		if (strstr(cgroup, rule->pod_cgroup_markers[i]))
			return rule->pod_cgroup_markers[i];
	return NULL;
}

enum pn_caller_kind pn_peer_classify(const struct pn_peer *peer, const struct pn_runtime_rule *rule,
				     char *why, size_t why_size)
{
	const char *marker;

	if (!peer || !rule) {
		say(why, why_size, "no peer or no runtime rule to classify it by");
		return PN_CALLER_REFUSED;
	}
	/* With no host netns every caller would look like a container candidate. */
	if (!rule->host_netns_id) {
		say(why, why_size, "pid %d: the runtime rule names no host netns", peer->pid);
		return PN_CALLER_REFUSED;
	}
	if (peer->netns_id != rule->host_netns_id) {
		say(why, why_size,
		    "pid %d: netns %" PRIu64 " is not the host's (%" PRIu64
		    "): a container, if one was registered with that netns",
		    peer->pid, (uint64_t)peer->netns_id, (uint64_t)rule->host_netns_id);
		return PN_CALLER_CONTAINER;
	}
	if (peer->uid != 0) {
		say(why, why_size, "pid %d: host netns, but uid %u is not 0", peer->pid,
		    (unsigned int)peer->uid);
		return PN_CALLER_REFUSED;
	}
	/* Without cgroup v2 there is no telling a hostNetwork pod from the runtime. */
	if (!peer->cgroup[0]) {
		say(why, why_size,
		    "pid %d: host netns and uid 0, but its cgroup v2 path is unknown, so it may be "
		    "a pod's",
		    peer->pid);
		return PN_CALLER_REFUSED;
	}
	marker = pod_marker(peer->cgroup, rule);
	if (marker) {
		say(why, why_size,
		    "pid %d: host netns and uid 0, but cgroup '%s' is a pod's (it contains '%s')",
		    peer->pid, peer->cgroup, marker);
		return PN_CALLER_REFUSED;
	}
	if (rule->cni_binary && rule->cni_binary[0] && !is_cni_binary(peer, rule->cni_binary)) {
		say(why, why_size,
		    "pid %d: host netns, uid 0 and cgroup '%s', but exe '%s' is not the CNI binary "
		    "'%s'",
		    peer->pid, peer->cgroup, peer->exe[0] ? peer->exe : "(unreadable)",
		    rule->cni_binary);
		return PN_CALLER_REFUSED;
	}
	say(why, why_size, "pid %d: host netns, uid 0, cgroup '%s' is not a pod's, exe '%s'",
	    peer->pid, peer->cgroup, peer->exe);
	return PN_CALLER_RUNTIME;
}

int pn_self_netns_id(__u64 *id)
{
	struct stat st;

	/* self, not thread-self: a thread may be inside a pod's netns for a while. */
	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}
