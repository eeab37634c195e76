/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wait, from user space, until every XDP program run that started before
 * the call has finished (an RCU grace period). After a root link swap,
 * packets already inside revision N still call its slot stubs; N's
 * freplace links may only be released once they are out, or those
 * packets would skip the slots.
 *
 * The kernel offers no direct call for this. Updating an element of a
 * map-of-maps makes it run synchronize_rcu() before returning, so that
 * user space knows no program still sees the old inner map
 * (maybe_wait_bpf_programs() in kernel/bpf/syscall.c). Unlike
 * membarrier(MEMBARRIER_CMD_GLOBAL) this also works on nohz_full kernels.
 */
#ifndef PLUGNET_LIB_RCU_BARRIER_H
#define PLUGNET_LIB_RCU_BARRIER_H

struct pn_rcu_barrier;

int pn_rcu_barrier__new(struct pn_rcu_barrier **barrier);
void pn_rcu_barrier__free(struct pn_rcu_barrier *barrier);
/* Returns once a grace period has passed; -errno if the kernel refused the update. */
int pn_rcu_barrier__wait(struct pn_rcu_barrier *barrier);

#endif
