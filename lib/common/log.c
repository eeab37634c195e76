// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plugnet/log.h"

/* Atomic: worker threads read it while the main thread may set it. */
static enum pn_log_level log_level = PN_LOG_INFO;
static FILE *log_stream; /* NULL: stderr */

static const char *const level_names[] = {
	[PN_LOG_ERROR] = "error",
	[PN_LOG_WARN] = "warning",
	[PN_LOG_INFO] = "info",
	[PN_LOG_DEBUG] = "debug",
};

void pn_log_set_level(enum pn_log_level level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

void pn_log_set_stream(FILE *stream)
{
	__atomic_store_n(&log_stream, stream, __ATOMIC_RELEASE);
}

int pn_log_level_parse(const char *name, enum pn_log_level *level)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(name, level_names[i]) || (i == PN_LOG_WARN && !strcmp(name, "warn"))) {
			*level = (enum pn_log_level)i;
			return 0;
		}
	return -1;
}

enum pn_log_level pn_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void pn_logv(enum pn_log_level level, const char *fmt, va_list ap)
{
	char line[4096];
	FILE *stream;
	int n;
	size_t len;

	if (level > pn_log_get_level())
		return;
	if ((unsigned int)level > PN_LOG_DEBUG)
		level = PN_LOG_DEBUG;
	n = snprintf(line, sizeof(line), "%s: ", level_names[level]);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	/* Callers may or may not end with a newline (libbpf's messages do): one either way. */
	len = strlen(line);
	if (!len || line[len - 1] != '\n')
		strcat(line, "\n");
	stream = __atomic_load_n(&log_stream, __ATOMIC_ACQUIRE);
	fputs(line, stream ? stream : stderr);
	if (stream)
		fflush(stream);
}

void pn_log(enum pn_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pn_logv(level, fmt, ap);
	va_end(ap);
}
