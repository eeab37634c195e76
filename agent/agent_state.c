// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "ifaces.h"
#include "registry.h"
#include "state_file.h"

#define STATE_VERSION 1

int pn_agent_load_state(struct pn_agent *a, char *err, size_t err_size)
{
	const cJSON *version, *registry;
	char why[512];
	cJSON *doc;
	int ret = pn_state_file_read(a->state_path, &doc, why, sizeof(why));

	if (ret == -ENOENT)
		return 0;
	if (ret) {
		snprintf(err, err_size,
			 "%s (not starting: an empty registry would forget every owner)", why);
		return ret;
	}
	version = cJSON_GetObjectItemCaseSensitive(doc, "version");
	registry = cJSON_GetObjectItemCaseSensitive(doc, "registry");
	if (!cJSON_IsNumber(version) || version->valuedouble != STATE_VERSION) {
		snprintf(err, err_size, "state file %s: key 'version': expected %d", a->state_path,
			 STATE_VERSION);
		ret = -EINVAL;
	} else if ((ret = pn_registry__from_json(a->registry, registry, why, sizeof(why))) ||
		   (ret = pn_ifaces_restore_detached(
			    a, cJSON_GetObjectItemCaseSensitive(doc, "detached"), why,
			    sizeof(why)))) {
		snprintf(err, err_size, "state file %s: %s", a->state_path, why);
	}
	cJSON_Delete(doc);
	return ret;
}

int pn_agent_save_state(struct pn_agent *a, char *err, size_t err_size)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *registry, *detached;
	int ret;

	pthread_mutex_lock(&a->save_lock);
	/* Taken under the save lock: a later change is never overwritten by an earlier one. */
	registry = pn_registry__to_json(a->registry);
	detached = pn_ifaces_detached_json(a);
	if (!doc || !registry || !detached ||
	    !cJSON_AddNumberToObject(doc, "version", STATE_VERSION)) {
		cJSON_Delete(registry);
		cJSON_Delete(detached);
		snprintf(err, err_size, "state file %s: out of memory", a->state_path);
		ret = -ENOMEM;
	} else {
		cJSON_AddItemToObject(doc, "registry", registry);
		cJSON_AddItemToObject(doc, "detached", detached);
		ret = pn_state_file_write(a->state_path, doc, err, err_size);
	}
	pthread_mutex_unlock(&a->save_lock);
	cJSON_Delete(doc);
	return ret;
}
