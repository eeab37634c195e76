// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <microhttpd.h>

#include "caller.h"
#include "json_body.h"

int pn_agent_caller(const struct pn_api_socket *sock, const struct pn_api_request *req,
		    struct pn_caller *caller, struct pn_api_response *resp)
{
	struct pn_container c;
	struct pn_peer peer;
	char why[1024];
	int ret;

	memset(caller, 0, sizeof(*caller));
	if (sock->admin) {
		/* The admin socket is 0600 on the host: reaching it is the credential. */
		caller->role = PN_ROLE_ADMIN;
		return 0;
	}
	ret = pn_peer_read(req->sock_fd, &peer, why, sizeof(why));
	if (ret) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "unknown-caller", NULL,
			     "%s %s: cannot tell who is calling: %s", req->method, req->path, why);
		return ret;
	}
	switch (pn_peer_classify(&peer, &sock->agent->runtime_rule, why, sizeof(why))) {
	case PN_CALLER_RUNTIME:
		caller->role = PN_ROLE_RUNTIME;
		return 0;
	case PN_CALLER_CONTAINER:
		if (pn_registry__container_by_netns(sock->agent->registry, peer.netns_id, &c)) {
			pn_api_error(resp, MHD_HTTP_FORBIDDEN, "unknown-caller", NULL,
				     "%s %s: pid %d in netns %llu is not a registered container",
				     req->method, req->path, peer.pid,
				     (unsigned long long)peer.netns_id);
			return -EPERM;
		}
		caller->role = PN_ROLE_CONTAINER;
		snprintf(caller->container_id, sizeof(caller->container_id), "%s", c.container_id);
		return 0;
	case PN_CALLER_REFUSED:
		break;
	}
	pn_api_error(resp, MHD_HTTP_FORBIDDEN, "unknown-caller", NULL, "%s %s: refused: %s",
		     req->method, req->path, why);
	return -EPERM;
}

void pn_caller_describe(struct pn_agent *agent, const struct pn_caller *caller, char *buf,
			size_t size)
{
	struct pn_container c;

	switch (caller->role) {
	case PN_ROLE_ADMIN:
		snprintf(buf, size, "admin");
		break;
	case PN_ROLE_RUNTIME:
		snprintf(buf, size, "runtime");
		break;
	case PN_ROLE_CONTAINER:
		if (!pn_registry__find_container(agent->registry, caller->container_id, &c))
			snprintf(buf, size, "container %s/%s", c.pod_namespace, c.pod_name);
		else
			snprintf(buf, size, "container %.12s", caller->container_id);
		break;
	}
}

int pn_admin_request(const struct pn_api_socket *sock, const struct pn_api_request *req,
		     struct pn_admin *admin, char *reason, size_t reason_size,
		     struct pn_api_response *resp)
{
	static const char *const fields[] = {"reason", NULL};
	struct pn_peer peer;
	char why[1024];
	cJSON *body;
	int ret;

	if (!sock->admin) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "admin-only", NULL,
			     "%s %s: only on the admin socket", req->method, req->path);
		return -EPERM;
	}
	body = pn_body_object(req, fields, resp);
	if (!body)
		return -EINVAL;
	ret = pn_body_string(req, body, "reason", true, reason, reason_size, resp);
	cJSON_Delete(body);
	if (ret)
		return ret;
	if (!reason[0]) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field 'reason': an override needs a reason", req->method,
			     req->path);
		return -EINVAL;
	}
	/* The audit log names the admin's process: the socket's peer credentials tell it. */
	if (pn_peer_read(req->sock_fd, &peer, why, sizeof(why))) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "unknown-caller", NULL, "%s %s: %s",
			     req->method, req->path, why);
		return -EPERM;
	}
	*admin = (struct pn_admin){.pid = peer.pid, .uid = peer.uid, .reason = reason};
	return 0;
}

unsigned int pn_override_status(int err)
{
	switch (err) {
	case -ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case -EALREADY:
	case -EEXIST:
	case -EBUSY:
		return MHD_HTTP_CONFLICT;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

const char *pn_override_code(int err)
{
	switch (err) {
	case -ENOENT:
		return "not-found";
	case -EALREADY:
		return "already-done";
	case -EIO:
		return "audit";
	case -EPIPE:
		return "state";
	default:
		return "override-failed";
	}
}
