/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verification cache: a slot program is loaded (and so verified) once
 * per distinct (program name, ELF bytes), identified by their SHA-256, as a
 * BPF_PROG_TYPE_EXT program,
 * and then attached to any number of dispatcher slots by freplace
 * multi-attach. The same program on 200 pods costs one
 * verification. Entries are reference counted by the slots using them.
 */
#ifndef PLUGNET_LIB_PROG_CACHE_H
#define PLUGNET_LIB_PROG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct pn_prog_cache;
struct pn_prog;

struct pn_prog_index;

/*
 * kernel_frags: the kernel supports multi-buffer XDP; without it, programs
 * declared multi-buffer are refused with a message saying so. With an
 * index of loaded programs (prog_index.h; the cache then owns it), a
 * program loaded before a restart is found again by content and reused:
 * one verification per program across restarts too. NULL: no index.
 * Every call is thread-safe.
 */
struct pn_prog_cache *pn_prog_cache__new(bool kernel_frags, struct pn_prog_index *prog_index);
/* All entries must have been put. */
void pn_prog_cache__free(struct pn_prog_cache *cache);

/*
 * Find or load program `name` from the ELF object `elf`. A load verifies
 * the program against function `target_func` of the dispatcher program
 * `target_fd`; any dispatcher will do, since every slot stub has the same
 * signature. On failure returns -errno and writes a message naming the
 * program to `err` (with the tail of the verifier log when the verifier
 * refused it). Takes a reference.
 */
int pn_prog_cache__get(struct pn_prog_cache *cache, const void *elf, size_t elf_size,
		       const char *name, int target_fd, const char *target_func,
		       struct pn_prog **prog, char *err, size_t err_size);

/*
 * Wrap an EXT program found in the kernel (after an agent restart); `frags`
 * comes from the dispatcher's configuration, since the kernel does not
 * report it. Takes a reference. The same kernel program adopted in many
 * slots is one entry; a later pn_prog_cache__get() of the same object
 * finds it through the index.
 */
int pn_prog_cache__adopt(struct pn_prog_cache *cache, int prog_fd, bool frags,
			 struct pn_prog **prog);

/*
 * Drop a reference. `unplugged`: the program left its slot, so once no
 * reference is left the index forgets it; otherwise (the handle is only
 * closed, its pinned slots go on running it) the index keeps it for the
 * next engine.
 */
void pn_prog_cache__put(struct pn_prog_cache *cache, struct pn_prog *prog, bool unplugged);

/* Number of programs this cache has loaded into the kernel since it was made. */
unsigned long pn_prog_cache__loads(struct pn_prog_cache *cache);

int pn_prog__fd(const struct pn_prog *prog);
const char *pn_prog__name(const struct pn_prog *prog);
bool pn_prog__frags(const struct pn_prog *prog);

#endif
