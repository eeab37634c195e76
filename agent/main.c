// SPDX-License-Identifier: Apache-2.0
/* plugnetd: the plugnet node agent. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "plugnet/engine.h"
#include "plugnet/log.h"

/* The engine library's messages go to the agent's log, at the matching level. */
static int engine_print(enum pn_print_level level, const char *fmt, va_list ap)
{
	static const enum pn_log_level to_log[] = {
		[PN_PRINT_WARN] = PN_LOG_WARN,
		[PN_PRINT_INFO] = PN_LOG_INFO,
		[PN_PRINT_DEBUG] = PN_LOG_DEBUG,
	};

	pn_logv(to_log[level], fmt, ap);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: plugnetd [OPTIONS]\n"
		     "\n"
		     "The plugnet node agent: holds the root XDP dispatcher of every\n"
		     "interface it manages and plugs containers' programs into its slots.\n"
		     "\n"
		     "Options:\n"
		     "  -d, --debug      log debug messages (and libbpf's) to stderr\n"
		     "  -h, --help       show this help\n"
		     "  -V, --version    show the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

	pn_set_print(engine_print);
	while ((c = getopt_long(argc, argv, "dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			pn_log_set_level(PN_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("plugnetd %s\n", PLUGNET_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		pn_log_error("plugnetd: unexpected argument '%s'", argv[optind]);
		return EXIT_FAILURE;
	}
	pn_log_error("plugnetd: the agent's API server is not built yet; nothing to run");
	return EXIT_FAILURE;
}
