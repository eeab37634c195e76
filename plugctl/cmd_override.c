// SPDX-License-Identifier: Apache-2.0
/*
 * plugctl release, detach and adopt: the admin's overrides. Each needs a
 * --reason (plugnetd writes it to its audit log before it acts) and, on a
 * terminal, a yes (or --yes).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "render.h"
#include "resolve.h"
#include "target.h"

#define OVERRIDE_OPTS (PLUGCTL_OPT_REASON | PLUGCTL_OPT_YES)

/* POST `path` with the reason and print the outcome. */
static int override(struct plugctl *p, const char *what, const char *action, const char *path,
		    const char *reason, const cJSON *containers)
{
	cJSON *body = cJSON_CreateObject(), *reply = NULL;
	char err[512] = "", buf[512];
	const char *owner;
	int ret;

	if (!body || !cJSON_AddStringToObject(body, "reason", reason)) {
		cJSON_Delete(body);
		return plugctl_fail(p, PLUGCTL_ERROR, "internal", "%s: out of memory", what);
	}
	ret = plugctl_call(p, what, "POST", path, body, 0, &reply);
	cJSON_Delete(body);
	if (ret)
		return ret;
	if (p->json) {
		ret = plugctl_print_json(p, reply);
	} else {
		const cJSON *cid = cJSON_GetObjectItemCaseSensitive(reply, "container_id");

		owner = pn_render_owner(containers, cJSON_IsString(cid) ? cid->valuestring : NULL,
					buf, sizeof(buf));
		if (pn_render_override(stdout, action, reply, owner, err, sizeof(err)) ||
		    fflush(stdout))
			ret = plugctl_fail(p, PLUGCTL_ERROR, "output", "%s: %s", what,
					   err[0] ? err : "cannot write the output");
	}
	cJSON_Delete(reply);
	return ret;
}

/* The reason is required: say which flag is missing. */
static int need_reason(struct plugctl *p, const struct plugctl_cmd *cmd, const char *reason)
{
	if (reason && reason[0])
		return PLUGCTL_CONTINUE;
	return plugctl_usage(p, cmd,
			     "--reason TEXT is required: plugnetd records why in its audit log");
}

/* release --owner NAMESPACE/NAME: every slot of one pod. */
static int release_owner(struct plugctl *p, const char *pod, const char *reason)
{
	cJSON *containers = NULL;
	const cJSON *c, *cid;
	char err[512], path[512], what[512];
	int ret = plugctl_get_array(p, "containers", "/v1/containers", &containers);

	if (ret)
		return ret;
	c = pn_resolve_pod(containers, pod, err, sizeof(err));
	cid = cJSON_GetObjectItemCaseSensitive(c, "container_id");
	if (!c || !cJSON_IsString(cid)) {
		ret = plugctl_fail(p, PLUGCTL_ERROR, "not-found", "%s",
				   c ? "pod: plugnetd's container has no id" : err);
		goto out;
	}
	snprintf(what, sizeof(what), "pod %s (container %s)", pod, cid->valuestring);
	snprintf(path, sizeof(path), "/v1/containers/%s/release", cid->valuestring);
	ret = plugctl_confirm(p, "Release every slot of %s?", what);
	if (!ret)
		ret = override(p, what, "release-owner", path, reason, containers);
out:
	cJSON_Delete(containers);
	return ret;
}

int cmd_release(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	char slot[160], path[256], what[320];
	struct plugctl_target t;
	struct plugctl_args a;
	int ret = plugctl_parse(
		p, cmd, argc, argv,
		OVERRIDE_OPTS | PLUGCTL_OPT_OWNER | PLUGCTL_OPT_NETNS | PLUGCTL_OPT_POD, 0, 2, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	if (a.owner && (a.npos || a.netns || a.pod))
		return plugctl_usage(p, cmd, "--owner takes no IFACE, SLOT, --netns or --pod");
	if (!a.owner && a.npos != 2)
		return plugctl_usage(p, cmd, "give IFACE and SLOT, or --owner NAMESPACE/NAME");
	ret = need_reason(p, cmd, a.reason);
	if (ret != PLUGCTL_CONTINUE)
		return ret;
	if (a.owner)
		return release_owner(p, a.owner, a.reason);
	ret = plugctl_target_find_slot(p, a.pos[0], a.pos[1], a.netns, a.pod, &t, slot,
				       sizeof(slot), what, sizeof(what));
	if (!ret) {
		snprintf(path, sizeof(path), "/v1/slots/%s/release", slot);
		ret = plugctl_confirm(p, "Release %s?", what);
	}
	if (!ret)
		ret = override(p, what, "release", path, a.reason, t.containers);
	plugctl_target_free(&t);
	return ret;
}

/* detach and adopt: an override on a whole interface. */
static int iface_override(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	char path[256], what[256];
	struct plugctl_target t;
	struct plugctl_args a;
	int ret = plugctl_parse(p, cmd, argc, argv,
				OVERRIDE_OPTS | PLUGCTL_OPT_NETNS | PLUGCTL_OPT_POD, 1, 1, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	ret = need_reason(p, cmd, a.reason);
	if (ret != PLUGCTL_CONTINUE)
		return ret;
	ret = plugctl_target_find(p, a.pos[0], a.netns, a.pod, &t);
	if (!ret) {
		snprintf(what, sizeof(what), "interface '%s' (%s)", t.ifname, t.id);
		snprintf(path, sizeof(path), "/v1/interfaces/%s/%s", t.id, cmd->name);
		if (!strcmp(cmd->name, "detach"))
			ret = plugctl_confirm(
				p, "Detach plugnet's dispatcher from %s, releasing all its slots?",
				what);
		else
			ret = plugctl_confirm(
				p, "Adopt %s, evicting any foreign XDP program that holds it?",
				what);
	}
	if (!ret)
		ret = override(p, what, cmd->name, path, a.reason, t.containers);
	plugctl_target_free(&t);
	return ret;
}

int cmd_detach(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	return iface_override(p, cmd, argc, argv);
}

int cmd_adopt(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	return iface_override(p, cmd, argc, argv);
}
