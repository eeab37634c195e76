// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "audit.h"

#define AUDIT_READ_MAX (64 << 20)

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int pn_audit_append(const char *path, const struct pn_audit_entry *e, char *err, size_t err_size)
{
	char when[32], *line = NULL;
	struct tm tm;
	time_t now = time(NULL);
	cJSON *o = cJSON_CreateObject();
	int fd = -1, ret = -ENOMEM;

	if (!gmtime_r(&now, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "%lld", (long long)now);
	if (o && cJSON_AddStringToObject(o, "time", when) &&
	    cJSON_AddNumberToObject(o, "admin_pid", e->pid) &&
	    cJSON_AddNumberToObject(o, "admin_uid", e->uid) &&
	    cJSON_AddStringToObject(o, "action", e->action) &&
	    cJSON_AddStringToObject(o, "target", e->target) &&
	    cJSON_AddStringToObject(o, "previous_owner",
				    e->previous_owner ? e->previous_owner : "") &&
	    cJSON_AddStringToObject(o, "reason", e->reason))
		line = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (line) {
		size_t len = strlen(line);

		line[len] = '\n'; /* over the NUL: one write of one whole line */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		ret = fd < 0 ? -errno : write_all(fd, line, len + 1);
		if (!ret && fsync(fd))
			ret = -errno;
		if (fd >= 0 && close(fd) && !ret)
			ret = -errno;
	}
	cJSON_free(line);
	if (ret)
		snprintf(err, err_size, "audit log %s: %s", path, strerror(-ret));
	return ret;
}

int pn_audit_read(const char *path, cJSON **entries, char *err, size_t err_size)
{
	cJSON *arr = cJSON_CreateArray();
	char *buf = NULL, *line, *save = NULL;
	struct stat st;
	size_t got = 0;
	int fd, ret = 0;

	if (!arr)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*entries = arr;
			return 0;
		}
		ret = -errno;
	} else if (fstat(fd, &st)) {
		ret = -errno;
	} else if (st.st_size > AUDIT_READ_MAX) {
		ret = -EFBIG;
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		ret = -ENOMEM;
	} else {
		while (got < (size_t)st.st_size) {
			ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

			if (n <= 0) {
				ret = n < 0 ? -errno : 0;
				break;
			}
			got += (size_t)n;
		}
		buf[got] = '\0';
	}
	if (fd >= 0)
		close(fd);
	for (line = ret ? NULL : strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cJSON *e = cJSON_Parse(line);

		/* A line torn by a crash mid-write is not an entry; the rest still are. */
		if (e && !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			ret = -ENOMEM;
			break;
		}
	}
	free(buf);
	if (ret) {
		snprintf(err, err_size, "audit log %s: %s", path, strerror(-ret));
		cJSON_Delete(arr);
		return ret;
	}
	*entries = arr;
	return 0;
}
