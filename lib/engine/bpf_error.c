// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf_error.h"

int pn_bpf_error(int ret, char *why, size_t size)
{
	if (libbpf_strerror(ret, why, size))
		snprintf(why, size, "error %d", -ret);
	return ret <= -__LIBBPF_ERRNO__START ? -EINVAL : ret;
}

const char *pn_strerror(int err)
{
	/* The kernel's internal ENOTSUPP leaks out of BPF trampolines where the arch has none. */
	if (err == -524)
		return "not supported by this kernel on this architecture (ENOTSUPP)";
	return strerror(-err);
}

void pn_verifier_log_tail(const char *log, char *out, size_t size)
{
	size_t len = strlen(log);
	const char *start;
	size_t o = 0;

	while (len && (log[len - 1] == '\n' || log[len - 1] == ' '))
		len--;
	start = len > PN_VERIFIER_TAIL ? log + len - PN_VERIFIER_TAIL : log;
	if (start != log) {
		const char *nl = memchr(start, '\n', (size_t)(log + len - start));

		if (nl)
			start = nl + 1;
	}
	for (const char *c = start; c < log + len && o + 4 < size; c++) {
		if (*c == '\n') {
			memcpy(out + o, " | ", 3);
			o += 3;
		} else {
			out[o++] = *c;
		}
	}
	out[o] = '\0';
}
