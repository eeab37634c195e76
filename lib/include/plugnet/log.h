/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging to stderr for plugnet's programs. Messages name the object they
 * are about; the caller formats that, this module only filters by level
 * and writes each message whole, so that lines from several threads never
 * interleave. libplugnet-common: no libbpf here.
 */
#ifndef PLUGNET_LOG_H
#define PLUGNET_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum pn_log_level {
	PN_LOG_ERROR,
	PN_LOG_WARN,
	PN_LOG_INFO,
	PN_LOG_DEBUG,
};

void pn_log_set_level(enum pn_log_level level);
/* "error", "warning" (or "warn"), "info", "debug"; -1 for anything else. */
int pn_log_level_parse(const char *name, enum pn_log_level *level);
/* Where messages go from now on: a stream the caller keeps open, or NULL for stderr. */
void pn_log_set_stream(FILE *stream);
enum pn_log_level pn_log_get_level(void);
void pn_log(enum pn_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pn_logv(enum pn_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define pn_log_error(...) pn_log(PN_LOG_ERROR, __VA_ARGS__)
#define pn_log_warn(...)  pn_log(PN_LOG_WARN, __VA_ARGS__)
#define pn_log_info(...)  pn_log(PN_LOG_INFO, __VA_ARGS__)
#define pn_log_debug(...) pn_log(PN_LOG_DEBUG, __VA_ARGS__)

#endif
