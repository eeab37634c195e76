// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "print.h"
#include "plugnet/netns.h"

#define SELF_NS "/proc/thread-self/ns/net"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* Take fd (or -errno if getting it failed, errno still set) as ns, and read its id. */
static int netns_init(int fd, struct pn_netns *ns)
{
	struct stat st;
	int err;

	ns->fd = fd;
	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st)) {
		ns->id = st.st_ino;
		return 0;
	}
	err = -errno;
	pn_netns_close(ns);
	return err;
}

int pn_netns_open(const char *path, struct pn_netns *ns)
{
	/* thread-self: the netns this thread is in, which pn_netns_call() returns to. */
	return netns_init(open(path ? path : SELF_NS, O_RDONLY | O_CLOEXEC), ns);
}

int pn_netns_from_fd(int fd, struct pn_netns *ns)
{
	return netns_init(fcntl(fd, F_DUPFD_CLOEXEC, 0), ns);
}

void pn_netns_close(struct pn_netns *ns)
{
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
}

int pn_netns_call(const struct pn_netns *ns, int (*fn)(void *arg), void *arg)
{
	int self, ret;

	self = open(SELF_NS, O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(ns->fd, CLONE_NEWNET)) {
		ret = -errno;
		close(self);
		return ret;
	}
	ret = fn(arg);
	if (setns(self, CLONE_NEWNET)) {
		pr_warn("cannot return to the original network namespace: %s", strerror(errno));
		abort();
	}
	close(self);
	return ret;
}

struct name_lookup {
	const char *name;
	unsigned int index;
	char *out;
};

static int lookup_index(void *arg)
{
	struct name_lookup *l = arg;

	l->index = if_nametoindex(l->name);
	return l->index ? 0 : -ENODEV;
}

static int lookup_name(void *arg)
{
	struct name_lookup *l = arg;

	return if_indextoname(l->index, l->out) ? 0 : -ENODEV;
}

int pn_netns_ifindex(const struct pn_netns *ns, const char *ifname, unsigned int *ifindex)
{
	struct name_lookup l = {.name = ifname};
	int err;

	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	err = pn_netns_call(ns, lookup_index, &l);
	if (!err)
		*ifindex = l.index;
	return err;
}

int pn_netns_ifname(const struct pn_netns *ns, unsigned int ifindex, char name[IF_NAMESIZE])
{
	struct name_lookup l = {.index = ifindex, .out = name};

	return pn_netns_call(ns, lookup_name, &l);
}

static int cookie_here(void *arg)
{
	__u64 *cookie = arg;
	socklen_t len = sizeof(*cookie);
	int fd, err = 0;

	/* Any socket reports the netns it was made in; a unix one costs the least. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

int pn_netns_cookie(const struct pn_netns *ns, __u64 *cookie)
{
	return pn_netns_call(ns, cookie_here, cookie);
}

enum probe_result {
	PROBE_NOT_IT,
	PROBE_FOUND,  /* *ns is open on it */
	PROBE_REUSED, /* a newer netns holds the id: the one looked for is gone */
};

/* Is `path` the netns looked for? A negative errno if that cannot be told. */
static int probe(const char *path, __u64 id, __u64 cookie, struct pn_netns *ns)
{
	struct statfs sfs;
	struct stat st;
	__u64 found;
	int fd, err;

	/* stat first: opening every process's netns would be far slower. */
	if (stat(path, &st) || st.st_ino != id)
		return PROBE_NOT_IT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PROBE_NOT_IT; /* the process exited, or the mount went, meanwhile */
	/* Checked again on the fd: the path may have changed since the stat. */
	if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC || fstat(fd, &st) || st.st_ino != id) {
		close(fd);
		return PROBE_NOT_IT;
	}
	ns->fd = fd;
	ns->id = id;
	if (!cookie)
		return PROBE_FOUND;
	err = pn_netns_cookie(ns, &found);
	if (!err && found == cookie)
		return PROBE_FOUND;
	pn_netns_close(ns);
	return err ? err : PROBE_REUSED;
}

/* Probe every entry of `dir` (all of them, or only process ids) + `suffix`. */
static int probe_dir(const char *dir, bool pids, const char *suffix, __u64 id, __u64 cookie,
		     struct pn_netns *ns)
{
	struct dirent *de;
	int ret = PROBE_NOT_IT;
	DIR *d = opendir(dir);

	if (!d)
		return PROBE_NOT_IT;
	while (ret == PROBE_NOT_IT && (de = readdir(d))) {
		char path[512];

		if (de->d_name[0] == '.' || (pids && !isdigit((unsigned char)de->d_name[0])))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s%s", dir, de->d_name, suffix) >=
		    (int)sizeof(path))
			continue;
		ret = probe(path, id, cookie, ns);
	}
	closedir(d);
	return ret;
}

int pn_netns_find(__u64 id, __u64 cookie, const char *hint, struct pn_netns *ns)
{
	const char *paths[] = {hint, SELF_NS, "/proc/self/ns/net"};
	int ret = PROBE_NOT_IT;

	ns->fd = -1;
	for (size_t i = 0; ret == PROBE_NOT_IT && i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i])
			ret = probe(paths[i], id, cookie, ns);
	}
	if (ret == PROBE_NOT_IT)
		ret = probe_dir("/run/netns", false, "", id, cookie, ns);
	if (ret == PROBE_NOT_IT)
		ret = probe_dir("/var/run/netns", false, "", id, cookie, ns);
	if (ret == PROBE_NOT_IT)
		ret = probe_dir("/proc", true, "/ns/net", id, cookie, ns);
	if (ret == PROBE_FOUND)
		return 0;
	return ret < 0 ? ret : -ENOENT;
}
