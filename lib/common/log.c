// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plugnet/log.h"

/* Atomic: worker threads read it while the main thread may set it. */
static enum pn_log_level log_level = PN_LOG_INFO;

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

enum pn_log_level pn_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void pn_logv(enum pn_log_level level, const char *fmt, va_list ap)
{
	char line[4096];
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
	fputs(line, stderr);
}

void pn_log(enum pn_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pn_logv(level, fmt, ap);
	va_end(ap);
}
