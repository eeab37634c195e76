// SPDX-License-Identifier: Apache-2.0
/* /v1/programs: the catalog of admin-approved programs, read-only for every identified caller. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_routes.h"
#include "caller.h"
#include "catalog.h"
#include "plugnet/xdp_action.h"

static cJSON *entry_json(const struct pn_catalog_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	char proceed[64];

	if (!o || !cJSON_AddStringToObject(o, "name", e->name) ||
	    !cJSON_AddStringToObject(o, "program", e->program) ||
	    !cJSON_AddStringToObject(o, "sha256", e->sha256))
		goto fail;
	if (e->has_priority && !cJSON_AddNumberToObject(o, "priority", e->priority))
		goto fail;
	if (e->proceed_on) {
		pn_proceed_on_format(e->proceed_on, proceed, sizeof(proceed));
		if (!cJSON_AddStringToObject(o, "proceed_on", proceed))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *entry_item_json(const void *item)
{
	return entry_json(item);
}

static void list_programs(struct pn_agent *a, const struct pn_api_request *req,
			  struct pn_api_response *resp)
{
	struct pn_catalog_entry *list;
	char err[1024];
	size_t n;

	if (pn_catalog_list(a->catalog_dir, &list, &n, err, sizeof(err))) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "catalog", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	pn_api_reply(resp, MHD_HTTP_OK,
		     pn_api_json_array(list, n, sizeof(*list), NULL, NULL, entry_item_json),
		     req->path);
	free(list);
}

static void show_program(struct pn_agent *a, const char *name, const struct pn_api_request *req,
			 struct pn_api_response *resp)
{
	struct pn_catalog_entry e;
	char err[1024];
	int ret = pn_catalog_lookup(a->catalog_dir, name, &e, err, sizeof(err));

	if (ret)
		pn_api_error(resp,
			     ret == -ENOENT ? MHD_HTTP_NOT_FOUND
			     : ret == -EINVAL && !pn_catalog_name_valid(name)
				     ? MHD_HTTP_BAD_REQUEST
				     : MHD_HTTP_INTERNAL_SERVER_ERROR,
			     ret == -ENOENT ? "not-found" : "catalog", NULL, "%s %s: %s",
			     req->method, req->path, err);
	else
		pn_api_reply(resp, MHD_HTTP_OK, entry_json(&e), req->path);
}

void pn_api_programs(struct pn_api_socket *sock, const char *rest, const struct pn_api_request *req,
		     struct pn_api_response *resp)
{
	struct pn_caller caller;

	if (pn_agent_caller(sock, req, &caller, resp))
		return;
	if (strcmp(req->method, "GET"))
		pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
			     "%s %s: the catalog is read-only through the API; the admin changes "
			     "it in its directory",
			     req->method, req->path);
	else if (!*rest)
		list_programs(sock->agent, req, resp);
	else
		show_program(sock->agent, rest, req, resp);
}
