/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deferred release after an RCU grace period, on a background thread.
 *
 * After a root link swap, revision N may only be released once every
 * packet that entered it has left: one RCU grace period (rcu_barrier.h).
 * Waiting for it inside plug or unplug would add a grace period (tens of
 * milliseconds, set by the kernel's clock, not by CPU speed) to every
 * revision; here one wait covers every revision retired meanwhile, and
 * callers do not wait at all.
 */
#ifndef PLUGNET_LIB_RETIRE_H
#define PLUGNET_LIB_RETIRE_H

struct pn_retire;

int pn_retire__new(struct pn_retire **retire);
/* Runs everything still queued (after its grace period), then stops the thread. */
void pn_retire__free(struct pn_retire *retire);

/*
 * Run fn(arg) on the retire thread once a grace period has passed after
 * this call. If the work cannot be queued, waits and runs it here.
 */
void pn_retire__defer(struct pn_retire *retire, void (*fn)(void *arg), void *arg);

/* Return once everything deferred before this call has run. */
void pn_retire__drain(struct pn_retire *retire);

/*
 * Replace the grace-period wait (NULL: the RCU barrier again). For tests
 * that must see a revision held until its grace period ends.
 */
void pn_retire__set_grace_period(struct pn_retire *retire, int (*wait)(void *arg), void *arg);

#endif
