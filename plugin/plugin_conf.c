// SPDX-License-Identifier: Apache-2.0
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_conf.h"

static const char *const verdicts[] = {"aborted", "drop", "pass", "tx", "redirect", NULL};

static bool catalog_name(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/*
 * "pod", "host" or "uplink:<ifname>", the name one the kernel would take:
 * 1-15 bytes, not "." or "..", no '/', ':' or byte of the kernel's
 * isspace() (\t \n \v \f \r, space, 0xa0), as CNI_IFNAME is checked.
 */
static bool valid_target(const char *s)
{
	const char *ifname;

	if (!strcmp(s, "pod") || !strcmp(s, "host"))
		return true;
	if (strncmp(s, "uplink:", 7))
		return false;
	ifname = s + 7;
	if (!ifname[0] || strlen(ifname) > 15 || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return false;
	for (; *ifname; ifname++)
		if (strchr("/: \t\n\v\f\r", *ifname) || (unsigned char)*ifname == 0xa0)
			return false;
	return true;
}

static int proceed_on(const cJSON *v, const char *where, char *out, size_t size,
		      struct cni_error *err)
{
	const cJSON *item;
	size_t n = 0, i;

	if (!cJSON_IsArray(v))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"%s: 'proceedOn' must be an array of XDP verdicts", where);
	out[0] = '\0';
	cJSON_ArrayForEach(item, v)
	{
		if (!cJSON_IsString(item))
			return cni_fail(err, CNI_ERR_INVALID_CONFIG,
					"%s: 'proceedOn' must be an array of strings", where);
		for (i = 0; verdicts[i]; i++)
			if (!strcmp(item->valuestring, verdicts[i]))
				break;
		if (!verdicts[i])
			return cni_fail(err, CNI_ERR_INVALID_CONFIG,
					"%s: 'proceedOn': '%s' is not one of aborted, drop, pass, "
					"tx, redirect",
					where, item->valuestring);
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "", verdicts[i]);
		if (n >= size)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG, "%s: 'proceedOn' is too long",
					where);
	}
	return 0;
}

static int read_request(const cJSON *o, const char *where, struct pn_program_request *r,
			struct cni_error *err)
{
	static const char *const keys[] = {"program", "target", "priority", "proceedOn", NULL};
	const cJSON *item, *v;
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(r->source, sizeof(r->source), "%s", where);
	if (!cJSON_IsObject(o))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "%s: must be an object", where);
	cJSON_ArrayForEach(item, o)
	{
		for (i = 0; keys[i] && strcmp(item->string, keys[i]); i++)
			;
		if (!keys[i])
			return cni_fail(err, CNI_ERR_INVALID_CONFIG,
					"%s: unknown key '%s' (expected program, target, priority, "
					"proceedOn)",
					where, item->string);
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "program");
	if (!cJSON_IsString(v) || !catalog_name(v->valuestring))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"%s: 'program' must be a catalog name (1 to 64 of A-Z a-z 0-9 _ -)",
				where);
	snprintf(r->program, sizeof(r->program), "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "target");
	if (v && (!cJSON_IsString(v) || !valid_target(v->valuestring)))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"%s: 'target' must be \"pod\", \"host\" or \"uplink:<ifname>\"",
				where);
	snprintf(r->target, sizeof(r->target), "%s", v ? v->valuestring : "pod");
	v = cJSON_GetObjectItemCaseSensitive(o, "priority");
	if (v) {
		/* In range first: converting a double int cannot hold is undefined. */
		if (!cJSON_IsNumber(v) || v->valuedouble < INT_MIN || v->valuedouble > INT_MAX ||
		    v->valuedouble != (double)(int)v->valuedouble)
			return cni_fail(err, CNI_ERR_INVALID_CONFIG,
					"%s: 'priority' must be an integer", where);
		r->has_priority = true;
		r->priority = (int)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "proceedOn");
	if (v && proceed_on(v, where, r->proceed_on, sizeof(r->proceed_on), err))
		return -1;
	return 0;
}

static int read_requests(const cJSON *list, const char *where, struct pn_plugin_conf *pc,
			 struct cni_error *err)
{
	struct pn_program_request *grown;
	const cJSON *item;
	char at[96];
	int n = cJSON_GetArraySize(list), i = 0;

	if (!cJSON_IsArray(list))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG, "%s: must be an array of programs",
				where);
	grown = realloc(pc->requests, sizeof(*grown) * (size_t)(pc->n_requests + n + 1));
	if (!grown)
		return cni_fail(err, CNI_ERR_IO, "%s: out of memory", where);
	pc->requests = grown;
	cJSON_ArrayForEach(item, list)
	{
		snprintf(at, sizeof(at), "%s[%d]", where, i++);
		if (read_request(item, at, &pc->requests[pc->n_requests], err))
			return -1;
		pc->n_requests++;
	}
	return 0;
}

static int read_annotation(const struct cni_conf *conf, struct pn_plugin_conf *pc,
			   struct cni_error *err)
{
	const cJSON *annotations, *v;
	const char *end = NULL;
	cJSON *list;
	int ret;

	if (!conf->runtime_config)
		return 0;
	annotations =
		cJSON_GetObjectItemCaseSensitive(conf->runtime_config, PN_ANNOTATIONS_CAPABILITY);
	if (!annotations || cJSON_IsNull(annotations))
		return 0;
	if (!cJSON_IsObject(annotations))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"runtimeConfig: '%s' must be an object of annotations",
				PN_ANNOTATIONS_CAPABILITY);
	v = cJSON_GetObjectItemCaseSensitive(annotations, PN_PROGRAMS_ANNOTATION);
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"annotation '%s': must be a string holding a JSON array",
				PN_PROGRAMS_ANNOTATION);
	list = cJSON_ParseWithOpts(v->valuestring, &end, true);
	if (!list)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"annotation '%s': not JSON (parsing stopped at byte %td)",
				PN_PROGRAMS_ANNOTATION, end ? end - v->valuestring : (ptrdiff_t)0);
	ret = read_requests(list, "annotation '" PN_PROGRAMS_ANNOTATION "'", pc, err);
	cJSON_Delete(list);
	return ret;
}

static int read_string(const cJSON *root, const char *key, char *out, size_t size,
		       struct cni_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= size)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"network configuration: key '%s' must be a string of 1 to %zu "
				"bytes",
				key, size - 1);
	snprintf(out, size, "%s", v->valuestring);
	return 0;
}

int pn_plugin_conf_read(const struct cni_conf *conf, bool with_annotations,
			struct pn_plugin_conf *pc, struct cni_error *err)
{
	char level[16] = "";
	const cJSON *v;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->socket, sizeof(pc->socket), "%s", PN_DEFAULT_WORKLOAD_SOCKET);
	pc->log_level = PN_LOG_WARN;
	pc->timeout_ms = 60000;
	if (read_string(conf->root, "socket", pc->socket, sizeof(pc->socket), err) ||
	    read_string(conf->root, "logFile", pc->log_file, sizeof(pc->log_file), err) ||
	    read_string(conf->root, "logLevel", level, sizeof(level), err))
		goto fail;
	if (level[0] && pn_log_level_parse(level, &pc->log_level)) {
		cni_fail(
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'logLevel': '%s' is not one of error, warning, "
			"info, debug",
			level);
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(conf->root, "timeoutMs");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 3600000 ||
		    v->valuedouble != (double)(long)v->valuedouble) {
			cni_fail(err, CNI_ERR_INVALID_CONFIG,
				 "network configuration: key 'timeoutMs' must be an integer from "
				 "1 to 3600000");
			goto fail;
		}
		pc->timeout_ms = (long)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(conf->root, "programs");
	if (v && read_requests(v, "network configuration: 'programs'", pc, err))
		goto fail;
	if (with_annotations && read_annotation(conf, pc, err))
		goto fail;
	return 0;
fail:
	pn_plugin_conf_free(pc);
	return -1;
}

void pn_plugin_conf_free(struct pn_plugin_conf *pc)
{
	free(pc->requests);
	pc->requests = NULL;
	pc->n_requests = 0;
}
