// SPDX-License-Identifier: Apache-2.0
/*
 * plugnet: the CNI plugin. A CNI plugin's stdout carries only its result or
 * error JSON, so everything else goes to stderr or the configured log file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "plugin_conf.h"
#include "verbs.h"

/* The largest network configuration read from stdin. */
#define MAX_CONF_BYTES (4u << 20)

static void usage(FILE *out)
{
	fprintf(out, "Usage: plugnet [--help | --version]\n"
		     "\n"
		     "The plugnet CNI plugin (\"type\": \"plugnet\"), chained after a main\n"
		     "plugin such as bridge or ptp. The container runtime runs it with the\n"
		     "CNI_* environment and the network configuration on stdin; it speaks\n"
		     "cniVersion 0.3.1, 0.4.0, 1.0.0 and 1.1.0.\n");
}

static int fail(const char *version, const struct cni_error *err)
{
	pn_log_debug("plugnet: error %d: %s", err->code, err->msg);
	if (cni_print_error(stdout, version, err))
		fprintf(stderr, "plugnet: cannot write the error to stdout: %s\n", err->msg);
	return EXIT_FAILURE;
}

static FILE *open_log(const struct pn_plugin_conf *pc, struct cni_error *err)
{
	FILE *f;

	if (!pc->log_file[0])
		return NULL;
	f = fopen(pc->log_file, "ae");
	if (!f)
		cni_fail(err, CNI_ERR_INVALID_CONFIG,
			 "network configuration: key 'logFile': '%s': %m", pc->log_file);
	return f;
}

static int run(const struct cni_env *env, struct cni_conf *conf, struct cni_error *err)
{
	static int (*const verbs[])(const struct pn_cni_call *, struct cni_error *) = {
		[CNI_CMD_ADD] = pn_cni_add,       [CNI_CMD_DEL] = pn_cni_del,
		[CNI_CMD_CHECK] = pn_cni_check,   [CNI_CMD_GC] = pn_cni_gc,
		[CNI_CMD_STATUS] = pn_cni_status,
	};
	struct pn_plugin_conf pc;
	struct pn_cni_call call = {.env = env, .conf = conf, .pc = &pc};
	FILE *log = NULL;
	int ret;

	/* DEL and GC never read the pod's annotation: a broken one must not keep a pod. */
	if (pn_plugin_conf_read(conf, env->command == CNI_CMD_ADD || env->command == CNI_CMD_CHECK,
				&pc, err))
		return -1;
	if (pc.log_file[0] && !(log = open_log(&pc, err))) {
		pn_plugin_conf_free(&pc);
		return -1;
	}
	pn_log_set_stream(log);
	pn_log_set_level(pc.log_level);
	pn_log_debug("plugnet: %s container %s ifname %s netns %s network '%s' (%d program(s))",
		     cni_command_name(env->command), env->container_id ? env->container_id : "-",
		     env->ifname ? env->ifname : "-", env->netns, conf->name, pc.n_requests);
	call.client = pn_client__new(pc.socket, pc.timeout_ms);
	if (!call.client)
		ret = cni_fail(err, CNI_ERR_IO, "plugnetd's socket %s: cannot set up a client: %m",
			       pc.socket);
	else
		ret = verbs[env->command](&call, err);
	if (!ret && (env->command == CNI_CMD_ADD) &&
	    cni_print_result(stdout, conf->prev_result, conf->cni_version))
		ret = cni_fail(err, CNI_ERR_IO, "cannot write the result to stdout");
	pn_client__free(call.client);
	pn_plugin_conf_free(&pc);
	if (ret)
		pn_log_error("plugnet: %s container %s: %s", cni_command_name(env->command),
			     env->container_id ? env->container_id : "-", err->msg);
	pn_log_set_stream(NULL);
	if (log)
		fclose(log);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	struct cni_error err = {};
	struct cni_conf conf = {};
	struct cni_env env;
	size_t len;
	char *text;
	int c, ret;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("plugnet CNI plugin %s\n", PLUGNET_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	pn_log_set_level(PN_LOG_WARN);
	if (cni_env_read(&env, &err))
		return fail(NULL, &err);
	if (cni_read_stdin(&text, &len, MAX_CONF_BYTES, &err))
		return fail(NULL, &err);
	ret = cni_conf_parse(text, len, env.command, &conf, &err);
	free(text);
	if (ret)
		return fail(conf.cni_version, &err);
	if (env.command == CNI_CMD_VERSION) {
		ret = cni_print_versions(stdout, conf.cni_version);
		cni_conf_free(&conf);
		return ret ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	ret = run(&env, &conf, &err);
	if (ret)
		ret = fail(conf.cni_version, &err);
	cni_conf_free(&conf);
	return ret;
}
