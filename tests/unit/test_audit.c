// SPDX-License-Identifier: Apache-2.0
/* The audit log: whole lines, appended in order, 0600, read back past a torn last line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "audit.h"
#include "testlib.h"

static void test_append_and_read(void **state)
{
	char dir[] = "/tmp/pn-audit.XXXXXX", path[64], err[256] = "";
	const struct pn_audit_entry first = {.action = "release",
					     .target = "1-2-3",
					     .previous_owner = "default/web-a",
					     .reason = "why",
					     .pid = 42,
					     .uid = 0};
	struct pn_audit_entry second = first;
	struct stat st;
	cJSON *entries;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	/* No log yet: no entries, not an error. */
	assert_int_equal(pn_audit_read(path, &entries, err, sizeof(err)), 0);
	assert_int_equal(cJSON_GetArraySize(entries), 0);
	cJSON_Delete(entries);

	second.reason = "another";
	assert_int_equal(pn_audit_append(path, &first, err, sizeof(err)), 0);
	assert_int_equal(pn_audit_append(path, &second, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A crash in the middle of a line leaves half a line: it is not an entry. */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("{\"action\":\"rel", f);
	assert_int_equal(fclose(f), 0);

	assert_int_equal(pn_audit_read(path, &entries, err, sizeof(err)), 0);
	assert_int_equal(cJSON_GetArraySize(entries), 2);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 0), "reason")->valuestring, "why");
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 1), "reason")->valuestring,
		"another");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 0), "admin_pid")->valueint,
			 42);
	assert_non_null(cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 0), "time"));
	cJSON_Delete(entries);

	/* A log that cannot be written names itself. */
	assert_int_equal(pn_audit_append("/nonexistent/dir/audit.log", &first, err, sizeof(err)),
			 -ENOENT);
	tl_assert_contains(err, "audit log /nonexistent/dir/audit.log: No such file or directory");
	assert_int_equal(tl_sh("rm -rf %s", dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_read),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
