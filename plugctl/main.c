// SPDX-License-Identifier: Apache-2.0
/* plugctl: the operator's CLI for plugnetd (OBJECT COMMAND args, like bpftool). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *out)
{
	fprintf(out, "Usage: plugctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
		     "\n"
		     "Options:\n"
		     "  -j, --json       JSON output\n"
		     "  -h, --help       show this help\n"
		     "  -V, --version    show the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("plugctl %s\n", PLUGNET_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	fprintf(stderr, "plugctl: unknown object '%s'\n", argv[optind]);
	return EXIT_FAILURE;
}
