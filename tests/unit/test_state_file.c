// SPDX-License-Identifier: Apache-2.0
/*
 * plugnetd's state file. What makes it crash-safe is checked from the
 * outside: a write either replaces the whole file or leaves the old one
 * exactly as it was, with no temporary file behind; a read tells a missing
 * file (first start) from a damaged one and says where the damage is.
 * Files are written to a mkdtemp directory under /tmp.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "state_file.h"
#include "testlib.h"

static char dir[64];
static char path[96], tmp[128]; /* dir/state.json and its temporary file */

static int group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/plugnet-state-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(tmp, sizeof(tmp), "%s" PN_STATE_FILE_TMP_SUFFIX, path);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tl_sh("rm -rf '%s'", dir) ? -1 : 0;
}

/* Every test starts from an empty directory. */
static int empty_dir(void **state)
{
	(void)state;
	return tl_sh("rm -rf '%s'/* '%s'/.[!.]*", dir, dir) ? -1 : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The test directory holds exactly `want`: its names, sorted, each followed by a space. */
static void assert_listing(const char *want)
{
	char *names[16], got[512] = "";
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_true(n < ARRAY_SIZE(names));
		names[n] = strdup(de->d_name);
		assert_non_null(names[n++]);
	}
	assert_int_equal(closedir(d), 0);
	qsort(names, n, sizeof(names[0]), cmp_name);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(got) + strlen(names[i]) + 2 <= sizeof(got));
		strcat(got, names[i]);
		strcat(got, " ");
		free(names[i]);
	}
	assert_string_equal(got, want);
}

static cJSON *parse(const char *text)
{
	cJSON *doc = cJSON_Parse(text);

	assert_non_null(doc);
	return doc;
}

static void write_ok(const char *text)
{
	cJSON *doc = parse(text);
	char err[512] = "stale";
	int rc = pn_state_file_write(path, doc, err, sizeof(err));

	if (rc)
		fail_msg("write: %d: %s", rc, err);
	assert_string_equal(err, "");
	cJSON_Delete(doc);
}

/* The file reads back as `text` does. */
static void expect_content(const char *text)
{
	cJSON *want = parse(text), *got = (cJSON *)&got;
	char err[512] = "stale";
	int rc = pn_state_file_read(path, &got, err, sizeof(err));

	if (rc)
		fail_msg("read: %d: %s", rc, err);
	assert_string_equal(err, "");
	if (!cJSON_Compare(got, want, 1)) {
		char *s = cJSON_PrintUnformatted(got);

		fail_msg("read back %s, want %s", s ? s : "?", text);
	}
	cJSON_Delete(got);
	cJSON_Delete(want);
}

static void put_file(const char *p, const char *text)
{
	tl_assert_ok(tl_write_file(p, text, strlen(text)), p);
}

/* --- write and read ------------------------------------------------------- */

static void test_round_trip(void **state)
{
	static const char text[] =
		"{\"version\": 1, \"interfaces\": [{\"name\": \"eth0\", \"revision\": 42, "
		"\"slots\": [{\"id\": 1, \"owner\": {\"pod\": \"ns/a\", \"uid\": "
		"\"0b6c\\u00e9\"}, \"priority\": -3}]}], \"catalog\": {}, \"empty\": [], "
		"\"flag\": false, \"none\": null, \"quote\": \"a\\\"b\\\\c\\n\"}";
	struct stat st;

	(void)state;
	write_ok(text);
	expect_content(text);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* Pod identities are root's business only. */
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_listing("state.json ");
}

/* A document of many entries reads back whole. */
static void test_round_trip_large(void **state)
{
	cJSON *doc = cJSON_CreateObject(), *arr, *got = NULL;
	char err[256];
	struct stat st;

	(void)state;
	assert_non_null(doc);
	assert_non_null(cJSON_AddNumberToObject(doc, "version", 1));
	arr = cJSON_AddArrayToObject(doc, "slots");
	assert_non_null(arr);
	for (int i = 0; i < 20000; i++) {
		cJSON *e = cJSON_CreateObject();

		assert_non_null(e);
		assert_true(cJSON_AddItemToArray(arr, e));
		assert_non_null(cJSON_AddNumberToObject(e, "id", i));
		assert_non_null(cJSON_AddStringToObject(e, "iface", "veth0123456789a"));
	}
	assert_int_equal(pn_state_file_write(path, doc, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 1 << 20);
	assert_int_equal(pn_state_file_read(path, &got, err, sizeof(err)), 0);
	assert_true(cJSON_Compare(got, doc, 1));
	cJSON_Delete(got);
	cJSON_Delete(doc);
}

static void test_overwrite(void **state)
{
	(void)state;
	write_ok("{\"version\": 1, \"old\": [1, 2, 3]}");
	write_ok("{\"version\": 2}");
	expect_content("{\"version\": 2}");
	assert_listing("state.json ");
	write_ok("[]");
	expect_content("[]");
	assert_listing("state.json ");
}

static void test_leftover_tmp(void **state)
{
	(void)state;
	write_ok("{\"version\": 1}");
	/* A crash between the temporary file's write and its rename. */
	put_file(tmp, "{\"version\": 2, \"half");
	assert_listing("state.json state.json.tmp ");
	expect_content("{\"version\": 1}");
	assert_listing("state.json ");
	/* A leftover with no state file beside it: still first start, and removed. */
	assert_int_equal(unlink(path), 0);
	put_file(tmp, "{\"version\": 2}");
	{
		cJSON *doc = (cJSON *)&doc;
		char err[256];

		assert_int_equal(pn_state_file_read(path, &doc, err, sizeof(err)), -ENOENT);
		assert_null(doc);
	}
	assert_listing("");
}

static void test_missing(void **state)
{
	cJSON *doc = (cJSON *)&doc;
	char err[256], want[256];

	(void)state;
	assert_int_equal(pn_state_file_read(path, &doc, err, sizeof(err)), -ENOENT);
	assert_null(doc);
	snprintf(want, sizeof(want), "state file '%s': open: No such file or directory", path);
	assert_string_equal(err, want);
}

static void test_read_directory(void **state)
{
	cJSON *doc = (cJSON *)&doc;
	char err[256], want[256];

	(void)state;
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(pn_state_file_read(path, &doc, err, sizeof(err)), -EISDIR);
	assert_null(doc);
	snprintf(want, sizeof(want), "state file '%s': is a directory, not a file", path);
	assert_string_equal(err, want);
}

/* --- damaged files --------------------------------------------------------- */

struct damaged_case {
	const char *name;
	const char *text;
	size_t len;      /* when text holds a NUL byte, else 0 */
	const char *has; /* after "state file '<path>': " */
};

static const struct damaged_case damaged[] = {
	{"truncated", "{\n  \"version\": 1,\n  \"interfaces\": [\n    {\"name\": \"et",
	 .has = "malformed JSON at byte offset 50 of 52 (line 4, column 15): parsing stopped here"},
	{"truncated_after_value", "{\n  \"version\": 1,\n",
	 .has = "malformed JSON at byte offset 18 of 18 (line 3, column 1): parsing stopped at the "
		"end of the "
		"file (truncated?)"},
	{"empty", "",
	 .has = "malformed JSON at byte offset 0 of 0 (line 1, column 1): the file is empty"},
	{"garbage", "not json",
	 .has = "malformed JSON at byte offset 0 of 8 (line 1, column 1): parsing stopped here"},
	{"trailing_brace", "{\"version\": 1}}",
	 .has = "malformed JSON at byte offset 14 of 15 (line 1, column 15): parsing stopped here"},
	/* A crash can leave zeroes where a file system allocated blocks but never wrote them. */
	{"zeroes", "{\"version\": 1}\0\0\0\0", 18,
	 .has = "malformed JSON at byte offset 14 of 18 (line 1, column 15): a NUL byte"},
};

static void run_damaged(void **state)
{
	const struct damaged_case *c = *state;
	cJSON *doc = (cJSON *)&doc;
	char err[512], prefix[256];
	int rc;

	tl_assert_ok(tl_write_file(path, c->text, c->len ? c->len : strlen(c->text)), path);
	rc = pn_state_file_read(path, &doc, err, sizeof(err));
	printf("# %s: %d: %s\n", c->name, rc, err);
	assert_int_equal(rc, -EBADMSG);
	assert_null(doc);
	snprintf(prefix, sizeof(prefix), "state file '%s': ", path);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("\"%s\" does not start with \"%s\"", err, prefix);
	tl_assert_contains(err + strlen(prefix), c->has);
	/* The caller decides what to do with it: the file stays as it was. */
	assert_listing("state.json ");
}

/* --- failed writes leave the old file -------------------------------------- */

/* A write that fails must return `rc`, say `step` and leave the old file and no tmp. */
static void expect_failed_write(const char *target, int rc, const char *has)
{
	cJSON *doc = parse("{\"version\": 2, \"new\": true}");
	char err[512];
	int got;

	got = pn_state_file_write(target, doc, err, sizeof(err));
	cJSON_Delete(doc);
	printf("# %d: %s\n", got, err);
	if (got != rc)
		fail_msg("write returned %d, want %d: %s", got, rc, err);
	tl_assert_contains(err, has);
}

/* A directory that does not exist: the message names the path, nothing is created. */
static void test_write_no_directory(void **state)
{
	char p[192], want[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/gone/state.json", dir);
	snprintf(want, sizeof(want),
		 "state file '%s': create '%s" PN_STATE_FILE_TMP_SUFFIX
		 "': No such file or directory",
		 p, p);
	expect_failed_write(p, -ENOENT, want);
	assert_listing("");
}

/* The temporary file cannot be created (a directory is in its way). */
static void test_write_tmp_blocked(void **state)
{
	char want[512];

	(void)state;
	write_ok("{\"version\": 1}");
	assert_int_equal(mkdir(tmp, 0700), 0);
	snprintf(want, sizeof(want), "state file '%s': create '%s': Is a directory", path, tmp);
	expect_failed_write(path, -EISDIR, want);
	/* The read cannot remove a directory in the way, and reads the old state all the same. */
	expect_content("{\"version\": 1}");
	assert_int_equal(rmdir(tmp), 0);
	write_ok("{\"version\": 3}");
	expect_content("{\"version\": 3}");
	assert_listing("state.json ");
}

/* A symlink at the temporary file's path is not followed. */
static void test_write_tmp_symlink(void **state)
{
	char target[160], want[512];

	(void)state;
	write_ok("{\"version\": 1}");
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(symlink(target, tmp), 0);
	snprintf(want, sizeof(want), "state file '%s': create '%s': ", path, tmp);
	expect_failed_write(path, -ELOOP, want);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	expect_content("{\"version\": 1}");
	assert_listing("state.json ");
}

/* The write itself fails half way (the file size limit): old file intact, tmp removed. */
static void test_write_fails_midway(void **state)
{
	cJSON *doc = cJSON_CreateObject(), *arr;
	struct rlimit old, small;
	void (*old_handler)(int);
	char err[512], want[512];
	int rc;

	(void)state;
	write_ok("{\"version\": 1}");
	assert_non_null(doc);
	arr = cJSON_AddArrayToObject(doc, "slots");
	assert_non_null(arr);
	for (int i = 0; i < 1000; i++)
		assert_true(cJSON_AddItemToArray(arr, cJSON_CreateNumber(i)));
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 100;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_true(old_handler != SIG_ERR);
	/* Nothing may be printed while the limit holds: stdout may be a file. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = pn_state_file_write(path, doc, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_true(signal(SIGXFSZ, old_handler) != SIG_ERR);
	cJSON_Delete(doc);

	printf("# %d: %s\n", rc, err);
	assert_int_equal(rc, -EFBIG);
	snprintf(want, sizeof(want), "state file '%s': write '%s': File too large", path, tmp);
	assert_string_equal(err, want);
	assert_listing("state.json ");
	expect_content("{\"version\": 1}");
}

/* The rename fails (a directory holds the path): it and its content stay, tmp is removed. */
static void test_write_rename_fails(void **state)
{
	char inside[160], want[512];

	(void)state;
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inside, sizeof(inside), "%s/keep", path);
	put_file(inside, "kept");
	snprintf(want, sizeof(want), "state file '%s': rename '%s' to '%s': Is a directory", path,
		 tmp, path);
	expect_failed_write(path, -EISDIR, want);
	assert_listing("state.json ");
	assert_int_equal(access(inside, F_OK), 0);
}

static void test_write_bad_arguments(void **state)
{
	char *p = malloc(PATH_MAX);
	char err[PATH_MAX + 64], want[256];

	(void)state;
	assert_non_null(p);
	/* Room for the path, not for path.tmp. */
	memset(p, 'a', PATH_MAX - 3);
	p[0] = '/';
	p[PATH_MAX - 3] = '\0';
	{
		cJSON *doc = parse("{}"), *got = (cJSON *)&got;

		assert_int_equal(pn_state_file_write(p, doc, err, sizeof(err)), -ENAMETOOLONG);
		tl_assert_contains(err, "': path too long");
		assert_int_equal(pn_state_file_read(p, &got, err, sizeof(err)), -ENAMETOOLONG);
		assert_null(got);
		cJSON_Delete(doc);
	}
	free(p);

	assert_int_equal(pn_state_file_write(path, NULL, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "state file '%s': no document to write", path);
	assert_string_equal(err, want);
	assert_listing("");
	/* No room for a message is fine. */
	assert_int_equal(pn_state_file_write(path, NULL, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip, empty_dir),
		cmocka_unit_test_setup(test_round_trip_large, empty_dir),
		cmocka_unit_test_setup(test_overwrite, empty_dir),
		cmocka_unit_test_setup(test_leftover_tmp, empty_dir),
		cmocka_unit_test_setup(test_missing, empty_dir),
		cmocka_unit_test_setup(test_read_directory, empty_dir),
		cmocka_unit_test_setup(test_write_no_directory, empty_dir),
		cmocka_unit_test_setup(test_write_tmp_blocked, empty_dir),
		cmocka_unit_test_setup(test_write_tmp_symlink, empty_dir),
		cmocka_unit_test_setup(test_write_fails_midway, empty_dir),
		cmocka_unit_test_setup(test_write_rename_fails, empty_dir),
		cmocka_unit_test_setup(test_write_bad_arguments, empty_dir),
	};
	int failed;

	failed = cmocka_run_group_tests_name("state_file", tests, group_setup, group_teardown);
	failed += tl_run_table("state_file_damaged", damaged, run_damaged, empty_dir, NULL,
			       group_setup, group_teardown);
	return failed;
}
