// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "plugnet/xdp_action.h"

static const char *const action_names[] = {"aborted", "drop", "pass", "tx", "redirect"};
#define N_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *pn_xdp_action_name(__u32 action)
{
	return action < N_ACTIONS ? action_names[action] : NULL;
}

static int action_parse(const char *word, size_t len, __u32 *action)
{
	for (__u32 a = 0; a < N_ACTIONS; a++) {
		if (strlen(action_names[a]) == len && !strncasecmp(word, action_names[a], len)) {
			*action = a;
			return 0;
		}
	}
	if (len == 1 && word[0] >= '0' && word[0] < (char)('0' + N_ACTIONS)) {
		*action = (__u32)(word[0] - '0');
		return 0;
	}
	return -EINVAL;
}

int pn_proceed_on_parse(const char *text, __u32 *mask)
{
	__u32 m = 0, action;
	const char *p = text;

	if (!text || !*text)
		return -EINVAL;
	for (;;) {
		size_t len = strcspn(p, ",");

		while (len && p[0] == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (!len || action_parse(p, len, &action))
			return -EINVAL;
		m |= 1U << action;
		p += strcspn(p, ",");
		if (!*p)
			break;
		p++;
	}
	*mask = m;
	return 0;
}

int pn_proceed_on_format(__u32 mask, char *buf, size_t size)
{
	char all[sizeof("aborted,drop,pass,tx,redirect")] = "";

	for (__u32 a = 0; a < N_ACTIONS; a++) {
		if (!(mask & (1U << a)))
			continue;
		if (all[0])
			strcat(all, ",");
		strcat(all, action_names[a]);
	}
	return snprintf(buf, size, "%s", all);
}
