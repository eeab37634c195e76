// SPDX-License-Identifier: Apache-2.0
/*
 * The per-slot counters of an interface: one per-CPU array pinned at
 * <pin_root>/<netns id>/<ifindex>/counters and shared by all the
 * interface's revisions, one row per attachment (docs/dispatcher-protocol.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "engine_internal.h"

void counters_path(const struct pn_iface *ifc, char *buf, size_t size)
{
	snprintf(buf, size, "%s/counters", ifc->dir);
}

int counters_create(struct pn_iface *ifc)
{
	/* The attributes the dispatcher object declares, so that bpf_map__reuse_fd() accepts it. */
	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, PLUGNET_COUNTERS_MAP_NAME, sizeof(__u32),
				sizeof(struct plugnet_slot_counters), PLUGNET_STATS_ROWS, NULL);

	if (fd < 0)
		return pn_fail(-errno, IFACE_FMT ": cannot create its per-slot counters map: %s",
			       IFACE_ARGS(ifc), strerror(errno));
	ifc->counters_fd = fd;
	return 0;
}

int counters_pin(const struct pn_iface *ifc)
{
	char path[PINPATH_MAX];

	counters_path(ifc, path, sizeof(path));
	return pn_bpffs_pin(ifc->counters_fd, path);
}

int counters_adopt(struct pn_iface *ifc)
{
	struct bpf_map_info mi;
	__u32 len = sizeof(mi);
	char path[PINPATH_MAX];
	int fd;

	counters_path(ifc, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return pn_fail(-errno, IFACE_FMT ": no per-slot counters map pinned at %s: %s",
			       IFACE_ARGS(ifc), path, strerror(errno));
	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len)) {
		int err = -errno;

		close(fd);
		return pn_fail(err, IFACE_FMT ": pinned counters %s: %s", IFACE_ARGS(ifc), path,
			       strerror(-err));
	}
	if (mi.type != BPF_MAP_TYPE_PERCPU_ARRAY || mi.key_size != sizeof(__u32) ||
	    mi.value_size != sizeof(struct plugnet_slot_counters) ||
	    mi.max_entries != PLUGNET_STATS_ROWS) {
		close(fd);
		return pn_fail(-EPROTO,
			       IFACE_FMT ": pinned map %s is not a plugnet counters map of version "
					 "%u (type %u, value %u bytes, %u entries)",
			       IFACE_ARGS(ifc), path, PLUGNET_DISPATCHER_VERSION, mi.type,
			       mi.value_size, mi.max_entries);
	}
	ifc->counters_fd = fd;
	return 0;
}

/* A buffer for one row of every possible CPU, as the kernel reads and writes per-CPU values. */
static int row_buffer(const struct pn_iface *ifc, struct plugnet_slot_counters **buf, int *ncpus)
{
	*ncpus = libbpf_num_possible_cpus();
	if (*ncpus <= 0)
		return pn_fail(*ncpus ? *ncpus : -EINVAL,
			       IFACE_FMT ": cannot count the possible CPUs for its counters",
			       IFACE_ARGS(ifc));
	*buf = calloc((size_t)*ncpus, sizeof(**buf));
	if (!*buf)
		return pn_fail(-ENOMEM, IFACE_FMT ": out of memory", IFACE_ARGS(ifc));
	return 0;
}

int counters_zero_row(const struct pn_iface *ifc, __u32 row)
{
	struct plugnet_slot_counters *zero;
	int ncpus, err = row_buffer(ifc, &zero, &ncpus);

	if (err)
		return err;
	if (bpf_map_update_elem(ifc->counters_fd, &row, zero, BPF_ANY))
		err = pn_fail(-errno, IFACE_FMT ": cannot zero row %u of its counters: %s",
			      IFACE_ARGS(ifc), row, strerror(errno));
	free(zero);
	return err;
}

int counters_read_row(const struct pn_iface *ifc, __u32 row, struct plugnet_slot_counters *sum)
{
	struct plugnet_slot_counters *percpu;
	int ncpus, err = row_buffer(ifc, &percpu, &ncpus);

	if (err)
		return err;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(ifc->counters_fd, &row, percpu)) {
		err = pn_fail(-errno, IFACE_FMT ": cannot read row %u of its counters: %s",
			      IFACE_ARGS(ifc), row, strerror(errno));
	} else {
		for (int cpu = 0; cpu < ncpus; cpu++) {
			for (unsigned int c = 0; c < PLUGNET_STATS_COLS; c++)
				sum->verdicts[c] += percpu[cpu].verdicts[c];
		}
	}
	free(percpu);
	return err;
}
