/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Times for plugctl audit --since: RFC 3339 ("2026-11-30T23:09:16Z",
 * fractions and a +hh:mm offset allowed) or a duration before now ("90s",
 * "10m", "2h", "1d"). Pure: `now` is given.
 */
#ifndef PLUGCTL_SINCE_H
#define PLUGCTL_SINCE_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

/* An RFC 3339 time, or plain seconds since the epoch. 0 or -EINVAL. */
int pn_since_parse_time(const char *s, time_t *out);

/* --since's argument: a time or a duration before now. 0 or -EINVAL (err says why). */
int pn_since_parse(const char *s, time_t now, time_t *out, char *err, size_t err_size);

/*
 * The entries of GET /v1/audit whose "time" is at or after `since`, as a
 * new array (NULL: out of memory). An entry whose time cannot be read is
 * kept: an audit view never hides what it cannot date.
 */
cJSON *pn_since_filter(const cJSON *entries, time_t since);

#endif
