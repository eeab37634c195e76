/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The index of loaded programs: which loaded extension program holds which
 * object, kept in the kernel so that it outlives the process. It is a BPF
 * hash map pinned at <pin_root>/prog-index, from the SHA-256 of (program name, ELF
 * bytes) to the program's id and tag. After a restart the engine adopts
 * the running programs without their ELF bytes; the index is how a plug
 * of the same object finds them again instead of verifying it anew.
 *
 * An entry is trusted only while the program it names is alive, is an
 * extension, and has the recorded tag: a stale entry (the program gone,
 * its id reused) is dropped when found.
 */
#ifndef PLUGNET_LIB_PROG_INDEX_H
#define PLUGNET_LIB_PROG_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#define PN_PROG_DIGEST_SIZE 32

struct pn_prog_index;

/* The identity of a program: SHA-256 over its name, a NUL, and the object's bytes. */
int pn_prog_digest(const void *elf, size_t size, const char *name,
		   unsigned char digest[PN_PROG_DIGEST_SIZE]);

/* Open the index pinned at path, or create and pin it. -errno. */
int pn_prog_index__open(const char *path, struct pn_prog_index **prog_index);
void pn_prog_index__close(struct pn_prog_index *prog_index);

/* A new fd of the program recorded for digest, and its frags flag; -ENOENT if none lives. */
int pn_prog_index__find(struct pn_prog_index *prog_index,
			const unsigned char digest[PN_PROG_DIGEST_SIZE], int *prog_fd, bool *frags);
/* Record a loaded program. -errno (e.g. -E2BIG when the index is full). */
int pn_prog_index__add(struct pn_prog_index *prog_index,
		       const unsigned char digest[PN_PROG_DIGEST_SIZE], int prog_fd, bool frags);
/* Forget a program that is being released. */
void pn_prog_index__remove(struct pn_prog_index *prog_index,
			   const unsigned char digest[PN_PROG_DIGEST_SIZE]);

#endif
