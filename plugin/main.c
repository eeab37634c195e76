// SPDX-License-Identifier: Apache-2.0
/*
 * plugnet: the CNI plugin. A CNI plugin's stdout carries only its result or
 * error JSON, so everything else goes to stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *out)
{
	fprintf(out, "Usage: plugnet [--help | --version]\n"
		     "\n"
		     "The plugnet CNI plugin (\"type\": \"plugnet\"), chained after a main\n"
		     "plugin such as bridge or ptp. The container runtime runs it with the\n"
		     "CNI_* environment and the network configuration on stdin.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

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
	usage(stderr);
	return EXIT_FAILURE;
}
