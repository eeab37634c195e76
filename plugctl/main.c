// SPDX-License-Identifier: Apache-2.0
/*
 * plugctl: the operator's CLI for plugnetd, over its admin socket.
 * `plugctl [OPTIONS] COMMAND [ARGS]`; a command may be given by an
 * unambiguous prefix. This file parses the global options and dispatches;
 * the commands live in cmd_*.c (commands.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define IFACE_HELP                                                                       \
	"IFACE is an interface id (<netns>-<ifindex>, as plugctl list shows) or an\n"    \
	"ifname, looked up in the host's netns, or with --netns PATH in the netns of\n"  \
	"that file (e.g. /run/netns/NAME), or with --pod NAMESPACE/NAME in the pod's.\n" \
	"\n"                                                                             \
	"  --netns PATH       look IFACE's name up in the netns of PATH\n"               \
	"  --pod NS/NAME      look IFACE's name up in the pod's netns\n"
#define OVERRIDE_HELP                                                                \
	"  -r, --reason TEXT  why (required); plugnetd writes it to its audit log\n" \
	"  -y, --yes          do not ask for confirmation (asked only on a terminal)\n"

static const struct plugctl_cmd commands[] = {
	{"list", cmd_list, "",
	 "Every interface plugnet holds (or should hold) a dispatcher on: its id,\n"
	 "ifname, netns, target, owning pod, state, XDP mode, dispatcher revision and\n"
	 "program id, and how many slots are in use. With -j: GET /v1/interfaces,\n"
	 "each object with \"owner\" added (NAMESPACE/NAME) where it has a container.\n"},
	{"show", cmd_show, "IFACE [--netns PATH | --pod NAMESPACE/NAME]",
	 "One interface and its slot table, in running order: index, attach id,\n"
	 "priority, proceed-on, program id, name and tag, link id, catalog program,\n"
	 "owner (NAMESPACE/NAME) and, when plugnetd counts, packets and verdicts.\n"
	 "With -j: GET /v1/interfaces/<id> with \"owner\" added to it and each slot.\n"
	 "\n" IFACE_HELP},
	{"maps", cmd_maps, "IFACE SLOT [--netns PATH | --pod NAMESPACE/NAME]",
	 "The maps of the program in one slot (SLOT: its attach id, or the slot id\n"
	 "<netns>-<ifindex>-<attach>), read from the kernel: a table a map, keys and\n"
	 "values decoded by the map's BTF into one column per field, per-CPU values\n"
	 "summed, at most 1000 entries a map (the rest counted). A catalog program\n"
	 "is loaded once for every slot that plugs it, so its maps hold the entries\n"
	 "of all of them. With -j: GET /v1/slots/<id>/maps with \"owner\" added\n"
	 "(per-CPU values one by one).\n"
	 "\n" IFACE_HELP},
	{"release", cmd_release,
	 "IFACE SLOT --reason TEXT [--yes] [--netns PATH | --pod NS/NAME]\n"
	 "       plugctl release --owner NAMESPACE/NAME --reason TEXT [--yes]",
	 "Unplug one slot of an interface (SLOT: its attach id, or the slot id\n"
	 "<netns>-<ifindex>-<attach>), or with --owner every slot of one pod, on\n"
	 "every target. The owner sees the release, with the reason, in its slots.\n"
	 "With -j: plugnetd's answer (the slot, or container_id and slots_released).\n"
	 "\n" IFACE_HELP "  --owner NS/NAME    release every slot of this pod\n" OVERRIDE_HELP},
	{"detach", cmd_detach, "IFACE --reason TEXT [--yes] [--netns PATH | --pod NS/NAME]",
	 "Release every slot on the interface and remove plugnet's dispatcher; the\n"
	 "interface stays without one (detached-by-admin) until adopted.\n"
	 "With -j: plugnetd's answer (id, action, slots_released, evicted_prog_id).\n"
	 "\n" IFACE_HELP OVERRIDE_HELP},
	{"adopt", cmd_adopt, "IFACE --reason TEXT [--yes] [--netns PATH | --pod NS/NAME]",
	 "Detach whatever foreign XDP program holds the interface and attach\n"
	 "plugnet's dispatcher, with the interface's pinned slots.\n"
	 "With -j: plugnetd's answer (id, action, slots_released, evicted_prog_id).\n"
	 "\n" IFACE_HELP OVERRIDE_HELP},
	{"audit", cmd_audit, "[--since TIME]",
	 "The admin's overrides and plugnetd's own actions, oldest first: time,\n"
	 "action, target, previous owner, pid and uid, reason. With -j: GET /v1/audit\n"
	 "(filtered by --since).\n"
	 "\n"
	 "  --since TIME       only entries at or after TIME: RFC 3339\n"
	 "                     (2026-11-30T23:09:16Z) or a duration ago (90s, 10m, 2h, 1d)\n"},
	{"programs", cmd_programs, "",
	 "The catalog of programs pods may plug: name, function, default priority\n"
	 "and proceed-on, SHA-256 of the object. With -j: GET /v1/programs.\n"},
	{"status", cmd_status, "",
	 "plugnetd's health: serving or degraded, the slots a dispatcher has, the\n"
	 "kernel's features and every problem. Exits 4 when degraded.\n"
	 "With -j: GET /v1/health.\n"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: plugctl [OPTIONS] COMMAND [ARGS]\n"
		     "\n"
		     "Commands (an unambiguous prefix will do):\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s%s\n", commands[i].name, commands[i].synopsis);
	fprintf(out,
		"\n"
		"Options (also after the command):\n"
		"  -j, --json         JSON output (errors too, on stdout), one line\n"
		"  -p, --pretty       JSON output, indented\n"
		"  -s, --socket PATH  plugnetd's admin socket (default: $PLUGNET_ADMIN_SOCKET,\n"
		"                     else " PLUGCTL_DEFAULT_SOCKET ")\n"
		"  -h, --help         show this help; plugctl COMMAND --help for a command's\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit codes: 0 done, 1 plugnetd refused or nothing matched, 2 usage,\n"
		"3 plugnetd cannot be reached, 4 status is degraded, 5 not confirmed.\n");
}

/* The command `name` names, in full or by an unambiguous prefix; NULL if none (reported). */
static const struct plugctl_cmd *find_command(struct plugctl *p, const char *name, int *code)
{
	const struct plugctl_cmd *found = NULL;
	size_t len = strlen(name);
	int n = 0;

	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
		if (!strncmp(commands[i].name, name, len)) {
			found = &commands[i];
			n++;
		}
	}
	if (n == 1)
		return found;
	*code = plugctl_usage(p, NULL, n ? "ambiguous command '%s'" : "unknown command '%s'", name);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},         {"pretty", no_argument, NULL, 'p'},
		{"socket", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {},
	};
	const char *env = getenv("PLUGNET_ADMIN_SOCKET");
	struct plugctl p = {.socket = env && env[0] ? env : PLUGCTL_DEFAULT_SOCKET};
	const struct plugctl_cmd *cmd;
	int c, ret = PLUGCTL_USAGE;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jps:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			p.json = true;
			break;
		case 'p':
			p.json = p.pretty = true;
			break;
		case 's':
			p.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return PLUGCTL_OK;
		case 'V':
			printf("plugctl %s\n", PLUGNET_VERSION);
			return PLUGCTL_OK;
		case ':':
			return plugctl_usage(&p, NULL, "option '%s' needs an argument",
					     argv[optind - 1]);
		default:
			if (optopt)
				return plugctl_usage(&p, NULL, "unknown option '-%c'", optopt);
			return plugctl_usage(&p, NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return PLUGCTL_USAGE;
	}
	cmd = find_command(&p, argv[optind], &ret);
	if (!cmd)
		return ret;
	ret = cmd->fn(&p, cmd, argc - optind, argv + optind);
	plugctl_cleanup(&p);
	return ret;
}
