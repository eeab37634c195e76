/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CNI protocol (specification 1.1.0) for a plugin: the CNI_*
 * environment, the network configuration on stdin, the result and error
 * JSON on stdout. Nothing here knows plugnet; the plugin in plugin/ is
 * built on it.
 *
 * Every function that can fail fills a struct cni_error with the spec's
 * code and a message that names the variable, key or value at fault.
 */
#ifndef PLUGNET_CNI_H
#define PLUGNET_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* The error codes the specification reserves (0-99). */
enum cni_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	CNI_ERR_LIMITED_CONNECTIVITY = 51,
	CNI_ERR_PLUGIN_FIRST = 100, /* codes a plugin defines start here */
};

struct cni_error {
	int code;
	char msg[1024];
	char details[1024];
};

/* Fill err (code, then printf-style message) and return -1. */
int cni_fail(struct cni_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum cni_command {
	CNI_CMD_ADD,
	CNI_CMD_DEL,
	CNI_CMD_CHECK,
	CNI_CMD_GC,
	CNI_CMD_STATUS,
	CNI_CMD_VERSION,
};

const char *cni_command_name(enum cni_command cmd);

/* The CNI_* variables, as the runtime set them (pointers into environ). */
struct cni_env {
	enum cni_command command;
	const char *container_id; /* CNI_CONTAINERID */
	const char *netns;        /* CNI_NETNS */
	const char *ifname;       /* CNI_IFNAME */
	const char *args;         /* CNI_ARGS, or "" */
	const char *path;         /* CNI_PATH, or "" */
};

/*
 * Read and check the environment for its command: CNI_COMMAND always;
 * CNI_CONTAINERID and CNI_IFNAME for ADD, DEL and CHECK; CNI_NETNS for ADD
 * and CHECK (DEL may come without it, or after the netns is gone). Values
 * are checked as the specification defines them. 0, or -1 with code 4
 * naming the variable.
 */
int cni_env_read(struct cni_env *env, struct cni_error *err);

/* The pod identity a runtime passes in CNI_ARGS ("K=V;K=V"). */
struct cni_pod_args {
	char pod_namespace[254];
	char pod_name[254];
	char pod_uid[128];
	char infra_container_id[128];
};

/*
 * Parse CNI_ARGS. Keys may come in any order, and any may be missing;
 * IgnoreUnknown=1 (or true) lets keys plugnet does not know pass,
 * otherwise an unknown key is an error (code 4, naming it), as the
 * reference plugins' args parsing does. A malformed pair is an error.
 */
int cni_pod_args_parse(const char *args, struct cni_pod_args *out, struct cni_error *err);

/* The versions this library speaks, oldest first, NULL-terminated. */
extern const char *const cni_supported_versions[];
/* <0, 0, >0 as version a is older, the same, newer than b (both "X.Y.Z"). */
int cni_version_cmp(const char *a, const char *b);
bool cni_version_supported(const char *version);

/* The network configuration as the runtime gave it for one plugin. */
struct cni_conf {
	cJSON *root;                 /* the whole document, owned */
	char cni_version[16];        /* "cniVersion", when it is one plugnet speaks; else "" */
	const char *name;            /* "name" (the network) */
	const char *type;            /* "type" */
	const cJSON *prev_result;    /* "prevResult", or NULL */
	const cJSON *runtime_config; /* "runtimeConfig", or NULL */
};

/*
 * Parse stdin's bytes for `cmd`: code 6 for text that is not a JSON
 * object, code 7 for a missing or mistyped cniVersion, name or type
 * (naming the key), code 1 for a version this library does not speak or
 * one that does not have the command (CHECK needs 0.4.0, GC and STATUS
 * 1.1.0). VERSION needs nothing but may carry cniVersion.
 */
int cni_conf_parse(const char *text, size_t len, enum cni_command cmd, struct cni_conf *conf,
		   struct cni_error *err);
void cni_conf_free(struct cni_conf *conf);

/* Read all of stdin (at most max bytes; code 5 beyond, or on a read error). */
int cni_read_stdin(char **text, size_t *len, size_t max, struct cni_error *err);

/*
 * Output. Each writes one JSON document and a newline to `out` and
 * returns 0, or -1 if it could not be written whole.
 *   cni_print_result   a result as given (a chained plugin's prevResult);
 *                      when it lacks "cniVersion", version is added
 *   cni_print_error    {"cniVersion", "code", "msg", "details"}
 *   cni_print_versions {"cniVersion", "supportedVersions"} for VERSION
 */
int cni_print_result(FILE *out, const cJSON *result, const char *version);
int cni_print_error(FILE *out, const char *version, const struct cni_error *err);
int cni_print_versions(FILE *out, const char *version);

#endif
