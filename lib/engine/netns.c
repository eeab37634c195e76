// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "print.h"
#include "netns.h"

#define SELF_NS "/proc/thread-self/ns/net"

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
