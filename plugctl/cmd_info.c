// SPDX-License-Identifier: Apache-2.0
/* plugctl status, programs and audit: what plugnetd reports, read only. */
#include <string.h>
#include <time.h>

#include "commands.h"
#include "render.h"
#include "since.h"

int cmd_status(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	struct plugctl_args a;
	const cJSON *status;
	cJSON *health;
	int ret = plugctl_parse(p, cmd, argc, argv, 0, 0, 0, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	/* 503 is plugnetd's answer when degraded: still an answer to show. */
	ret = plugctl_call(p, "health", "GET", "/v1/health", NULL, 503, &health);
	if (ret)
		return ret;
	ret = plugctl_output(p, "health", pn_render_status, health);
	status = cJSON_GetObjectItemCaseSensitive(health, "status");
	if (!ret && !(cJSON_IsString(status) && !strcmp(status->valuestring, "serving")))
		ret = PLUGCTL_DEGRADED;
	cJSON_Delete(health);
	return ret;
}

int cmd_programs(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	struct plugctl_args a;
	cJSON *programs;
	int ret = plugctl_parse(p, cmd, argc, argv, 0, 0, 0, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	ret = plugctl_get_array(p, "programs", "/v1/programs", &programs);
	if (ret)
		return ret;
	ret = plugctl_output(p, "programs", pn_render_programs, programs);
	cJSON_Delete(programs);
	return ret;
}

int cmd_audit(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv)
{
	struct plugctl_args a;
	cJSON *entries, *shown;
	time_t since = 0;
	char err[512];
	int ret = plugctl_parse(p, cmd, argc, argv, PLUGCTL_OPT_SINCE, 0, 0, &a);

	if (ret != PLUGCTL_CONTINUE)
		return ret;
	if (a.since && pn_since_parse(a.since, time(NULL), &since, err, sizeof(err)))
		return plugctl_usage(p, cmd, "%s", err);
	ret = plugctl_get_array(p, "audit log", "/v1/audit", &entries);
	if (ret)
		return ret;
	shown = a.since ? pn_since_filter(entries, since) : entries;
	if (!shown)
		ret = plugctl_fail(p, PLUGCTL_ERROR, "internal", "audit log: out of memory");
	else
		ret = plugctl_output(p, "audit log", pn_render_audit, shown);
	if (shown != entries)
		cJSON_Delete(shown);
	cJSON_Delete(entries);
	return ret;
}
