// SPDX-License-Identifier: Apache-2.0
/* Reading plugnet's objects back from the kernel: what a program, link or dispatcher is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "engine_internal.h"
#include "prog_cache.h"

int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int link_info(int fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

void describe_prog(__u32 id, char *buf, size_t size)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && !prog_info(fd, &info))
		snprintf(buf, size, "%u '%s'", id, info.name);
	else
		snprintf(buf, size, "%u", id);
	if (fd >= 0)
		close(fd);
}

int read_slot_btf_ids(int prog_fd, __u32 ids[PLUGNET_CONFIG_SLOTS])
{
	struct bpf_prog_info info;
	struct btf *btf;
	int err = prog_info(prog_fd, &info);

	if (err)
		return err;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -errno;
	for (int i = 0; i < PLUGNET_CONFIG_SLOTS; i++) {
		char name[16];
		int id;

		snprintf(name, sizeof(name), "slot%d", i);
		id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
		ids[i] = id > 0 ? (__u32)id : 0;
	}
	btf__free(btf);
	return 0;
}

/* The frozen .rodata among a dispatcher's maps: an array of one element (the other is its
 * counters). */
static int find_config_map(const __u32 *ids, __u32 n, struct bpf_map_info *mi)
{
	for (__u32 i = 0; i < n; i++) {
		__u32 len = sizeof(*mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			return -errno;
		memset(mi, 0, sizeof(*mi));
		if (bpf_obj_get_info_by_fd(fd, mi, &len)) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (mi->type == BPF_MAP_TYPE_ARRAY && mi->max_entries == 1 &&
		    (mi->map_flags & BPF_F_RDONLY_PROG))
			return fd;
		close(fd);
	}
	return -EPROTO;
}

int read_dispatcher_config(int prog_fd, struct plugnet_dispatcher_config *cfg)
{
	struct bpf_prog_info info;
	__u32 map_ids[2], zero = 0, len = sizeof(info);
	struct bpf_map_info minfo;
	void *value;
	int err, map_fd;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 2;
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	/* Its .rodata, and its counters when it counts. */
	if (info.nr_map_ids < 1 || info.nr_map_ids > 2 ||
	    strcmp(info.name, PLUGNET_DISPATCHER_PROG_NAME))
		return -EPROTO;
	map_fd = find_config_map(map_ids, info.nr_map_ids, &minfo);
	if (map_fd < 0)
		return map_fd;
	/* Read whatever size it has: the header says which version it is, even an older one. */
	value = calloc(1, minfo.value_size > sizeof(*cfg) ? minfo.value_size : sizeof(*cfg));
	err = value ? 0 : -ENOMEM;
	if (!err && bpf_map_lookup_elem(map_fd, &zero, value))
		err = -errno;
	close(map_fd);
	if (!err) {
		memcpy(cfg, value, sizeof(*cfg));
		err = pn_slots_check_config(cfg);
		if (!err && minfo.value_size != sizeof(*cfg))
			err = -EPROTO;
	}
	free(value);
	return err;
}

static bool stats_enabled(void)
{
	char c = '0';
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

static int describe_counters(const struct pn_iface *ifc, __u32 row, struct pn_slot_info *o)
{
	struct plugnet_slot_counters sum;
	int err = counters_read_row(ifc, row, &sum);

	if (err)
		return err;
	for (unsigned int v = 0; v < PN_XDP_VERDICTS; v++)
		o->verdicts[v] = sum.verdicts[v];
	o->verdict_other = sum.verdicts[PLUGNET_STATS_OTHER];
	for (unsigned int c = 0; c < PLUGNET_STATS_COLS; c++)
		o->packets += sum.verdicts[c];
	return 0;
}

static int describe_slots(const struct pn_iface *ifc, struct pn_iface_info *info)
{
	struct bpf_prog_info pi;
	struct bpf_link_info li;
	int err;

	info->num_slots = (__u32)ifc->nslots;
	for (__u32 i = 0; i < ifc->nslots; i++) {
		const struct pn_slot_entry *s = &ifc->slots[i];
		struct pn_slot_info *o = &info->slots[i];

		o->index = i;
		o->attach_id = s->attach_id;
		o->priority = s->priority;
		o->proceed_on = s->proceed_on;
		o->frags = s->frags;
		err = prog_info(pn_prog__fd(s->owner), &pi);
		if (!err)
			err = link_info(ifc->cur.link_fds[i], &li);
		if (err)
			return pn_fail(err, IFACE_FMT ": slot %u: %s", IFACE_ARGS(ifc), i,
				       strerror(-err));
		o->prog_id = pi.id;
		snprintf(o->prog_name, sizeof(o->prog_name), "%s", pi.name);
		for (int b = 0; b < BPF_TAG_SIZE; b++)
			snprintf(o->prog_tag + 2 * b, 3, "%02x", pi.tag[b]);
		o->link_id = li.id;
		o->run_cnt = pi.run_cnt;
		o->run_time_ns = pi.run_time_ns;
		err = describe_counters(ifc, s->stats_row, o);
		if (err)
			return err;
	}
	return 0;
}

static int describe_locked(struct pn_iface *ifc, struct pn_iface_info *info)
{
	struct bpf_prog_info pi;
	struct iface_probe p;
	int err;

	memset(info, 0, sizeof(*info));
	info->netns_id = ifc->netns_id;
	info->ifindex = ifc->ifindex;
	snprintf(info->ifname, sizeof(info->ifname), "%s", ifc->ifname);
	info->mode = ifc->mode;
	info->frags = ifc->cur.cfg.flags & PLUGNET_DISPATCHER_F_FRAGS;
	info->revision = ifc->cur.cfg.revision;
	info->slot_stats = ifc->cur.cfg.flags & PLUGNET_DISPATCHER_F_STATS;
	info->stats_enabled = stats_enabled();
	err = iface_probe(ifc, &p, NULL);
	if (err)
		return err;
	info->state = p.state;
	info->root_link_id = p.link.id;
	info->root_prog_id = p.link.prog_id;
	info->other_prog_id = p.other_prog_id;
	if (p.other_prog_id) {
		int fd = bpf_prog_get_fd_by_id(p.other_prog_id);

		/* It may be gone again already: then the id is all there is to say. */
		if (fd >= 0 && !prog_info(fd, &pi))
			snprintf(info->other_prog_name, sizeof(info->other_prog_name), "%s",
				 pi.name);
		if (fd >= 0)
			close(fd);
	}
	err = prog_info(ifc->cur.prog_fd, &pi);
	if (err)
		return pn_fail(err, IFACE_FMT ": dispatcher program: %s", IFACE_ARGS(ifc),
			       strerror(-err));
	info->dispatcher_prog_id = pi.id;
	info->run_cnt = pi.run_cnt;
	info->run_time_ns = pi.run_time_ns;
	return describe_slots(ifc, info);
}

int pn_iface__describe(struct pn_iface *ifc, struct pn_iface_info *info)
{
	int err;

	pn_error_clear();
	pthread_mutex_lock(&ifc->lock);
	err = describe_locked(ifc, info);
	pthread_mutex_unlock(&ifc->lock);
	return err;
}
