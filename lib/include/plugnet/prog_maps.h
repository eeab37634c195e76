/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the maps of a loaded program (a slot's extension program, say)
 * from the kernel, entry by entry, for an operator to look at: the
 * counters a program keeps, its rate limits, its .rodata configuration.
 *
 * The walk is a snapshot taken while the program runs: entries change
 * under it, a hash map's entry deleted between two steps makes the kernel
 * restart the key order, and an entry may then be seen twice. The walk
 * never takes more than max_entries steps per map, so it always ends.
 *
 * Part of libplugnet (it makes the kernel calls). The maps' BTF is handed
 * over as libbpf's struct btf for the caller to decode keys and values;
 * this header does not need <bpf/btf.h> otherwise.
 */
#ifndef PLUGNET_PROG_MAPS_H
#define PLUGNET_PROG_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct btf;

/* One map of the program, as the callbacks see it. */
struct pn_map_view {
	__u32 id;
	char name[16];
	__u32 type; /* enum bpf_map_type */
	/* "hash", "lru_hash", ... ("unknown" for a type libbpf does not know) */
	const char *type_name;
	__u32 key_size;
	__u32 value_size; /* of one value; per-CPU maps hold one per possible CPU */
	__u32 max_entries;
	__u32 map_flags;
	/* Per-CPU map: `value` holds ncpus values, value_stride bytes apart. */
	bool per_cpu;
	unsigned int ncpus;
	size_t value_stride;
	/*
	 * Whether the entries can be read by key (hash, array and LPM trie
	 * maps, and their per-CPU and LRU kinds). Other maps (ring buffers,
	 * program arrays, socket maps, ...) are reported without entries.
	 */
	bool walkable;
	/* An array: the key is the entry's index, a __u32, whatever BTF says. */
	bool indexed;
	/* The map's BTF, NULL when it has none; a type id of 0: not described. */
	const struct btf *btf;
	__u32 btf_key_type_id;
	__u32 btf_value_type_id;
	/*
	 * For map_end: why the kernel stopped the walk of this map's entries
	 * early (a key or value it refused to read), or NULL. The walk goes
	 * on with the next map: one unreadable map hides no other.
	 */
	const char *error;
};

struct pn_map_walker {
	/* Before the entries of `m`. */
	int (*map_begin)(const struct pn_map_view *m, void *ctx);
	/* One entry: key_size bytes of key; value_size bytes, or ncpus strides when per-CPU. */
	int (*entry)(const struct pn_map_view *m, const void *key, const void *value, void *ctx);
	/*
	 * After them: `shown` entries were passed to entry(), `total` keys
	 * were counted (at most max_entries of the map); truncated when
	 * total > shown because of the walk's limit.
	 */
	int (*map_end)(const struct pn_map_view *m, size_t shown, size_t total, void *ctx);
};

/*
 * Walk every map program `prog_id` uses, in the order the kernel lists
 * them, giving at most `limit` entries of each to the walker (every key
 * is still counted; an array's are all there, max_entries). Maps are
 * opened read-only. A callback returning non-zero ends the walk with
 * that value. Returns 0, a callback's value, or a negative errno with
 * pn_last_error() naming the program or map: -ENOENT when the program
 * is gone.
 */
int pn_prog__walk_maps(__u32 prog_id, size_t limit, const struct pn_map_walker *walker, void *ctx);

#endif
