/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging to stderr. Messages name the object they are about; the caller
 * formats that, this module only filters by level and routes libbpf's own
 * output through the same filter.
 */
#ifndef PLUGNET_AGENT_LOG_H
#define PLUGNET_AGENT_LOG_H

enum pn_log_level {
	PN_LOG_ERROR,
	PN_LOG_WARN,
	PN_LOG_INFO,
	PN_LOG_DEBUG,
};

/* Also takes over libbpf's print callback, so call it once at start-up. */
void pn_log_set_level(enum pn_log_level level);
enum pn_log_level pn_log_get_level(void);
void pn_log(enum pn_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pn_log_error(...) pn_log(PN_LOG_ERROR, __VA_ARGS__)
#define pn_log_warn(...)  pn_log(PN_LOG_WARN, __VA_ARGS__)
#define pn_log_info(...)  pn_log(PN_LOG_INFO, __VA_ARGS__)
#define pn_log_debug(...) pn_log(PN_LOG_DEBUG, __VA_ARGS__)

#endif
