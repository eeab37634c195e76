// SPDX-License-Identifier: Apache-2.0
/* CNI_ARGS: "K=V;K=V", the runtime's free-form arguments (pod identity here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni.h"

struct known_arg {
	const char *key;
	size_t offset, size;
};

#define ARG(key, field)                                           \
	{                                                         \
		key, offsetof(struct cni_pod_args, field),        \
			sizeof(((struct cni_pod_args *)0)->field) \
	}

static const struct known_arg known_args[] = {
	ARG("K8S_POD_NAMESPACE", pod_namespace),
	ARG("K8S_POD_NAME", pod_name),
	ARG("K8S_POD_UID", pod_uid),
	ARG("K8S_POD_INFRA_CONTAINER_ID", infra_container_id),
};

static bool truthy(const char *v, size_t len)
{
	return (len == 1 && v[0] == '1') || (len == 4 && !strncasecmp(v, "true", 4));
}

/* The pair at s (up to ';' or the end): key and value spans. */
static int split_pair(const char *s, size_t len, size_t *key_len, const char **value,
		      size_t *value_len)
{
	const char *eq = memchr(s, '=', len);

	if (!eq || eq == s)
		return -1;
	*key_len = (size_t)(eq - s);
	*value = eq + 1;
	*value_len = len - *key_len - 1;
	return 0;
}

int cni_pod_args_parse(const char *args, struct cni_pod_args *out, struct cni_error *err)
{
	const char *p, *end, *value, *unknown = NULL;
	size_t len, key_len, value_len, unknown_len = 0, i;
	bool ignore_unknown = false;

	memset(out, 0, sizeof(*out));
	/* Two passes: IgnoreUnknown may come after the keys it excuses. */
	for (p = args; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ';');
		len = (size_t)(end - p);
		if (!len)
			continue;
		if (split_pair(p, len, &key_len, &value, &value_len))
			return cni_fail(err, CNI_ERR_INVALID_ENV,
					"CNI_ARGS: '%.*s' is not KEY=VALUE", (int)len, p);
		if (key_len == 13 && !strncmp(p, "IgnoreUnknown", 13))
			ignore_unknown = truthy(value, value_len);
	}
	for (p = args; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ';');
		len = (size_t)(end - p);
		if (!len || split_pair(p, len, &key_len, &value, &value_len))
			continue;
		for (i = 0; i < sizeof(known_args) / sizeof(known_args[0]); i++)
			if (strlen(known_args[i].key) == key_len &&
			    !strncmp(p, known_args[i].key, key_len))
				break;
		if (i == sizeof(known_args) / sizeof(known_args[0])) {
			if (!(key_len == 13 && !strncmp(p, "IgnoreUnknown", 13)) && !unknown) {
				unknown = p;
				unknown_len = key_len;
			}
			continue;
		}
		if (value_len >= known_args[i].size)
			return cni_fail(err, CNI_ERR_INVALID_ENV,
					"CNI_ARGS: %s is longer than %zu bytes", known_args[i].key,
					known_args[i].size - 1);
		snprintf((char *)out + known_args[i].offset, known_args[i].size, "%.*s",
			 (int)value_len, value);
	}
	if (unknown && !ignore_unknown)
		return cni_fail(err, CNI_ERR_INVALID_ENV,
				"CNI_ARGS: unknown key '%.*s' (set IgnoreUnknown=1 to let it pass)",
				(int)unknown_len, unknown);
	return 0;
}
