// SPDX-License-Identifier: Apache-2.0
/*
 * The program catalog directory: names that cannot leave it, manifests
 * read strictly, the object's SHA-256, and the listing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "catalog.h"
#include "testlib.h"

/* sha256("hello") */
#define HELLO_SHA256 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static char dir[64];

static void put(const char *name, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pn-catalog.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	put("ratelimit.bpf.o", "hello");
	put("ratelimit.json", "{\"program\": \"xdp_ratelimit\", \"priority\": 20, "
			      "\"proceed_on\": \"pass,tx\"}");
	put("plain.bpf.o", "hello");
	put("README", "not an entry");
	put("badkey.bpf.o", "hello");
	put("badkey.json", "{\"programme\": \"x\"}");
	put("badproceed.bpf.o", "hello");
	put("badproceed.json", "{\"proceed_on\": \"pass,jump\"}");
	put("badprio.bpf.o", "hello");
	put("badprio.json", "{\"priority\": 1.5}");
	put("brokenjson.bpf.o", "hello");
	put("brokenjson.json", "{\"program\": ");
	put("empty.bpf.o", "");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tl_sh("rm -rf %s", dir);
}

static void test_entry_with_manifest(void **state)
{
	struct pn_catalog_entry e;
	char err[512] = "";

	(void)state;
	if (pn_catalog_lookup(dir, "ratelimit", &e, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(e.name, "ratelimit");
	assert_string_equal(e.program, "xdp_ratelimit");
	assert_string_equal(e.sha256, HELLO_SHA256);
	assert_true(e.has_priority);
	assert_int_equal(e.priority, 20);
	assert_int_equal(e.proceed_on, (1U << 2) | (1U << 3));
	tl_assert_contains(e.path, "/ratelimit.bpf.o");
}

static void test_entry_without_manifest(void **state)
{
	struct pn_catalog_entry e;
	char err[512] = "";

	(void)state;
	assert_int_equal(pn_catalog_lookup(dir, "plain", &e, err, sizeof(err)), 0);
	assert_string_equal(e.program, "plain");
	assert_false(e.has_priority);
	assert_int_equal(e.proceed_on, 0);
}

struct bad_case {
	const char *name;
	int err;
	const char *why;
};

static const struct bad_case bad_cases[] = {
	{"../etc/passwd", -EINVAL, "'../etc/passwd' is not a catalog program name"},
	{"a/b", -EINVAL, "is not a catalog program name"},
	{"", -EINVAL, "is not a catalog program name"},
	{"x.y", -EINVAL, "is not a catalog program name"},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -EINVAL,
	 "1 to 64 of"},
	{"nope", -ENOENT, "no program 'nope' in the catalog /tmp/pn-catalog."},
	{"badkey", -EINVAL, "badkey.json: key 'programme': unknown key"},
	{"badproceed", -EINVAL, "badproceed.json: key 'proceed_on': expected actions"},
	{"badprio", -EINVAL, "badprio.json: key 'priority': expected a 32-bit integer"},
	{"brokenjson", -EBADMSG, "brokenjson.json"},
	{"empty", -EINVAL, "empty.bpf.o: not a regular, non-empty file"},
};

static void test_bad_entries(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pn_catalog_entry e;
		char err[512] = "";
		int ret = pn_catalog_lookup(dir, c->name, &e, err, sizeof(err));

		if (ret != c->err)
			fail_msg("'%s': returned %d, expected %d (%s)", c->name, ret, c->err, err);
		if (!strstr(err, c->why))
			fail_msg("'%s': \"%s\" lacks \"%s\"", c->name, err, c->why);
	}
}

static void test_list_sorted_and_skips_broken(void **state)
{
	struct pn_catalog_entry *list;
	char err[512] = "";
	size_t n;

	(void)state;
	assert_int_equal(pn_catalog_list(dir, &list, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "plain");
	assert_string_equal(list[1].name, "ratelimit");
	free(list);
	assert_int_equal(pn_catalog_list("/nonexistent/catalog", &list, &n, err, sizeof(err)),
			 -ENOENT);
	tl_assert_contains(err, "catalog /nonexistent/catalog: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_with_manifest),
		cmocka_unit_test(test_entry_without_manifest),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_list_sorted_and_skips_broken),
	};

	return cmocka_run_group_tests_name("catalog", tests, setup, teardown);
}
