/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's routes: what each path under /v1 answers: /v1/health and the
 * resources of docs/API.md (containers, interfaces, slots, programs,
 * audit), one module each.
 */
#ifndef PLUGNET_AGENT_API_ROUTES_H
#define PLUGNET_AGENT_API_ROUTES_H

#include <stdbool.h>

#include "agent.h"
#include "api_server.h"

/* A pn_api_handler_fn; ctx is a struct pn_api_socket. */
void pn_api_route(void *ctx, const struct pn_api_request *req, struct pn_api_response *resp);

/* /v1/programs[/<name>]. */
void pn_api_programs(struct pn_api_socket *sock, const char *rest, const struct pn_api_request *req,
		     struct pn_api_response *resp);

/* /v1/slots[/<id>]. */
void pn_api_slots(struct pn_api_socket *sock, const char *rest, const struct pn_api_request *req,
		  struct pn_api_response *resp);

/* /v1/audit (admin socket only). */
void pn_api_audit(struct pn_api_socket *sock, const char *rest, const struct pn_api_request *req,
		  struct pn_api_response *resp);

/* /v1/containers[/<rest>]. */
void pn_api_containers(struct pn_api_socket *sock, const char *rest,
		       const struct pn_api_request *req, struct pn_api_response *resp);

/* /v1/interfaces[/<id>[/detach|/adopt]]. */
void pn_api_interfaces(struct pn_api_socket *sock, const char *rest,
		       const struct pn_api_request *req, struct pn_api_response *resp);

#endif
