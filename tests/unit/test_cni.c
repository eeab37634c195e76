// SPDX-License-Identifier: Apache-2.0
/*
 * The CNI protocol library (cni/): the CNI_* environment, CNI_ARGS,
 * versions, the network configuration per command, stdin, and the result,
 * error and versions documents. Failures are checked by their code and by
 * their whole message, which names the variable, key or value at fault.
 * The environment is set with setenv/unsetenv; stdin is replaced by a file
 * with dup2; output goes to open_memstream.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "testlib.h"

#define assert_cni_fail(call, err, want_code, want_msg)     \
	do {                                                \
		assert_int_equal((call), -1);               \
		assert_int_equal((err).code, (want_code));  \
		assert_string_equal((err).msg, (want_msg)); \
	} while (0)

/* --- environment ----------------------------------------------------------- */

static const char *const cni_vars[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
				       "CNI_IFNAME",  "CNI_ARGS",        "CNI_PATH"};

static int clear_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cni_vars); i++)
		if (unsetenv(cni_vars[i]))
			return -1;
	return 0;
}

/* Everything ADD needs, valid. */
static void set_env(const char *cmd)
{
	assert_int_equal(setenv("CNI_COMMAND", cmd, 1), 0);
	assert_int_equal(setenv("CNI_CONTAINERID", "c0ffee-1_a.b", 1), 0);
	assert_int_equal(setenv("CNI_NETNS", "/var/run/netns/pod", 1), 0);
	assert_int_equal(setenv("CNI_IFNAME", "eth0", 1), 0);
}

static void test_env_every_command(void **state)
{
	static const struct {
		const char *name;
		enum cni_command cmd;
	} cmds[] = {
		{"ADD", CNI_CMD_ADD}, {"DEL", CNI_CMD_DEL},       {"CHECK", CNI_CMD_CHECK},
		{"GC", CNI_CMD_GC},   {"STATUS", CNI_CMD_STATUS}, {"VERSION", CNI_CMD_VERSION},
	};
	struct cni_error err = {};
	struct cni_env env;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		set_env(cmds[i].name);
		assert_int_equal(cni_env_read(&env, &err), 0);
		assert_int_equal(env.command, cmds[i].cmd);
		assert_string_equal(cni_command_name(cmds[i].cmd), cmds[i].name);
		assert_string_equal(env.container_id, "c0ffee-1_a.b");
		assert_string_equal(env.netns, "/var/run/netns/pod");
		assert_string_equal(env.ifname, "eth0");
		/* Unset CNI_ARGS and CNI_PATH read as "". */
		assert_string_equal(env.args, "");
		assert_string_equal(env.path, "");
	}
	assert_string_equal(cni_command_name((enum cni_command)99), "?");
	assert_string_equal(cni_command_name((enum cni_command) - 1), "?");
}

static void test_env_args_and_path(void **state)
{
	struct cni_error err = {};
	struct cni_env env;

	(void)state;
	set_env("ADD");
	assert_int_equal(setenv("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=p", 1), 0);
	assert_int_equal(setenv("CNI_PATH", "/opt/cni/bin:/usr/lib/cni", 1), 0);
	assert_int_equal(cni_env_read(&env, &err), 0);
	assert_string_equal(env.args, "IgnoreUnknown=1;K8S_POD_NAME=p");
	assert_string_equal(env.path, "/opt/cni/bin:/usr/lib/cni");
}

static void test_env_command(void **state)
{
	struct cni_error err = {};
	struct cni_env env;

	(void)state;
	set_env("ADD");
	assert_int_equal(unsetenv("CNI_COMMAND"), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_COMMAND is not set (expected ADD, DEL, CHECK, GC, STATUS or VERSION)");
	assert_int_equal(setenv("CNI_COMMAND", "", 1), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_COMMAND is not set (expected ADD, DEL, CHECK, GC, STATUS or VERSION)");
	/* Commands are case-sensitive, and must be the whole value. */
	assert_int_equal(setenv("CNI_COMMAND", "add", 1), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_COMMAND 'add' is not a CNI command (expected ADD, DEL, CHECK, GC, "
			"STATUS or VERSION)");
	assert_int_equal(setenv("CNI_COMMAND", "ADD ", 1), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_COMMAND 'ADD ' is not a CNI command (expected ADD, DEL, CHECK, GC, "
			"STATUS or VERSION)");
	assert_int_equal(setenv("CNI_COMMAND", "UPDATE", 1), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_COMMAND 'UPDATE' is not a CNI command (expected ADD, DEL, CHECK, GC, "
			"STATUS or VERSION)");
}

static void test_env_container_id(void **state)
{
	static const char *const cmds[] = {"ADD", "DEL", "CHECK"};
	static const char *const good[] = {"a", "Z", "0", "abc-DEF_0.9", "9.-_"};
	static const char *const bad[] = {"_abc",  "-abc", ".abc",
					  "ab/c",  "ab c", "ab:c",
					  "ab\nc", "abc$", "\xc3\xa9t\xc3\xa9"};
	struct cni_error err = {};
	struct cni_env env;
	char want[256];

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
		set_env(cmds[c]);
		assert_int_equal(unsetenv("CNI_CONTAINERID"), 0);
		snprintf(want, sizeof(want), "CNI_CONTAINERID is not set (%s needs it)", cmds[c]);
		assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV, want);
		assert_int_equal(setenv("CNI_CONTAINERID", "", 1), 0);
		assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV, want);
		for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
			assert_int_equal(setenv("CNI_CONTAINERID", good[i], 1), 0);
			assert_int_equal(cni_env_read(&env, &err), 0);
			assert_string_equal(env.container_id, good[i]);
		}
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			assert_int_equal(setenv("CNI_CONTAINERID", bad[i], 1), 0);
			snprintf(want, sizeof(want),
				 "CNI_CONTAINERID '%s' is not a container id (letters, digits, "
				 "'_', '.' and '-', starting with a letter or digit)",
				 bad[i]);
			assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV, want);
		}
	}
}

/* GC, STATUS and VERSION concern no container: nothing else is required or checked. */
static void test_env_no_container(void **state)
{
	static const char *const cmds[] = {"GC", "STATUS", "VERSION"};
	struct cni_error err = {};
	struct cni_env env;

	(void)state;
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
		assert_int_equal(clear_env(NULL), 0);
		assert_int_equal(setenv("CNI_COMMAND", cmds[c], 1), 0);
		assert_int_equal(cni_env_read(&env, &err), 0);
		assert_null(env.container_id);
		assert_null(env.ifname);
		assert_string_equal(env.netns, "");
		assert_string_equal(env.args, "");
		assert_string_equal(env.path, "");
		assert_int_equal(setenv("CNI_CONTAINERID", "_bad", 1), 0);
		assert_int_equal(setenv("CNI_IFNAME", "a/b", 1), 0);
		assert_int_equal(cni_env_read(&env, &err), 0);
	}
}

struct ifname_case {
	const char *name;
	const char *value;
	const char *problem; /* NULL: valid */
};

static const struct ifname_case ifnames[] = {
	{"ifname_eth0", "eth0", NULL},
	{"ifname_1_byte", "e", NULL},
	{"ifname_15_bytes", "abcdefghijklmno", NULL},
	{"ifname_dots_inside", "eth0.100", NULL},
	{"ifname_three_dots", "...", NULL},
	{"ifname_dash_at", "veth-a@b", NULL},
	{"ifname_16_bytes", "abcdefghijklmnop", "is longer than 15 bytes"},
	{"ifname_long", "a-very-long-interface-name", "is longer than 15 bytes"},
	{"ifname_dot", ".", "is '.' or '..'"},
	{"ifname_dotdot", "..", "is '.' or '..'"},
	{"ifname_slash", "eth/0", "contains '/', ':' or whitespace"},
	{"ifname_colon", "eth0:1", "contains '/', ':' or whitespace"},
	{"ifname_space", "eth 0", "contains '/', ':' or whitespace"},
	{"ifname_tab", "eth\t0", "contains '/', ':' or whitespace"},
	{"ifname_newline", "eth0\n", "contains '/', ':' or whitespace"},
	/* The kernel's isspace(): also \r, \v, \f and Latin-1's no-break space. */
	{"ifname_cr", "eth\r0", "contains '/', ':' or whitespace"},
	{"ifname_vtab", "eth\v0", "contains '/', ':' or whitespace"},
	{"ifname_formfeed", "\feth0", "contains '/', ':' or whitespace"},
	{"ifname_nbsp", "eth\xa0", "contains '/', ':' or whitespace"},
};

static void run_ifname(void **state)
{
	const struct ifname_case *c = *state;
	static const char *const cmds[] = {"ADD", "DEL", "CHECK"};
	struct cni_error err = {};
	struct cni_env env;
	char want[256];

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		set_env(cmds[i]);
		assert_int_equal(setenv("CNI_IFNAME", c->value, 1), 0);
		if (!c->problem) {
			assert_int_equal(cni_env_read(&env, &err), 0);
			assert_string_equal(env.ifname, c->value);
			continue;
		}
		snprintf(want, sizeof(want), "CNI_IFNAME '%s' %s: not an interface name", c->value,
			 c->problem);
		assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV, want);
	}
}

static void test_env_ifname_missing(void **state)
{
	static const char *const cmds[] = {"ADD", "DEL", "CHECK"};
	struct cni_error err = {};
	struct cni_env env;
	char want[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		set_env(cmds[i]);
		snprintf(want, sizeof(want), "CNI_IFNAME is not set (%s needs it)", cmds[i]);
		assert_int_equal(unsetenv("CNI_IFNAME"), 0);
		assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV, want);
		assert_int_equal(setenv("CNI_IFNAME", "", 1), 0);
		assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV, want);
	}
}

static void test_env_netns(void **state)
{
	struct cni_error err = {};
	struct cni_env env;

	(void)state;
	set_env("ADD");
	assert_int_equal(unsetenv("CNI_NETNS"), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_NETNS is not set (ADD needs it)");
	assert_int_equal(setenv("CNI_NETNS", "", 1), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_NETNS is not set (ADD needs it)");

	set_env("CHECK");
	assert_int_equal(unsetenv("CNI_NETNS"), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_NETNS is not set (CHECK needs it)");

	/* DEL may come after the netns is gone. */
	set_env("DEL");
	assert_int_equal(unsetenv("CNI_NETNS"), 0);
	assert_int_equal(cni_env_read(&env, &err), 0);
	assert_string_equal(env.netns, "");
	assert_int_equal(setenv("CNI_NETNS", "", 1), 0);
	assert_int_equal(cni_env_read(&env, &err), 0);
	assert_string_equal(env.netns, "");

	/* The container is checked before the netns. */
	set_env("ADD");
	assert_int_equal(unsetenv("CNI_NETNS"), 0);
	assert_int_equal(unsetenv("CNI_CONTAINERID"), 0);
	assert_cni_fail(cni_env_read(&env, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_CONTAINERID is not set (ADD needs it)");
}

/* --- CNI_ARGS ------------------------------------------------------------- */

static void assert_pod(const struct cni_pod_args *a, const char *ns, const char *name,
		       const char *uid, const char *infra)
{
	assert_string_equal(a->pod_namespace, ns);
	assert_string_equal(a->pod_name, name);
	assert_string_equal(a->pod_uid, uid);
	assert_string_equal(a->infra_container_id, infra);
}

static void test_args_any_order(void **state)
{
	static const char *const orders[] = {
		"K8S_POD_NAMESPACE=ns;K8S_POD_NAME=pod;K8S_POD_UID=uid-1;"
		"K8S_POD_INFRA_CONTAINER_ID=c0ffee",
		"K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1;K8S_POD_NAME=pod;"
		"K8S_POD_NAMESPACE=ns",
		"K8S_POD_UID=uid-1;K8S_POD_NAMESPACE=ns;K8S_POD_INFRA_CONTAINER_ID=c0ffee;"
		"K8S_POD_NAME=pod",
		/* What containerd sends. */
		"IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=pod;"
		"K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1",
	};
	struct cni_error err = {};
	struct cni_pod_args a;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		assert_int_equal(cni_pod_args_parse(orders[i], &a, &err), 0);
		assert_pod(&a, "ns", "pod", "uid-1", "c0ffee");
	}
}

static void test_args_missing_and_empty(void **state)
{
	struct cni_error err = {};
	struct cni_pod_args a;

	(void)state;
	memset(&a, 'x', sizeof(a));
	assert_int_equal(cni_pod_args_parse("", &a, &err), 0);
	assert_pod(&a, "", "", "", "");
	assert_int_equal(cni_pod_args_parse("K8S_POD_NAME=only", &a, &err), 0);
	assert_pod(&a, "", "only", "", "");
	assert_int_equal(cni_pod_args_parse("K8S_POD_UID=u;K8S_POD_NAMESPACE=n", &a, &err), 0);
	assert_pod(&a, "n", "", "u", "");
	/* An empty value is a value. */
	assert_int_equal(cni_pod_args_parse("K8S_POD_NAME=;K8S_POD_NAMESPACE=n", &a, &err), 0);
	assert_pod(&a, "n", "", "", "");
	/* Empty segments are skipped. */
	assert_int_equal(cni_pod_args_parse(";", &a, &err), 0);
	assert_pod(&a, "", "", "", "");
	assert_int_equal(cni_pod_args_parse(";;K8S_POD_NAME=p;;K8S_POD_UID=u;;", &a, &err), 0);
	assert_pod(&a, "", "p", "u", "");
	/* The value runs to the ';': '=' is part of it. */
	assert_int_equal(cni_pod_args_parse("K8S_POD_NAME=a=b", &a, &err), 0);
	assert_pod(&a, "", "a=b", "", "");
}

static void test_args_ignore_unknown(void **state)
{
	static const char *const truthy[] = {"1", "true", "TRUE", "True", "tRuE"};
	static const char *const falsy[] = {"0", "false", "", "yes", "2", "10", "truex", "on"};
	struct cni_error err = {};
	struct cni_pod_args a;
	char args[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(truthy); i++) {
		snprintf(args, sizeof(args), "IgnoreUnknown=%s;Foo=bar;K8S_POD_NAME=p", truthy[i]);
		assert_int_equal(cni_pod_args_parse(args, &a, &err), 0);
		assert_pod(&a, "", "p", "", "");
		/* IgnoreUnknown excuses keys that come before it. */
		snprintf(args, sizeof(args), "Foo=bar;K8S_POD_NAME=p;IgnoreUnknown=%s", truthy[i]);
		assert_int_equal(cni_pod_args_parse(args, &a, &err), 0);
		assert_pod(&a, "", "p", "", "");
	}
	for (size_t i = 0; i < ARRAY_SIZE(falsy); i++) {
		snprintf(args, sizeof(args), "IgnoreUnknown=%s;Foo=bar;K8S_POD_NAME=p", falsy[i]);
		assert_cni_fail(cni_pod_args_parse(args, &a, &err), err, CNI_ERR_INVALID_ENV,
				"CNI_ARGS: unknown key 'Foo' (set IgnoreUnknown=1 to let it pass)");
	}
	/* IgnoreUnknown alone, or false with nothing unknown, is fine. */
	assert_int_equal(cni_pod_args_parse("IgnoreUnknown=0;K8S_POD_NAME=p", &a, &err), 0);
	assert_pod(&a, "", "p", "", "");
	assert_int_equal(cni_pod_args_parse("IgnoreUnknown=1", &a, &err), 0);
	/* The last IgnoreUnknown counts. */
	assert_int_equal(cni_pod_args_parse("IgnoreUnknown=0;Foo=1;IgnoreUnknown=1", &a, &err), 0);
	assert_cni_fail(cni_pod_args_parse("IgnoreUnknown=1;Foo=1;IgnoreUnknown=0", &a, &err), err,
			CNI_ERR_INVALID_ENV,
			"CNI_ARGS: unknown key 'Foo' (set IgnoreUnknown=1 to let it pass)");
}

static void test_args_unknown_key(void **state)
{
	struct cni_error err = {};
	struct cni_pod_args a;

	(void)state;
	assert_cni_fail(cni_pod_args_parse("K8S_POD_NAME=p;MY_KEY=v", &a, &err), err,
			CNI_ERR_INVALID_ENV,
			"CNI_ARGS: unknown key 'MY_KEY' (set IgnoreUnknown=1 to let it pass)");
	/* The first unknown key is named. */
	assert_cni_fail(cni_pod_args_parse("First=1;K8S_POD_NAME=p;Second=2", &a, &err), err,
			CNI_ERR_INVALID_ENV,
			"CNI_ARGS: unknown key 'First' (set IgnoreUnknown=1 to let it pass)");
	/* Keys are case-sensitive, and so is IgnoreUnknown. */
	assert_cni_fail(
		cni_pod_args_parse("k8s_pod_name=p", &a, &err), err, CNI_ERR_INVALID_ENV,
		"CNI_ARGS: unknown key 'k8s_pod_name' (set IgnoreUnknown=1 to let it pass)");
	assert_cni_fail(
		cni_pod_args_parse("ignoreunknown=1;Foo=1", &a, &err), err, CNI_ERR_INVALID_ENV,
		"CNI_ARGS: unknown key 'ignoreunknown' (set IgnoreUnknown=1 to let it pass)");
	/* A prefix of a known key is not that key. */
	assert_cni_fail(cni_pod_args_parse("K8S_POD=p", &a, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_ARGS: unknown key 'K8S_POD' (set IgnoreUnknown=1 to let it pass)");
	assert_cni_fail(
		cni_pod_args_parse("K8S_POD_NAMEX=p", &a, &err), err, CNI_ERR_INVALID_ENV,
		"CNI_ARGS: unknown key 'K8S_POD_NAMEX' (set IgnoreUnknown=1 to let it pass)");
}

static void test_args_malformed(void **state)
{
	struct cni_error err = {};
	struct cni_pod_args a;

	(void)state;
	assert_cni_fail(cni_pod_args_parse("K8S_POD_NAME", &a, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_ARGS: 'K8S_POD_NAME' is not KEY=VALUE");
	assert_cni_fail(cni_pod_args_parse("=value", &a, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_ARGS: '=value' is not KEY=VALUE");
	assert_cni_fail(cni_pod_args_parse("K8S_POD_NAME=p;junk;K8S_POD_UID=u", &a, &err), err,
			CNI_ERR_INVALID_ENV, "CNI_ARGS: 'junk' is not KEY=VALUE");
	/* A malformed pair is an error even with IgnoreUnknown, wherever it is. */
	assert_cni_fail(cni_pod_args_parse("junk;IgnoreUnknown=1", &a, &err), err,
			CNI_ERR_INVALID_ENV, "CNI_ARGS: 'junk' is not KEY=VALUE");
	/* ...and before an unknown key that comes first. */
	assert_cni_fail(cni_pod_args_parse("Foo=1;=x", &a, &err), err, CNI_ERR_INVALID_ENV,
			"CNI_ARGS: '=x' is not KEY=VALUE");
	assert_pod(&a, "", "", "", "");
}

static void test_args_too_long(void **state)
{
	static const struct {
		const char *key;
		size_t max;
	} keys[] = {
		{"K8S_POD_NAMESPACE", 253},
		{"K8S_POD_NAME", 253},
		{"K8S_POD_UID", 127},
		{"K8S_POD_INFRA_CONTAINER_ID", 127},
	};
	struct cni_error err = {};
	struct cni_pod_args a;
	char args[512], want[128];
	int n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		n = snprintf(args, sizeof(args), "%s=", keys[i].key);
		memset(args + n, 'v', keys[i].max);
		args[n + (int)keys[i].max] = '\0';
		assert_int_equal(cni_pod_args_parse(args, &a, &err), 0);
		assert_int_equal(strlen(a.pod_namespace) + strlen(a.pod_name) + strlen(a.pod_uid) +
					 strlen(a.infra_container_id),
				 keys[i].max);
		strcat(args, "v");
		snprintf(want, sizeof(want), "CNI_ARGS: %s is longer than %zu bytes", keys[i].key,
			 keys[i].max);
		assert_cni_fail(cni_pod_args_parse(args, &a, &err), err, CNI_ERR_INVALID_ENV, want);
	}
}

/* --- versions ------------------------------------------------------------- */

static void test_version_cmp(void **state)
{
	(void)state;
	assert_int_equal(cni_version_cmp("1.0.0", "1.0.0"), 0);
	assert_int_equal(cni_version_cmp("0.4.0", "0.4.0"), 0);
	assert_true(cni_version_cmp("0.3.1", "0.4.0") < 0);
	assert_true(cni_version_cmp("0.4.0", "0.3.1") > 0);
	assert_true(cni_version_cmp("0.4.0", "1.0.0") < 0);
	assert_true(cni_version_cmp("1.1.0", "1.0.0") > 0);
	assert_true(cni_version_cmp("1.0.0", "1.0.1") < 0);
	assert_true(cni_version_cmp("2.0.0", "1.99.99") > 0);
	/* Numbers, not strings. */
	assert_true(cni_version_cmp("1.10.0", "1.9.0") > 0);
	assert_true(cni_version_cmp("0.0.9", "0.0.10") < 0);
	assert_int_equal(cni_version_cmp("01.0.0", "1.0.0"), 0);
}

static void test_version_malformed(void **state)
{
	static const char *const bad[] = {
		"",      "1",         "1.0",    "1.0.",   "1.0.0.",  "1.0.0.0", "v1.0.0",
		"1..0",  "1.0.0-rc1", " 1.0.0", "1.0.0 ", "-1.0.0",  "1.-1.0",  "+1.0.0",
		"1.a.0", "1.0.x",     ".1.0",   "1,0,0",  "1.0.0\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* An unparsable version sorts before every version: never new enough. */
		if (cni_version_cmp(bad[i], "0.0.0") >= 0 || cni_version_cmp("0.0.0", bad[i]) <= 0)
			fail_msg("'%s' does not sort before 0.0.0", bad[i]);
		if (cni_version_cmp(bad[i], "1.1.0") >= 0)
			fail_msg("'%s' does not sort before 1.1.0", bad[i]);
		if (cni_version_cmp(bad[i], "x") != 0)
			fail_msg("'%s' and 'x' are not equally unparsable", bad[i]);
		if (cni_version_supported(bad[i]))
			fail_msg("'%s' is supported", bad[i]);
	}
}

static void test_version_supported(void **state)
{
	static const char *const want[] = {"0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	static const char *const no[] = {"0.1.0", "0.2.0", "0.3.0", "0.4.1",
					 "1.0.1", "1.2.0", "2.0.0", "1.1"};
	size_t n;

	(void)state;
	for (n = 0; cni_supported_versions[n]; n++) {
		assert_true(n < ARRAY_SIZE(want));
		assert_string_equal(cni_supported_versions[n], want[n]);
		assert_true(cni_version_supported(want[n]));
		/* Oldest first. */
		if (n)
			assert_true(cni_version_cmp(cni_supported_versions[n - 1],
						    cni_supported_versions[n]) < 0);
	}
	assert_int_equal(n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (cni_version_supported(no[i]))
			fail_msg("'%s' is supported", no[i]);
}

/* --- network configuration ------------------------------------------------ */

#define SUPPORTED "(plugnet supports 0.3.1, 0.4.0, 1.0.0, 1.1.0)"

static int parse(const char *text, enum cni_command cmd, struct cni_conf *conf,
		 struct cni_error *err)
{
	return cni_conf_parse(text, strlen(text), cmd, conf, err);
}

/* A failed parse leaves no document behind, only the version it could read. */
static void assert_conf_failed(const struct cni_conf *conf, const char *version)
{
	assert_null(conf->root);
	assert_null(conf->name);
	assert_null(conf->type);
	assert_null(conf->prev_result);
	assert_null(conf->runtime_config);
	assert_string_equal(conf->cni_version, version);
}

static void test_conf_valid(void **state)
{
	static const char *const versions[] = {"0.3.1", "0.4.0", "1.0.0", "1.1.0"};
	struct cni_error err = {};
	struct cni_conf conf;
	char text[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		snprintf(text, sizeof(text),
			 " {\"cniVersion\": \"%s\", \"name\": \"net1\", \"type\": \"plugnet\", "
			 "\"extra\": [1, 2]}\n",
			 versions[i]);
		assert_int_equal(parse(text, CNI_CMD_ADD, &conf, &err), 0);
		assert_non_null(conf.root);
		assert_string_equal(conf.cni_version, versions[i]);
		assert_string_equal(conf.name, "net1");
		assert_string_equal(conf.type, "plugnet");
		assert_null(conf.prev_result);
		assert_null(conf.runtime_config);
		assert_non_null(cJSON_GetObjectItemCaseSensitive(conf.root, "extra"));
		cni_conf_free(&conf);
		assert_null(conf.root);
		assert_null(conf.name);
		assert_string_equal(conf.cni_version, "");
		assert_int_equal(parse(text, CNI_CMD_DEL, &conf, &err), 0);
		cni_conf_free(&conf);
	}
	/* Only len bytes are read. */
	strcpy(text, "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"}garbage");
	assert_int_equal(cni_conf_parse(text, strlen(text) - 7, CNI_CMD_ADD, &conf, &err), 0);
	assert_string_equal(conf.name, "n");
	cni_conf_free(&conf);
}

static void test_conf_not_json(void **state)
{
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	assert_cni_fail(parse("garbage", CNI_CMD_ADD, &conf, &err), err, CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (parsing stopped at byte 0 of "
			"7)");
	assert_conf_failed(&conf, "");
	/* The position is where the parser gave up: "n" where the ':' belongs. */
	assert_cni_fail(
		parse("{\"cniVersion\": \"1.0.0\", \"name\" \"n\"}", CNI_CMD_ADD, &conf, &err), err,
		CNI_ERR_DECODE,
		"network configuration on stdin: not JSON (parsing stopped at byte 31 of "
		"35)");
	assert_cni_fail(parse("", CNI_CMD_ADD, &conf, &err), err, CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (parsing stopped at byte 0 of "
			"0)");
	assert_cni_fail(parse("  \n", CNI_CMD_DEL, &conf, &err), err, CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (parsing stopped at byte 2 of "
			"3)");
	assert_cni_fail(parse("{\"cniVersion\": \"1.0.0\"", CNI_CMD_ADD, &conf, &err), err,
			CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (parsing stopped at byte 21 of "
			"22)");
	assert_conf_failed(&conf, "");
}

static void test_conf_trailing_data(void **state)
{
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	/* Whitespace after the object is fine; anything else is not one JSON object. */
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"} \r\n\t",
			       CNI_CMD_ADD, &conf, &err),
			 0);
	cni_conf_free(&conf);
	assert_cni_fail(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"} x",
			      CNI_CMD_ADD, &conf, &err),
			err, CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (data after the object at byte "
			"45 of 46)");
	assert_conf_failed(&conf, "");
	assert_cni_fail(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"}{}",
			      CNI_CMD_ADD, &conf, &err),
			err, CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (data after the object at byte "
			"44 of 46)");
	assert_cni_fail(parse("{} {}", CNI_CMD_VERSION, &conf, &err), err, CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (data after the object at byte "
			"3 of 5)");
	/* A NUL inside len is data too. */
	assert_cni_fail(cni_conf_parse("{}\0{}", 5, CNI_CMD_VERSION, &conf, &err), err,
			CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (data after the object at byte "
			"2 of 5)");
}

static void test_conf_not_object(void **state)
{
	static const char *const texts[] = {
		"[]", "[{\"cniVersion\":\"1.0.0\"}]", "\"1.0.0\"", "42", "null", "true"};
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		assert_cni_fail(parse(texts[i], CNI_CMD_ADD, &conf, &err), err, CNI_ERR_DECODE,
				"network configuration on stdin: not a JSON object");
		assert_conf_failed(&conf, "");
		assert_cni_fail(parse(texts[i], CNI_CMD_VERSION, &conf, &err), err, CNI_ERR_DECODE,
				"network configuration on stdin: not a JSON object");
	}
}

static void test_conf_required_keys(void **state)
{
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	assert_cni_fail(parse("{\"name\":\"n\",\"type\":\"t\"}", CNI_CMD_ADD, &conf, &err), err,
			CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'cniVersion' is missing");
	assert_conf_failed(&conf, "");
	assert_cni_fail(parse("{\"cniVersion\":100,\"name\":\"n\",\"type\":\"t\"}", CNI_CMD_DEL,
			      &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'cniVersion' must be a non-empty string");
	assert_cni_fail(parse("{\"cniVersion\":\"\",\"name\":\"n\",\"type\":\"t\"}", CNI_CMD_ADD,
			      &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'cniVersion' must be a non-empty string");
	assert_cni_fail(parse("{\"cniVersion\":null,\"name\":\"n\",\"type\":\"t\"}", CNI_CMD_ADD,
			      &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'cniVersion' must be a non-empty string");
	/* Keys are case-sensitive. */
	assert_cni_fail(parse("{\"CNIVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\"}",
			      CNI_CMD_ADD, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'cniVersion' is missing");

	/* The version stays, for the error's own cniVersion. */
	assert_cni_fail(
		parse("{\"cniVersion\":\"1.0.0\",\"type\":\"t\"}", CNI_CMD_ADD, &conf, &err), err,
		CNI_ERR_INVALID_CONFIG, "network configuration: key 'name' is missing");
	assert_conf_failed(&conf, "1.0.0");
	assert_cni_fail(parse("{\"cniVersion\":\"0.4.0\",\"name\":[],\"type\":\"t\"}", CNI_CMD_ADD,
			      &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'name' must be a non-empty string");
	assert_conf_failed(&conf, "0.4.0");
	assert_cni_fail(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"\",\"type\":\"t\"}",
			      CNI_CMD_CHECK, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'name' must be a non-empty string");
	assert_cni_fail(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\"}", CNI_CMD_GC, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'type' is missing");
	assert_conf_failed(&conf, "1.1.0");
	assert_cni_fail(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":7}", CNI_CMD_ADD,
			      &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'type' must be a non-empty string");
	assert_cni_fail(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":{}}",
			      CNI_CMD_STATUS, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'type' must be a non-empty string");
	assert_conf_failed(&conf, "1.0.0");
}

static void test_conf_unsupported_version(void **state)
{
	static const char *const versions[] = {"0.2.0", "0.3.0", "1.2.0", "2.0.0", "1.0", "latest"};
	struct cni_error err = {};
	struct cni_conf conf;
	char text[128], want[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		snprintf(text, sizeof(text),
			 "{\"cniVersion\":\"%s\",\"name\":\"n\",\"type\":\"t\"}", versions[i]);
		snprintf(want, sizeof(want), "cniVersion '%s' is not supported " SUPPORTED,
			 versions[i]);
		assert_cni_fail(parse(text, CNI_CMD_ADD, &conf, &err), err,
				CNI_ERR_INCOMPATIBLE_VERSION, want);
		/* Not a version to answer in. */
		assert_conf_failed(&conf, "");
		assert_cni_fail(parse(text, CNI_CMD_DEL, &conf, &err), err,
				CNI_ERR_INCOMPATIBLE_VERSION, want);
	}
	/* The version is checked before the name and the type. */
	assert_cni_fail(parse("{\"cniVersion\":\"9.0.0\"}", CNI_CMD_ADD, &conf, &err), err,
			CNI_ERR_INCOMPATIBLE_VERSION,
			"cniVersion '9.0.0' is not supported " SUPPORTED);
}

static void test_conf_command_versions(void **state)
{
	static const struct {
		enum cni_command cmd;
		const char *version;
		const char *msg; /* NULL: accepted */
	} cases[] = {
		{CNI_CMD_ADD, "0.3.1", NULL},
		{CNI_CMD_DEL, "0.3.1", NULL},
		{CNI_CMD_CHECK, "0.3.1",
		 "CHECK needs cniVersion 0.4.0 or later; the configuration "
		 "is 0.3.1"},
		{CNI_CMD_CHECK, "0.4.0", NULL},
		{CNI_CMD_CHECK, "1.0.0", NULL},
		{CNI_CMD_CHECK, "1.1.0", NULL},
		{CNI_CMD_GC, "0.3.1",
		 "GC needs cniVersion 1.1.0 or later; the configuration is 0.3.1"},
		{CNI_CMD_GC, "0.4.0",
		 "GC needs cniVersion 1.1.0 or later; the configuration is 0.4.0"},
		{CNI_CMD_GC, "1.0.0",
		 "GC needs cniVersion 1.1.0 or later; the configuration is 1.0.0"},
		{CNI_CMD_GC, "1.1.0", NULL},
		{CNI_CMD_STATUS, "1.0.0",
		 "STATUS needs cniVersion 1.1.0 or later; the configuration "
		 "is 1.0.0"},
		{CNI_CMD_STATUS, "1.1.0", NULL},
	};
	struct cni_error err = {};
	struct cni_conf conf;
	char text[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text),
			 "{\"cniVersion\":\"%s\",\"name\":\"n\",\"type\":\"t\"}", cases[i].version);
		if (!cases[i].msg) {
			assert_int_equal(parse(text, cases[i].cmd, &conf, &err), 0);
			assert_string_equal(conf.cni_version, cases[i].version);
			cni_conf_free(&conf);
			continue;
		}
		assert_cni_fail(parse(text, cases[i].cmd, &conf, &err), err,
				CNI_ERR_INCOMPATIBLE_VERSION, cases[i].msg);
		/* The error is answered in the configuration's version. */
		assert_conf_failed(&conf, cases[i].version);
	}
}

static void test_conf_version_command(void **state)
{
	static const char *const empty[] = {"", " ", "\n", " \t\r\n "};
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	/* A runtime asking only for VERSION may send nothing at all. */
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++) {
		memset(&conf, 'x', sizeof(conf));
		assert_int_equal(parse(empty[i], CNI_CMD_VERSION, &conf, &err), 0);
		assert_null(conf.root);
		assert_string_equal(conf.cni_version, "");
		cni_conf_free(&conf);
	}
	/* Nothing but cniVersion is needed, and it may be missing. */
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\"}", CNI_CMD_VERSION, &conf, &err), 0);
	assert_string_equal(conf.cni_version, "1.0.0");
	assert_null(conf.name);
	cni_conf_free(&conf);
	assert_int_equal(parse("{}", CNI_CMD_VERSION, &conf, &err), 0);
	assert_string_equal(conf.cni_version, "");
	cni_conf_free(&conf);
	/* A version plugnet does not speak is answered in its newest one. */
	assert_int_equal(
		parse("{\"cniVersion\":\"9.9.9\",\"name\":3}", CNI_CMD_VERSION, &conf, &err), 0);
	assert_string_equal(conf.cni_version, "");
	cni_conf_free(&conf);
	/* But a cniVersion that is not a string is a broken configuration. */
	assert_cni_fail(parse("{\"cniVersion\":1.0}", CNI_CMD_VERSION, &conf, &err), err,
			CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'cniVersion' must be a non-empty string");
	assert_cni_fail(parse("{\"cniVersion\":", CNI_CMD_VERSION, &conf, &err), err,
			CNI_ERR_DECODE,
			"network configuration on stdin: not JSON (parsing stopped at byte 13 of "
			"14)");
}

static void test_conf_prev_result(void **state)
{
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":[]}}",
			       CNI_CMD_ADD, &conf, &err),
			 0);
	assert_non_null(conf.prev_result);
	assert_ptr_equal(conf.prev_result,
			 cJSON_GetObjectItemCaseSensitive(conf.root, "prevResult"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(conf.prev_result, "ips"));
	cni_conf_free(&conf);
	assert_null(conf.prev_result);
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"prevResult\":null}",
			       CNI_CMD_ADD, &conf, &err),
			 0);
	assert_null(conf.prev_result);
	cni_conf_free(&conf);
	assert_cni_fail(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			      "\"prevResult\":[]}",
			      CNI_CMD_ADD, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'prevResult' must be an object");
	assert_conf_failed(&conf, "1.0.0");
	assert_cni_fail(parse("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"type\":\"t\","
			      "\"prevResult\":\"{}\"}",
			      CNI_CMD_CHECK, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'prevResult' must be an object");
	assert_conf_failed(&conf, "0.4.0");
}

static void test_conf_runtime_config(void **state)
{
	struct cni_error err = {};
	struct cni_conf conf;

	(void)state;
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"runtimeConfig\":{\"portMappings\":[]}}",
			       CNI_CMD_ADD, &conf, &err),
			 0);
	assert_ptr_equal(conf.runtime_config,
			 cJSON_GetObjectItemCaseSensitive(conf.root, "runtimeConfig"));
	cni_conf_free(&conf);
	assert_int_equal(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			       "\"runtimeConfig\":null}",
			       CNI_CMD_ADD, &conf, &err),
			 0);
	assert_null(conf.runtime_config);
	cni_conf_free(&conf);
	assert_cni_fail(parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\","
			      "\"runtimeConfig\":5}",
			      CNI_CMD_DEL, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'runtimeConfig' must be an object");
	assert_conf_failed(&conf, "1.1.0");
	/* A good prevResult with a bad runtimeConfig leaves neither behind. */
	assert_cni_fail(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\","
			      "\"prevResult\":{},\"runtimeConfig\":[]}",
			      CNI_CMD_ADD, &conf, &err),
			err, CNI_ERR_INVALID_CONFIG,
			"network configuration: key 'runtimeConfig' must be an object");
	assert_conf_failed(&conf, "1.0.0");
}

/* --- stdin ---------------------------------------------------------------- */

/* Call cni_read_stdin with stdin reading `len` bytes of `data`. */
static int read_stdin_from(const char *data, size_t len, size_t max, char **text, size_t *got,
			   struct cni_error *err)
{
	char path[] = "/tmp/plugnet-cni-stdin-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDIN_FILENO), ret;

	assert_true(fd >= 0);
	assert_true(saved >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	ret = cni_read_stdin(text, got, max, err);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	close(fd);
	return ret;
}

static void test_read_stdin(void **state)
{
	static const size_t sizes[] = {0, 1, 4095, 4096, 4097, 8192, 100000};
	struct cni_error err = {};
	char *data = malloc(100000), *text;
	size_t len;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < 100000; i++)
		data[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		text = NULL;
		len = 12345;
		assert_int_equal(read_stdin_from(data, sizes[i], 1 << 20, &text, &len, &err), 0);
		assert_int_equal(len, sizes[i]);
		assert_memory_equal(text, data, sizes[i]);
		assert_int_equal(text[len], '\0');
		free(text);
	}
	free(data);
}

static void test_read_stdin_limit(void **state)
{
	struct cni_error err = {};
	char *data = malloc(20000), *text;
	size_t len;

	(void)state;
	assert_non_null(data);
	memset(data, ' ', 20000);
	assert_cni_fail(read_stdin_from(data, 20000, 8192, &text, &len, &err), err, CNI_ERR_IO,
			"stdin: the network configuration is over 8192 bytes");
	assert_cni_fail(read_stdin_from(data, 8193, 8192, &text, &len, &err), err, CNI_ERR_IO,
			"stdin: the network configuration is over 8192 bytes");
	/* Exactly max bytes is not over max. */
	assert_int_equal(read_stdin_from(data, 8192, 8192, &text, &len, &err), 0);
	assert_int_equal(len, 8192);
	free(text);
	/* A limit below the first buffer's size holds too. */
	assert_cni_fail(read_stdin_from(data, 101, 100, &text, &len, &err), err, CNI_ERR_IO,
			"stdin: the network configuration is over 100 bytes");
	assert_int_equal(read_stdin_from(data, 100, 100, &text, &len, &err), 0);
	assert_int_equal(len, 100);
	free(text);
	assert_int_equal(read_stdin_from(data, 0, 0, &text, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);
	assert_cni_fail(read_stdin_from(data, 1, 0, &text, &len, &err), err, CNI_ERR_IO,
			"stdin: the network configuration is over 0 bytes");
	free(data);
}

static void test_read_stdin_error(void **state)
{
	struct cni_error err = {};
	int fd = open("/", O_RDONLY | O_DIRECTORY), saved = dup(STDIN_FILENO);
	char *text = NULL;
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	assert_cni_fail(cni_read_stdin(&text, &len, 1 << 20, &err), err, CNI_ERR_IO,
			"stdin: Is a directory");
	assert_null(text);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	close(fd);
}

/* --- output --------------------------------------------------------------- */

struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

/* The one document written, parsed back; the text must end in one newline. */
static cJSON *capture_doc(struct capture *c)
{
	const char *end = NULL;
	cJSON *doc;

	assert_int_equal(fclose(c->f), 0);
	assert_true(c->len > 1);
	assert_int_equal(c->buf[c->len - 1], '\n');
	assert_int_not_equal(c->buf[c->len - 2], '\n');
	doc = cJSON_ParseWithOpts(c->buf, &end, false);
	assert_non_null(doc);
	assert_string_equal(end, "\n");
	free(c->buf);
	return doc;
}

/* The object's keys, comma-separated, in their order. */
static void assert_keys(const cJSON *o, const char *want)
{
	const cJSON *item;
	char got[256] = "";

	assert_true(cJSON_IsObject(o));
	cJSON_ArrayForEach(item, o)
	{
		if (got[0])
			strcat(got, ",");
		strcat(got, item->string);
	}
	assert_string_equal(got, want);
}

static const char result_text[] =
	"{\"cniVersion\":\"1.0.0\","
	"\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"0a:58:0a:f4:00:05\",\"sandbox\":\"/var/"
	"run/netns/pod\"}],"
	"\"ips\":[{\"address\":\"10.244.0.5/24\",\"gateway\":\"10.244.0.1\",\"interface\":0}],"
	"\"x-vendor\":{\"zeta\":1,\"alpha\":[true,null,\"s\"],\"mid\":{\"b\":2,\"a\":1}},"
	"\"routes\":[{\"dst\":\"0.0.0.0/0\"}],"
	"\"dns\":{\"nameservers\":[\"10.96.0.10\"]},"
	"\"aUnknownKey\":1.5}";

static void test_print_result_passthrough(void **state)
{
	cJSON *result = cJSON_Parse(result_text), *got;
	struct capture c;

	(void)state;
	assert_non_null(result);
	capture_open(&c);
	/* A result's own cniVersion wins over the one given. */
	assert_int_equal(cni_print_result(c.f, result, "1.1.0"), 0);
	got = capture_doc(&c);
	assert_true(cJSON_Compare(got, result, true));
	assert_keys(got, "cniVersion,interfaces,ips,x-vendor,routes,dns,aUnknownKey");
	assert_keys(cJSON_GetObjectItemCaseSensitive(got, "x-vendor"), "zeta,alpha,mid");
	assert_keys(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(got, "x-vendor"), "mid"),
		    "b,a");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "1.0.0");
	cJSON_Delete(got);
	cJSON_Delete(result);

	/* cniVersion stays where the result has it. */
	result = cJSON_Parse("{\"ips\":[],\"cniVersion\":\"0.4.0\",\"z\":0}");
	assert_non_null(result);
	capture_open(&c);
	assert_int_equal(cni_print_result(c.f, result, "1.1.0"), 0);
	got = capture_doc(&c);
	assert_true(cJSON_Compare(got, result, true));
	assert_keys(got, "ips,cniVersion,z");
	cJSON_Delete(got);
	cJSON_Delete(result);
}

static void test_print_result_adds_version(void **state)
{
	cJSON *result = cJSON_Parse(result_text), *got, *want;
	struct capture c;

	(void)state;
	assert_non_null(result);
	cJSON_DeleteItemFromObjectCaseSensitive(result, "cniVersion");
	want = cJSON_Duplicate(result, true);
	assert_non_null(want);
	capture_open(&c);
	assert_int_equal(cni_print_result(c.f, result, "0.4.0"), 0);
	got = capture_doc(&c);
	assert_keys(got, "cniVersion,interfaces,ips,x-vendor,routes,dns,aUnknownKey");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "0.4.0");
	assert_keys(cJSON_GetObjectItemCaseSensitive(got, "x-vendor"), "zeta,alpha,mid");
	cJSON_DeleteItemFromObjectCaseSensitive(got, "cniVersion");
	assert_true(cJSON_Compare(got, want, true));
	/* The result given is not changed. */
	assert_true(cJSON_Compare(result, want, true));
	assert_keys(result, "interfaces,ips,x-vendor,routes,dns,aUnknownKey");
	cJSON_Delete(got);
	cJSON_Delete(want);
	cJSON_Delete(result);

	/* An empty result is the version alone. */
	result = cJSON_CreateObject();
	capture_open(&c);
	assert_int_equal(cni_print_result(c.f, result, "1.1.0"), 0);
	got = capture_doc(&c);
	assert_keys(got, "cniVersion");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "1.1.0");
	cJSON_Delete(got);
	cJSON_Delete(result);
}

static void test_print_error(void **state)
{
	struct cni_error err = {};
	struct capture c;
	cJSON *got;

	(void)state;
	assert_int_equal(cni_fail(&err, CNI_ERR_INVALID_CONFIG, "key '%s' is \"%d\"", "k", 5), -1);
	assert_int_equal(err.code, 7);
	assert_string_equal(err.msg, "key 'k' is \"5\"");
	capture_open(&c);
	assert_int_equal(cni_print_error(c.f, "1.0.0", &err), 0);
	got = capture_doc(&c);
	/* details is left out when there are none. */
	assert_keys(got, "cniVersion,code,msg");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "1.0.0");
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(got, "code")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(got, "code")->valueint, 7);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "msg")->valuestring,
			    "key 'k' is \"5\"");
	cJSON_Delete(got);

	snprintf(err.details, sizeof(err.details), "line 1\nline 2");
	err.code = CNI_ERR_PLUGIN_FIRST + 3;
	capture_open(&c);
	assert_int_equal(cni_print_error(c.f, "0.3.1", &err), 0);
	got = capture_doc(&c);
	assert_keys(got, "cniVersion,code,msg,details");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "0.3.1");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(got, "code")->valueint, 103);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "details")->valuestring,
			    "line 1\nline 2");
	cJSON_Delete(got);

	/* No version known yet (a broken environment): the newest. */
	capture_open(&c);
	assert_int_equal(cni_print_error(c.f, NULL, &err), 0);
	got = capture_doc(&c);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "1.1.0");
	cJSON_Delete(got);
	capture_open(&c);
	assert_int_equal(cni_print_error(c.f, "", &err), 0);
	got = capture_doc(&c);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring,
			    "1.1.0");
	cJSON_Delete(got);
}

static void test_print_versions(void **state)
{
	static const char *const versions[] = {"1.0.0", NULL, ""};
	static const char *const want[] = {"1.0.0", "1.1.0", "1.1.0"};
	struct capture c;
	cJSON *got, *list;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
		capture_open(&c);
		assert_int_equal(cni_print_versions(c.f, versions[i]), 0);
		got = capture_doc(&c);
		assert_keys(got, "cniVersion,supportedVersions");
		assert_string_equal(
			cJSON_GetObjectItemCaseSensitive(got, "cniVersion")->valuestring, want[i]);
		list = cJSON_Parse("[\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]");
		assert_true(cJSON_Compare(
			cJSON_GetObjectItemCaseSensitive(got, "supportedVersions"), list, true));
		cJSON_Delete(list);
		cJSON_Delete(got);
	}
}

/* A stream that takes nothing: every print says so. */
static void test_print_write_error(void **state)
{
	struct cni_error err = {.code = 7, .msg = "m"};
	cJSON *result = cJSON_Parse(result_text);
	FILE *f = fopen("/dev/null", "r");

	(void)state;
	assert_non_null(f);
	assert_non_null(result);
	assert_int_equal(cni_print_result(f, result, "1.0.0"), -1);
	cJSON_DeleteItemFromObjectCaseSensitive(result, "cniVersion");
	assert_int_equal(cni_print_result(f, result, "1.0.0"), -1);
	assert_int_equal(cni_print_error(f, "1.0.0", &err), -1);
	assert_int_equal(cni_print_versions(f, "1.0.0"), -1);
	fclose(f);
	cJSON_Delete(result);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_env_every_command, clear_env),
		cmocka_unit_test_setup(test_env_args_and_path, clear_env),
		cmocka_unit_test_setup(test_env_command, clear_env),
		cmocka_unit_test_setup(test_env_container_id, clear_env),
		cmocka_unit_test_setup(test_env_no_container, clear_env),
		cmocka_unit_test_setup(test_env_ifname_missing, clear_env),
		cmocka_unit_test_setup(test_env_netns, clear_env),
		cmocka_unit_test(test_args_any_order),
		cmocka_unit_test(test_args_missing_and_empty),
		cmocka_unit_test(test_args_ignore_unknown),
		cmocka_unit_test(test_args_unknown_key),
		cmocka_unit_test(test_args_malformed),
		cmocka_unit_test(test_args_too_long),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_version_malformed),
		cmocka_unit_test(test_version_supported),
		cmocka_unit_test(test_conf_valid),
		cmocka_unit_test(test_conf_not_json),
		cmocka_unit_test(test_conf_trailing_data),
		cmocka_unit_test(test_conf_not_object),
		cmocka_unit_test(test_conf_required_keys),
		cmocka_unit_test(test_conf_unsupported_version),
		cmocka_unit_test(test_conf_command_versions),
		cmocka_unit_test(test_conf_version_command),
		cmocka_unit_test(test_conf_prev_result),
		cmocka_unit_test(test_conf_runtime_config),
		cmocka_unit_test(test_read_stdin),
		cmocka_unit_test(test_read_stdin_limit),
		cmocka_unit_test(test_read_stdin_error),
		cmocka_unit_test(test_print_result_passthrough),
		cmocka_unit_test(test_print_result_adds_version),
		cmocka_unit_test(test_print_error),
		cmocka_unit_test(test_print_versions),
		cmocka_unit_test(test_print_write_error),
	};
	int failed;

	failed = cmocka_run_group_tests_name("cni", tests, NULL, NULL);
	failed += tl_run_table("cni_ifname", ifnames, run_ifname, clear_env, NULL, NULL, NULL);
	return failed;
}
