/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The program catalog: the admin-approved programs containers plug by
 * name. It is a directory (config key catalog_dir, default
 * /etc/plugnet/programs) holding, for a program called NAME:
 *
 *   NAME.bpf.o   the ELF object (required)
 *   NAME.json    optional manifest: {"program": "<function in the object>",
 *                "priority": <default priority>, "proceed_on": "pass,drop"}
 *
 * Without a manifest the function is NAME itself. A NAME is 1 to 64 of
 * [A-Za-z0-9_-], so a name can never reach outside the directory.
 * Entries are read on every lookup: an admin adds or removes programs by
 * adding or removing files, with no restart.
 */
#ifndef PLUGNET_AGENT_CATALOG_H
#define PLUGNET_AGENT_CATALOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PN_CATALOG_NAME_MAX 64

struct pn_catalog_entry {
	char name[PN_CATALOG_NAME_MAX + 1];
	char path[PATH_MAX]; /* of NAME.bpf.o */
	char program[64];    /* the function to load from it */
	char sha256[65];     /* of the object's bytes, hex */
	bool has_priority;
	__s32 priority;
	__u32 proceed_on; /* 0: not set */
};

/* Whether name is a valid catalog name. */
bool pn_catalog_name_valid(const char *name);

/*
 * Look NAME up in dir. -EINVAL for an invalid name, -ENOENT when there is
 * no NAME.bpf.o, -EBADMSG/-EINVAL for a bad manifest; err names the name,
 * the file and the key.
 */
int pn_catalog_lookup(const char *dir, const char *name, struct pn_catalog_entry *entry, char *err,
		      size_t err_size);

/* Every valid entry of dir, sorted by name (free *list). Files that are not entries are skipped. */
int pn_catalog_list(const char *dir, struct pn_catalog_entry **list, size_t *n, char *err,
		    size_t err_size);

#endif
