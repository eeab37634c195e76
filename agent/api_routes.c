// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include <microhttpd.h>

#include "api_routes.h"
#include "audit.h"
#include "ifaces.h"
#include "plugnet/engine.h"

static cJSON *features_json(const struct pn_kernel_features *f)
{
	cJSON *o = cJSON_CreateObject();

	if (o && (!cJSON_AddBoolToObject(o, "xdp_link", f->xdp_link) ||
		  !cJSON_AddBoolToObject(o, "freplace_multi_attach", f->freplace_multi_attach) ||
		  !cJSON_AddBoolToObject(o, "xdp_frags", f->xdp_frags))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/*
 * 200 while serving with every recorded interface attached; 503 with the
 * reasons (in "problems") when one is not.
 */
static void health(struct pn_agent *agent, struct pn_api_response *resp)
{
	cJSON *body = cJSON_CreateObject();
	cJSON *kernel = features_json(pn_engine__features(agent->engine));
	cJSON *problems = pn_ifaces_problems(agent);
	bool ok = problems && !cJSON_GetArraySize(problems);

	if (!body || !kernel || !problems ||
	    !cJSON_AddStringToObject(body, "status", ok ? "serving" : "degraded") ||
	    !cJSON_AddNumberToObject(body, "slots_per_interface",
				     pn_engine__slot_count(agent->engine))) {
		cJSON_Delete(body);
		cJSON_Delete(kernel);
		cJSON_Delete(problems);
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", NULL,
			     "health: out of memory");
		return;
	}
	cJSON_AddItemToObject(body, "kernel", kernel);
	cJSON_AddItemToObject(body, "problems", problems);
	resp->status = ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
	resp->body = body;
}

typedef void (*resource_fn)(struct pn_api_socket *sock, const char *rest,
			    const struct pn_api_request *req, struct pn_api_response *resp);

static const struct {
	const char *prefix;
	resource_fn fn;
} resources[] = {
	{"/v1/containers", pn_api_containers}, {"/v1/interfaces", pn_api_interfaces},
	{"/v1/programs", pn_api_programs},     {"/v1/slots", pn_api_slots},
	{"/v1/audit", pn_api_audit},
};

void pn_api_audit(struct pn_api_socket *sock, const char *rest, const struct pn_api_request *req,
		  struct pn_api_response *resp)
{
	char err[1024];
	cJSON *entries;

	if (!sock->admin) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "admin-only", NULL,
			     "%s %s: only on the admin socket", req->method, req->path);
		return;
	}
	if (*rest || strcmp(req->method, "GET")) {
		pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
			     "%s %s: /v1/audit takes GET", req->method, req->path);
		return;
	}
	if (pn_audit_read(sock->agent->audit_path, &entries, err, sizeof(err))) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "audit", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	pn_api_reply(resp, MHD_HTTP_OK, entries, req->path);
}

void pn_api_route(void *ctx, const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_api_socket *sock = ctx;

	if (!strcmp(req->path, "/v1/health")) {
		if (strcmp(req->method, "GET"))
			pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
				     "%s %s: only GET is served here", req->method, req->path);
		else
			health(sock->agent, resp);
		return;
	}
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
		size_t len = strlen(resources[i].prefix);
		const char *rest = req->path + len;

		/* "/v1/programs" and "/v1/programs/<name>", not "/v1/programsX". */
		if (strncmp(req->path, resources[i].prefix, len) || (*rest && *rest != '/'))
			continue;
		resources[i].fn(sock, *rest ? rest + 1 : rest, req, resp);
		return;
	}
	pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL, "%s %s: no such resource",
		     req->method, req->path);
}
