/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library's messages: through the caller's print callback
 * (pn_set_print), and the calling thread's error message (pn_last_error).
 */
#ifndef PLUGNET_LIB_PRINT_H
#define PLUGNET_LIB_PRINT_H

#include "plugnet/engine.h"

void pn_pr(enum pn_print_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...)  pn_pr(PN_PRINT_WARN, __VA_ARGS__)
#define pr_info(...)  pn_pr(PN_PRINT_INFO, __VA_ARGS__)
#define pr_debug(...) pn_pr(PN_PRINT_DEBUG, __VA_ARGS__)

/*
 * Record the message of a failing call as this thread's last error, log it
 * at debug level, and return err, so that `return pn_fail(err, ...)` ends
 * a call.
 */
int pn_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clear this thread's last error: a public call starts with it. */
void pn_error_clear(void);

#endif
