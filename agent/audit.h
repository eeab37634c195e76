/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log of the admin's overrides: one JSON object per line,
 * appended and fsync'ed before the override takes effect, so that no
 * override happens off the record. Lines hold the time, the admin's pid
 * and uid (from the admin socket's peer credentials), the action, its
 * target, the previous owner and the reason.
 */
#ifndef PLUGNET_AGENT_AUDIT_H
#define PLUGNET_AGENT_AUDIT_H

#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct pn_audit_entry {
	const char *action; /* "release", "release-failed", ... */
	const char *target; /* what it acted on, e.g. the slot id */
	const char *previous_owner;
	const char *reason;
	pid_t pid;
	uid_t uid;
};

/* Append e to the log at path (created 0600), fsync'ed. -errno; err names the file. */
int pn_audit_append(const char *path, const struct pn_audit_entry *e, char *err, size_t err_size);
/* Every entry, oldest first, as a JSON array; a missing log is an empty one. */
int pn_audit_read(const char *path, cJSON **entries, char *err, size_t err_size);

#endif
