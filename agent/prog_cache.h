/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verification cache: a slot program is loaded (and so verified) once
 * per distinct (ELF bytes, program name), as a BPF_PROG_TYPE_EXT program,
 * and then attached to any number of dispatcher slots by freplace
 * multi-attach. The same catalog program on 200 pods costs one
 * verification. Entries are reference counted by the slots using them.
 */
#ifndef PLUGNET_AGENT_PROG_CACHE_H
#define PLUGNET_AGENT_PROG_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct pn_prog_cache;
struct pn_prog;

struct pn_prog_cache *pn_prog_cache__new(void);
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
 * report it. Takes a reference.
 */
int pn_prog_cache__adopt(struct pn_prog_cache *cache, int prog_fd, bool frags,
			 struct pn_prog **prog);

/* Another reference to an entry already held. */
struct pn_prog *pn_prog__get(struct pn_prog *prog);
void pn_prog_cache__put(struct pn_prog_cache *cache, struct pn_prog *prog);

/* Number of programs this cache has loaded into the kernel since it was made. */
unsigned long pn_prog_cache__loads(const struct pn_prog_cache *cache);

int pn_prog__fd(const struct pn_prog *prog);
const char *pn_prog__name(const struct pn_prog *prog);
bool pn_prog__frags(const struct pn_prog *prog);

#endif
