// SPDX-License-Identifier: Apache-2.0
/* A program's maps read back from the kernel, entry by entry (plugnet/prog_maps.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "engine_internal.h"
#include "plugnet/prog_maps.h"

static bool is_per_cpu(__u32 type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Maps whose entries a lookup by key returns as the value the program sees. */
static bool is_walkable(__u32 type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		return true;
	default:
		return false;
	}
}

/* The ids of the maps program `fd` uses; *ids is malloc'ed (NULL when none). */
static int prog_map_ids(int fd, __u32 prog_id, __u32 **ids, __u32 *n)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info), want;

	*ids = NULL;
	*n = 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return pn_fail(-errno, "program %u: cannot read its info: %s", prog_id,
			       strerror(errno));
	want = info.nr_map_ids;
	if (!want)
		return 0;
	*ids = calloc(want, sizeof(**ids));
	if (!*ids)
		return pn_fail(-ENOMEM, "program %u: out of memory for %u map ids", prog_id, want);
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	info.nr_map_ids = want;
	info.map_ids = (__u64)(unsigned long)*ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		free(*ids);
		*ids = NULL;
		return pn_fail(err, "program %u: cannot read its map ids: %s", prog_id,
			       strerror(-err));
	}
	/* BPF_PROG_BIND_MAP may have added one since: take what fits. */
	*n = info.nr_map_ids < want ? info.nr_map_ids : want;
	return 0;
}

/*
 * Every key of map `fd`, at most max_entries steps; the first `limit` go
 * to the walker. A callback's non-zero value is returned; a kernel error
 * ends this map's walk only, described in kerr.
 */
static int walk_entries(int fd, const struct pn_map_view *m, size_t limit,
			const struct pn_map_walker *w, void *ctx, size_t *shown, size_t *total,
			char *kerr, size_t kerr_size)
{
	size_t value_size = m->per_cpu ? m->value_stride * m->ncpus : m->value_size;
	unsigned char *key = malloc(m->key_size ? m->key_size : 1);
	unsigned char *next = malloc(m->key_size ? m->key_size : 1);
	unsigned char *value = malloc(value_size ? value_size : 1);
	const void *prev = NULL;
	int ret = 0;

	*shown = *total = 0;
	if (!key || !next || !value) {
		ret = pn_fail(-ENOMEM, "map %u '%s': out of memory", m->id, m->name);
		goto out;
	}
	for (__u32 step = 0; step < m->max_entries; step++) {
		if (bpf_map_get_next_key(fd, prev, next)) {
			if (errno != ENOENT)
				snprintf(kerr, kerr_size,
					 "map %u '%s': the kernel refused the next key after %zu: "
					 "%s",
					 m->id, m->name, *total, strerror(errno));
			break;
		}
		memcpy(key, next, m->key_size);
		prev = key;
		/* Past the limit only the keys are counted: no value is read. */
		if (*shown >= limit) {
			if (m->indexed) { /* every index of an array is an entry */
				*total = m->max_entries;
				break;
			}
			++*total;
			continue;
		}
		if (bpf_map_lookup_elem(fd, key, value)) {
			/* Deleted (or evicted from an LRU) since the key was read. */
			if (errno == ENOENT)
				continue;
			snprintf(kerr, kerr_size,
				 "map %u '%s': the kernel refused to read entry %zu: %s", m->id,
				 m->name, *total, strerror(errno));
			break;
		}
		++*total;
		++*shown;
		ret = w->entry ? w->entry(m, key, value, ctx) : 0;
		if (ret)
			break;
	}
out:
	free(key);
	free(next);
	free(value);
	return ret;
}

/* The BTF object `btf_id`, loaded once for all maps of one program (they share it). */
static const struct btf *map_btf(__u32 btf_id, struct btf **cache, __u32 *cache_id)
{
	if (!btf_id)
		return NULL;
	if (*cache && *cache_id == btf_id)
		return *cache;
	btf__free(*cache);
	*cache = btf__load_from_kernel_by_id(btf_id);
	*cache_id = btf_id;
	/* Without its BTF a map is still shown, its keys and values as bytes. */
	return *cache;
}

static int walk_map(__u32 map_id, size_t limit, const struct pn_map_walker *w, void *ctx,
		    struct btf **btf, __u32 *btf_id)
{
	struct bpf_map_info info;
	struct pn_map_view m = {.id = map_id};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, read_only, .open_flags = BPF_F_RDONLY);
	size_t shown = 0, total = 0;
	char kerr[256] = "";
	int fd, ret, ncpus;

	fd = bpf_map_get_fd_by_id_opts(map_id, &read_only);
	if (fd < 0)
		return pn_fail(-errno, "map %u: cannot open it: %s", map_id, strerror(errno));
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = pn_fail(-errno, "map %u: cannot read its info: %s", map_id, strerror(errno));
		goto out;
	}
	snprintf(m.name, sizeof(m.name), "%s", info.name);
	m.type = info.type;
	m.type_name = libbpf_bpf_map_type_str(info.type);
	if (!m.type_name)
		m.type_name = "unknown";
	m.key_size = info.key_size;
	m.value_size = info.value_size;
	m.max_entries = info.max_entries;
	m.map_flags = info.map_flags;
	m.per_cpu = is_per_cpu(info.type);
	m.walkable = is_walkable(info.type);
	m.indexed = info.type == BPF_MAP_TYPE_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_ARRAY;
	m.value_stride = m.per_cpu ? (info.value_size + 7) / 8 * 8 : info.value_size;
	if (m.per_cpu) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus <= 0) {
			ret = pn_fail(ncpus ? ncpus : -EINVAL,
				      "map %u '%s': cannot count the possible CPUs", map_id,
				      m.name);
			goto out;
		}
		m.ncpus = ncpus;
	} else {
		m.ncpus = 1;
	}
	m.btf = map_btf(info.btf_id, btf, btf_id);
	m.btf_key_type_id = m.btf ? info.btf_key_type_id : 0;
	m.btf_value_type_id = m.btf ? info.btf_value_type_id : 0;

	ret = w->map_begin ? w->map_begin(&m, ctx) : 0;
	if (!ret && m.walkable)
		ret = walk_entries(fd, &m, limit, w, ctx, &shown, &total, kerr, sizeof(kerr));
	m.error = kerr[0] ? kerr : NULL;
	if (!ret && w->map_end)
		ret = w->map_end(&m, shown, total, ctx);
out:
	close(fd);
	return ret;
}

int pn_prog__walk_maps(__u32 prog_id, size_t limit, const struct pn_map_walker *walker, void *ctx)
{
	struct btf *btf = NULL;
	__u32 *ids = NULL, n = 0, btf_id = 0;
	int fd, ret;

	pn_error_clear();
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return pn_fail(-errno, "program %u: %s", prog_id,
			       errno == ENOENT ? "no such program (it was unloaded)"
					       : strerror(errno));
	ret = prog_map_ids(fd, prog_id, &ids, &n);
	for (__u32 i = 0; !ret && i < n; i++)
		ret = walk_map(ids[i], limit, walker, ctx, &btf, &btf_id);
	btf__free(btf);
	free(ids);
	close(fd);
	return ret;
}
