// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "print.h"

#define ERR_SIZE 2048

static int default_print(enum pn_print_level level, const char *fmt, va_list ap)
{
	if (level == PN_PRINT_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Read by every thread: atomic, so that pn_set_print() needs no lock. */
static pn_print_fn_t print_fn = default_print;

/* Each thread's own message: concurrent calls never overwrite each other's. */
static __thread char last_error[ERR_SIZE];

/*
 * libbpf warns about every failed load and feature probe on its own; the
 * engine reports those failures itself, with the object named, so libbpf's
 * text goes to the callback at debug level only.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	pn_print_fn_t fn = __atomic_load_n(&print_fn, __ATOMIC_ACQUIRE);

	(void)level;
	return fn ? fn(PN_PRINT_DEBUG, fmt, ap) : 0;
}

pn_print_fn_t pn_set_print(pn_print_fn_t fn)
{
	libbpf_set_print(libbpf_print);
	return __atomic_exchange_n(&print_fn, fn, __ATOMIC_ACQ_REL);
}

__attribute__((format(printf, 3, 4))) static void
call_print(pn_print_fn_t fn, enum pn_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

static void vprint(enum pn_print_level level, const char *fmt, va_list ap)
{
	pn_print_fn_t fn = __atomic_load_n(&print_fn, __ATOMIC_ACQUIRE);
	char line[ERR_SIZE];

	if (!fn)
		return;
	/* Formatted first: one callback per message, as libbpf's callbacks get them. */
	vsnprintf(line, sizeof(line), fmt, ap);
	call_print(fn, level, "libplugnet: %s\n", line);
}

void pn_pr(enum pn_print_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(level, fmt, ap);
	va_end(ap);
}

int pn_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	pr_debug("%s", last_error);
	return err;
}

void pn_error_clear(void)
{
	last_error[0] = '\0';
}

const char *pn_last_error(void)
{
	return last_error;
}
