/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every plugctl command shares: the exit codes, the options every
 * command takes, reporting errors (text on stderr, or with -j a JSON object
 * on stdout, as bpftool does), calling plugnetd on its admin socket and
 * asking the operator to confirm.
 */
#ifndef PLUGCTL_CLI_H
#define PLUGCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "plugnet/client.h"

/* plugctl's exit codes (docs/plugctl.md). */
enum plugctl_exit {
	PLUGCTL_OK = 0,
	PLUGCTL_ERROR = 1,       /* plugnetd refused the request, or nothing matched */
	PLUGCTL_USAGE = 2,       /* a bad command line */
	PLUGCTL_UNREACHABLE = 3, /* the admin socket cannot be reached */
	PLUGCTL_DEGRADED = 4,    /* status: plugnetd serves, degraded */
	PLUGCTL_ABORTED = 5,     /* the operator did not confirm */
};

#define PLUGCTL_DEFAULT_SOCKET "/run/plugnet/admin.sock"
#define PLUGCTL_TIMEOUT_MS     60000L

struct plugctl {
	bool json;
	bool pretty; /* -p: JSON, indented */
	bool yes;
	const char *socket;
	struct pn_client *client; /* made at the first call */
};

struct plugctl_cmd;
typedef int (*plugctl_fn)(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);

struct plugctl_cmd {
	const char *name;
	plugctl_fn fn;
	const char *synopsis; /* after "plugctl NAME" */
	const char *help;     /* what it does, its options */
};

/* Options a command may take besides the common ones (-j, -s, -h). */
enum plugctl_opt {
	PLUGCTL_OPT_NETNS = 1 << 0,  /* --netns PATH */
	PLUGCTL_OPT_POD = 1 << 1,    /* --pod NAMESPACE/NAME */
	PLUGCTL_OPT_REASON = 1 << 2, /* --reason TEXT */
	PLUGCTL_OPT_YES = 1 << 3,    /* -y, --yes */
	PLUGCTL_OPT_OWNER = 1 << 4,  /* --owner NAMESPACE/NAME */
	PLUGCTL_OPT_SINCE = 1 << 5,  /* --since TIME */
};

struct plugctl_args {
	const char *netns, *pod, *reason, *owner, *since;
	char **pos; /* the arguments that are not options */
	int npos;
};

/* Sentinel of plugctl_parse: parsed; go on. */
#define PLUGCTL_CONTINUE (-1)

/*
 * Parse `cmd`'s command line (argv[0] is the command's name): the common
 * options, those of `allowed` (any order, before or after the arguments),
 * and between min_pos and max_pos arguments. PLUGCTL_CONTINUE, or the exit
 * code to return now (0 after --help; the error reported otherwise).
 */
int plugctl_parse(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv,
		  unsigned int allowed, int min_pos, int max_pos, struct plugctl_args *a);

/* Print the command's help (synopsis, text, common options). */
void plugctl_help(const struct plugctl_cmd *cmd, FILE *out);

/*
 * Report an error of kind `kind` ("usage", "not-found", ...) and return
 * `code`: "plugctl: MESSAGE" on stderr, or with -j
 * {"error": KIND, "message": MESSAGE, "details": null} on stdout.
 */
int plugctl_fail(struct plugctl *p, int code, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A usage error of `cmd` (NULL: of plugctl), pointing at --help. */
int plugctl_usage(struct plugctl *p, const struct plugctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * `method` `path` on the admin socket. 0 with *out the answer's JSON (the
 * caller frees it) when plugnetd answers 2xx, or when `ok_status` is that
 * status; else the error is reported (naming `what`, the object) and its
 * exit code returned: PLUGCTL_UNREACHABLE, or PLUGCTL_ERROR.
 */
int plugctl_call(struct plugctl *p, const char *what, const char *method, const char *path,
		 const cJSON *body, long ok_status, cJSON **out);

/* GET `path` that must answer a JSON array (containers, interfaces...). */
int plugctl_get_array(struct plugctl *p, const char *what, const char *path, cJSON **out);

/*
 * Ask "QUESTION [y/N]" on stderr when stdin is a terminal and --yes was
 * not given. 0 to go on; PLUGCTL_ABORTED (reported) on anything but yes.
 */
int plugctl_confirm(struct plugctl *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print JSON (one line; indented with -p) and a newline. 0 or PLUGCTL_ERROR (reported). */
int plugctl_print_json(struct plugctl *p, const cJSON *json);

typedef int (*plugctl_render_fn)(FILE *out, const cJSON *json, char *err, size_t err_size);

/*
 * Print `json` as JSON with -j, else through `render` (render.h) on
 * stdout. 0, or PLUGCTL_ERROR (reported, naming `what`).
 */
int plugctl_output(struct plugctl *p, const char *what, plugctl_render_fn render,
		   const cJSON *json);

/* The inode of the netns of `path` (a netns file or /proc/PID/ns/net) as a decimal string. */
int plugctl_netns_of(struct plugctl *p, const char *path, char *out, size_t size);

void plugctl_cleanup(struct plugctl *p);

#endif
