// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <string.h>

#include "resolve.h"
#include "target.h"

int plugctl_target_find(struct plugctl *p, const char *arg, const char *netns_path, const char *pod,
			struct plugctl_target *t)
{
	char netns[32], where[512], err[1024];
	const cJSON *id, *ifname;
	int ret;

	*t = (struct plugctl_target){};
	ret = plugctl_get_array(p, "interfaces", "/v1/interfaces", &t->ifaces);
	if (!ret)
		ret = plugctl_get_array(p, "containers", "/v1/containers", &t->containers);
	if (ret)
		return ret;
	if (pod) {
		const cJSON *c = pn_resolve_pod(t->containers, pod, err, sizeof(err));
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(c, "netns");

		if (!c)
			return plugctl_fail(p, PLUGCTL_ERROR, "not-found", "%s", err);
		if (!cJSON_IsString(ns))
			return plugctl_fail(p, PLUGCTL_ERROR, "bad-answer",
					    "pod '%s': plugnetd's container has no netns", pod);
		snprintf(netns, sizeof(netns), "%s", ns->valuestring);
		snprintf(where, sizeof(where), "the netns of pod %s", pod);
	} else {
		const char *path = netns_path ? netns_path : "/proc/self/ns/net";

		ret = plugctl_netns_of(p, path, netns, sizeof(netns));
		if (ret)
			return ret;
		if (netns_path)
			snprintf(where, sizeof(where), "the netns of %s", netns_path);
		else
			snprintf(where, sizeof(where), "the host netns");
	}
	t->iface = pn_resolve_iface(t->ifaces, arg, netns, where, err, sizeof(err));
	if (!t->iface)
		return plugctl_fail(p, PLUGCTL_ERROR, "not-found", "%s", err);
	id = cJSON_GetObjectItemCaseSensitive(t->iface, "id");
	ifname = cJSON_GetObjectItemCaseSensitive(t->iface, "ifname");
	if (!cJSON_IsString(id) || !cJSON_IsString(ifname))
		return plugctl_fail(p, PLUGCTL_ERROR, "bad-answer",
				    "interface '%s': plugnetd's entry has no id or ifname", arg);
	t->id = id->valuestring;
	t->ifname = ifname->valuestring;
	return PLUGCTL_OK;
}

int plugctl_target_find_slot(struct plugctl *p, const char *iface_arg, const char *slot_arg,
			     const char *netns_path, const char *pod, struct plugctl_target *t,
			     char *slot, size_t slot_size, char *what, size_t what_size)
{
	char err[512];
	int ret = plugctl_target_find(p, iface_arg, netns_path, pod, t);

	if (ret)
		return ret;
	if (pn_resolve_slot(t->id, slot_arg, slot, slot_size, err, sizeof(err)))
		return plugctl_fail(p, PLUGCTL_ERROR, "not-found", "interface '%s': %s", t->ifname,
				    err);
	snprintf(what, what_size, "slot %s of interface '%s'", slot, t->ifname);
	return 0;
}

void plugctl_target_free(struct plugctl_target *t)
{
	cJSON_Delete(t->ifaces);
	cJSON_Delete(t->containers);
	*t = (struct plugctl_target){};
}
