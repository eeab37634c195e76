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
#include "overrides.h"
#include "registry.h"

/* 0 with *caller set, or -EPERM/-errno with a 403/500 answer written to resp. */
int pn_agent_caller(const struct pn_api_socket *sock, const struct pn_api_request *req,
		    struct pn_caller *caller, struct pn_api_response *resp);

/* "admin", "runtime" or "container <pod ns>/<pod name>", for messages. */
void pn_caller_describe(struct pn_agent *agent, const struct pn_caller *caller, char *buf,
			size_t size);

/*
 * An override's request on the admin socket: its body {"reason": ...}
 * (required, non-empty) and the admin's pid and uid. 0, or an answer in
 * resp (403 off the admin socket, 400 without a reason).
 */
int pn_admin_request(const struct pn_api_socket *sock, const struct pn_api_request *req,
		     struct pn_admin *admin, char *reason, size_t reason_size,
		     struct pn_api_response *resp);
/* An override's error (overrides.h) as an HTTP status and an error code. */
unsigned int pn_override_status(int err);
const char *pn_override_code(int err);

#endif
