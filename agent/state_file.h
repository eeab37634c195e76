/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugnetd's durable state as one JSON document in one file, replaced
 * atomically, so that a crash at any moment leaves either the old
 * document or the new one, never a mix. What the document holds (and its
 * "version" key) is the caller's business.
 *
 * One writer per path at a time: the caller serialises its writes, and
 * reads the file only when nothing writes it (at start).
 */
#ifndef PLUGNET_AGENT_STATE_FILE_H
#define PLUGNET_AGENT_STATE_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The temporary file a write goes through: path with this suffix, beside it. */
#define PN_STATE_FILE_TMP_SUFFIX ".tmp"
/* Reads refuse larger files, so writes refuse larger documents: what is written can be read. */
#define PN_STATE_FILE_MAX_SIZE (64U << 20)

/*
 * Write `doc` (cJSON) to path atomically: path.tmp written and fsync'ed,
 * renamed over path, directory fsync'ed. path.tmp gets mode 0600 and is
 * never followed if it is a symlink. On failure path is untouched (the old
 * content stays), path.tmp is removed, and err names the file and the step:
 *   state file '/var/lib/plugnet/state.json': write '/var/lib/plugnet/state.json.tmp': No space
 * left on device The one exception is a failing fsync of the directory: the rename has happened, so
 * path holds the new document, but it may not survive a crash; err says so. Returns 0 or -errno
 * (-EFBIG over PN_STATE_FILE_MAX_SIZE, -ENAMETOOLONG if path.tmp does not fit PATH_MAX).
 */
int pn_state_file_write(const char *path, const cJSON *doc, char *err, size_t err_size);

/*
 * Read path into *doc (the caller frees it with cJSON_Delete). -ENOENT if
 * it does not exist (first start). A truncated or malformed file is
 * -EBADMSG with the offset in err; the caller decides. A leftover path.tmp
 * (a write that a crash interrupted before its rename) is ignored and
 * removed. *doc is NULL on any error.
 */
int pn_state_file_read(const char *path, cJSON **doc, char *err, size_t err_size);

/*
 * Read the regular file `path` (open, fstat, read; at most max_size bytes)
 * and parse it as exactly one JSON value into *doc; the configuration file
 * is read this way too. Every message in err starts with `what` and the
 * path ("state file '/x'", "config '/x'"). Returns 0, -ENOENT, -EISDIR,
 * -EINVAL (not a regular file), -EFBIG, -EBADMSG (empty, a NUL byte,
 * malformed or trailing bytes: the byte offset, line and column where
 * parsing stopped are in err), -ENOMEM or the -errno of open/read. *doc is
 * NULL on any error. cJSON fails the same way when it runs out of memory
 * while parsing, so a caller that would discard a -EBADMSG file should
 * not do so without a human.
 */
int pn_json_file_read(const char *path, const char *what, size_t max_size, cJSON **doc, char *err,
		      size_t err_size);

#endif
