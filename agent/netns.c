// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "agent/log.h"
#include "agent/netns.h"

static int identify(struct pn_netns *ns)
{
	struct stat st;

	if (fstat(ns->fd, &st))
		return -errno;
	ns->id = st.st_ino;
	return 0;
}

int pn_netns_open(const char *path, struct pn_netns *ns)
{
	int err;

	/* thread-self: the netns this thread is in, which pn_netns_call() returns to. */
	ns->fd = open(path ? path : "/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return -errno;
	err = identify(ns);
	if (err)
		pn_netns_close(ns);
	return err;
}

int pn_netns_from_fd(int fd, struct pn_netns *ns)
{
	int err;

	ns->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (ns->fd < 0)
		return -errno;
	err = identify(ns);
	if (err)
		pn_netns_close(ns);
	return err;
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

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(ns->fd, CLONE_NEWNET)) {
		ret = -errno;
		close(self);
		return ret;
	}
	ret = fn(arg);
	if (setns(self, CLONE_NEWNET)) {
		pn_log_error("cannot return to the original network namespace: %s",
			     strerror(errno));
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
