/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One engine per pin root. Two engines working the same pins would each
 * swap revisions the other does not know of; an exclusive flock on the pin
 * root directory keeps the second one out, as libxdp locks its own bpffs
 * directory. The kernel drops the lock when the holder exits, however it
 * exits.
 */
#ifndef PLUGNET_LIB_PIN_LOCK_H
#define PLUGNET_LIB_PIN_LOCK_H

struct pn_pin_lock;

/*
 * Lock directory `path`. -EBUSY if another holder has it: *holder_pid is
 * its pid when /proc/locks tells it, else 0.
 */
int pn_pin_lock__acquire(const char *path, struct pn_pin_lock **lock, int *holder_pid);
void pn_pin_lock__release(struct pn_pin_lock *lock);

#endif
