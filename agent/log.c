// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "agent/log.h"

static enum pn_log_level log_level = PN_LOG_INFO;

static const char *const level_names[] = {
	[PN_LOG_ERROR] = "error",
	[PN_LOG_WARN] = "warning",
	[PN_LOG_INFO] = "info",
	[PN_LOG_DEBUG] = "debug",
};

/*
 * libbpf warns about every failed load and feature probe on its own; plugnet
 * reports those failures itself with the object named (and the verifier
 * log's tail), so libbpf's text only shows in debug mode.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (log_level < PN_LOG_DEBUG)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void pn_log_set_level(enum pn_log_level level)
{
	log_level = level;
	libbpf_set_print(libbpf_print);
}

enum pn_log_level pn_log_get_level(void)
{
	return log_level;
}

void pn_log(enum pn_log_level level, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	/* One write per message: the retire thread logs too. */
	n = snprintf(line, sizeof(line), "%s: ", level_names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	fputs(line, stderr);
}
