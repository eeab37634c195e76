// SPDX-License-Identifier: Apache-2.0
/*
 * plugctl's pure modules: the aligned table, the renderers of every command
 * (fixed API JSON from tests/golden/plugctl/NAME.json, compared with the
 * golden output there: NAME.txt for the table, NAME.json.txt for a joined
 * JSON view), the lookups of pods, interfaces and slots, and --since.
 * Fixtures are parsed as plugctl parses plugnetd's answers (pn_json_parse:
 * integers past 15 digits kept whole).
 * PLUGCTL_GOLDEN_UPDATE=1 writes the golden files instead of comparing
 * (review the diff before committing them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugnet/client.h"
#include "render.h"
#include "resolve.h"
#include "since.h"
#include "table.h"
#include "testlib.h"

#define GOLDEN_DIR "tests/golden/plugctl/"

static char *slurp(const char *name)
{
	char path[256], *text = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	snprintf(path, sizeof(path), "%s/" GOLDEN_DIR "%s",
		 getenv("PLUGNET_ROOT") ? getenv("PLUGNET_ROOT") : ".", name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	m = open_memstream(&text, &len);
	assert_non_null(m);
	while ((c = fgetc(f)) != EOF)
		assert_int_not_equal(fputc(c, m), EOF);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(fclose(m), 0);
	return text;
}

static cJSON *fixture(const char *name)
{
	char *text = slurp(name);
	cJSON *json = pn_json_parse(text, strlen(text));

	if (!json)
		fail_msg("%s: not JSON", name);
	free(text);
	return json;
}

/* Compare `got` with the golden file `name`, or write it with PLUGCTL_GOLDEN_UPDATE=1. */
static void golden(const char *name, const char *got)
{
	char *want;

	if (getenv("PLUGCTL_GOLDEN_UPDATE")) {
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
		f = fopen(path, "we");
		assert_non_null(f);
		assert_int_equal(fputs(got, f) < 0, 0);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = slurp(name);
	if (strcmp(want, got))
		fail_msg("%s differs from the golden output:\n--- want\n%s--- got\n%s", name, want,
			 got);
	free(want);
}

typedef int (*render_fn)(FILE *out, const cJSON *json, char *err, size_t err_size);

/* Run a renderer on `json` and compare with the golden text `name`. */
static void check_render(render_fn fn, const cJSON *json, const char *name)
{
	char *text = NULL, err[256] = "";
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	if (fn(m, json, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	assert_int_equal(fclose(m), 0);
	golden(name, text);
	free(text);
}

static void check_json(const cJSON *json, const char *name)
{
	char *text = cJSON_PrintUnformatted(json), *line;

	assert_non_null(text);
	assert_int_not_equal(asprintf(&line, "%s\n", text), -1);
	golden(name, line);
	free(line);
	free(text);
}

static void test_table(void **state)
{
	static const char *const headers[] = {"A", "LONG HEADER", "C"};
	struct pn_table *t = pn_table__new(headers, 3);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	(void)state;
	assert_non_null(t);
	assert_non_null(m);
	assert_int_equal(pn_table__rows(t), 0);
	assert_int_equal(pn_table__row(t), 0);
	assert_int_equal(pn_table__cell(t, "%s", "wide cell"), 0);
	assert_int_equal(pn_table__cell(t, "%d", 7), 0);
	assert_int_equal(pn_table__cell(t, "%s", ""), 0);
	for (int i = 0; i < 20; i++) /* past the first allocation */
		assert_int_equal(pn_table__row(t), 0);
	assert_int_equal(pn_table__cell(t, "x"), 0);
	assert_int_equal(pn_table__rows(t), 21);
	assert_int_equal(pn_table__print(t, m), 0);
	assert_int_equal(fclose(m), 0);
	assert_non_null(strstr(text, "A          LONG HEADER  C\n"
				     "wide cell  7            -\n"
				     "-          -            -\n"));
	assert_non_null(strstr(text, "x          -            -\n"));
	free(text);
	/* A cell past the last column is the caller's bug, and printing says so. */
	assert_int_equal(pn_table__cell(t, "1"), 0);
	assert_int_equal(pn_table__cell(t, "2"), 0);
	assert_int_equal(pn_table__cell(t, "3"), -EINVAL);
	assert_int_equal(pn_table__print(t, stderr), -ENOMEM);
	pn_table__free(t);
}

static void test_list(void **state)
{
	cJSON *ifaces = fixture("interfaces.json"), *containers = fixture("containers.json");
	cJSON *view = pn_view_interfaces(ifaces, containers), *empty = cJSON_CreateArray();

	(void)state;
	assert_non_null(view);
	check_render(pn_render_list, view, "list.txt");
	check_json(view, "list.json.txt");
	check_render(pn_render_list, empty, "list_empty.txt");
	cJSON_Delete(empty);
	cJSON_Delete(view);
	cJSON_Delete(containers);
	cJSON_Delete(ifaces);
}

static void test_show(void **state)
{
	static const struct {
		const char *fixture, *golden, *json;
	} cases[] = {
		{"interface.json", "show.txt", "show.json.txt"},
		{"interface_empty.json", "show_empty.txt", NULL},
		{"interface_displaced.json", "show_displaced.txt", NULL},
	};
	cJSON *containers = fixture("containers.json");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *iface = fixture(cases[i].fixture);
		cJSON *view = pn_view_interface(iface, containers);

		assert_non_null(view);
		check_render(pn_render_show, view, cases[i].golden);
		if (cases[i].json)
			check_json(view, cases[i].json);
		cJSON_Delete(view);
		cJSON_Delete(iface);
	}
	cJSON_Delete(containers);
}

static void test_programs_status_audit(void **state)
{
	static const struct {
		render_fn fn;
		const char *fixture, *golden;
	} cases[] = {
		{pn_render_programs, "programs.json", "programs.txt"},
		{pn_render_status, "health.json", "status.txt"},
		{pn_render_status, "health_degraded.json", "status_degraded.txt"},
		{pn_render_audit, "audit.json", "audit.txt"},
	};
	cJSON *entries = fixture("audit.json"), *recent;
	time_t since;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *json = fixture(cases[i].fixture);

		check_render(cases[i].fn, json, cases[i].golden);
		cJSON_Delete(json);
	}
	assert_int_equal(pn_since_parse_time("2026-11-30T11:30:00Z", &since), 0);
	recent = pn_since_filter(entries, since);
	assert_non_null(recent);
	check_render(pn_render_audit, recent, "audit_since.txt");
	cJSON_Delete(recent);
	cJSON_Delete(entries);
}

/* The line each override prints, with the owner joined as the command does. */
static void test_overrides(void **state)
{
	static const struct {
		const char *action, *fixture, *golden;
	} cases[] = {
		{"release", "release.json", "release.txt"},
		{"release-owner", "release_owner.json", "release_owner.txt"},
		{"detach", "detach.json", "detach.txt"},
		{"adopt", "adopt.json", "adopt.txt"},
	};
	cJSON *containers = fixture("containers.json");
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *reply = fixture(cases[i].fixture);
		const cJSON *cid = cJSON_GetObjectItemCaseSensitive(reply, "container_id");
		char buf[256], *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		assert_non_null(m);
		assert_int_equal(
			pn_render_override(
				m, cases[i].action, reply,
				pn_render_owner(containers,
						cJSON_IsString(cid) ? cid->valuestring : NULL, buf,
						sizeof(buf)),
				err, sizeof(err)),
			0);
		assert_int_equal(fclose(m), 0);
		golden(cases[i].golden, text);
		free(text);
		cJSON_Delete(reply);
	}
	assert_int_equal(pn_render_override(stderr, "nope", containers, NULL, err, sizeof(err)),
			 -EINVAL);
	cJSON_Delete(containers);
}

/* The JSON is not of the documented shape: an error naming it, no crash. */
static void test_bad_shapes(void **state)
{
	cJSON *obj = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	char err[256];

	(void)state;
	assert_int_equal(pn_render_list(stderr, obj, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a JSON array"));
	assert_int_equal(pn_render_show(stderr, arr, err, sizeof(err)), -EINVAL);
	assert_int_equal(pn_render_status(stderr, arr, err, sizeof(err)), -EINVAL);
	assert_int_equal(pn_render_programs(stderr, obj, err, sizeof(err)), -EINVAL);
	assert_int_equal(pn_render_audit(stderr, obj, err, sizeof(err)), -EINVAL);
	cJSON_Delete(obj);
	cJSON_Delete(arr);
}

/*
 * plugctl maps: a struct-keyed map (a column a member, nested values as
 * JSON, integers past 2^53 whole), per-CPU maps summed (member by member,
 * exactly past 2^53), a ring buffer, an empty map, a truncated one, plain
 * number keys, a map without BTF (hex), a .rodata section.
 */
static void test_maps(void **state)
{
	cJSON *reply = fixture("maps.json");

	(void)state;
	check_render(pn_render_maps, reply, "maps.txt");
	cJSON_Delete(reply);
}

/* A program without maps; the owner unknown to GET /v1/containers: its container id. */
static void test_maps_none(void **state)
{
	cJSON *reply = fixture("maps_none.json");

	(void)state;
	check_render(pn_render_maps, reply, "maps_none.txt");
	cJSON_Delete(reply);
}

/* Not a slot's maps: an error naming what is wrong, nothing printed. */
static void test_maps_bad_shape(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"maps\": []}",
		"{\"id\": \"1-2-3\"}",
		"{\"id\": \"1-2-3\", \"maps\": {}}",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cJSON *json = cJSON_Parse(bad[i]);
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		assert_non_null(json);
		assert_non_null(m);
		err[0] = '\0';
		assert_int_equal(pn_render_maps(m, json, err, sizeof(err)), -EINVAL);
		assert_int_equal(fclose(m), 0);
		assert_string_equal(text, "");
		tl_assert_contains(err, "not a slot with an id and maps");
		free(text);
		cJSON_Delete(json);
	}
}

/*
 * pn_json_parse: integers of 16 digits or more raw, printed again as they
 * came; numbers in strings and keys, fractions and exponents untouched.
 */
static void test_json_parse_keeps_long_integers(void **state)
{
	static const char text[] =
		"{\"a\": 18446744073709551615, \"b\\\"1234567890123456789\": \"99999999999999999\","
		" \"c\": [999999999999999, 1000000000000000, -9007199254740993, 1.5e300,"
		" 12345678901234567.5, {\"d\": 9007199254740992}], \"e\": 2}";
	static const char want[] =
		"{\"a\":18446744073709551615,\"b\\\"1234567890123456789\":\"99999999999999999\","
		"\"c\":[999999999999999,1000000000000000,-9007199254740993,1.5e+300,"
		"12345678901234568,{\"d\":9007199254740992}],\"e\":2}";
	cJSON *json = pn_json_parse(text, strlen(text));
	char *printed, *bare;

	(void)state;
	assert_non_null(json);
	assert_true(cJSON_IsRaw(cJSON_GetObjectItem(json, "a")));
	assert_true(cJSON_IsNumber(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "c"), 0)));
	assert_true(cJSON_IsRaw(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "c"), 1)));
	/* a fraction: a number, however long */
	assert_true(cJSON_IsNumber(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "c"), 4)));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(json, "e")));
	printed = cJSON_PrintUnformatted(json);
	assert_non_null(printed);
	assert_string_equal(printed, want);
	free(printed);
	cJSON_Delete(json);
	/* Only as much as the length says; not JSON: NULL. */
	json = pn_json_parse("12345678901234567 trailing", 17);
	assert_true(cJSON_IsRaw(json));
	assert_string_equal(json->valuestring, "12345678901234567");
	cJSON_Delete(json);
	/* No NUL after the text: nothing read past it (ASan watches). */
	bare = malloc(18);
	assert_non_null(bare);
	memcpy(bare, "[1234567890123456]", 18);
	json = pn_json_parse(bare, 18);
	free(bare);
	assert_true(cJSON_IsRaw(cJSON_GetArrayItem(json, 0)));
	assert_string_equal(cJSON_GetArrayItem(json, 0)->valuestring, "1234567890123456");
	cJSON_Delete(json);
	assert_null(pn_json_parse("{\"a\": 1", 7));
	assert_null(pn_json_parse("", 0));
}

static void test_resolve(void **state)
{
	cJSON *ifaces = fixture("interfaces.json"), *containers = fixture("containers.json");
	const cJSON *o;
	char err[512], slot[64];

	(void)state;
	/* An id, in any netns; an ifname in the netns searched only. */
	o = pn_resolve_iface(ifaces, "4026532400-2", "1", "the host netns", err, sizeof(err));
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, "4026532400-2");
	o = pn_resolve_iface(ifaces, "pn-up0", "4026531840", "the host netns", err, sizeof(err));
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, "4026531840-7");
	o = pn_resolve_iface(ifaces, "eth0", "4026532281", "the netns of pod default/web-a", err,
			     sizeof(err));
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "id")->valuestring, "4026532281-2");
	assert_null(
		pn_resolve_iface(ifaces, "eth0", "4026531840", "the host netns", err, sizeof(err)));
	assert_string_equal(err, "interface 'eth0': plugnet manages no interface of that id, nor "
				 "of that name in the host netns (netns 4026531840)");
	assert_null(
		pn_resolve_iface(ifaces, "1-2", "4026531840", "the host netns", err, sizeof(err)));
	/* Two entries of one name in one netns (a gone one, a new one): ambiguous. */
	cJSON_AddItemToArray(ifaces, cJSON_Duplicate(cJSON_GetArrayItem(ifaces, 0), true));
	assert_null(pn_resolve_iface(ifaces, "pn-up0", "4026531840", "the host netns", err,
				     sizeof(err)));
	assert_non_null(strstr(err, "2 interfaces plugnet manages in the host netns"));

	o = pn_resolve_pod(containers, "shop/cart-0", err, sizeof(err));
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "container_id")->valuestring, "77b0e102");
	assert_null(pn_resolve_pod(containers, "shop/cart", err, sizeof(err)));
	assert_string_equal(err, "pod 'shop/cart': plugnetd has no container registered for it");
	assert_null(pn_resolve_pod(containers, "sho/pcart-0", err, sizeof(err)));
	assert_null(pn_resolve_pod(containers, "cart-0", err, sizeof(err)));
	assert_non_null(strstr(err, "not of the form NAMESPACE/NAME"));
	assert_null(pn_resolve_pod(containers, "a/b/c", err, sizeof(err)));

	assert_int_equal(pn_resolve_slot("1-2", "4", slot, sizeof(slot), err, sizeof(err)), 0);
	assert_string_equal(slot, "1-2-4");
	assert_int_equal(pn_resolve_slot("1-2", "1-2-17", slot, sizeof(slot), err, sizeof(err)), 0);
	assert_string_equal(slot, "1-2-17");
	assert_int_equal(pn_resolve_slot("1-2", "1-3-17", slot, sizeof(slot), err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "slot '1-3-17': neither an attach id nor a slot id"));
	assert_int_equal(pn_resolve_slot("1-2", "x", slot, sizeof(slot), err, sizeof(err)),
			 -EINVAL);
	cJSON_Delete(containers);
	cJSON_Delete(ifaces);
}

static void test_since(void **state)
{
	const time_t now = 1800000000;
	char err[256];
	time_t t;

	(void)state;
	assert_int_equal(pn_since_parse("2026-11-30T10:00:00Z", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, 1796032800);
	assert_int_equal(pn_since_parse("2026-11-30T12:00:00.25+02:00", now, &t, err, sizeof(err)),
			 0);
	assert_int_equal(t, 1796032800);
	assert_int_equal(pn_since_parse("2026-11-30T09:30:00-00:30", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, 1796032800);
	assert_int_equal(pn_since_parse("1796032800", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, 1796032800);
	assert_int_equal(pn_since_parse("90s", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, now - 90);
	assert_int_equal(pn_since_parse("10m", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, now - 600);
	assert_int_equal(pn_since_parse("2h", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, now - 7200);
	assert_int_equal(pn_since_parse("1d", now, &t, err, sizeof(err)), 0);
	assert_int_equal(t, now - 86400);
	static const char *const bad[] = {"",
					  "m",
					  "10",
					  "10w",
					  "-1h",
					  "1h2",
					  "2026-11-30T10:00:00",
					  "2026-11-30 10:00:00Z",
					  "2026-11-30T10:00:00Zjunk",
					  "99999999999999999999d"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!strcmp(bad[i], "10")) /* plain digits are epoch seconds */
			continue;
		if (!pn_since_parse(bad[i], now, &t, err, sizeof(err)))
			fail_msg("'%s' parsed as %lld", bad[i], (long long)t);
		assert_non_null(strstr(err, "neither an RFC 3339 time"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_programs_status_audit),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_maps_none),
		cmocka_unit_test(test_maps_bad_shape),
		cmocka_unit_test(test_json_parse_keeps_long_integers),
	};

	return cmocka_run_group_tests_name("plugctl_render", tests, NULL, NULL);
}
