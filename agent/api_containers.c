// SPDX-License-Identifier: Apache-2.0
/*
 * /v1/containers: the runtime (the CNI plugin) registers a container at
 * CNI ADD and unregisters it at DEL; a registered container then calls
 * from its own netns and is recognised by it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>
#include <microhttpd.h>

#include "api_routes.h"
#include "caller.h"
#include "json_body.h"

static cJSON *container_json(const struct pn_container *c)
{
	cJSON *o = cJSON_CreateObject();
	char netns[24];

	snprintf(netns, sizeof(netns), "%llu", (unsigned long long)c->netns_id);
	if (!o || !cJSON_AddStringToObject(o, "container_id", c->container_id) ||
	    !cJSON_AddStringToObject(o, "pod_namespace", c->pod_namespace) ||
	    !cJSON_AddStringToObject(o, "pod_name", c->pod_name) ||
	    !cJSON_AddStringToObject(o, "pod_uid", c->pod_uid) ||
	    !cJSON_AddStringToObject(o, "netns", netns)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static void answer(struct pn_api_response *resp, unsigned int status, cJSON *body, const char *what)
{
	if (!body) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", NULL,
			     "%s: out of memory", what);
		return;
	}
	resp->status = status;
	resp->body = body;
}

/* The inode of a network namespace file, refusing anything that is not one. */
static int netns_inode(const char *path, __u64 *id, char *why, size_t why_size)
{
	struct statfs sfs;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0) {
		snprintf(why, why_size, "netns '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (fstatfs(fd, &sfs) || fstat(fd, &st))
		ret = -errno;
	else if (sfs.f_type != NSFS_MAGIC)
		ret = -EINVAL;
	close(fd);
	if (ret)
		snprintf(why, why_size, "netns '%s': %s", path,
			 ret == -EINVAL ? "not a namespace file" : strerror(-ret));
	else
		*id = st.st_ino;
	return ret;
}

static bool may_manage(const struct pn_api_request *req, const struct pn_caller *caller,
		       struct pn_agent *a, struct pn_api_response *resp)
{
	char who[3 * PN_ID_MAX];

	if (caller->role == PN_ROLE_RUNTIME || caller->role == PN_ROLE_ADMIN)
		return true;
	pn_caller_describe(a, caller, who, sizeof(who));
	pn_api_error(resp, MHD_HTTP_FORBIDDEN, "forbidden", NULL,
		     "%s %s: only the runtime (the CNI plugin) registers and unregisters "
		     "containers; the caller is %s",
		     req->method, req->path, who);
	return false;
}

static void register_container(struct pn_agent *a, const struct pn_api_request *req,
			       struct pn_api_response *resp)
{
	static const char *const fields[] = {"container_id", "pod_namespace", "pod_name",
					     "pod_uid",      "netns",         NULL};
	struct pn_container c = {}, old;
	char netns[512], err[1024];
	struct pn_slot_owner *none;
	bool again;
	size_t n;
	cJSON *body = pn_body_object(req, fields, resp);

	if (!body)
		return;
	if (pn_body_string(req, body, "container_id", true, c.container_id, sizeof(c.container_id),
			   resp) ||
	    pn_body_string(req, body, "pod_namespace", true, c.pod_namespace,
			   sizeof(c.pod_namespace), resp) ||
	    pn_body_string(req, body, "pod_name", true, c.pod_name, sizeof(c.pod_name), resp) ||
	    pn_body_string(req, body, "pod_uid", false, c.pod_uid, sizeof(c.pod_uid), resp) ||
	    pn_body_string(req, body, "netns", true, netns, sizeof(netns), resp)) {
		cJSON_Delete(body);
		return;
	}
	cJSON_Delete(body);
	if (netns_inode(netns, &c.netns_id, err, sizeof(err))) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-netns", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	again = !pn_registry__find_container(a->registry, c.container_id, &old);
	if (pn_registry__add_container(a->registry, &c, err, sizeof(err))) {
		pn_api_error(resp, MHD_HTTP_CONFLICT, "conflict", NULL, "%s %s: %s", req->method,
			     req->path, err);
		return;
	}
	if (!again && pn_agent_save_state(a, err, sizeof(err))) {
		/* Not acknowledged, so not kept: the registry matches the file. */
		if (!pn_registry__remove_container(a->registry, c.container_id, &none, &n))
			free(none);
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	answer(resp, again ? MHD_HTTP_OK : MHD_HTTP_CREATED, container_json(&c), req->path);
}

static void list_containers(struct pn_agent *a, const struct pn_caller *caller,
			    const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_container *list;
	cJSON *arr;
	size_t n;

	if (pn_registry__list_containers(a->registry, &list, &n)) {
		answer(resp, 0, NULL, req->path);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *o;

		/* A container sees itself only. */
		if (caller->role == PN_ROLE_CONTAINER &&
		    strcmp(list[i].container_id, caller->container_id))
			continue;
		o = container_json(&list[i]);
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	free(list);
	answer(resp, MHD_HTTP_OK, arr, req->path);
}

static void unregister_container(struct pn_agent *a, const char *id,
				 const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_slot_owner *slots = NULL;
	struct pn_container c;
	cJSON *body;
	char err[1024];
	size_t n = 0;

	if (pn_registry__find_container(a->registry, id, &c)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: no registered container '%s'", req->method, req->path, id);
		return;
	}
	if (pn_registry__remove_container(a->registry, id, &slots, &n)) {
		answer(resp, 0, NULL, req->path);
		return;
	}
	if (pn_agent_save_state(a, err, sizeof(err))) {
		/* Put it back: an unacknowledged change must not stay. */
		(void)pn_registry__add_container(a->registry, &c, err, sizeof(err));
		for (size_t i = 0; i < n; i++)
			(void)pn_registry__add_slot(a->registry, &slots[i]);
		free(slots);
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	free(slots);
	body = container_json(&c);
	if (body && !cJSON_AddNumberToObject(body, "slots_released", (double)n)) {
		cJSON_Delete(body);
		body = NULL;
	}
	answer(resp, MHD_HTTP_OK, body, req->path);
}

void pn_api_containers(struct pn_api_socket *sock, const char *rest,
		       const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_agent *a = sock->agent;
	struct pn_caller caller;
	bool collection = !*rest;

	if (pn_agent_caller(sock, req, &caller, resp))
		return;
	if (collection && !strcmp(req->method, "GET"))
		list_containers(a, &caller, req, resp);
	else if (collection && !strcmp(req->method, "POST")) {
		if (may_manage(req, &caller, a, resp))
			register_container(a, req, resp);
	} else if (!collection && !strcmp(req->method, "DELETE") && !strchr(rest, '/')) {
		if (may_manage(req, &caller, a, resp))
			unregister_container(a, rest, req, resp);
	} else {
		pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
			     "%s %s: not served; /v1/containers takes GET and POST, "
			     "/v1/containers/<id> takes DELETE",
			     req->method, req->path);
	}
}
