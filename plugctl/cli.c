// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cli.h"

void plugctl_help(const struct plugctl_cmd *cmd, FILE *out)
{
	fprintf(out,
		"Usage: plugctl %s %s\n"
		"\n"
		"%s"
		"\n"
		"Common options:\n"
		"  -j, --json         JSON output (errors too, on stdout), one line\n"
		"  -p, --pretty       JSON output, indented\n"
		"  -s, --socket PATH  plugnetd's admin socket (default: $PLUGNET_ADMIN_SOCKET,\n"
		"                     else " PLUGCTL_DEFAULT_SOCKET ")\n"
		"  -h, --help         show this help\n",
		cmd->name, cmd->synopsis, cmd->help);
}

static int vfail(struct plugctl *p, int code, const char *kind, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (p->json) {
		cJSON *o = cJSON_CreateObject();
		char *text = NULL;

		if (o && cJSON_AddStringToObject(o, "error", kind) &&
		    cJSON_AddStringToObject(o, "message", msg ? msg : fmt) &&
		    cJSON_AddNullToObject(o, "details"))
			text = p->pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (text)
			printf("%s\n", text);
		else
			fprintf(stderr, "plugctl: %s\n", msg ? msg : fmt);
		free(text);
	} else {
		fprintf(stderr, "plugctl: %s\n", msg ? msg : fmt);
	}
	free(msg);
	return code;
}

int plugctl_fail(struct plugctl *p, int code, const char *kind, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(p, code, kind, fmt, ap);
	va_end(ap);
	return ret;
}

int plugctl_usage(struct plugctl *p, const struct plugctl_cmd *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd)
		return plugctl_fail(p, PLUGCTL_USAGE, "usage", "%s: %s (see plugctl %s --help)",
				    cmd->name, msg, cmd->name);
	return plugctl_fail(p, PLUGCTL_USAGE, "usage", "%s (see plugctl --help)", msg);
}

/* A command's option, and where its argument goes (NULL: handled in plugctl_parse). */
struct cmd_option {
	unsigned int flag; /* 0: every command has it */
	struct option opt;
	bool stores; /* its argument goes to struct plugctl_args at: */
	size_t arg_offset;
};

#define ARG_AT(field) true, offsetof(struct plugctl_args, field)

static const struct cmd_option cmd_options[] = {
	{0, {"json", no_argument, NULL, 'j'}, false, 0},
	{0, {"pretty", no_argument, NULL, 'p'}, false, 0},
	{0, {"socket", required_argument, NULL, 's'}, false, 0},
	{0, {"help", no_argument, NULL, 'h'}, false, 0},
	{PLUGCTL_OPT_YES, {"yes", no_argument, NULL, 'y'}, false, 0},
	{PLUGCTL_OPT_NETNS, {"netns", required_argument, NULL, 'N'}, ARG_AT(netns)},
	{PLUGCTL_OPT_POD, {"pod", required_argument, NULL, 'P'}, ARG_AT(pod)},
	{PLUGCTL_OPT_REASON, {"reason", required_argument, NULL, 'r'}, ARG_AT(reason)},
	{PLUGCTL_OPT_OWNER, {"owner", required_argument, NULL, 'O'}, ARG_AT(owner)},
	{PLUGCTL_OPT_SINCE, {"since", required_argument, NULL, 'S'}, ARG_AT(since)},
};

#define N_CMD_OPTIONS (sizeof(cmd_options) / sizeof(cmd_options[0]))

/* Store the argument of option `c` if it is one of struct plugctl_args; false if not. */
static bool store_arg(struct plugctl_args *a, int c)
{
	for (size_t i = 0; i < N_CMD_OPTIONS; i++)
		if (cmd_options[i].opt.val == c && cmd_options[i].stores) {
			*(const char **)((char *)a + cmd_options[i].arg_offset) = optarg;
			return true;
		}
	return false;
}

int plugctl_parse(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv,
		  unsigned int allowed, int min_pos, int max_pos, struct plugctl_args *a)
{
	struct option opts[N_CMD_OPTIONS + 1] = {};
	char shorts[16] = ":jps:h";
	size_t n = 0;
	int c;

	*a = (struct plugctl_args){};
	for (size_t i = 0; i < N_CMD_OPTIONS; i++)
		if (!cmd_options[i].flag || (cmd_options[i].flag & allowed))
			opts[n++] = cmd_options[i].opt;
	if (allowed & PLUGCTL_OPT_REASON)
		strcat(shorts, "r:");
	if (allowed & PLUGCTL_OPT_YES)
		strcat(shorts, "y");
	optind = 0; /* glibc: start afresh, argv[0] is the command */
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (store_arg(a, c))
			continue;
		switch (c) {
		case 'j':
			p->json = true;
			break;
		case 'p':
			p->json = p->pretty = true;
			break;
		case 's':
			p->socket = optarg;
			break;
		case 'y':
			p->yes = true;
			break;
		case 'h':
			plugctl_help(cmd, stdout);
			return PLUGCTL_OK;
		case ':':
			return plugctl_usage(p, cmd, "option '%s' needs an argument",
					     argv[optind - 1]);
		default:
			if (optopt)
				return plugctl_usage(p, cmd, "unknown option '-%c'", optopt);
			return plugctl_usage(p, cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (a->netns && a->pod)
		return plugctl_usage(p, cmd, "--netns and --pod exclude each other");
	if (a->npos < min_pos)
		return plugctl_usage(p, cmd, "missing argument: plugctl %s %s", cmd->name,
				     cmd->synopsis);
	if (a->npos > max_pos)
		return plugctl_usage(p, cmd, "unexpected argument '%s'", a->pos[max_pos]);
	return PLUGCTL_CONTINUE;
}

/* A transport failure, said so that the operator knows what to do. */
static int unreachable(struct plugctl *p, const char *what, int ret, const char *err)
{
	uid_t uid = geteuid();

	switch (ret) {
	case -ENOENT:
		return plugctl_fail(p, PLUGCTL_UNREACHABLE, "unreachable",
				    "%s: the admin socket '%s' does not exist: plugnetd may not be "
				    "running (another socket: --socket or PLUGNET_ADMIN_SOCKET)",
				    what, p->socket);
	case -ECONNREFUSED:
		return plugctl_fail(p, PLUGCTL_UNREACHABLE, "unreachable",
				    "%s: nobody listens on the admin socket '%s': plugnetd may not "
				    "be running",
				    what, p->socket);
	case -EACCES:
		if (uid)
			return plugctl_fail(
				p, PLUGCTL_UNREACHABLE, "not-root",
				"%s: permission denied on the admin socket '%s': plugctl "
				"must run as root (it runs as uid %u)",
				what, p->socket, (unsigned int)uid);
		return plugctl_fail(p, PLUGCTL_UNREACHABLE, "unreachable",
				    "%s: permission denied on the admin socket '%s'", what,
				    p->socket);
	default:
		return plugctl_fail(p, PLUGCTL_UNREACHABLE, "unreachable",
				    "%s: cannot reach plugnetd: %s", what, err);
	}
}

int plugctl_call(struct plugctl *p, const char *what, const char *method, const char *path,
		 const cJSON *body, long ok_status, cJSON **out)
{
	char err[1024];
	struct pn_reply r;
	int ret;

	*out = NULL;
	if (!p->client) {
		p->client = pn_client__new(p->socket, PLUGCTL_TIMEOUT_MS);
		if (!p->client)
			return plugctl_fail(p, PLUGCTL_ERROR, "internal",
					    "%s: cannot make a client of '%s': %s", what, p->socket,
					    strerror(errno));
	}
	ret = pn_client__request(p->client, method, path, body, &r, err, sizeof(err));
	if (ret)
		return unreachable(p, what, ret, err);
	if ((r.status / 100 == 2 || r.status == ok_status) && r.json) {
		*out = r.json;
		r.json = NULL;
		pn_reply__free(&r);
		return PLUGCTL_OK;
	}
	if (r.status / 100 == 2 || r.status == ok_status) {
		ret = plugctl_fail(p, PLUGCTL_ERROR, "bad-answer",
				   "%s: %s %s: plugnetd answered %ld with no JSON", what, method,
				   path, r.status);
	} else if (p->json && cJSON_IsObject(r.json)) {
		/* the API's error object, as it came */
		char *text = p->pretty ? cJSON_Print(r.json) : cJSON_PrintUnformatted(r.json);

		if (text)
			printf("%s\n", text);
		else
			fprintf(stderr, "plugctl: %s: %s\n", what, pn_reply__message(&r));
		free(text);
		ret = PLUGCTL_ERROR;
	} else {
		ret = plugctl_fail(
			p, PLUGCTL_ERROR,
			pn_reply__error_kind(&r)[0] ? pn_reply__error_kind(&r) : "refused",
			"%s: plugnetd refused (%ld): %s", what, r.status, pn_reply__message(&r));
	}
	pn_reply__free(&r);
	return ret;
}

int plugctl_get_array(struct plugctl *p, const char *what, const char *path, cJSON **out)
{
	int ret = plugctl_call(p, what, "GET", path, NULL, 0, out);

	if (!ret && !cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return plugctl_fail(p, PLUGCTL_ERROR, "bad-answer",
				    "%s: GET %s: plugnetd's answer is not a JSON array", what,
				    path);
	}
	return ret;
}

int plugctl_confirm(struct plugctl *p, const char *fmt, ...)
{
	char question[1024], answer[16] = "";
	va_list ap;

	if (p->yes || !isatty(STDIN_FILENO))
		return PLUGCTL_OK;
	va_start(ap, fmt);
	vsnprintf(question, sizeof(question), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin)) {
		answer[strcspn(answer, "\r\n")] = '\0';
		if (!strcasecmp(answer, "y") || !strcasecmp(answer, "yes"))
			return PLUGCTL_OK;
	}
	return plugctl_fail(p, PLUGCTL_ABORTED, "aborted", "aborted: nothing was changed");
}

int plugctl_print_json(struct plugctl *p, const cJSON *json)
{
	char *text = p->pretty ? cJSON_Print(json) : cJSON_PrintUnformatted(json);

	if (!text)
		return plugctl_fail(p, PLUGCTL_ERROR, "internal",
				    "cannot print JSON: out of memory");
	printf("%s\n", text);
	free(text);
	if (fflush(stdout) || ferror(stdout))
		return plugctl_fail(p, PLUGCTL_ERROR, "output", "cannot write the output: %s",
				    strerror(errno));
	return PLUGCTL_OK;
}

int plugctl_output(struct plugctl *p, const char *what, plugctl_render_fn render, const cJSON *json)
{
	char err[512] = "";
	int ret;

	if (p->json)
		return plugctl_print_json(p, json);
	ret = render(stdout, json, err, sizeof(err));
	if (!ret && fflush(stdout))
		ret = -EIO;
	if (ret)
		return plugctl_fail(p, PLUGCTL_ERROR, "output", "%s: %s", what,
				    err[0] ? err : strerror(-ret));
	return PLUGCTL_OK;
}

int plugctl_netns_of(struct plugctl *p, const char *path, char *out, size_t size)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) || statfs(path, &sfs))
		return plugctl_fail(p, PLUGCTL_ERROR, "bad-netns", "netns '%s': %s", path,
				    strerror(errno));
	if (sfs.f_type != NSFS_MAGIC)
		return plugctl_fail(p, PLUGCTL_ERROR, "bad-netns",
				    "netns '%s': not a network namespace file", path);
	snprintf(out, size, "%llu", (unsigned long long)st.st_ino);
	return PLUGCTL_OK;
}

void plugctl_cleanup(struct plugctl *p)
{
	pn_client__free(p->client);
	p->client = NULL;
}
