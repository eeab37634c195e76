// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "audit.h"
#include "ifaces.h"
#include "links.h"
#include "sweeper.h"
#include "plugnet/engine.h"
#include "plugnet/log.h"

/* The agent's own entries in the audit log: what it did on its own, and why. */
static void audit(struct pn_agent *a, const char *action, const char *target,
		  const char *previous_owner, const char *reason)
{
	struct pn_audit_entry e = {
		.action = action,
		.target = target,
		.previous_owner = previous_owner,
		.reason = reason,
		.pid = getpid(),
		.uid = getuid(),
	};
	char err[512];

	if (pn_audit_append(a->audit_path, &e, err, sizeof(err)))
		pn_log_error("%s", err);
}

static void save(struct pn_agent *a)
{
	char err[1024];

	if (pn_agent_save_state(a, err, sizeof(err)))
		pn_log_error("%s", err);
}

/* Drop the records of slots that left the kernel with their interface, each audited `gone`. */
static void forget_slots(struct pn_agent *a, const struct pn_slot_owner *slots, size_t n,
			 const char *why)
{
	for (size_t i = 0; i < n; i++) {
		char id[64], owner[3 * PN_ID_MAX + 32];

		snprintf(id, sizeof(id), "%llu-%u-%u", (unsigned long long)slots[i].netns_id,
			 slots[i].ifindex, slots[i].attach_id);
		pn_registry__describe_owner(a->registry, slots[i].container_id, owner,
					    sizeof(owner));
		audit(a, "gone", id, owner, why);
	}
}

/* Is the container's netns still the one it registered with? */
static bool netns_alive(const struct pn_container *c)
{
	struct stat st;

	return !stat(c->netns_path, &st) && st.st_ino == c->netns_id;
}

static void remove_pins(struct pn_agent *a, __u64 netns_id, unsigned int ifindex)
{
	int ret;

	if (!ifindex)
		return;
	ret = pn_engine__remove_pinned(a->engine, netns_id, ifindex);
	if (ret && ret != -ENOENT)
		pn_log_warn("%s", pn_last_error());
}

/*
 * A pod deleted without a CNI DEL: its slots (also on uplinks) and its
 * registration go, on the record.
 */
static void pod_gone(struct pn_agent *a, const struct pn_container *c, const char *why)
{
	char err[1024], target[PN_ID_MAX + 16], owner[2 * PN_ID_MAX + 2];
	struct pn_slot_owner *slots;
	size_t n;
	int ret;

	pn_log_warn("%s/%s (container %.12s): %s; freeing its slots", c->pod_namespace, c->pod_name,
		    c->container_id, why);
	/* Audited while the registry can still name the owner. */
	if (!pn_registry__list_slots(a->registry, &slots, &n)) {
		size_t kept = 0;

		for (size_t i = 0; i < n; i++) {
			if (!strcmp(slots[i].container_id, c->container_id))
				slots[kept++] = slots[i];
		}
		forget_slots(a, slots, kept, why);
		/* Its uplink slots are still in the kernel: they go now. */
		for (size_t i = 0; i < kept; i++) {
			struct pn_iface *iface;

			if (slots[i].target != PN_TARGET_UPLINK || slots[i].released)
				continue;
			iface = pn_ifaces_get_by_index(a, slots[i].netns_id, slots[i].ifindex);
			if (iface && pn_iface__unplug(iface, slots[i].attach_id))
				pn_log_warn("%s", pn_last_error());
			pn_ifaces_put(a, iface);
		}
		free(slots);
	}
	if (!pn_registry__remove_container(a->registry, c->container_id, &slots, &n))
		free(slots);
	snprintf(target, sizeof(target), "container %s", c->container_id);
	snprintf(owner, sizeof(owner), "%s/%s", c->pod_namespace, c->pod_name);
	audit(a, "gone", target, owner, why);
	save(a);
	ret = pn_ifaces_detach_container(a, c->container_id, err, sizeof(err));
	if (ret && ret != -ENOENT)
		pn_log_warn("%s", err);
	/* Once more: an admin's detach of its interfaces went with them. */
	if (!ret)
		save(a);
	/* Never adopted (it vanished while plugnetd was down): only its pins are left. */
	if (ret == -ENOENT) {
		remove_pins(a, c->netns_id, c->pod_ifindex);
		remove_pins(a, a->runtime_rule.host_netns_id, c->host_ifindex);
	}
	/* Counted once it is done: a scrape that sees the count no longer sees the pod. */
	atomic_fetch_add(&a->counters.pods_gone, 1);
}

static void sweep_containers(struct pn_agent *a)
{
	struct pn_container *list;
	size_t n;

	if (pn_registry__list_containers(a->registry, &list, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!netns_alive(&list[i]))
			pod_gone(a, &list[i],
				 "the pod's network namespace disappeared without a CNI DEL");
	}
	free(list);
}

/* The slots recorded on one interface, which vanished: forgotten, each audited. */
static void iface_gone(struct pn_agent *a, const struct pn_managed_info *m)
{
	struct pn_slot_owner *slots, gone;
	char why[128];
	size_t n, kept = 0;

	snprintf(why, sizeof(why), "interface %s disappeared", m->ifname);
	if (m->kind != PN_TARGET_UPLINK) {
		struct pn_container c;

		if (!pn_registry__find_container(a->registry, m->container_id, &c))
			pod_gone(a, &c, why);
		return;
	}
	pn_log_warn("uplink %s disappeared; freeing its slots", m->ifname);
	if (!pn_registry__list_slots(a->registry, &slots, &n)) {
		for (size_t i = 0; i < n; i++) {
			if (slots[i].netns_id == m->netns_id && slots[i].ifindex == m->ifindex)
				slots[kept++] = slots[i];
		}
		forget_slots(a, slots, kept, why);
		for (size_t i = 0; i < kept; i++)
			(void)pn_registry__remove_slot(a->registry, slots[i].netns_id,
						       slots[i].ifindex, slots[i].attach_id, &gone);
		free(slots);
		save(a);
	}
	pn_ifaces_lost(a, m->netns_id, m->ifindex, why);
}

/* A root link detached by a host tool: attached again, on the record. */
static void heal(struct pn_agent *a, const struct pn_managed_info *m, struct pn_iface *iface)
{
	struct pn_reattach_report r;
	char target[64], reason[256];

	snprintf(target, sizeof(target), "interface %llu-%u", (unsigned long long)m->netns_id,
		 m->ifindex);
	if (pn_iface__reattach(iface, &r)) {
		/* Another program got there first: not ours to fight; an admin decides. */
		pn_log_warn("%s", pn_last_error());
		pn_ifaces_set_displaced(a, m->netns_id, m->ifindex, pn_last_error());
		return;
	}
	if (!r.reattached)
		return;
	atomic_fetch_add(&a->counters.root_links_healed, 1);
	snprintf(reason, sizeof(reason),
		 "%s: root link %u was detached from outside plugnetd; dispatcher %u (revision "
		 "%llu, %u slots) attached again as link %u",
		 m->ifname, r.old_link_id, r.dispatcher_prog_id, (unsigned long long)r.revision,
		 r.num_slots, r.new_link_id);
	pn_log_warn("%s", reason);
	audit(a, "evicted-by-host", target, NULL, reason);
}

static void sweep_ifaces(struct pn_agent *a, struct pn_iface_info *info)
{
	struct pn_managed_info *list;
	size_t n;

	if (pn_ifaces_list(a, &list, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		const struct pn_managed_info *m = &list[i];
		struct pn_iface *iface;
		char err[1024];
		int ret;

		if (!m->held) {
			/* An uplink that was missing (or came back) is attached when it is there.
			 */
			struct pn_target tg = {.kind = PN_TARGET_UPLINK, .uplink = m->ifname};

			if (m->kind == PN_TARGET_UPLINK && !m->detached_by_admin &&
			    !pn_ifaces_attach(a, &tg, err, sizeof(err)))
				pn_log_info("uplink %s: dispatcher attached", m->ifname);
			continue;
		}
		iface = pn_ifaces_get_by_index(a, m->netns_id, m->ifindex);
		if (!iface)
			continue;
		ret = pn_iface__describe(iface, info);
		if (ret) {
			pn_ifaces_put(a, iface);
			continue;
		}
		switch (info->state) {
		case PN_IFACE_ATTACHED:
			if (m->displaced)
				pn_ifaces_set_displaced(a, m->netns_id, m->ifindex, NULL);
			break;
		case PN_IFACE_DETACHED:
			heal(a, m, iface);
			break;
		case PN_IFACE_DISPLACED:
			if (!m->displaced) {
				snprintf(err, sizeof(err),
					 "%s is displaced: XDP program %u '%s' runs there instead "
					 "of plugnet's dispatcher %u; an admin's adopt takes it "
					 "back",
					 m->ifname, info->other_prog_id, info->other_prog_name,
					 info->dispatcher_prog_id);
				pn_log_warn("%s", err);
				pn_ifaces_set_displaced(a, m->netns_id, m->ifindex, err);
			}
			break;
		case PN_IFACE_GONE:
			pn_ifaces_put(a, iface);
			iface = NULL;
			iface_gone(a, m);
			break;
		}
		pn_ifaces_put(a, iface);
	}
	free(list);
}

void pn_sweep(struct pn_agent *a)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */

	if (!info)
		return;
	/* Pods first: a pod that is gone takes its interfaces along, with one audit each. */
	sweep_containers(a);
	sweep_ifaces(a, info);
	free(info);
}

struct pn_sweeper {
	struct pn_agent *agent;
	unsigned int interval_ms;
	struct pn_link_events *events;
	int stop_fd;
	pthread_t thread;
};

static void *sweeper_main(void *arg)
{
	struct pn_sweeper *s = arg;

	for (;;) {
		struct pollfd fds[2] = {
			{.fd = s->stop_fd, .events = POLLIN},
			{.fd = s->events ? pn_link_events__fd(s->events) : -1, .events = POLLIN},
		};
		int ret = poll(fds, 2, (int)s->interval_ms);

		if (ret < 0 && errno != EINTR) {
			pn_log_error("sweeper: poll: %s", strerror(errno));
			break;
		}
		if (fds[0].revents)
			break;
		/* A link event or the timer: either way everything is looked at. */
		if (fds[1].revents)
			(void)pn_link_events__drain(s->events);
		pn_sweep(s->agent);
	}
	return NULL;
}

int pn_sweeper__start(struct pn_agent *a, unsigned int interval_ms, struct pn_sweeper **sp)
{
	struct pn_sweeper *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->agent = a;
	s->interval_ms = interval_ms;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		ret = -errno;
		free(s);
		return ret;
	}
	/* Without notifications the timer still finds everything, only later. */
	ret = pn_link_events__open(&s->events);
	if (ret)
		pn_log_warn("sweeper: no link notifications (%s); sweeping every %u ms only",
			    strerror(-ret), interval_ms);
	ret = -pthread_create(&s->thread, NULL, sweeper_main, s);
	if (ret) {
		pn_link_events__close(s->events);
		close(s->stop_fd);
		free(s);
		return ret;
	}
	*sp = s;
	return 0;
}

void pn_sweeper__stop(struct pn_sweeper *s)
{
	__u64 one = 1;

	if (!s)
		return;
	if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
		pn_log_error("sweeper: cannot signal the stop: %s", strerror(errno));
	else
		pthread_join(s->thread, NULL);
	pn_link_events__close(s->events);
	close(s->stop_fd);
	free(s);
}
