// SPDX-License-Identifier: Apache-2.0
/*
 * plugctl maps: the maps of a slot's program (GET /v1/slots/<id>/maps) as
 * one table a map. A key or value that is an object gives one column per
 * member (upper-cased), anything else one KEY or VALUE column; nested
 * objects and arrays print as compact JSON in their cell. A per-CPU value
 * prints summed over the CPUs, as an operator reading counters wants it;
 * -j keeps each CPU's.
 */
#include <errno.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "table.h"

#define MAX_COLUMNS 32

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double number(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* One cell's text; *to_free is set when it was allocated. */
static const char *cell_text(const cJSON *v, char *buf, size_t size, char **to_free)
{
	*to_free = NULL;
	if (!v || cJSON_IsNull(v))
		return "-";
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsRaw(v)) /* an integer past 2^53, digits as plugnetd wrote them */
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble == (double)(long long)v->valuedouble)
			snprintf(buf, size, "%lld", (long long)v->valuedouble);
		else
			snprintf(buf, size, "%g", v->valuedouble);
		return buf;
	}
	*to_free = cJSON_PrintUnformatted(v);
	return *to_free ? *to_free : "?";
}

/* The columns one side (key or value) gives: its members' names, or just `whole`. */
static size_t side_columns(const cJSON *sample, const char *whole, const char **names, size_t room)
{
	const cJSON *m;
	size_t n = 0;

	if (!cJSON_IsObject(sample) || !sample->child) {
		if (room)
			names[n++] = whole;
		return n;
	}
	cJSON_ArrayForEach(m, sample)
	{
		if (n < room)
			names[n++] = m->string;
	}
	return n;
}

/* The value of `e` for the table: per-CPU values summed member by member. */
static cJSON *table_value(const cJSON *e, bool per_cpu)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(e, "values"), *one;
	cJSON *sum = NULL;

	if (!per_cpu)
		return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "value"), true);
	cJSON_ArrayForEach(one, values)
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(one, "value");

		if (!sum) {
			sum = cJSON_Duplicate(v, true);
			continue;
		}
		if (cJSON_IsNumber(v) && cJSON_IsNumber(sum)) {
			cJSON_SetNumberValue(sum, sum->valuedouble + v->valuedouble);
		} else if (cJSON_IsObject(v) && cJSON_IsObject(sum)) {
			cJSON *acc;

			cJSON_ArrayForEach(acc, sum)
			{
				const cJSON *add = cJSON_GetObjectItemCaseSensitive(v, acc->string);

				if (cJSON_IsNumber(acc) && cJSON_IsNumber(add))
					cJSON_SetNumberValue(acc,
							     acc->valuedouble + add->valuedouble);
			}
		}
	}
	return sum;
}

static int add_side_cells(struct pn_table *t, const cJSON *side, const char *const *names, size_t n,
			  const char *whole)
{
	char buf[64], *to_free;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		const cJSON *v =
			names[i] == whole ? side : cJSON_GetObjectItemCaseSensitive(side, names[i]);
		const char *text = cell_text(v, buf, sizeof(buf), &to_free);

		ret = pn_table__cell(t, "%s", text);
		free(to_free);
	}
	return ret;
}

static int render_entries(FILE *out, const cJSON *entries, bool per_cpu)
{
	const char *names[MAX_COLUMNS], *headers[MAX_COLUMNS];
	char upper[MAX_COLUMNS][64];
	const cJSON *first = entries->child, *e;
	cJSON *first_value = table_value(first, per_cpu);
	size_t nk = side_columns(cJSON_GetObjectItemCaseSensitive(first, "key"), "key", names,
				 MAX_COLUMNS);
	size_t nv = side_columns(first_value, "value", names + nk, MAX_COLUMNS - nk);
	struct pn_table *t;
	int ret = 0;

	for (size_t i = 0; i < nk + nv; i++) {
		size_t j;

		for (j = 0; names[i][j] && j < sizeof(upper[i]) - 1; j++)
			upper[i][j] = toupper((unsigned char)names[i][j]);
		upper[i][j] = '\0';
		headers[i] = upper[i];
	}
	t = pn_table__new(headers, nk + nv);
	if (!t) {
		cJSON_Delete(first_value);
		return -ENOMEM;
	}
	cJSON_ArrayForEach(e, entries)
	{
		cJSON *value = table_value(e, per_cpu);

		ret = pn_table__row(t);
		if (!ret)
			ret = add_side_cells(t, cJSON_GetObjectItemCaseSensitive(e, "key"), names,
					     nk, "key");
		if (!ret)
			ret = add_side_cells(t, value, names + nk, nv, "value");
		cJSON_Delete(value);
		if (ret)
			break;
	}
	if (!ret)
		ret = pn_table__print(t, out);
	pn_table__free(t);
	/* The value's column names point into it: freed only now. */
	cJSON_Delete(first_value);
	return ret;
}

static int render_map(FILE *out, const cJSON *map)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(map, "entries");
	const cJSON *per_cpu = cJSON_GetObjectItemCaseSensitive(map, "per_cpu");
	bool is_per_cpu = cJSON_IsTrue(per_cpu);
	double total = number(map, "entries_total"), max = number(map, "max_entries");

	fprintf(out, "map %.0f %s: %s", number(map, "id"), str(map, "name") ?: "?",
		str(map, "type") ?: "?");
	if (str(map, "key_type"))
		fprintf(out, ", key %s", str(map, "key_type"));
	if (str(map, "value_type"))
		fprintf(out, ", value %s", str(map, "value_type"));
	if (!cJSON_IsArray(entries)) {
		fprintf(out, "\n(its entries cannot be read by key)\n");
		return ferror(out) ? -EIO : 0;
	}
	fprintf(out, ", %.0f of %.0f entries", total, max);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(map, "truncated")))
		fprintf(out, ", first %d shown", cJSON_GetArraySize(entries));
	if (is_per_cpu)
		fprintf(out, ", per-CPU values summed");
	fputc('\n', out);
	if (!entries->child) {
		fprintf(out, "(empty)\n");
		return ferror(out) ? -EIO : 0;
	}
	return render_entries(out, entries, is_per_cpu);
}

int pn_render_maps(FILE *out, const cJSON *reply, char *err, size_t err_size)
{
	const cJSON *maps = cJSON_GetObjectItemCaseSensitive(reply, "maps"), *m;
	int ret = 0;

	if (!cJSON_IsObject(reply) || !cJSON_IsArray(maps) || !str(reply, "id")) {
		snprintf(err, err_size,
			 "unexpected answer from plugnetd: not a slot with an id and maps");
		return -EINVAL;
	}
	fprintf(out, "slot %s: program %s (prog %.0f) on %s, owner %s\n", str(reply, "id"),
		str(reply, "program") ?: "?", number(reply, "prog_id"), str(reply, "target") ?: "?",
		str(reply, "owner") ?: str(reply, "container_id") ?: "?");
	if (!maps->child)
		fprintf(out, "\nthe program has no maps\n");
	cJSON_ArrayForEach(m, maps)
	{
		fputc('\n', out);
		ret = render_map(out, m);
		if (ret)
			break;
	}
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	return ret ? ret : (ferror(out) ? -EIO : 0);
}
