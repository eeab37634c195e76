/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dispatchers plugnetd holds on registered containers' pod
 * interfaces (target "pod"): attached when the runtime registers the
 * container, adopted again after a restart, removed when it unregisters.
 */
#ifndef PLUGNET_AGENT_POD_IFACES_H
#define PLUGNET_AGENT_POD_IFACES_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "registry.h"

/*
 * Take over the dispatcher plugnet left pinned on c's pod interface, or
 * install one. The netns path must still name c's netns. -errno; err
 * names the container, the interface and the cause.
 */
int pn_pod_attach(struct pn_agent *agent, const struct pn_container *c, char *err, size_t err_size);
/* Remove c's dispatcher and with it every slot. -ENOENT if it has none. */
int pn_pod_detach(struct pn_agent *agent, const char *container_id, char *err, size_t err_size);
/*
 * The pod interface's handle, with pods_lock read-held: the caller uses it
 * and then calls pn_pod_put(). NULL (lock not held) if there is none.
 */
struct pn_iface *pn_pod_get(struct pn_agent *agent, const char *container_id);
void pn_pod_put(struct pn_agent *agent);
/*
 * What keeps the registered pods from being served as recorded, one
 * message each (an empty array when all is well): no dispatcher held, the
 * interface gone, its root link detached, or another program running
 * instead of the dispatcher. NULL when out of memory.
 */
cJSON *pn_pods_problems(struct pn_agent *agent);
/* Forget every handle (pins stay): at shutdown. */
void pn_pods_close(struct pn_agent *agent);

#endif
