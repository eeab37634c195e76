// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "since.h"

int pn_since_parse_time(const char *s, time_t *out)
{
	struct tm tm = {};
	const char *p;
	long offset = 0;
	time_t t;

	if (*s && strspn(s, "0123456789") == strlen(s)) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || *end)
			return -EINVAL;
		*out = (time_t)v;
		return 0;
	}
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		p = strptime(s, "%Y-%m-%dt%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') /* fractions of a second do not matter here */
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
		   isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
		   isdigit((unsigned char)p[5])) {
		offset = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
			 ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			offset = -offset;
		p += 6;
	} else {
		return -EINVAL; /* RFC 3339 always names the offset */
	}
	if (*p)
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = t - offset;
	return 0;
}

int pn_since_parse(const char *s, time_t now, time_t *out, char *err, size_t err_size)
{
	char *end;
	long long n;
	long unit;

	if (!pn_since_parse_time(s, out))
		return 0;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!errno && end != s && isdigit((unsigned char)s[0]) && end[0] && !end[1]) {
		switch (end[0]) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		default:
			unit = 0;
			break;
		}
		if (unit && n <= LLONG_MAX / unit) {
			*out = now - (time_t)(n * unit);
			return 0;
		}
	}
	snprintf(err, err_size,
		 "--since '%s': neither an RFC 3339 time (2026-11-30T23:09:16Z) nor a duration "
		 "(90s, 10m, 2h, 1d)",
		 s);
	return -EINVAL;
}

cJSON *pn_since_filter(const cJSON *entries, time_t since)
{
	cJSON *kept = cJSON_CreateArray();
	const cJSON *e;

	cJSON_ArrayForEach(e, entries)
	{
		const cJSON *when = cJSON_GetObjectItemCaseSensitive(e, "time");
		time_t t;
		cJSON *copy;

		if (cJSON_IsString(when) && !pn_since_parse_time(when->valuestring, &t) &&
		    t < since)
			continue;
		copy = cJSON_Duplicate(e, true);
		if (!copy || !cJSON_AddItemToArray(kept, copy)) {
			cJSON_Delete(copy);
			cJSON_Delete(kept);
			return NULL;
		}
	}
	return kept;
}
