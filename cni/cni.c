// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"

const char *const cni_supported_versions[] = {"0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL};

int cni_fail(struct cni_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *const command_names[] = {
	[CNI_CMD_ADD] = "ADD", [CNI_CMD_DEL] = "DEL",       [CNI_CMD_CHECK] = "CHECK",
	[CNI_CMD_GC] = "GC",   [CNI_CMD_STATUS] = "STATUS", [CNI_CMD_VERSION] = "VERSION",
};

const char *cni_command_name(enum cni_command cmd)
{
	return (unsigned int)cmd <= CNI_CMD_VERSION ? command_names[cmd] : "?";
}

/* The specification's container id: alphanumeric first, then alphanumerics, '_', '.', '-'. */
static bool valid_container_id(const char *s)
{
	size_t i;

	if (!s[0] || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		       (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; s[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    s[i]))
			return false;
	return true;
}

/*
 * An interface name the kernel would take (dev_valid_name()): 1-15 bytes,
 * not "." or "..", no '/', ':' or byte the kernel's isspace() counts: space,
 * \t, \n, \v, \f, \r and Latin-1's no-break space 0xa0.
 */
static const char *ifname_problem(const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return "is empty";
	if (len > 15)
		return "is longer than 15 bytes";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "is '.' or '..'";
	for (; *s; s++)
		if (strchr("/: \t\n\v\f\r", *s) || (unsigned char)*s == 0xa0)
			return "contains '/', ':' or whitespace";
	return NULL;
}

int cni_env_read(struct cni_env *env, struct cni_error *err)
{
	const char *cmd = getenv("CNI_COMMAND");
	bool needs_container, needs_netns;
	const char *why;
	size_t i;

	memset(env, 0, sizeof(*env));
	if (!cmd || !cmd[0])
		return cni_fail(err, CNI_ERR_INVALID_ENV,
				"CNI_COMMAND is not set (expected ADD, DEL, CHECK, GC, STATUS or "
				"VERSION)");
	for (i = 0; i <= CNI_CMD_VERSION; i++)
		if (!strcmp(cmd, command_names[i]))
			break;
	if (i > CNI_CMD_VERSION)
		return cni_fail(err, CNI_ERR_INVALID_ENV,
				"CNI_COMMAND '%s' is not a CNI command (expected ADD, DEL, CHECK, "
				"GC, STATUS or VERSION)",
				cmd);
	env->command = (enum cni_command)i;
	env->container_id = getenv("CNI_CONTAINERID");
	env->netns = getenv("CNI_NETNS");
	env->ifname = getenv("CNI_IFNAME");
	env->args = getenv("CNI_ARGS");
	env->path = getenv("CNI_PATH");
	if (!env->args)
		env->args = "";
	if (!env->path)
		env->path = "";
	needs_container = env->command == CNI_CMD_ADD || env->command == CNI_CMD_DEL ||
			  env->command == CNI_CMD_CHECK;
	needs_netns = env->command == CNI_CMD_ADD || env->command == CNI_CMD_CHECK;
	if (needs_container) {
		if (!env->container_id || !env->container_id[0])
			return cni_fail(err, CNI_ERR_INVALID_ENV,
					"CNI_CONTAINERID is not set (%s needs it)", cmd);
		if (!valid_container_id(env->container_id))
			return cni_fail(
				err, CNI_ERR_INVALID_ENV,
				"CNI_CONTAINERID '%s' is not a container id (letters, "
				"digits, '_', '.' and '-', starting with a letter or digit)",
				env->container_id);
		if (!env->ifname || !env->ifname[0])
			return cni_fail(err, CNI_ERR_INVALID_ENV,
					"CNI_IFNAME is not set (%s needs it)", cmd);
		why = ifname_problem(env->ifname);
		if (why)
			return cni_fail(err, CNI_ERR_INVALID_ENV,
					"CNI_IFNAME '%s' %s: not an interface name", env->ifname,
					why);
	}
	if (needs_netns && (!env->netns || !env->netns[0]))
		return cni_fail(err, CNI_ERR_INVALID_ENV, "CNI_NETNS is not set (%s needs it)",
				cmd);
	if (!env->netns)
		env->netns = "";
	return 0;
}

static int version_parts(const char *v, long parts[3])
{
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		if (*v < '0' || *v > '9')
			return -1;
		parts[i] = strtol(v, &end, 10);
		v = end;
		if (i < 2 && *v++ != '.')
			return -1;
	}
	return *v ? -1 : 0;
}

int cni_version_cmp(const char *a, const char *b)
{
	long pa[3] = {}, pb[3] = {};
	int i;

	/* An unparsable version sorts first: never "new enough". */
	if (version_parts(a, pa))
		return version_parts(b, pb) ? 0 : -1;
	if (version_parts(b, pb))
		return 1;
	for (i = 0; i < 3; i++)
		if (pa[i] != pb[i])
			return pa[i] < pb[i] ? -1 : 1;
	return 0;
}

bool cni_version_supported(const char *version)
{
	size_t i;

	for (i = 0; cni_supported_versions[i]; i++)
		if (!strcmp(version, cni_supported_versions[i]))
			return true;
	return false;
}

static void supported_list(char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; cni_supported_versions[i] && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
				      cni_supported_versions[i]);
}

static int conf_string(const cJSON *root, const char *key, bool required, const char **out,
		       struct cni_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);

	*out = NULL;
	if (!v && !required)
		return 0;
	if (!v)
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"network configuration: key '%s' is missing", key);
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return cni_fail(err, CNI_ERR_INVALID_CONFIG,
				"network configuration: key '%s' must be a non-empty string", key);
	*out = v->valuestring;
	return 0;
}

/* The oldest version that has the command. */
static const char *command_since(enum cni_command cmd)
{
	switch (cmd) {
	case CNI_CMD_CHECK:
		return "0.4.0";
	case CNI_CMD_GC:
	case CNI_CMD_STATUS:
		return "1.1.0";
	default:
		return NULL;
	}
}

int cni_conf_parse(const char *text, size_t len, enum cni_command cmd, struct cni_conf *conf,
		   struct cni_error *err)
{
	const char *end = NULL, *since, *version;
	const cJSON *v;
	char list[64];
	size_t rest;

	memset(conf, 0, sizeof(*conf));
	/* A runtime asking only for VERSION may send nothing at all. */
	if (cmd == CNI_CMD_VERSION && strspn(text, " \t\r\n") == len)
		return 0;
	conf->root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!conf->root)
		return cni_fail(err, CNI_ERR_DECODE,
				"network configuration on stdin: not JSON (parsing stopped at "
				"byte %td of %zu)",
				end ? end - text : (ptrdiff_t)0, len);
	if (!cJSON_IsObject(conf->root)) {
		cni_conf_free(conf);
		return cni_fail(err, CNI_ERR_DECODE,
				"network configuration on stdin: not a JSON object");
	}
	/* One document: only whitespace may follow it. */
	for (rest = (size_t)(end - text); rest < len; rest++)
		if (text[rest] != ' ' && text[rest] != '\t' && text[rest] != '\r' &&
		    text[rest] != '\n')
			break;
	if (rest < len) {
		cni_conf_free(conf);
		return cni_fail(err, CNI_ERR_DECODE,
				"network configuration on stdin: not JSON (data after the object "
				"at byte %zu of %zu)",
				rest, len);
	}
	if (conf_string(conf->root, "cniVersion", cmd != CNI_CMD_VERSION, &version, err))
		goto fail;
	supported_list(list, sizeof(list));
	if (version && cni_version_supported(version)) {
		snprintf(conf->cni_version, sizeof(conf->cni_version), "%s", version);
	} else if (version && cmd != CNI_CMD_VERSION) {
		/* VERSION answers an unknown version in the newest one. */
		cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION,
			 "cniVersion '%s' is not supported (plugnet supports %s)", version, list);
		goto fail;
	}
	if (cmd == CNI_CMD_VERSION)
		return 0;
	if (conf_string(conf->root, "name", true, &conf->name, err) ||
	    conf_string(conf->root, "type", true, &conf->type, err))
		goto fail;
	since = command_since(cmd);
	if (since && cni_version_cmp(conf->cni_version, since) < 0) {
		cni_fail(err, CNI_ERR_INCOMPATIBLE_VERSION,
			 "%s needs cniVersion %s or later; the configuration is %s",
			 cni_command_name(cmd), since, conf->cni_version);
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(conf->root, "prevResult");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsObject(v)) {
			cni_fail(err, CNI_ERR_INVALID_CONFIG,
				 "network configuration: key 'prevResult' must be an object");
			goto fail;
		}
		conf->prev_result = v;
	}
	v = cJSON_GetObjectItemCaseSensitive(conf->root, "runtimeConfig");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsObject(v)) {
			cni_fail(err, CNI_ERR_INVALID_CONFIG,
				 "network configuration: key 'runtimeConfig' must be an object");
			goto fail;
		}
		conf->runtime_config = v;
	}
	return 0;
fail:
	/*
	 * conf->cni_version stays, for the error's own cniVersion; nothing
	 * that pointed into the document does.
	 */
	cJSON_Delete(conf->root);
	conf->root = NULL;
	conf->name = conf->type = NULL;
	conf->prev_result = conf->runtime_config = NULL;
	return -1;
}

void cni_conf_free(struct cni_conf *conf)
{
	cJSON_Delete(conf->root);
	memset(conf, 0, sizeof(*conf));
}

int cni_read_stdin(char **text, size_t *len, size_t max, struct cni_error *err)
{
	/*
	 * Room for max + 1 bytes at most: reading the byte past max tells
	 * text over max from text of exactly max bytes.
	 */
	size_t cap = max < 4096 ? max + 1 : 4096, n = 0;
	char *buf = malloc(cap + 1), *grown;
	ssize_t got;

	if (!buf)
		return cni_fail(err, CNI_ERR_IO, "stdin: out of memory");
	for (;;) {
		if (n == cap) {
			if (n > max) {
				free(buf);
				return cni_fail(
					err, CNI_ERR_IO,
					"stdin: the network configuration is over %zu bytes", max);
			}
			cap = cap > max / 2 ? max + 1 : cap * 2;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				free(buf);
				return cni_fail(err, CNI_ERR_IO, "stdin: out of memory");
			}
			buf = grown;
		}
		got = read(STDIN_FILENO, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			return cni_fail(err, CNI_ERR_IO, "stdin: %s", strerror(e));
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int print_json(FILE *out, const cJSON *doc)
{
	char *text = cJSON_Print(doc);
	int ret;

	if (!text)
		return -1;
	ret = fputs(text, out) < 0 || fputc('\n', out) == EOF || fflush(out) ? -1 : 0;
	free(text);
	return ret;
}

int cni_print_result(FILE *out, const cJSON *result, const char *version)
{
	const cJSON *item;
	cJSON *copy, *dup;
	int ret = -1;

	if (cJSON_GetObjectItemCaseSensitive(result, "cniVersion"))
		return print_json(out, result);
	/* cniVersion first, where runtimes write it; the rest in its order. */
	copy = cJSON_CreateObject();
	if (!copy || !cJSON_AddStringToObject(copy, "cniVersion", version))
		goto out;
	cJSON_ArrayForEach(item, result)
	{
		dup = cJSON_Duplicate(item, true);
		if (!dup || !cJSON_AddItemToObject(copy, item->string, dup)) {
			cJSON_Delete(dup);
			goto out;
		}
	}
	ret = print_json(out, copy);
out:
	cJSON_Delete(copy);
	return ret;
}

int cni_print_error(FILE *out, const char *version, const struct cni_error *err)
{
	cJSON *o = cJSON_CreateObject();
	int ret = -1;

	if (o &&
	    cJSON_AddStringToObject(o, "cniVersion", version && version[0] ? version : "1.1.0") &&
	    cJSON_AddNumberToObject(o, "code", err->code) &&
	    cJSON_AddStringToObject(o, "msg", err->msg) &&
	    (!err->details[0] || cJSON_AddStringToObject(o, "details", err->details)))
		ret = print_json(out, o);
	cJSON_Delete(o);
	return ret;
}

int cni_print_versions(FILE *out, const char *version)
{
	cJSON *o = cJSON_CreateObject(), *list = NULL;
	int n = 0, ret = -1;

	while (cni_supported_versions[n])
		n++;
	if (o &&
	    cJSON_AddStringToObject(o, "cniVersion", version && version[0] ? version : "1.1.0"))
		list = cJSON_CreateStringArray(cni_supported_versions, n);
	if (list && !cJSON_AddItemToObject(o, "supportedVersions", list)) {
		cJSON_Delete(list);
		list = NULL;
	}
	if (list)
		ret = print_json(out, o);
	cJSON_Delete(o);
	return ret;
}
