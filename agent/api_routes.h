/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's routes: what each path under /v1 answers. Today /v1/health;
 * the resources of docs/design.md (containers, interfaces, slots,
 * programs, audit) are planned and answer 404 until they exist.
 */
#ifndef PLUGNET_AGENT_API_ROUTES_H
#define PLUGNET_AGENT_API_ROUTES_H

#include <stdbool.h>

#include "api_server.h"

struct pn_engine;

struct pn_agent {
	struct pn_engine *engine;
	bool admin; /* this socket is the admin socket */
};

/* A pn_api_handler_fn; ctx is a struct pn_agent. */
void pn_api_route(void *ctx, const struct pn_api_request *req, struct pn_api_response *resp);

#endif
