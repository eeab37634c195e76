/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is calling, for one request: the admin socket's callers are the
 * admin; on the workload socket the peer credentials decide between the
 * runtime (the CNI plugin), a registered container (found by its netns)
 * and a refusal. Nothing in the request takes part.
 */
#ifndef PLUGNET_AGENT_CALLER_H
#define PLUGNET_AGENT_CALLER_H

#include "agent.h"
#include "api_server.h"
#include "registry.h"

/* 0 with *caller set, or -EPERM/-errno with a 403/500 answer written to resp. */
int pn_agent_caller(const struct pn_api_socket *sock, const struct pn_api_request *req,
		    struct pn_caller *caller, struct pn_api_response *resp);

/* "admin", "runtime" or "container <pod ns>/<pod name>", for messages. */
void pn_caller_describe(struct pn_agent *agent, const struct pn_caller *caller, char *buf,
			size_t size);

#endif
