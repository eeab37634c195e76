/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start-up reconciliation of an interface's slots with the ownership
 * registry. Every request changes the kernel and then saves the state
 * file before it answers, so a SIGKILL between the two leaves them apart:
 * - a plug killed before its save leaves a slot in the kernel that no
 *   record owns. It was never acknowledged, and no one could unplug it
 *   through the API, so it is unplugged;
 * - an unplug killed before its save leaves a record of a slot the kernel
 *   no longer runs. The record is dropped, the audit log says so
 *   ("gone"), and the state file is saved.
 * A slot the admin released stays recorded, out of the kernel, until its
 * owner acknowledges it: it is left alone. Should the kernel still run it
 * (a state file from a plugnetd that marked it before unplugging), it is
 * unplugged: the release is on the record already.
 *
 * Both kinds of change are written to the audit log before they are made,
 * like the admin's overrides: nothing leaves the kernel or the registry
 * off the record.
 */
#ifndef PLUGNET_AGENT_RECONCILE_H
#define PLUGNET_AGENT_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"
#include "plugnet/engine.h"
#include "registry.h"

/*
 * Bring the slots of `iface` and the registry together, as above. `what`
 * names the interface in messages (e.g. "default/web-a eth0"). Only while
 * no request can use the interface, i.e. at start before the API serves:
 * a plug in flight is in the kernel before it is recorded and would look
 * unrecorded. An interface that is gone (defunct) is left as it is.
 * Returns 0, or the first -errno with err naming the slot and the step;
 * the other slots are reconciled all the same.
 */
int pn_reconcile_iface(struct pn_agent *agent, struct pn_iface *iface, const char *what, char *err,
		       size_t err_size);

/*
 * The comparison itself, without side effects. `recorded` may hold every
 * interface's slots; only those on info's netns and ifindex count.
 * unplug[] (room for PN_SLOTS_MAX) gets the attach ids the kernel runs
 * that have no record, or whose record says released; gone[i] (room for
 * n_recorded) is set for every unreleased record of this interface that
 * the kernel does not run.
 */
void pn_reconcile_diff(const struct pn_iface_info *info, const struct pn_slot_owner *recorded,
		       size_t n_recorded, __u32 *unplug, size_t *n_unplug, bool *gone);

#endif
