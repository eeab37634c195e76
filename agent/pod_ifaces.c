// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "plugnet/engine.h"
#include "pod_ifaces.h"

static struct pn_pod_iface *find(struct pn_agent *a, const char *container_id)
{
	for (size_t i = 0; i < a->n_pods; i++) {
		if (!strcmp(a->pods[i].container_id, container_id))
			return &a->pods[i];
	}
	return NULL;
}

/* Open c's netns path, and check it still is c's netns: a path can be reused. */
static int open_netns(const struct pn_container *c, char *err, size_t err_size)
{
	struct stat st;
	int fd = open(c->netns_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, err_size, "container %.12s: netns %s: %s", c->container_id,
			 c->netns_path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || st.st_ino != c->netns_id) {
		snprintf(err, err_size, "container %.12s: netns %s is no longer netns %llu",
			 c->container_id, c->netns_path, (unsigned long long)c->netns_id);
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int pn_pod_attach(struct pn_agent *a, const struct pn_container *c, char *err, size_t err_size)
{
	struct pn_iface_ref ref = {.ifname = c->ifname};
	struct pn_pod_iface *grown;
	struct pn_iface *iface;
	int fd, ret;

	fd = open_netns(c, err, err_size);
	if (fd < 0)
		return fd;
	ref.netns_fd = fd;
	pthread_rwlock_wrlock(&a->pods_lock);
	if (find(a, c->container_id)) {
		/* A retried registration: the dispatcher is there already. */
		pthread_rwlock_unlock(&a->pods_lock);
		close(fd);
		return 0;
	}
	/* Room first: once installed, the dispatcher must not be left without a handle. */
	grown = realloc(a->pods, (a->n_pods + 1) * sizeof(*a->pods));
	if (!grown) {
		pthread_rwlock_unlock(&a->pods_lock);
		close(fd);
		snprintf(err, err_size, "container %.12s: out of memory", c->container_id);
		return -ENOMEM;
	}
	a->pods = grown;
	/* After a restart plugnet's own pins are there: adopt, never install over them. */
	ret = pn_engine__adopt(a->engine, &ref, &iface);
	if (ret == -ENOENT)
		ret = pn_engine__install(a->engine, &ref, PN_XDP_MODE_AUTO, &iface);
	close(fd);
	if (ret) {
		snprintf(err, err_size, "container %.12s: %s", c->container_id, pn_last_error());
		pthread_rwlock_unlock(&a->pods_lock);
		return ret;
	}
	snprintf(a->pods[a->n_pods].container_id, sizeof(a->pods[a->n_pods].container_id), "%s",
		 c->container_id);
	a->pods[a->n_pods++].iface = iface;
	pthread_rwlock_unlock(&a->pods_lock);
	return 0;
}

int pn_pod_detach(struct pn_agent *a, const char *container_id, char *err, size_t err_size)
{
	struct pn_pod_iface *p;
	int ret;

	pthread_rwlock_wrlock(&a->pods_lock);
	p = find(a, container_id);
	if (!p) {
		pthread_rwlock_unlock(&a->pods_lock);
		return -ENOENT;
	}
	ret = pn_iface__remove(p->iface);
	if (ret) {
		snprintf(err, err_size, "container %.12s: %s", container_id, pn_last_error());
	} else {
		*p = a->pods[--a->n_pods];
	}
	pthread_rwlock_unlock(&a->pods_lock);
	return ret;
}

struct pn_iface *pn_pod_get(struct pn_agent *a, const char *container_id)
{
	struct pn_pod_iface *p;

	pthread_rwlock_rdlock(&a->pods_lock);
	p = find(a, container_id);
	if (!p) {
		pthread_rwlock_unlock(&a->pods_lock);
		return NULL;
	}
	return p->iface;
}

void pn_pod_put(struct pn_agent *a)
{
	pthread_rwlock_unlock(&a->pods_lock);
}

void pn_pods_close(struct pn_agent *a)
{
	pthread_rwlock_wrlock(&a->pods_lock);
	for (size_t i = 0; i < a->n_pods; i++)
		pn_iface__close(a->pods[i].iface);
	free(a->pods);
	a->pods = NULL;
	a->n_pods = 0;
	pthread_rwlock_unlock(&a->pods_lock);
}

/* The problem with one registered pod, or "" if none. */
static void pod_problem(struct pn_agent *a, const struct pn_container *c,
			struct pn_iface_info *info, char *buf, size_t size)
{
	struct pn_pod_iface *p = find(a, c->container_id);

	buf[0] = '\0';
	if (!p) {
		snprintf(buf, size, "%s/%s: no dispatcher held on %s (see the agent's log)",
			 c->pod_namespace, c->pod_name, c->ifname);
	} else if (pn_iface__describe(p->iface, info)) {
		snprintf(buf, size, "%s/%s: %s", c->pod_namespace, c->pod_name, pn_last_error());
	} else if (info->state == PN_IFACE_GONE) {
		snprintf(buf, size, "%s/%s: interface %s is gone", c->pod_namespace, c->pod_name,
			 c->ifname);
	} else if (info->state == PN_IFACE_DETACHED) {
		snprintf(buf, size,
			 "%s/%s: %s is detached: its root link %u was detached from the "
			 "interface (by a host tool); plugnet's dispatcher %u does not run",
			 c->pod_namespace, c->pod_name, c->ifname, info->root_link_id,
			 info->dispatcher_prog_id);
	} else if (info->state == PN_IFACE_DISPLACED) {
		snprintf(buf, size,
			 "%s/%s: %s is displaced: program %u '%s' runs instead of plugnet's "
			 "dispatcher %u (%s)",
			 c->pod_namespace, c->pod_name, c->ifname, info->other_prog_id,
			 info->other_prog_name, info->dispatcher_prog_id,
			 info->root_prog_id != info->dispatcher_prog_id
				 ? "its root link was swapped"
				 : "attached after its root link was detached");
	}
}

cJSON *pn_pods_problems(struct pn_agent *a)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */
	struct pn_container *list;
	cJSON *arr = cJSON_CreateArray();
	char msg[1024];
	size_t n;

	if (!info || !arr || pn_registry__list_containers(a->registry, &list, &n)) {
		free(info);
		cJSON_Delete(arr);
		return NULL;
	}
	/* Read-held: describe takes the interface's own lock, so health never waits on the table.
	 */
	pthread_rwlock_rdlock(&a->pods_lock);
	for (size_t i = 0; arr && i < n; i++) {
		pod_problem(a, &list[i], info, msg, sizeof(msg));
		if (msg[0] && !cJSON_AddItemToArray(arr, cJSON_CreateString(msg))) {
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	pthread_rwlock_unlock(&a->pods_lock);
	free(info);
	free(list);
	return arr;
}
