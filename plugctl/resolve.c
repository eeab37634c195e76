// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "resolve.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A non-empty run of decimal digits, no sign. */
static bool is_decimal(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

const cJSON *pn_resolve_pod(const cJSON *containers, const char *pod, char *err, size_t err_size)
{
	const char *slash = strchr(pod, '/');
	const cJSON *c;

	if (!slash || slash == pod || !slash[1] || strchr(slash + 1, '/')) {
		snprintf(err, err_size, "pod '%s': not of the form NAMESPACE/NAME", pod);
		return NULL;
	}
	cJSON_ArrayForEach(c, containers)
	{
		const char *ns = str(c, "pod_namespace"), *name = str(c, "pod_name");

		if (ns && name && strlen(ns) == (size_t)(slash - pod) &&
		    !strncmp(ns, pod, (size_t)(slash - pod)) && !strcmp(name, slash + 1))
			return c;
	}
	snprintf(err, err_size, "pod '%s': plugnetd has no container registered for it", pod);
	return NULL;
}

const cJSON *pn_resolve_iface(const cJSON *ifaces, const char *arg, const char *netns,
			      const char *where, char *err, size_t err_size)
{
	const cJSON *o, *found = NULL;
	const char *dash = strchr(arg, '-');
	int n = 0;

	if (dash && is_decimal(arg, (size_t)(dash - arg)) &&
	    is_decimal(dash + 1, strlen(dash + 1))) {
		cJSON_ArrayForEach(o, ifaces)
		{
			const char *id = str(o, "id");

			if (id && !strcmp(id, arg))
				return o;
		}
	}
	cJSON_ArrayForEach(o, ifaces)
	{
		const char *ifname = str(o, "ifname"), *ns = str(o, "netns");

		if (ifname && ns && !strcmp(ifname, arg) && !strcmp(ns, netns)) {
			found = o;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n > 1)
		snprintf(err, err_size,
			 "interface '%s': %d interfaces plugnet manages in %s (netns %s) have that "
			 "name; give the interface id",
			 arg, n, where, netns);
	else
		snprintf(
			err, err_size,
			"interface '%s': plugnet manages no interface of that id, nor of that name "
			"in %s (netns %s)",
			arg, where, netns);
	return NULL;
}

int pn_resolve_slot(const char *iface_id, const char *slot, char *out, size_t size, char *err,
		    size_t err_size)
{
	size_t len = strlen(iface_id);

	if (is_decimal(slot, strlen(slot))) {
		snprintf(out, size, "%s-%s", iface_id, slot);
		return 0;
	}
	if (!strncmp(slot, iface_id, len) && slot[len] == '-' &&
	    is_decimal(slot + len + 1, strlen(slot + len + 1))) {
		snprintf(out, size, "%s", slot);
		return 0;
	}
	snprintf(err, err_size,
		 "slot '%s': neither an attach id nor a slot id of interface %s (%s-<attach>)",
		 slot, iface_id, iface_id);
	return -EINVAL;
}
