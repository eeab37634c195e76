/* SPDX-License-Identifier: Apache-2.0 */
/* Turning libbpf and verifier failures into errnos and one-line messages. */
#ifndef PLUGNET_LIB_BPF_ERROR_H
#define PLUGNET_LIB_BPF_ERROR_H

#include <stddef.h>

/* How much of a verifier log's end goes into a message. */
#define PN_VERIFIER_TAIL 900

/*
 * Describe a negative error from libbpf in `why`. libbpf reports some
 * failures with its own codes (LIBBPF_ERRNO__*, from 4000 up), which are
 * not errnos: those come back as -EINVAL, others unchanged.
 */
int pn_bpf_error(int err, char *why, size_t size);

/* strerror(-err), also for the kernel-internal codes that BPF calls return (524, ENOTSUPP). */
const char *pn_strerror(int err);

/* The last lines of a verifier log, joined with " | ", at most PN_VERIFIER_TAIL bytes. */
void pn_verifier_log_tail(const char *log, char *out, size_t size);

#endif
