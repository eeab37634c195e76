// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "bpffs.h"

int pn_bpffs_check(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC ? 0 : -ENOTSUP;
}

/* mkdir failed with err: -ENOTSUP when the reason is that the parent is no bpffs (sysfs says
 * ENOENT). */
static int mkdir_error(char *buf, char *end, int err)
{
	char saved = *end;
	int ret;

	if (end == buf)
		return err;
	*end = '\0';
	ret = pn_bpffs_check(buf) == -ENOTSUP ? -ENOTSUP : err;
	*end = saved;
	return ret;
}

static int mkdir_walk(const char *path)
{
	char buf[PATH_MAX], *parent = buf;
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return mkdir_error(buf, parent, -errno);
		*p = '/';
		parent = p;
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return mkdir_error(buf, parent, -errno);
	return pn_bpffs_check(buf);
}

int pn_bpffs_mkdir(const char *path)
{
	int err = mkdir_walk(path);

	/* A parent removed meanwhile (its last interface went): walk once more. */
	return err == -ENOENT ? mkdir_walk(path) : err;
}

int pn_bpffs_remove_tree(const char *path)
{
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub)) {
			ret = -ENAMETOOLONG;
			continue;
		}
		if (lstat(sub, &st)) {
			if (errno != ENOENT) /* gone meanwhile is what we want */
				ret = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int err = pn_bpffs_remove_tree(sub);

			if (err)
				ret = err;
		} else if (unlink(sub) && errno != ENOENT) {
			ret = -errno;
		}
	}
	closedir(dir);
	if (rmdir(path) && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

int pn_bpffs_pin(int fd, const char *path)
{
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return bpf_obj_pin(fd, path) ? -errno : 0;
}
