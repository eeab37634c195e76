// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "state_file.h"

#define WHAT "state file"

/* Format a message into err (when the caller gave room for one) and return rc. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t err_size, int rc,
						      const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_size)
		return rc;
	va_start(ap, fmt);
	/* A message cut short still names the file first, which is what matters most. */
	if (vsnprintf(err, err_size, fmt, ap) < 0)
		err[0] = '\0';
	va_end(ap);
	return rc;
}

static void clear(char *err, size_t err_size)
{
	if (err && err_size)
		err[0] = '\0';
}

static int open_retry(const char *path, int flags, mode_t mode)
{
	int fd;

	do {
		fd = open(path, flags, mode);
	} while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/* Read all of fd (a regular file of st_size bytes) into a NUL-terminated buffer. */
static int read_all(int fd, size_t st_size, size_t max_size, char **out, size_t *out_len)
{
	/* +1 for the NUL, +1 to notice a file that grew after fstat. */
	size_t cap = st_size + 2, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;

			free(buf);
			return rc;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > max_size) {
			free(buf);
			return -EFBIG;
		}
		if (len == cap - 1) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* The bytes of the regular file `path`, NUL-terminated, with messages prefixed by `what`. */
static int read_regular(const char *path, const char *what, size_t max_size, char **buf,
			size_t *len, char *err, size_t err_size)
{
	struct stat st;
	int fd, rc;

	/* O_NONBLOCK: a FIFO put at the path must be refused below, not hang the open. */
	fd = open_retry(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, err_size, fd, "%s '%s': open: %s", what, path, strerror(-fd));
	if (fstat(fd, &st)) {
		rc = -errno;
		rc = fail(err, err_size, rc, "%s '%s': fstat: %s", what, path, strerror(-rc));
	} else if (S_ISDIR(st.st_mode)) {
		rc = fail(err, err_size, -EISDIR, "%s '%s': is a directory, not a file", what,
			  path);
	} else if (!S_ISREG(st.st_mode)) {
		rc = fail(err, err_size, -EINVAL, "%s '%s': not a regular file", what, path);
	} else if ((unsigned long long)st.st_size > max_size) {
		rc = fail(err, err_size, -EFBIG,
			  "%s '%s': %lld bytes, larger than the limit of %zu", what, path,
			  (long long)st.st_size, max_size);
	} else {
		rc = read_all(fd, (size_t)st.st_size, max_size, buf, len);
		if (rc == -EFBIG)
			rc = fail(err, err_size, rc,
				  "%s '%s': grew while read, past the limit of %zu bytes", what,
				  path, max_size);
		else if (rc)
			rc = fail(err, err_size, rc, "%s '%s': read: %s", what, path,
				  strerror(-rc));
	}
	/* Only read from: a failing close loses nothing. */
	(void)close(fd);
	return rc;
}

/* -EBADMSG, saying where in buf[0..len) parsing stopped: offset from 0, line and column from 1. */
static int malformed(const char *path, const char *what, const char *buf, size_t len, size_t off,
		     const char *why, char *err, size_t err_size)
{
	size_t line = 1, line_start = 0;

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			line++;
			line_start = i + 1;
		}
	}
	return fail(err, err_size, -EBADMSG,
		    "%s '%s': malformed JSON at byte offset %zu of %zu (line %zu, column %zu): %s",
		    what, path, off, len, line, off - line_start + 1, why);
}

int pn_json_file_read(const char *path, const char *what, size_t max_size, cJSON **doc, char *err,
		      size_t err_size)
{
	const char *end = NULL;
	const char *nul;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*doc = NULL;
	rc = read_regular(path, what, max_size, &buf, &len, err, err_size);
	if (rc)
		return rc;
	if (!len) {
		rc = malformed(path, what, buf, len, 0, "the file is empty", err, err_size);
		goto out;
	}
	/* cJSON would stop at a NUL byte and take what follows it for the end of the file. */
	nul = memchr(buf, '\0', len);
	if (nul) {
		rc = malformed(path, what, buf, len, (size_t)(nul - buf), "a NUL byte", err,
			       err_size);
		goto out;
	}
	/*
	 * The length includes the terminating NUL: cJSON's check for trailing
	 * bytes wants to see it. The end pointer rather than cJSON_GetErrorPtr(),
	 * which is one global shared by every thread.
	 */
	*doc = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	if (!*doc) {
		size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : len;

		/*
		 * cJSON reports some errors inside the text at its end, so "the end"
		 * may not mean the file was cut short; hence the question mark. It
		 * also fails this way when it runs out of memory, which it does not
		 * tell apart (see the header).
		 */
		rc = malformed(path, what, buf, len, off,
			       off >= len ? "parsing stopped at the end of the file (truncated?)"
					  : "parsing stopped here",
			       err, err_size);
		goto out;
	}
	clear(err, err_size);
out:
	free(buf);
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* A short write is followed by another, which reports the error if there is one. */
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write text and a newline to tmp, fsync and close it; on failure it is removed. */
static int write_tmp(const char *path, const char *tmp, const char *text, char *err,
		     size_t err_size)
{
	const char *step;
	int fd, rc;

	/* O_NOFOLLOW: a symlink left at tmp must not send the state somewhere else. */
	fd = open_retry(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fail(err, err_size, fd, WHAT " '%s': create '%s': %s", path, tmp,
			    strerror(-fd));
	step = "write";
	rc = write_all(fd, text, strlen(text));
	if (!rc)
		rc = write_all(fd, "\n", 1);
	if (!rc) {
		step = "fsync";
		rc = fsync(fd) ? -errno : 0;
	}
	/* close can report a write error too (NFS); it is not retried after EINTR on Linux. */
	if (close(fd) && !rc) {
		step = "close";
		rc = -errno;
	}
	if (!rc)
		return 0;
	rc = fail(err, err_size, rc, WHAT " '%s': %s '%s': %s", path, step, tmp, strerror(-rc));
	/* If this fails too, the next write truncates it and the next read removes it. */
	(void)unlink(tmp);
	return rc;
}

/* The directory holding path: everything before its last '/', or "." */
static int dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash)
		return snprintf(dir, size, ".") < (int)size ? 0 : -ENAMETOOLONG;
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dir, path, len);
	dir[len] = '\0';
	return 0;
}

static int fsync_dir(const char *path, const char *dir, char *err, size_t err_size)
{
	int fd, rc = 0;

	fd = open_retry(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, err_size, fd,
			    WHAT " '%s': open directory '%s': %s (the new content is in place "
				 "but may not survive a crash)",
			    path, dir, strerror(-fd));
	if (fsync(fd)) {
		rc = -errno;
		rc = fail(err, err_size, rc,
			  WHAT
			  " '%s': fsync directory '%s': %s (the new content is in place but may "
			  "not survive a crash)",
			  path, dir, strerror(-rc));
	}
	/* Only read from: a failing close loses nothing. */
	(void)close(fd);
	return rc;
}

int pn_state_file_write(const char *path, const cJSON *doc, char *err, size_t err_size)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	size_t len;
	char *text;
	int rc;

	if (!doc)
		return fail(err, err_size, -EINVAL, WHAT " '%s': no document to write", path);
	if (snprintf(tmp, sizeof(tmp), "%s" PN_STATE_FILE_TMP_SUFFIX, path) >= (int)sizeof(tmp) ||
	    dir_of(path, dir, sizeof(dir)))
		return fail(err, err_size, -ENAMETOOLONG, WHAT " '%s': path too long", path);
	/* Formatted, so that an operator can read the state with less. */
	text = cJSON_Print(doc);
	if (!text)
		return fail(err, err_size, -ENOMEM, WHAT " '%s': serialise: out of memory", path);
	len = strlen(text) + 1;
	if (len > PN_STATE_FILE_MAX_SIZE) {
		rc = fail(err, err_size, -EFBIG,
			  WHAT " '%s': the document is %zu bytes, larger than the limit of %u",
			  path, len, PN_STATE_FILE_MAX_SIZE);
		goto out;
	}
	rc = write_tmp(path, tmp, text, err, err_size);
	if (rc)
		goto out;
	if (rename(tmp, path)) {
		rc = -errno;
		rc = fail(err, err_size, rc, WHAT " '%s': rename '%s' to '%s': %s", path, tmp, path,
			  strerror(-rc));
		(void)unlink(tmp); /* as in write_tmp */
		goto out;
	}
	/* The rename is durable only once the directory entry is on disk. */
	rc = fsync_dir(path, dir, err, err_size);
	if (!rc)
		clear(err, err_size);
out:
	free(text);
	return rc;
}

int pn_state_file_read(const char *path, cJSON **doc, char *err, size_t err_size)
{
	char tmp[PATH_MAX];

	*doc = NULL;
	if (snprintf(tmp, sizeof(tmp), "%s" PN_STATE_FILE_TMP_SUFFIX, path) >= (int)sizeof(tmp))
		return fail(err, err_size, -ENAMETOOLONG, WHAT " '%s': path too long", path);
	/*
	 * A leftover tmp is a write that never reached its rename, so never
	 * acknowledged: path holds the last acknowledged state. If it cannot be
	 * removed the next write says why.
	 */
	(void)unlink(tmp);
	return pn_json_file_read(path, WHAT, PN_STATE_FILE_MAX_SIZE, doc, err, err_size);
}
