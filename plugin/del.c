// SPDX-License-Identifier: Apache-2.0
/* DEL and GC: unregistering containers, each with all its slots. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_call.h"

int pn_cni_del(const struct pn_cni_call *call, struct cni_error *err)
{
	struct pn_reply reply;
	char path[256];

	/*
	 * DEL must not wedge a pod's removal: if plugnetd is not there, the
	 * pod's slots go when its netns does (plugnetd's sweep, and its start).
	 */
	if (pn_get_container(call, &reply, CNI_ERR_TRY_AGAIN, err)) {
		pn_log_warn("plugnet: container %s: DEL without plugnetd (%s); plugnetd frees "
			    "the pod's slots when its netns is gone",
			    call->env->container_id, err->msg);
		return 0;
	}
	if (reply.status == 404) {
		pn_reply__free(&reply);
		return 0;
	}
	if (reply.status != 200) {
		snprintf(path, sizeof(path), "container %s", call->env->container_id);
		pn_call_refused(&reply, path, err);
		pn_reply__free(&reply);
		return -1;
	}
	if (!pn_same_attachment(call, reply.json)) {
		pn_log_info("plugnet: container %s: registered through network '%s' on %s, not "
			    "this DEL's '%s' on %s: left alone",
			    call->env->container_id, pn_json_string(reply.json, "network"),
			    pn_json_string(reply.json, "ifname"), call->conf->name,
			    call->env->ifname);
		pn_reply__free(&reply);
		return 0;
	}
	pn_reply__free(&reply);
	snprintf(path, sizeof(path), "/v1/containers/%s", call->env->container_id);
	if (pn_call_request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN, err)) {
		pn_log_warn("plugnet: container %s: DEL: %s", call->env->container_id, err->msg);
		return 0;
	}
	if (reply.status != 200 && reply.status != 404) {
		snprintf(path, sizeof(path), "container %s: unregistering",
			 call->env->container_id);
		pn_call_refused(&reply, path, err);
		pn_reply__free(&reply);
		return -1;
	}
	pn_log_info("plugnet: container %s: unregistered, %ld slot(s) released",
		    call->env->container_id, pn_json_long(reply.json, "slots_released"));
	pn_reply__free(&reply);
	return 0;
}

/* The attachments GC must keep: "cni.dev/valid-attachments", or the older "cni.dev/attachments". */
static const cJSON *valid_attachments(const struct cni_conf *conf, const char **key,
				      struct cni_error *err, int *ret)
{
	static const char *const keys[] = {"cni.dev/valid-attachments", "cni.dev/attachments"};
	const cJSON *list, *a;
	size_t k;

	*ret = 0;
	for (k = 0; k < 2; k++) {
		list = cJSON_GetObjectItemCaseSensitive(conf->root, keys[k]);
		if (list)
			break;
	}
	if (!list)
		return NULL;
	*key = keys[k];
	if (!cJSON_IsArray(list)) {
		*ret = cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"network configuration: key '%s' must be an array", keys[k]);
		return NULL;
	}
	cJSON_ArrayForEach(a, list)
	{
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "containerID")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "ifname"))) {
			*ret = cni_fail(err, CNI_ERR_INVALID_CONFIG,
					"network configuration: key '%s': every attachment needs "
					"a string 'containerID' and 'ifname'",
					keys[k]);
			return NULL;
		}
	}
	return list;
}

static bool is_valid_attachment(const cJSON *list, const cJSON *c)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, list)
	{
		if (!strcmp(pn_json_string(a, "containerID"), pn_json_string(c, "container_id")) &&
		    !strcmp(pn_json_string(a, "ifname"), pn_json_string(c, "ifname")))
			return true;
	}
	return false;
}

int pn_cni_gc(const struct pn_cni_call *call, struct cni_error *err)
{
	const char *key = NULL;
	struct pn_reply list, reply;
	const cJSON *valid, *c;
	char path[256];
	int ret, failed = 0;

	valid = valid_attachments(call->conf, &key, err, &ret);
	if (ret)
		return -1;
	if (!valid) {
		/* Without the list nothing can be told stale: releasing all would be a guess. */
		pn_log_warn("plugnet: GC of network '%s' without cni.dev/valid-attachments: "
			    "nothing released",
			    call->conf->name);
		return 0;
	}
	if (pn_call_request(call, "GET", "/v1/containers", NULL, &list, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (list.status != 200 || !cJSON_IsArray(list.json)) {
		pn_call_refused(&list, "listing the containers", err);
		pn_reply__free(&list);
		return -1;
	}
	cJSON_ArrayForEach(c, list.json)
	{
		/* Only this network's: other networks (and direct registrations) are not ours to
		 * judge. */
		if (strcmp(pn_json_string(c, "network"), call->conf->name) ||
		    is_valid_attachment(valid, c))
			continue;
		snprintf(path, sizeof(path), "/v1/containers/%s",
			 pn_json_string(c, "container_id"));
		if (pn_call_request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN, err)) {
			failed = -1;
			break;
		}
		if (reply.status != 200 && reply.status != 404) {
			if (!failed)
				failed = pn_call_refused(&reply, path, err);
		} else {
			pn_log_info("plugnet: GC: container %s is not in %s: unregistered",
				    pn_json_string(c, "container_id"), key);
		}
		pn_reply__free(&reply);
	}
	pn_reply__free(&list);
	return failed;
}
