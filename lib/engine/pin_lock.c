// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pin_lock.h"

struct pn_pin_lock {
	int fd;
};

/* The pid holding a flock on (dev, ino), from lines like "1: FLOCK ADVISORY WRITE 42 00:1f:77 0
 * EOF". */
static int flock_holder(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	int pid = 0;

	if (!f)
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		unsigned int major, minor;
		unsigned long inode;
		char kind[16];
		int holder;

		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &holder, &major, &minor,
			   &inode) == 5 &&
		    !strcmp(kind, "FLOCK") && makedev(major, minor) == dev && inode == ino &&
		    holder > 0)
			pid = holder;
	}
	fclose(f);
	return pid;
}

int pn_pin_lock__acquire(const char *path, struct pn_pin_lock **lockp, int *holder_pid)
{
	struct pn_pin_lock *lock;
	struct stat st;
	int err;

	*holder_pid = 0;
	lock = malloc(sizeof(*lock));
	if (!lock)
		return -ENOMEM;
	lock->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock->fd < 0) {
		err = -errno;
		free(lock);
		return err;
	}
	if (flock(lock->fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY && !fstat(lock->fd, &st))
			*holder_pid = flock_holder(st.st_dev, st.st_ino);
		close(lock->fd);
		free(lock);
		return err;
	}
	*lockp = lock;
	return 0;
}

void pn_pin_lock__release(struct pn_pin_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd);
	free(lock);
}
