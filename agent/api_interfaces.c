// SPDX-License-Identifier: Apache-2.0
/*
 * /v1/interfaces: the interfaces plugnetd holds a dispatcher on, their
 * state and slot tables; on the admin socket, the overrides on a whole
 * interface (detach, adopt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_routes.h"
#include "caller.h"
#include "ifaces.h"
#include "plugnet/engine.h"
#include "plugnet/xdp_action.h"

static const char *const kind_names[] = {
	[PN_TARGET_POD] = "pod",
	[PN_TARGET_HOST] = "host",
	[PN_TARGET_UPLINK] = "uplink",
};

static const char *state_name(const struct pn_managed_info *m, const struct pn_iface_info *info)
{
	if (m->detached_by_admin)
		return "detached-by-admin";
	if (!m->held)
		return "unattached";
	if (!info)
		return "unknown";
	switch (info->state) {
	case PN_IFACE_ATTACHED:
		return "serving";
	case PN_IFACE_DETACHED:
		return "detached"; /* by a host tool: the sweep attaches it again */
	case PN_IFACE_DISPLACED:
		return "displaced";
	case PN_IFACE_GONE:
		return "gone";
	}
	return "unknown";
}

/* The registry's owner of a slot, if it knows it. */
static const struct pn_slot_owner *owner_of(const struct pn_slot_owner *owners, size_t n,
					    const struct pn_managed_info *m, __u32 attach_id)
{
	for (size_t i = 0; i < n; i++) {
		if (owners[i].netns_id == m->netns_id && owners[i].ifindex == m->ifindex &&
		    owners[i].attach_id == attach_id)
			return &owners[i];
	}
	return NULL;
}

/* The dispatcher's counts of one slot: {"aborted": n, "drop": n, ..., "other": n}. */
static cJSON *verdicts_json(const struct pn_slot_info *si)
{
	cJSON *o = cJSON_CreateObject();

	for (__u32 v = 0; o && v < PN_XDP_VERDICTS; v++) {
		if (!cJSON_AddNumberToObject(o, pn_xdp_action_name(v), (double)si->verdicts[v])) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	if (o && !cJSON_AddNumberToObject(o, "other", (double)si->verdict_other)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/*
 * counted: the revision counts per slot (slot_counters); without it there
 * are no counts to show, and zeros would read as "no traffic".
 */
static cJSON *slot_row(const struct pn_slot_info *si, const struct pn_slot_owner *owner,
		       bool counted)
{
	cJSON *o = cJSON_CreateObject(), *verdicts = NULL;
	char proceed[64];

	pn_proceed_on_format(si->proceed_on, proceed, sizeof(proceed));
	if (!o || !cJSON_AddNumberToObject(o, "index", si->index) ||
	    !cJSON_AddNumberToObject(o, "attach_id", si->attach_id) ||
	    !cJSON_AddNumberToObject(o, "priority", si->priority) ||
	    !cJSON_AddStringToObject(o, "proceed_on", proceed) ||
	    !cJSON_AddNumberToObject(o, "prog_id", si->prog_id) ||
	    !cJSON_AddStringToObject(o, "prog_name", si->prog_name) ||
	    !cJSON_AddStringToObject(o, "prog_tag", si->prog_tag) ||
	    !cJSON_AddNumberToObject(o, "link_id", si->link_id) ||
	    (owner && (!cJSON_AddStringToObject(o, "program", owner->program) ||
		       !cJSON_AddStringToObject(o, "container_id", owner->container_id)))) {
		cJSON_Delete(o);
		return NULL;
	}
	if (!counted)
		return o;
	verdicts = verdicts_json(si);
	if (!verdicts || !cJSON_AddNumberToObject(o, "packets", (double)si->packets) ||
	    !cJSON_AddItemToObject(o, "verdicts", verdicts)) {
		cJSON_Delete(verdicts);
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/*
 * One interface; with its slot table when `slots`. A container sees the
 * details of its own slots only: on a shared uplink the others' are
 * counted, not shown.
 */
static cJSON *iface_json(struct pn_agent *a, const struct pn_managed_info *m,
			 const struct pn_caller *caller, const struct pn_slot_owner *owners,
			 size_t n_owners, struct pn_iface_info *info, bool slots)
{
	cJSON *o = cJSON_CreateObject(), *table = NULL;
	struct pn_iface *iface =
		m->held ? pn_ifaces_get_by_index(a, m->netns_id, m->ifindex) : NULL;
	bool described = iface && !pn_iface__describe(iface, info);
	char id[48], netns[24];
	bool ok;

	pn_ifaces_put(a, iface);
	snprintf(id, sizeof(id), "%llu-%u", (unsigned long long)m->netns_id, m->ifindex);
	snprintf(netns, sizeof(netns), "%llu", (unsigned long long)m->netns_id);
	ok = o && cJSON_AddStringToObject(o, "id", id) &&
	     cJSON_AddStringToObject(o, "ifname", m->ifname) &&
	     cJSON_AddStringToObject(o, "netns", netns) &&
	     cJSON_AddNumberToObject(o, "ifindex", m->ifindex) &&
	     cJSON_AddStringToObject(o, "target", kind_names[m->kind]) &&
	     (m->kind == PN_TARGET_UPLINK ||
	      cJSON_AddStringToObject(o, "container_id", m->container_id)) &&
	     cJSON_AddStringToObject(o, "state", state_name(m, described ? info : NULL)) &&
	     (!m->problem[0] || cJSON_AddStringToObject(o, "problem", m->problem));
	if (ok && described) {
		ok = cJSON_AddStringToObject(
			     o, "mode", info->mode == PN_XDP_MODE_GENERIC ? "generic" : "native") &&
		     cJSON_AddNumberToObject(o, "revision", (double)info->revision) &&
		     cJSON_AddNumberToObject(o, "dispatcher_prog_id", info->dispatcher_prog_id) &&
		     cJSON_AddNumberToObject(o, "root_prog_id", info->root_prog_id) &&
		     cJSON_AddNumberToObject(o, "root_link_id", info->root_link_id) &&
		     (info->state != PN_IFACE_DISPLACED ||
		      (cJSON_AddNumberToObject(o, "other_prog_id", info->other_prog_id) &&
		       cJSON_AddStringToObject(o, "other_prog_name", info->other_prog_name))) &&
		     cJSON_AddBoolToObject(o, "frags", info->frags) &&
		     cJSON_AddNumberToObject(o, "slots_in_use", info->num_slots);
	}
	if (ok && described && slots) {
		table = cJSON_AddArrayToObject(o, "slots");
		ok = table != NULL;
		for (__u32 i = 0; ok && i < info->num_slots; i++) {
			const struct pn_slot_owner *owner =
				owner_of(owners, n_owners, m, info->slots[i].attach_id);

			if (caller->role == PN_ROLE_CONTAINER &&
			    (!owner || strcmp(owner->container_id, caller->container_id)))
				continue;
			ok = cJSON_AddItemToArray(
				table, slot_row(&info->slots[i], owner, info->slot_stats));
		}
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A container sees its own pod and host interfaces and the uplinks. */
static bool visible(const struct pn_managed_info *m, const struct pn_caller *caller)
{
	return caller->role != PN_ROLE_CONTAINER || m->kind == PN_TARGET_UPLINK ||
	       !strcmp(m->container_id, caller->container_id);
}

static int parse_iface_id(const char *text, __u64 *netns, unsigned int *ifindex)
{
	unsigned long long n;
	unsigned int i;
	int end = 0;

	if (sscanf(text, "%llu-%u%n", &n, &i, &end) != 2 || text[end])
		return -EINVAL;
	*netns = n;
	*ifindex = i;
	return 0;
}

/* GET /v1/interfaces (id NULL) or /v1/interfaces/<id>. */
static void show(struct pn_agent *a, const struct pn_caller *caller, const char *id,
		 const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */
	struct pn_managed_info *list = NULL;
	struct pn_slot_owner *owners = NULL;
	size_t n = 0, n_owners = 0;
	cJSON *body = NULL;
	unsigned int ifindex = 0;
	__u64 netns = 0;
	bool found = false;

	if (id && parse_iface_id(id, &netns, &ifindex)) {
		free(info);
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: '%s' is not an interface id (<netns>-<ifindex>)", req->method,
			     req->path, id);
		return;
	}
	if (!info || pn_ifaces_list(a, &list, &n) ||
	    pn_registry__list_slots(a->registry, &owners, &n_owners))
		goto oom;
	if (!id && !(body = cJSON_CreateArray()))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const struct pn_managed_info *m = &list[i];
		cJSON *item;

		if (!visible(m, caller) || (id && (m->netns_id != netns || m->ifindex != ifindex)))
			continue;
		found = true;
		item = iface_json(a, m, caller, owners, n_owners, info, id != NULL);
		if (!item)
			goto oom;
		if (id) {
			body = item;
			break;
		}
		if (!cJSON_AddItemToArray(body, item))
			goto oom;
	}
	if (id && !found) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: plugnet manages no interface %s%s", req->method, req->path, id,
			     caller->role == PN_ROLE_CONTAINER ? " that this container may see"
							       : "");
	} else {
		pn_api_reply(resp, MHD_HTTP_OK, body, req->path);
		body = NULL;
	}
	cJSON_Delete(body);
	free(owners);
	free(list);
	free(info);
	return;
oom:
	cJSON_Delete(body);
	free(owners);
	free(list);
	free(info);
	pn_api_reply(resp, 0, NULL, req->path);
}

/* POST /v1/interfaces/<id>/detach or /adopt: the admin's overrides on a whole interface. */
static void override(struct pn_api_socket *sock, const char *id, const char *action,
		     const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_admin admin;
	char reason[256], err[1024];
	unsigned int ifindex;
	cJSON *body;
	__u32 evicted = 0;
	size_t n = 0;
	__u64 netns;
	int ret;

	if (pn_admin_request(sock, req, &admin, reason, sizeof(reason), resp))
		return;
	if (parse_iface_id(id, &netns, &ifindex)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: '%s' is not an interface id (<netns>-<ifindex>)", req->method,
			     req->path, id);
		return;
	}
	if (!strcmp(action, "detach"))
		ret = pn_override_detach(sock->agent, &admin, netns, ifindex, &n, err, sizeof(err));
	else
		ret = pn_override_adopt(sock->agent, &admin, netns, ifindex, &evicted, err,
					sizeof(err));
	if (ret) {
		pn_api_error(resp, pn_override_status(ret), pn_override_code(ret), NULL,
			     "%s %s: %s", req->method, req->path, err);
		return;
	}
	body = cJSON_CreateObject();
	if (body && (!cJSON_AddStringToObject(body, "id", id) ||
		     !cJSON_AddStringToObject(body, "action", action) ||
		     !cJSON_AddNumberToObject(body, "slots_released", (double)n) ||
		     !cJSON_AddNumberToObject(body, "evicted_prog_id", evicted))) {
		cJSON_Delete(body);
		body = NULL;
	}
	pn_api_reply(resp, MHD_HTTP_OK, body, req->path);
}

void pn_api_interfaces(struct pn_api_socket *sock, const char *rest,
		       const struct pn_api_request *req, struct pn_api_response *resp)
{
	const char *action = strchr(rest, '/');
	struct pn_caller caller;
	char id[48];

	if (action) {
		if ((size_t)(action - rest) >= sizeof(id) ||
		    (strcmp(action, "/detach") && strcmp(action, "/adopt"))) {
			pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
				     "%s %s: no such resource", req->method, req->path);
			return;
		}
		if (strcmp(req->method, "POST")) {
			pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
				     "%s %s: takes POST", req->method, req->path);
			return;
		}
		snprintf(id, sizeof(id), "%.*s", (int)(action - rest), rest);
		override(sock, id, action + 1, req, resp);
		return;
	}
	if (strcmp(req->method, "GET")) {
		pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
			     "%s %s: /v1/interfaces[/<id>] takes GET", req->method, req->path);
		return;
	}
	if (pn_agent_caller(sock, req, &caller, resp))
		return;
	show(sock->agent, &caller, *rest ? rest : NULL, req, resp);
}
