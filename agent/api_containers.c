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
#include "audit.h"
#include "caller.h"
#include "json_body.h"
#include "ifaces.h"
#include "links.h"
#include "plugnet/log.h"

static cJSON *container_json(const struct pn_container *c)
{
	cJSON *o = cJSON_CreateObject();
	char netns[24];

	snprintf(netns, sizeof(netns), "%llu", (unsigned long long)c->netns_id);
	if (!o || !cJSON_AddStringToObject(o, "container_id", c->container_id) ||
	    !cJSON_AddStringToObject(o, "pod_namespace", c->pod_namespace) ||
	    !cJSON_AddStringToObject(o, "pod_name", c->pod_name) ||
	    !cJSON_AddStringToObject(o, "pod_uid", c->pod_uid) ||
	    !cJSON_AddStringToObject(o, "network", c->network) ||
	    !cJSON_AddStringToObject(o, "netns", netns) ||
	    !cJSON_AddStringToObject(o, "ifname", c->ifname) ||
	    !cJSON_AddNumberToObject(o, "pod_ifindex", c->pod_ifindex) ||
	    !cJSON_AddNumberToObject(o, "host_ifindex", c->host_ifindex)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
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
	static const char *const fields[] = {"container_id", "pod_namespace", "pod_name", "pod_uid",
					     "network",      "netns",         "ifname",   NULL};
	struct pn_container c = {}, old;
	struct pn_target pod = {.kind = PN_TARGET_POD, .container_id = c.container_id};
	char err[1024];
	struct pn_slot_owner *none;
	bool again;
	size_t n;
	int ret;
	cJSON *body = pn_body_object(req, fields, resp);

	if (!body)
		return;
	if (pn_body_string(req, body, "container_id", true, c.container_id, sizeof(c.container_id),
			   resp) ||
	    pn_body_string(req, body, "pod_namespace", true, c.pod_namespace,
			   sizeof(c.pod_namespace), resp) ||
	    pn_body_string(req, body, "pod_name", true, c.pod_name, sizeof(c.pod_name), resp) ||
	    pn_body_string(req, body, "pod_uid", false, c.pod_uid, sizeof(c.pod_uid), resp) ||
	    pn_body_string(req, body, "network", false, c.network, sizeof(c.network), resp) ||
	    pn_body_string(req, body, "netns", true, c.netns_path, sizeof(c.netns_path), resp) ||
	    pn_body_string(req, body, "ifname", false, c.ifname, sizeof(c.ifname), resp)) {
		cJSON_Delete(body);
		return;
	}
	cJSON_Delete(body);
	if (!c.ifname[0])
		strcpy(c.ifname, "eth0");
	if (netns_inode(c.netns_path, &c.netns_id, err, sizeof(err))) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-netns", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	/* The host side of its veth, if it has one in our netns: the "host" target. */
	ret = pn_link_host_peer(c.netns_path, c.ifname, &c.pod_ifindex, &c.host_ifindex, err,
				sizeof(err));
	if (ret) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST,
			     ret == -ENODEV ? "bad-interface" : "bad-netns", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	again = !pn_registry__find_container(a->registry, c.container_id, &old);
	if (pn_registry__add_container(a->registry, &c, err, sizeof(err))) {
		pn_api_error(resp, MHD_HTTP_CONFLICT, "conflict", NULL, "%s %s: %s", req->method,
			     req->path, err);
		return;
	}
	if (again) {
		/* A retried ADD also repairs a dispatcher that could not be adopted at start. */
		ret = pn_ifaces_attach(a, &pod, err, sizeof(err));
		if (ret)
			pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "attach-failed", NULL,
				     "%s %s: %s", req->method, req->path, err);
		else
			pn_api_reply(resp, MHD_HTTP_OK, container_json(&c), req->path);
		return;
	}
	/* The dispatcher first: a registration is acknowledged with its interface held. */
	ret = pn_ifaces_attach(a, &pod, err, sizeof(err));
	if (ret) {
		if (!pn_registry__remove_container(a->registry, c.container_id, &none, &n))
			free(none);
		pn_api_error(resp,
			     ret == -EEXIST                     ? MHD_HTTP_CONFLICT
			     : ret == -ENODEV || ret == -ESTALE ? MHD_HTTP_BAD_REQUEST
								: MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "attach-failed", NULL, "%s %s: %s", req->method, req->path, err);
		return;
	}
	if (pn_agent_save_state(a, err, sizeof(err))) {
		/* Not acknowledged, so not kept: the registry matches the file. */
		char why[512];

		(void)pn_ifaces_detach_container(a, c.container_id, why, sizeof(why));
		if (!pn_registry__remove_container(a->registry, c.container_id, &none, &n))
			free(none);
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL, "%s %s: %s",
			     req->method, req->path, err);
		return;
	}
	pn_api_reply(resp, MHD_HTTP_CREATED, container_json(&c), req->path);
}

static bool is_callers(const void *item, const void *ctx)
{
	const struct pn_container *c = item;
	const struct pn_caller *caller = ctx;

	/* A container sees itself only. */
	return caller->role != PN_ROLE_CONTAINER || !strcmp(c->container_id, caller->container_id);
}

static cJSON *container_item_json(const void *item)
{
	return container_json(item);
}

static void list_containers(struct pn_agent *a, const struct pn_caller *caller,
			    const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_container *list;
	size_t n;

	if (pn_registry__list_containers(a->registry, &list, &n)) {
		pn_api_reply(resp, 0, NULL, req->path);
		return;
	}
	pn_api_reply(
		resp, MHD_HTTP_OK,
		pn_api_json_array(list, n, sizeof(*list), is_callers, caller, container_item_json),
		req->path);
	free(list);
}

/* GET /v1/containers/<id>: the runtime and the admin see any; a container itself only. */
static void show_container(struct pn_agent *a, const struct pn_caller *caller, const char *id,
			   const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_container c;

	if (pn_registry__find_container(a->registry, id, &c) || !is_callers(&c, caller)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: no registered container '%s'", req->method, req->path, id);
		return;
	}
	pn_api_reply(resp, MHD_HTTP_OK, container_json(&c), req->path);
}

/*
 * The admin's unregistration is an override like the others: audited,
 * with its reason, before it acts. The runtime's is the CNI DEL.
 */
static int audit_unregister(struct pn_agent *a, const struct pn_admin *admin,
			    const struct pn_container *c, const struct pn_api_request *req,
			    struct pn_api_response *resp)
{
	char target[PN_ID_MAX + 16], owner[3 * PN_ID_MAX + 32], err[1024];
	struct pn_audit_entry entry = {
		.action = "unregister",
		.target = target,
		.previous_owner = owner,
		.reason = admin->reason,
		.pid = admin->pid,
		.uid = admin->uid,
	};

	snprintf(target, sizeof(target), "container %s", c->container_id);
	snprintf(owner, sizeof(owner), "%s/%s", c->pod_namespace, c->pod_name);
	if (!pn_audit_append(a->audit_path, &entry, err, sizeof(err)))
		return 0;
	pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "audit", NULL,
		     "%s %s: not done, the audit log was not written: %s", req->method, req->path,
		     err);
	return -EIO;
}

/* admin: NULL for the runtime's unregistration. */
static void unregister_container(struct pn_agent *a, const char *id, const struct pn_admin *admin,
				 const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_slot_owner *slots = NULL;
	struct pn_container c;
	cJSON *body;
	char err[1024];
	size_t n = 0;
	int ret;

	if (pn_registry__find_container(a->registry, id, &c)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: no registered container '%s'", req->method, req->path, id);
		return;
	}
	if (admin && audit_unregister(a, admin, &c, req, resp))
		return;
	if (pn_registry__remove_container(a->registry, id, &slots, &n)) {
		pn_api_reply(resp, 0, NULL, req->path);
		return;
	}
	/*
	 * The record first, the kernel second: a failed save touches nothing,
	 * and a failed detach puts the record back, so a retried DEL finds
	 * everything as it was.
	 */
	if (pn_agent_save_state(a, err, sizeof(err)) ||
	    ((ret = pn_ifaces_detach_container(a, id, err, sizeof(err))) && ret != -ENOENT)) {
		char ignored[256];

		(void)pn_registry__add_container(a->registry, &c, ignored, sizeof(ignored));
		for (size_t i = 0; i < n; i++)
			(void)pn_registry__add_slot(a->registry, &slots[i]);
		(void)pn_agent_save_state(a, ignored, sizeof(ignored));
		free(slots);
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "unregister-failed", NULL,
			     "%s %s: %s; nothing changed", req->method, req->path, err);
		return;
	}
	free(slots);
	/* Once more: an admin's detach of its interfaces went with them. */
	if (pn_agent_save_state(a, err, sizeof(err)))
		pn_log_warn("%s %s: unregistered, but the state file still lists its interfaces' "
			    "detach (dropped at the next save or start): %s",
			    req->method, req->path, err);
	body = container_json(&c);
	if (body && !cJSON_AddNumberToObject(body, "slots_released", (double)n)) {
		cJSON_Delete(body);
		body = NULL;
	}
	pn_api_reply(resp, MHD_HTTP_OK, body, req->path);
}

/* POST /v1/containers/<id>/release: the admin releases every slot of one owner. */
static void release_owner(struct pn_api_socket *sock, const char *id,
			  const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_admin admin;
	char reason[256], err[1024];
	size_t n = 0;
	cJSON *body;
	int ret;

	if (pn_admin_request(sock, req, &admin, reason, sizeof(reason), resp))
		return;
	ret = pn_override_release_owner(sock->agent, &admin, id, &n, err, sizeof(err));
	if (ret) {
		pn_api_error(resp, pn_override_status(ret), pn_override_code(ret), NULL,
			     "%s %s: %s (%zu slots released before that)", req->method, req->path,
			     err, n);
		return;
	}
	body = cJSON_CreateObject();
	if (body && (!cJSON_AddStringToObject(body, "container_id", id) ||
		     !cJSON_AddNumberToObject(body, "slots_released", (double)n))) {
		cJSON_Delete(body);
		body = NULL;
	}
	pn_api_reply(resp, MHD_HTTP_OK, body, req->path);
}

void pn_api_containers(struct pn_api_socket *sock, const char *rest,
		       const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_agent *a = sock->agent;
	struct pn_caller caller;
	bool collection = !*rest;
	const char *action = strchr(rest, '/');

	if (action && !strcmp(action, "/release") && !strcmp(req->method, "POST") &&
	    (size_t)(action - rest) < PN_ID_MAX) {
		char id[PN_ID_MAX];

		snprintf(id, sizeof(id), "%.*s", (int)(action - rest), rest);
		release_owner(sock, id, req, resp);
		return;
	}
	if (pn_agent_caller(sock, req, &caller, resp))
		return;
	if (collection && !strcmp(req->method, "GET"))
		list_containers(a, &caller, req, resp);
	else if (collection && !strcmp(req->method, "POST")) {
		if (may_manage(req, &caller, a, resp))
			register_container(a, req, resp);
	} else if (!collection && !strcmp(req->method, "GET") && !strchr(rest, '/')) {
		show_container(a, &caller, rest, req, resp);
	} else if (!collection && !strcmp(req->method, "DELETE") && !strchr(rest, '/')) {
		struct pn_admin admin;
		char reason[256];

		if (sock->admin) {
			if (!pn_admin_request(sock, req, &admin, reason, sizeof(reason), resp))
				unregister_container(a, rest, &admin, req, resp);
		} else if (may_manage(req, &caller, a, resp)) {
			unregister_container(a, rest, NULL, req, resp);
		}
	} else {
		pn_api_error(
			resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
			"%s %s: not served; /v1/containers takes GET and POST, "
			"/v1/containers/<id> takes GET and DELETE, /v1/containers/<id>/release "
			"POST",
			req->method, req->path);
	}
}
