// SPDX-License-Identifier: Apache-2.0
/* CHECK and STATUS: is everything as ADD left it; does plugnetd answer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent_call.h"

#define not_as_expected(err, ...) cni_fail(err, PN_CNI_ERR_NOT_AS_EXPECTED, __VA_ARGS__)

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
	if (strcmp(pn_json_string(c, "netns"), netns))
		return not_as_expected(err,
				       "container %s: registered on netns %s, but CNI_NETNS '%s' "
				       "is netns %s",
				       id, pn_json_string(c, "netns"), call->env->netns, netns);
	snprintf(want, sizeof(want), "%s-%ld", netns, pn_json_long(c, "pod_ifindex"));
	if (pn_call_request(call, "GET", "/v1/interfaces", NULL, &reply, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (reply.status != 200)
		ret = pn_call_refused(&reply, "listing the interfaces", err);
	ifaces = ret ? NULL : reply.json;
	cJSON_ArrayForEach(iface, ifaces)
	{
		if (!strcmp(pn_json_string(iface, "id"), want))
			found = iface;
	}
	if (!ret && !found)
		ret = not_as_expected(err, "container %s: plugnetd holds no dispatcher on %s (%s)",
				      id, call->env->ifname, want);
	else if (!ret && strcmp(pn_json_string(found, "state"), "serving"))
		ret = not_as_expected(err, "container %s: the dispatcher on %s is %s%s%s", id,
				      call->env->ifname, pn_json_string(found, "state"),
				      pn_json_string(found, "problem")[0] ? ": " : "",
				      pn_json_string(found, "problem"));
	pn_reply__free(&reply);
	return ret;
}

/*
 * The slot runs in the kernel: its interface's slot table, which plugnetd
 * reads back from the dispatcher, has its attach id with a program.
 */
static int check_in_kernel(const struct pn_cni_call *call, const cJSON *slot, const char *what,
			   struct cni_error *err)
{
	const char *id = pn_json_string(slot, "id"), *dash = strrchr(id, '-');
	long attach_id = pn_json_long(slot, "attach_id");
	const cJSON *rows, *row;
	struct pn_reply reply;
	char path[192];
	int ret = -1;

	if (!dash)
		return not_as_expected(err, "%s: slot id '%s' names no interface", what, id);
	snprintf(path, sizeof(path), "/v1/interfaces/%.*s", (int)(dash - id), id);
	if (pn_call_request(call, "GET", path, NULL, &reply, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (reply.status != 200) {
		pn_call_refused(&reply, what, err);
		pn_reply__free(&reply);
		return -1;
	}
	rows = cJSON_GetObjectItemCaseSensitive(reply.json, "slots");
	cJSON_ArrayForEach(row, rows)
	{
		if (pn_json_long(row, "attach_id") == attach_id && pn_json_long(row, "prog_id") > 0)
			ret = 0;
	}
	if (ret)
		not_as_expected(err, "%s: slot %s is recorded but its dispatcher does not run it",
				what, id);
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
	if (pn_list_slots(call, &slots, CNI_ERR_TRY_AGAIN, err))
		return -1;
	used = calloc((size_t)cJSON_GetArraySize(slots.json) + 1, sizeof(*used));
	if (!used) {
		pn_reply__free(&slots);
		return cni_fail(err, CNI_ERR_IO, "out of memory");
	}
	for (i = 0; i < pc->n_requests && !ret; i++) {
		const struct pn_program_request *r = &pc->requests[i];

		pn_request_name(r, what, sizeof(what));
		s = pn_find_slot(slots.json, call->env->container_id, r, used, false);
		if (s) {
			ret = check_in_kernel(call, s, what, err);
			continue;
		}
		s = pn_find_slot(slots.json, call->env->container_id, r, used, true);
		if (s)
			ret = not_as_expected(err, "%s: slot %s was released by the admin: %s",
					      what, pn_json_string(s, "id"),
					      pn_json_string(s, "released_reason"));
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
	if (pn_get_container(call, &reply, CNI_ERR_TRY_AGAIN, err))
		return -1;
	if (reply.status == 404)
		ret = not_as_expected(err, "container %s: not registered with plugnetd", id);
	else if (reply.status != 200)
		ret = pn_call_refused(&reply, "the container's registration", err);
	else if (!pn_same_attachment(call, reply.json))
		ret = not_as_expected(err,
				      "container %s: registered through network '%s' on %s, not "
				      "'%s' on %s",
				      id, pn_json_string(reply.json, "network"),
				      pn_json_string(reply.json, "ifname"), call->conf->name,
				      call->env->ifname);
	else
		ret = check_interface(call, reply.json, err);
	pn_reply__free(&reply);
	return ret ? ret : check_slots(call, err);
}

int pn_cni_status(const struct pn_cni_call *call, struct cni_error *err)
{
	struct pn_reply reply;

	/* Any answer will do: a degraded interface does not stop new pods. */
	if (pn_call_request(call, "GET", "/v1/health", NULL, &reply, CNI_ERR_NOT_AVAILABLE, err))
		return -1;
	pn_reply__free(&reply);
	return 0;
}
