// SPDX-License-Identifier: Apache-2.0
/* Requests to plugnetd for the verbs, and reading its answers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_call.h"

/* Transport failures: the specification's "try again later" for ADD, CHECK and GC. */
int pn_call_request(const struct pn_cni_call *call, const char *method, const char *path,
		    const cJSON *body, struct pn_reply *reply, int unreachable_code,
		    struct cni_error *err)
{
	char why[1024];
	int ret = pn_client__request(call->client, method, path, body, reply, why, sizeof(why));

	if (ret) {
		pn_log_debug("plugnet: %s %s: %s", method, path, why);
		return cni_fail(err, unreachable_code, "plugnetd is unreachable: %s", why);
	}
	pn_log_debug("plugnet: %s %s: %ld %s", method, path, reply->status,
		     reply->body ? reply->body : "");
	return 0;
}

/* An answer that is not a success, as plugnet's error for `what`. */
int pn_call_refused(const struct pn_reply *reply, const char *what, struct cni_error *err)
{
	const char *kind = pn_reply__error_kind(reply);
	int code;

	switch (reply->status) {
	case 400:
		code = !strcmp(kind, "bad-netns") || !strcmp(kind, "bad-interface")
			       ? PN_CNI_ERR_NO_INTERFACE
		       : !strcmp(kind, "bad-field") ? CNI_ERR_INVALID_CONFIG
						    : PN_CNI_ERR_REFUSED;
		break;
	case 403:
		code = PN_CNI_ERR_FORBIDDEN;
		break;
	case 404:
		code = PN_CNI_ERR_UNKNOWN_PROGRAM;
		break;
	case 409:
		code = PN_CNI_ERR_CONFLICT;
		break;
	case 422:
		code = PN_CNI_ERR_VERIFIER;
		break;
	case 500:
		code = PN_CNI_ERR_AGENT_FAILED;
		break;
	default:
		code = PN_CNI_ERR_REFUSED;
	}
	return cni_fail(err, code, "%s: plugnetd answered %ld: %s", what, reply->status,
			pn_reply__message(reply));
}

const char *pn_json_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

long pn_json_long(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

void pn_request_name(const struct pn_program_request *r, char *buf, size_t size)
{
	snprintf(buf, size, "program '%s' on %s (%s)", r->program, r->target, r->source);
}

/* Does slot s (a /v1/slots item) hold request r for this container? */
static bool slot_matches(const cJSON *s, const char *container_id,
			 const struct pn_program_request *r)
{
	return !strcmp(pn_json_string(s, "container_id"), container_id) &&
	       !strcmp(pn_json_string(s, "program"), r->program) &&
	       !strcmp(pn_json_string(s, "target"), r->target) &&
	       (!r->has_priority || pn_json_long(s, "priority") == r->priority);
}

/*
 * The slot of `slots` that answers request r and is not taken yet (used[]
 * marks the taken), or NULL. Released slots are only found if `released`.
 */
const cJSON *pn_find_slot(const cJSON *slots, const char *container_id,
			  const struct pn_program_request *r, bool *used, bool released)
{
	const cJSON *s;
	int i = 0;

	cJSON_ArrayForEach(s, slots)
	{
		bool is_released = cJSON_GetObjectItemCaseSensitive(s, "released_by") != NULL;

		if (!used[i] && is_released == released && slot_matches(s, container_id, r)) {
			used[i] = true;
			return s;
		}
		i++;
	}
	return NULL;
}

int pn_get_container(const struct pn_cni_call *call, struct pn_reply *reply, int unreachable_code,
		     struct cni_error *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/v1/containers/%s", call->env->container_id);
	return pn_call_request(call, "GET", path, NULL, reply, unreachable_code, err);
}

/* Is the registration this attachment's (this network, this interface)? */
bool pn_same_attachment(const struct pn_cni_call *call, const cJSON *c)
{
	const char *network = pn_json_string(c, "network");

	return (!network[0] || !strcmp(network, call->conf->name)) &&
	       !strcmp(pn_json_string(c, "ifname"), call->env->ifname);
}

/* The container's slots plugnetd holds (a retried ADD finds what it plugged before). */
int pn_list_slots(const struct pn_cni_call *call, struct pn_reply *reply, int unreachable_code,
		  struct cni_error *err)
{
	if (pn_call_request(call, "GET", "/v1/slots", NULL, reply, unreachable_code, err))
		return -1;
	if (reply->status != 200 || !cJSON_IsArray(reply->json)) {
		pn_call_refused(reply, "listing the slots", err);
		pn_reply__free(reply);
		return -1;
	}
	return 0;
}
