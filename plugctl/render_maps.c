// SPDX-License-Identifier: Apache-2.0
/*
 * plugctl maps: the maps of a slot's program (GET /v1/slots/<id>/maps) as
 * one table a map. A key or value that is an object gives one column per
 * member (upper-cased), anything else one KEY or VALUE column; nested
 * objects and arrays print as compact JSON in their cell. A per-CPU value
 * prints summed over the CPUs, as an operator reading counters wants it:
 * integers exactly (past 2^53 too), at any depth of structs and arrays;
 * what is no number (an enum's name, a string) as CPU 0 has it. -j keeps
 * each CPU's.
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
	if (cJSON_IsRaw(v)) /* an integer past 15 digits, as plugnetd wrote it */
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble, back = 0;

		/* Range first: converting a double past what long long holds is undefined. */
		if (d > -1e15 && d < 1e15 && d == (double)(long long)d) {
			snprintf(buf, size, "%lld", (long long)d);
			return buf;
		}
		/* As cJSON prints it: 15 digits when they read back the same, else 17. */
		snprintf(buf, size, "%.15g", d);
		if (sscanf(buf, "%lg", &back) != 1 || back != d)
			snprintf(buf, size, "%.17g", d);
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

/* An integer: a number without a fraction, or a raw item of at most 20 digits. */
static bool int_value(const cJSON *v, __int128 *out)
{
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (!(d > -9e18 && d < 9e18) || d != (double)(long long)d)
			return false;
		*out = (long long)d;
		return true;
	}
	if (cJSON_IsRaw(v) && v->valuestring) {
		const char *s = v->valuestring + (v->valuestring[0] == '-');
		size_t n = strlen(s);
		__int128 x = 0;

		if (!n || n > 20 || strspn(s, "0123456789") != n)
			return false;
		for (; *s; s++)
			x = x * 10 + (*s - '0');
		*out = v->valuestring[0] == '-' ? -x : x;
		return true;
	}
	return false;
}

/* An integer as plugnetd writes it: a number up to 15 digits, else raw digits. */
static cJSON *int_json(__int128 x)
{
	unsigned __int128 u = x < 0 ? -(unsigned __int128)x : (unsigned __int128)x;
	char digits[48], *p = digits + sizeof(digits) - 1;

	if (x > -1000000000000000LL && x < 1000000000000000LL)
		return cJSON_CreateNumber((double)x);
	*p = '\0';
	do {
		*--p = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (x < 0)
		*--p = '-';
	return cJSON_CreateRaw(p);
}

/*
 * a + b, a new item: integers exactly (past 2^53 too), other numbers as
 * doubles, objects member by member and arrays element by element at any
 * depth; anything else (an enum's name, a string, a bool) as `a` has it.
 * NULL when out of memory.
 */
static cJSON *summed(const cJSON *a, const cJSON *b)
{
	const cJSON *m;
	__int128 x, y;
	cJSON *o;
	int i = 0;

	if (int_value(a, &x) && int_value(b, &y))
		return int_json(x + y);
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return cJSON_CreateNumber(a->valuedouble + b->valuedouble);
	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		o = cJSON_CreateObject();
		cJSON_ArrayForEach(m, a)
		{
			const cJSON *add = cJSON_GetObjectItemCaseSensitive(b, m->string);
			cJSON *s = add ? summed(m, add) : cJSON_Duplicate(m, true);

			if (!o || !s || !cJSON_AddItemToObject(o, m->string, s)) {
				cJSON_Delete(s);
				cJSON_Delete(o);
				return NULL;
			}
		}
		return o;
	}
	if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
		o = cJSON_CreateArray();
		cJSON_ArrayForEach(m, a)
		{
			const cJSON *add = cJSON_GetArrayItem(b, i++);
			cJSON *s = add ? summed(m, add) : cJSON_Duplicate(m, true);

			if (!o || !s || !cJSON_AddItemToArray(o, s)) {
				cJSON_Delete(s);
				cJSON_Delete(o);
				return NULL;
			}
		}
		return o;
	}
	return cJSON_Duplicate(a, true);
}

/*
 * The value of `e` for the table, a new item (NULL: none, or out of
 * memory): per-CPU values summed over the CPUs.
 */
static cJSON *table_value(const cJSON *e, bool per_cpu)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(e, "values"), *one;
	cJSON *sum = NULL;

	if (!per_cpu)
		return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "value"), true);
	cJSON_ArrayForEach(one, values)
	{
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(one, "value");
		cJSON *next = sum ? summed(sum, v) : cJSON_Duplicate(v, true);

		cJSON_Delete(sum);
		sum = next;
		if (!sum)
			break;
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

/* The one column of a key or value that is not an object: told apart by address. */
static const char key_column[] = "key";
static const char value_column[] = "value";

static int render_entries(FILE *out, const cJSON *entries, bool per_cpu)
{
	const char *names[MAX_COLUMNS], *headers[MAX_COLUMNS];
	char upper[MAX_COLUMNS][64];
	const cJSON *first = entries->child, *e;
	/* The value columns' names are its members': it lives as long as the table. */
	cJSON *first_value = table_value(first, per_cpu);
	size_t nk = side_columns(cJSON_GetObjectItemCaseSensitive(first, "key"), key_column, names,
				 MAX_COLUMNS);
	size_t nv = side_columns(first_value, value_column, names + nk, MAX_COLUMNS - nk);
	struct pn_table *t;
	int ret = 0;

	for (size_t i = 0; i < nk + nv; i++) {
		/* A field in both key and value (an ifindex, say) is told apart by its side. */
		bool twice = false;
		size_t j;

		for (j = i < nk ? nk : 0; j < (i < nk ? nk + nv : nk) && !twice; j++)
			twice = !strcmp(names[i], names[j]);
		snprintf(upper[i], sizeof(upper[i]), "%s%s%s",
			 twice ? (i < nk ? key_column : value_column) : "", twice ? "." : "",
			 names[i]);
		for (j = 0; upper[i][j]; j++)
			upper[i][j] = toupper((unsigned char)upper[i][j]);
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
					     nk, key_column);
		if (!ret)
			ret = add_side_cells(t, value, names + nk, nv, value_column);
		cJSON_Delete(value);
		if (ret)
			break;
	}
	if (!ret)
		ret = pn_table__print(t, out);
	pn_table__free(t);
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
	if (str(map, "error"))
		fprintf(out, "(the kernel stopped the walk early: %s)\n", str(map, "error"));
	if (!entries->child) {
		fprintf(out, "%s\n",
			total > 0 ? "(none shown: the answer's size limit was reached)"
				  : "(empty)");
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
