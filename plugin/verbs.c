// SPDX-License-Identifier: Apache-2.0
/*
 * ADD, DEL, CHECK, GC and STATUS as requests to plugnetd. plugnetd is the
 * one that finds the pod's interface in CNI_NETNS and the host side of its
 * veth (through the veth's peer index), attaches the dispatchers and
 * records owners; plugnet says who the pod is and what it asks for.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "verbs.h"

/* Transport failures: the specification's "try again later" for ADD, CHECK and GC. */
static int request(const struct pn_cni_call *call, const char *method, const char *path,
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
static int refused(const struct pn_reply *reply, const char *what, struct cni_error *err)
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

static const char *json_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static long json_long(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

static void request_name(const struct pn_program_request *r, char *buf, size_t size)
{
	snprintf(buf, size, "program '%s' on %s (%s)", r->program, r->target, r->source);
}

/* Does slot s (a /v1/slots item) hold request r for this container? */
static bool slot_matches(const cJSON *s, const char *container_id,
			 const struct pn_program_request *r)
{
	return !strcmp(json_string(s, "container_id"), container_id) &&
	       !strcmp(json_string(s, "program"), r->program) &&
	       !strcmp(json_string(s, "target"), r->target) &&
	       (!r->has_priority || json_long(s, "priority") == r->priority);
}

/*
 * The slot of `slots` that answers request r and is not taken yet (used[]
 * marks the taken), or NULL. Released slots are only found if `released`.
 */
static const cJSON *find_slot(const cJSON *slots, const char *container_id,
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

static int get_container(const struct pn_cni_call *call, struct pn_reply *reply,
			 int unreachable_code, struct cni_error *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/v1/containers/%s", call->env->container_id);
	return request(call, "GET", path, NULL, reply, unreachable_code, err);
}

/* Is the registration this attachment's (this network, this interface)? */
static bool same_attachment(const struct pn_cni_call *call, const cJSON *c)
{
	const char *network = json_string(c, "network");

	return (!network[0] || !strcmp(network, call->conf->name)) &&
	       !strcmp(json_string(c, "ifname"), call->env->ifname);
}

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
		if (!request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN, &ignored)) {
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
		if (!request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN, &ignored)) {
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

/* The container's slots plugnetd holds (a retried ADD finds what it plugged before). */
static int list_slots(const struct pn_cni_call *call, struct pn_reply *reply, int unreachable_code,
		      struct cni_error *err)
{
	if (request(call, "GET", "/v1/slots", NULL, reply, unreachable_code, err))
		return -1;
	if (reply->status != 200 || !cJSON_IsArray(reply->json)) {
		refused(reply, "listing the slots", err);
		pn_reply__free(reply);
		return -1;
	}
	return 0;
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

		request_name(r, what, sizeof(what));
		if (existing && find_slot(existing, call->env->container_id, r, used, false)) {
			pn_log_info("plugnet: container %s: %s: plugged already",
				    call->env->container_id, what);
			continue;
		}
		body = plug_body(call, r);
		if (!body) {
			ret = cni_fail(err, CNI_ERR_IO, "%s: out of memory", what);
			break;
		}
		ret = request(call, "POST", "/v1/slots", body, &reply, CNI_ERR_TRY_AGAIN, err);
		cJSON_Delete(body);
		if (ret)
			break;
		if (reply.status != 201) {
			ret = refused(&reply, what, err);
		} else if (!(plugged[*n_plugged] = strdup(json_string(reply.json, "id")))) {
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
	ret = request(call, "POST", "/v1/containers", body, &reply, CNI_ERR_TRY_AGAIN, err);
	cJSON_Delete(body);
	if (ret)
		return -1;
	if (reply.status != 200 && reply.status != 201) {
		char what[160];

		snprintf(what, sizeof(what), "container %s: registering %s in %s",
			 call->env->container_id, call->env->ifname, call->env->netns);
		refused(&reply, what, err);
		pn_reply__free(&reply);
		return -1;
	}
	registered = reply.status == 201;
	pn_log_info("plugnet: container %s: %s (pod interface ifindex %ld, host veth ifindex "
		    "%ld)",
		    call->env->container_id, registered ? "registered" : "registered already",
		    json_long(reply.json, "pod_ifindex"), json_long(reply.json, "host_ifindex"));
	pn_reply__free(&reply);
	if (!pc->n_requests)
		return 0;
	plugged = calloc((size_t)pc->n_requests, sizeof(*plugged));
	if (!plugged) {
		ret = cni_fail(err, CNI_ERR_IO, "container %s: out of memory",
			       call->env->container_id);
	} else {
		ret = !registered ? list_slots(call, &slots, CNI_ERR_TRY_AGAIN, err) : 0;
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

int pn_cni_del(const struct pn_cni_call *call, struct cni_error *err)
{
	struct pn_reply reply;
	char path[256];

	/*
	 * DEL must not wedge a pod's removal: if plugnetd is not there, the
	 * pod's slots go when its netns does (plugnetd's sweep, and its start).
	 */
	if (get_container(call, &reply, CNI_ERR_TRY_AGAIN, err)) {
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
		refused(&reply, path, err);
		pn_reply__free(&reply);
		return -1;
	}
	if (!same_attachment(call, reply.json)) {
		pn_log_info("plugnet: container %s: registered through network '%s' on %s, not "
			    "this DEL's '%s' on %s: left alone",
			    call->env->container_id, json_string(reply.json, "network"),
			    json_string(reply.json, "ifname"), call->conf->name, call->env->ifname);
		pn_reply__free(&reply);
		return 0;
	}
	pn_reply__free(&reply);
	snprintf(path, sizeof(path), "/v1/containers/%s", call->env->container_id);
	if (request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN, err)) {
		pn_log_warn("plugnet: container %s: DEL: %s", call->env->container_id, err->msg);
		return 0;
	}
	if (reply.status != 200 && reply.status != 404) {
		snprintf(path, sizeof(path), "container %s: unregistering",
			 call->env->container_id);
		refused(&reply, path, err);
		pn_reply__free(&reply);
		return -1;
	}
	pn_log_info("plugnet: container %s: unregistered, %ld slot(s) released",
		    call->env->container_id, json_long(reply.json, "slots_released"));
	pn_reply__free(&reply);
	return 0;
}

static int not_as_expected(struct cni_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int not_as_expected(struct cni_error *err, const char *fmt, ...)
{
	va_list ap;

	err->code = PN_CNI_ERR_NOT_AS_EXPECTED;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* The registration names the netns CNI_NETNS names, and its interface serves. */
static int check_interface(const struct pn_cni_call *call, const cJSON *c, struct cni_error *err)
{
	const char *id = call->env->container_id;
	struct pn_reply reply;
	const cJSON *iface, *ifaces, *found = NULL;
	char want[64], netns[24];
	struct stat st;
	int ret = 0;

	if (stat(call->env->netns, &st))
		return cni_fail(err, PN_CNI_ERR_NO_INTERFACE, "CNI_NETNS '%s': %s",
				call->env->netns, strerror(errno));
	snprintf(netns, sizeof(netns), "%llu", (unsigned long long)st.st_ino);
	if (strcmp(json_string(c, "netns"), netns))
		return not_as_expected(err,
				       "container %s: registered on netns %s, but CNI_NETNS '%s' "
				       "is netns %s",
				       id, json_string(c, "netns"), call->env->netns, netns);
	snprintf(want, sizeof(want), "%s-%ld", netns, json_long(c, "pod_ifindex"));
	if (request(call, "GET", "/v1/interfaces", NULL, &reply, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (reply.status != 200)
		ret = refused(&reply, "listing the interfaces", err);
	ifaces = ret ? NULL : reply.json;
	cJSON_ArrayForEach(iface, ifaces)
	{
		if (!strcmp(json_string(iface, "id"), want))
			found = iface;
	}
	if (!ret && !found)
		ret = not_as_expected(err, "container %s: plugnetd holds no dispatcher on %s (%s)",
				      id, call->env->ifname, want);
	else if (!ret && strcmp(json_string(found, "state"), "serving"))
		ret = not_as_expected(err, "container %s: the dispatcher on %s is %s%s%s", id,
				      call->env->ifname, json_string(found, "state"),
				      json_string(found, "problem")[0] ? ": " : "",
				      json_string(found, "problem"));
	pn_reply__free(&reply);
	return ret;
}

static int check_slots(const struct pn_cni_call *call, struct cni_error *err)
{
	const struct pn_plugin_conf *pc = call->pc;
	struct pn_reply slots;
	const cJSON *s;
	char what[256];
	bool *used;
	int i, ret = 0;

	if (!pc->n_requests)
		return 0;
	if (list_slots(call, &slots, CNI_ERR_TRY_AGAIN, err))
		return -1;
	used = calloc((size_t)cJSON_GetArraySize(slots.json) + 1, sizeof(*used));
	if (!used) {
		pn_reply__free(&slots);
		return cni_fail(err, CNI_ERR_IO, "out of memory");
	}
	for (i = 0; i < pc->n_requests && !ret; i++) {
		const struct pn_program_request *r = &pc->requests[i];

		request_name(r, what, sizeof(what));
		if (find_slot(slots.json, call->env->container_id, r, used, false))
			continue;
		s = find_slot(slots.json, call->env->container_id, r, used, true);
		if (s)
			ret = not_as_expected(err, "%s: slot %s was released by the admin: %s",
					      what, json_string(s, "id"),
					      json_string(s, "released_reason"));
		else
			ret = not_as_expected(err, "%s: not plugged", what);
	}
	free(used);
	pn_reply__free(&slots);
	return ret;
}

int pn_cni_check(const struct pn_cni_call *call, struct cni_error *err)
{
	const char *id = call->env->container_id;
	struct pn_reply reply;
	int ret;

	if (!call->conf->prev_result)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"network configuration: key 'prevResult' is missing (CHECK needs "
				"the result of ADD)");
	if (get_container(call, &reply, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (reply.status == 404)
		ret = not_as_expected(err, "container %s: not registered with plugnetd", id);
	else if (reply.status != 200)
		ret = refused(&reply, "the container's registration", err);
	else if (!same_attachment(call, reply.json))
		ret = not_as_expected(err,
				      "container %s: registered through network '%s' on %s, not "
				      "'%s' on %s",
				      id, json_string(reply.json, "network"),
				      json_string(reply.json, "ifname"), call->conf->name,
				      call->env->ifname);
	else
		ret = check_interface(call, reply.json, err);
	pn_reply__free(&reply);
	return ret ? ret : check_slots(call, err);
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
		if (!strcmp(json_string(a, "containerID"), json_string(c, "container_id")) &&
		    !strcmp(json_string(a, "ifname"), json_string(c, "ifname")))
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
	if (request(call, "GET", "/v1/containers", NULL, &list, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (list.status != 200 || !cJSON_IsArray(list.json)) {
		refused(&list, "listing the containers", err);
		pn_reply__free(&list);
		return -1;
	}
	cJSON_ArrayForEach(c, list.json)
	{
		/* Only this network's: other networks (and direct registrations) are not ours to
		 * judge. */
		if (strcmp(json_string(c, "network"), call->conf->name) ||
		    is_valid_attachment(valid, c))
			continue;
		snprintf(path, sizeof(path), "/v1/containers/%s", json_string(c, "container_id"));
		if (request(call, "DELETE", path, NULL, &reply, CNI_ERR_TRY_AGAIN, err)) {
			failed = -1;
			break;
		}
		if (reply.status != 200 && reply.status != 404) {
			if (!failed)
				failed = refused(&reply, path, err);
		} else {
			pn_log_info("plugnet: GC: container %s is not in %s: unregistered",
				    json_string(c, "container_id"), key);
		}
		pn_reply__free(&reply);
	}
	pn_reply__free(&list);
	return failed;
}

int pn_cni_status(const struct pn_cni_call *call, struct cni_error *err)
{
	struct pn_reply reply;

	/* Any answer will do: a degraded interface does not stop new pods. */
	if (request(call, "GET", "/v1/health", NULL, &reply, CNI_ERR_NOT_AVAILABLE, err))
		return -1;
	pn_reply__free(&reply);
	return 0;
}
