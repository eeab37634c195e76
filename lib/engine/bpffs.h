/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugnetd's private bpffs directory. Pins are what lets the dispatcher
 * and its slots outlive the agent process; the directory is mode 0700 so
 * that only root on the host can reach the links.
 */
#ifndef PLUGNET_LIB_BPFFS_H
#define PLUGNET_LIB_BPFFS_H

/* mkdir -p with mode 0700; the top must be on a bpf filesystem. -errno. */
int pn_bpffs_mkdir(const char *path);
/* True if path is on a mounted bpf filesystem. */
int pn_bpffs_check(const char *path);
/* Remove a pin directory and everything pinned under it. Missing is fine. -errno. */
int pn_bpffs_remove_tree(const char *path);
/* Pin fd at path, replacing whatever was pinned there. -errno. */
int pn_bpffs_pin(int fd, const char *path);

#endif
