// SPDX-License-Identifier: Apache-2.0
/*
 * ADD: register the pod with plugnetd (which finds CNI_IFNAME in CNI_NETNS
 * and the host side of its veth through the veth's peer index, and
 * attaches the dispatcher), then plug the programs it asks for; undo what
 * this ADD did if any step fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_call.h"

static cJSON *registration_body(const struct pn_cni_call *call, struct cni_error *err)
{
	const struct cni_env *env = call->env;
	struct cni_pod_args pod;
	cJSON *o;

	if (cni_pod_args_parse(env->args, &pod, err))
		return NULL;
	/* Without Kubernetes' arguments (cnitool, podman without them) the pod is named by its
	 * container. */
	if (!pod.pod_namespace[0])
		snprintf(pod.pod_namespace, sizeof(pod.pod_namespace), "cni");
	if (!pod.pod_name[0])
		snprintf(pod.pod_name, sizeof(pod.pod_name), "%.63s", env->container_id);
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "container_id", env->container_id) ||
	    !cJSON_AddStringToObject(o, "pod_namespace", pod.pod_namespace) ||
	    !cJSON_AddStringToObject(o, "pod_name", pod.pod_name) ||
	    (pod.pod_uid[0] && !cJSON_AddStringToObject(o, "pod_uid", pod.pod_uid)) ||
	    !cJSON_AddStringToObject(o, "network", call->conf->name) ||
	    !cJSON_AddStringToObject(o, "netns", env->netns) ||
	    !cJSON_AddStringToObject(o, "ifname", env->ifname)) {
		cJSON_Delete(o);
		cni_fail(err, CNI_ERR_IO, "container %s: out of memory", env->container_id);
		return NULL;
	}
	return o;
}

static cJSON *plug_body(const struct pn_cni_call *call, const struct pn_program_request *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "program", r->program) ||
	    !cJSON_AddStringToObject(o, "target", r->target) ||
	    !cJSON_AddStringToObject(o, "container_id", call->env->container_id) ||
	    (r->has_priority && !cJSON_AddNumberToObject(o, "priority", r->priority)) ||
	    (r->proceed_on[0] && !cJSON_AddStringToObject(o, "proceed_on", r->proceed_on))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Undo a failed ADD: what this ADD registered or plugged, nothing older. */
static void roll_back(const struct pn_cni_call *call, bool registered, char **plugged,
		      int n_plugged)
{
	struct cni_error ignored;
	struct pn_reply reply;
	char path[256];
	int i;

	if (registered) {
		snprintf(path, sizeof(path), "/v1/containers/%s", call->env->container_id);
		if (!pn_call_request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN,
				     &ignored)) {
			if (reply.status != 200 && reply.status != 404)
				pn_log_error("plugnet: container %s: undoing the registration: "
					     "%ld: %s",
					     call->env->container_id, reply.status,
					     pn_reply__message(&reply));
			pn_reply__free(&reply);
		} else {
			pn_log_error("plugnet: container %s: undoing the registration: %s",
				     call->env->container_id, ignored.msg);
		}
		return;
	}
	for (i = 0; i < n_plugged; i++) {
		snprintf(path, sizeof(path), "/v1/slots/%s", plugged[i]);
		if (!pn_call_request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN,
				     &ignored)) {
			if (reply.status != 200 && reply.status != 404)
				pn_log_error("plugnet: container %s: unplugging slot %s again: "
					     "%ld: %s",
					     call->env->container_id, plugged[i], reply.status,
					     pn_reply__message(&reply));
			pn_reply__free(&reply);
		} else {
			pn_log_error("plugnet: container %s: unplugging slot %s again: %s",
				     call->env->container_id, plugged[i], ignored.msg);
		}
	}
}

static int plug_requests(const struct pn_cni_call *call, const cJSON *existing, char **plugged,
			 int *n_plugged, struct cni_error *err)
{
	const struct pn_plugin_conf *pc = call->pc;
	int n_existing = cJSON_GetArraySize(existing), i;
	bool *used = calloc((size_t)n_existing + 1, sizeof(*used));
	struct pn_reply reply;
	char what[256];
	cJSON *body;
	int ret = 0;

	if (!used)
		return cni_fail(err, CNI_ERR_IO, "container %s: out of memory",
				call->env->container_id);
	for (i = 0; i < pc->n_requests && !ret; i++) {
		const struct pn_program_request *r = &pc->requests[i];

		pn_request_name(r, what, sizeof(what));
		if (existing && pn_find_slot(existing, call->env->container_id, r, used, false)) {
			pn_log_info("plugnet: container %s: %s: plugged already",
				    call->env->container_id, what);
			continue;
		}
		body = plug_body(call, r);
		if (!body) {
			ret = cni_fail(err, CNI_ERR_IO, "%s: out of memory", what);
			break;
		}
		ret = pn_call_request(call, "POST", "/v1/slots", body, &reply, CNI_ERR_TRY_AGAIN,
				      err);
		cJSON_Delete(body);
		if (ret)
			break;
		if (reply.status != 201) {
			ret = pn_call_refused(&reply, what, err);
		} else if (!(plugged[*n_plugged] = strdup(pn_json_string(reply.json, "id")))) {
			ret = cni_fail(err, CNI_ERR_IO, "%s: out of memory", what);
		} else {
			pn_log_info("plugnet: container %s: %s: slot %s", call->env->container_id,
				    what, plugged[*n_plugged]);
			(*n_plugged)++;
		}
		pn_reply__free(&reply);
	}
	free(used);
	return ret;
}

int pn_cni_add(const struct pn_cni_call *call, struct cni_error *err)
{
	const struct pn_plugin_conf *pc = call->pc;
	struct pn_reply reply, slots = {};
	char **plugged = NULL;
	int n_plugged = 0, ret, i;
	bool registered;
	cJSON *body;

	if (!call->conf->prev_result)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"network configuration: key 'prevResult' is missing: plugnet is a "
				"chained plugin, listed after a main plugin such as bridge or ptp");
	body = registration_body(call, err);
	if (!body)
		return -1;
	ret = pn_call_request(call, "POST", "/v1/containers", body, &reply, CNI_ERR_TRY_AGAIN, err);
	cJSON_Delete(body);
	if (ret)
		return -1;
	if (reply.status != 200 && reply.status != 201) {
		char what[160];

		snprintf(what, sizeof(what), "container %s: registering %s in %s",
			 call->env->container_id, call->env->ifname, call->env->netns);
		pn_call_refused(&reply, what, err);
		pn_reply__free(&reply);
		return -1;
	}
	registered = reply.status == 201;
	pn_log_info("plugnet: container %s: %s (pod interface ifindex %ld, host veth ifindex "
		    "%ld)",
		    call->env->container_id, registered ? "registered" : "registered already",
		    pn_json_long(reply.json, "pod_ifindex"),
		    pn_json_long(reply.json, "host_ifindex"));
	pn_reply__free(&reply);
	if (!pc->n_requests)
		return 0;
	plugged = calloc((size_t)pc->n_requests, sizeof(*plugged));
	if (!plugged) {
		ret = cni_fail(err, CNI_ERR_IO, "container %s: out of memory",
			       call->env->container_id);
	} else {
		ret = !registered ? pn_list_slots(call, &slots, CNI_ERR_TRY_AGAIN, err) : 0;
		if (!ret)
			ret = plug_requests(call, slots.json, plugged, &n_plugged, err);
	}
	pn_reply__free(&slots);
	if (ret)
		roll_back(call, registered, plugged, n_plugged);
	for (i = 0; i < n_plugged; i++)
		free(plugged[i]);
	free(plugged);
	return ret;
}
