// SPDX-License-Identifier: Apache-2.0
/*
 * plugctl list, show and maps: the interfaces plugnet holds, their slots,
 * and what a slot's program keeps in its maps.
 */
#include <stdio.h>

#include "commands.h"
#include "render.h"
#include "target.h"

int cmd_list(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	cJSON *ifaces = NULL, *containers = NULL, *view = NULL;
	struct plugctl_args a;
	int ret = plugctl_parse(p, cmd, argc, argv, 0, 0, 0, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	ret = plugctl_get_array(p, "interfaces", "/v1/interfaces", &ifaces);
	if (!ret)
		ret = plugctl_get_array(p, "containers", "/v1/containers", &containers);
	if (!ret) {
		view = pn_view_interfaces(ifaces, containers);
		ret = view ? plugctl_output(p, "interfaces", pn_render_list, view)
			   : plugctl_fail(p, PLUGCTL_ERROR, "internal",
					  "interfaces: out of memory");
	}
	cJSON_Delete(view);
	cJSON_Delete(containers);
	cJSON_Delete(ifaces);
	return ret;
}

int cmd_show(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	struct plugctl_target t;
	cJSON *iface = NULL, *view = NULL;
	struct plugctl_args a;
	char path[128], what[192];
	int ret = plugctl_parse(p, cmd, argc, argv, PLUGCTL_OPT_NETNS | PLUGCTL_OPT_POD, 1, 1, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	ret = plugctl_target_find(p, a.pos[0], a.netns, a.pod, &t);
	if (!ret) {
		snprintf(path, sizeof(path), "/v1/interfaces/%s", t.id);
		snprintf(what, sizeof(what), "interface '%s' (%s)", t.ifname, t.id);
		ret = plugctl_call(p, what, "GET", path, NULL, 0, &iface);
	}
	if (!ret) {
		view = pn_view_interface(iface, t.containers);
		ret = view ? plugctl_output(p, what, pn_render_show, view)
			   : plugctl_fail(p, PLUGCTL_ERROR, "internal", "%s: out of memory", what);
	}
	cJSON_Delete(view);
	cJSON_Delete(iface);
	plugctl_target_free(&t);
	return ret;
}

int cmd_maps(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	char slot[160], path[256], what[320], owner[512];
	struct plugctl_target t;
	struct plugctl_args a;
	cJSON *reply = NULL;
	const cJSON *cid;
	int ret = plugctl_parse(p, cmd, argc, argv, PLUGCTL_OPT_NETNS | PLUGCTL_OPT_POD, 2, 2, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	ret = plugctl_target_find_slot(p, a.pos[0], a.pos[1], a.netns, a.pod, &t, slot,
				       sizeof(slot), what, sizeof(what));
	if (!ret) {
		snprintf(path, sizeof(path), "/v1/slots/%s/maps", slot);
		ret = plugctl_call(p, what, "GET", path, NULL, 0, &reply);
	}
	if (!ret) {
		cid = cJSON_GetObjectItemCaseSensitive(reply, "container_id");
		if (cJSON_IsString(cid) &&
		    !cJSON_AddStringToObject(
			    reply, "owner",
			    pn_render_owner(t.containers, cid->valuestring, owner, sizeof(owner))))
			ret = plugctl_fail(p, PLUGCTL_ERROR, "internal", "%s: out of memory", what);
	}
	if (!ret)
		ret = plugctl_output(p, what, pn_render_maps, reply);
	cJSON_Delete(reply);
	plugctl_target_free(&t);
	return ret;
}
