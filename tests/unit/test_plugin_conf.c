// SPDX-License-Identifier: Apache-2.0
/*
 * The CNI plugin's own configuration (plugin/plugin_conf.c): plugnet's keys
 * in its network configuration entry, the network's "programs", and the
 * pod's annotation plugnet.io/programs received in runtimeConfig. Every
 * failure is checked by code 7 and its whole message, which names the key,
 * the entry or the annotation.
 *
 * Configurations are written with ' for " and ` for \" (the annotation is
 * JSON inside a JSON string), and parsed with cni_conf_parse for ADD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_conf.h"
#include "testlib.h"

#define NET  "network configuration: 'programs'"
#define ANN  "annotation 'plugnet.io/programs'"
#define HEAD "{'cniVersion':'1.0.0','name':'net','type':'plugnet'"

/* `text` with ' as " and ` as \" (static; one at a time). */
static const char *json(const char *text)
{
	static char buf[8192];
	size_t n = 0;

	for (; *text; text++) {
		assert_true(n + 2 < sizeof(buf));
		if (*text == '`') {
			buf[n++] = '\\';
			buf[n++] = '"';
		} else {
			buf[n++] = *text == '\'' ? '"' : *text;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* pn_plugin_conf_read of HEAD followed by `rest` (",'key':...}"). */
static int conf_read(const char *rest, bool with_annotations, struct pn_plugin_conf *pc,
		     struct cni_error *err)
{
	char text[8192];
	struct cni_conf conf;
	const char *j;
	int ret;

	snprintf(text, sizeof(text), "%s%s", HEAD, rest);
	j = json(text);
	if (cni_conf_parse(j, strlen(j), CNI_CMD_ADD, &conf, err))
		fail_msg("not a configuration: %s (%s)", j, err->msg);
	ret = pn_plugin_conf_read(&conf, with_annotations, pc, err);
	cni_conf_free(&conf);
	return ret;
}

/* Reading fails with code 7 and `msg`, and leaves no requests behind. */
static void assert_conf_fails(const char *rest, bool with_annotations, const char *msg)
{
	struct cni_error err = {};
	struct pn_plugin_conf pc;

	if (conf_read(rest, with_annotations, &pc, &err) != -1)
		fail_msg("accepted: %s", rest);
	assert_int_equal(err.code, CNI_ERR_INVALID_CONFIG);
	assert_string_equal(err.msg, msg);
	assert_null(pc.requests);
	assert_int_equal(pc.n_requests, 0);
}

static void assert_request(const struct pn_program_request *r, const char *program,
			   const char *target, bool has_priority, int priority,
			   const char *proceed_on, const char *source)
{
	assert_string_equal(r->program, program);
	assert_string_equal(r->target, target);
	assert_int_equal(r->has_priority, has_priority);
	if (has_priority)
		assert_int_equal(r->priority, priority);
	assert_string_equal(r->proceed_on, proceed_on);
	assert_string_equal(r->source, source);
}

/* --- plugnet's keys ------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct cni_error err = {};
	struct pn_plugin_conf pc;

	(void)state;
	memset(&pc, 'x', sizeof(pc));
	assert_int_equal(conf_read("}", true, &pc, &err), 0);
	assert_string_equal(pc.socket, PN_DEFAULT_WORKLOAD_SOCKET);
	assert_string_equal(pc.socket, "/run/plugnet/plugnet.sock");
	assert_int_equal(pc.timeout_ms, 60000);
	assert_string_equal(pc.log_file, "");
	assert_int_equal(pc.log_level, PN_LOG_WARN);
	assert_null(pc.requests);
	assert_int_equal(pc.n_requests, 0);
	pn_plugin_conf_free(&pc);
	/* Keys plugnet does not know are the runtime's or other plugins'. */
	assert_int_equal(
		conf_read(",'ipam':{},'mtu':1500,'capabilities':{'x':true}}", true, &pc, &err), 0);
	assert_int_equal(pc.n_requests, 0);
	pn_plugin_conf_free(&pc);
}

static void test_keys(void **state)
{
	static const struct {
		const char *name;
		enum pn_log_level level;
	} levels[] = {
		{"error", PN_LOG_ERROR}, {"warning", PN_LOG_WARN}, {"warn", PN_LOG_WARN},
		{"info", PN_LOG_INFO},   {"debug", PN_LOG_DEBUG},
	};
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[256];

	(void)state;
	assert_int_equal(conf_read(",'socket':'/tmp/p.sock','timeoutMs':1500,"
				   "'logFile':'/var/log/plugnet.log','logLevel':'debug'}",
				   true, &pc, &err),
			 0);
	assert_string_equal(pc.socket, "/tmp/p.sock");
	assert_int_equal(pc.timeout_ms, 1500);
	assert_string_equal(pc.log_file, "/var/log/plugnet.log");
	assert_int_equal(pc.log_level, PN_LOG_DEBUG);
	pn_plugin_conf_free(&pc);
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		snprintf(rest, sizeof(rest), ",'logLevel':'%s'}", levels[i].name);
		assert_int_equal(conf_read(rest, true, &pc, &err), 0);
		assert_int_equal(pc.log_level, levels[i].level);
		pn_plugin_conf_free(&pc);
	}
	assert_int_equal(conf_read(",'timeoutMs':1}", true, &pc, &err), 0);
	assert_int_equal(pc.timeout_ms, 1);
	assert_int_equal(conf_read(",'timeoutMs':3600000}", true, &pc, &err), 0);
	assert_int_equal(pc.timeout_ms, 3600000);
	assert_int_equal(conf_read(",'timeoutMs':2.0e3}", true, &pc, &err), 0);
	assert_int_equal(pc.timeout_ms, 2000);
}

/* A string key of `size` bytes (with its NUL) takes size - 1 bytes, not size. */
static void check_string_key(const char *key, size_t size)
{
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[1024], want[256], value[512];

	memset(value, 'a', size - 1);
	value[0] = '/';
	value[size - 1] = '\0';
	snprintf(rest, sizeof(rest), ",'%s':'%s'}", key, value);
	assert_int_equal(conf_read(rest, true, &pc, &err), 0);
	pn_plugin_conf_free(&pc);

	snprintf(want, sizeof(want),
		 "network configuration: key '%s' must be a string of 1 to %zu bytes", key,
		 size - 1);
	snprintf(rest, sizeof(rest), ",'%s':'%sa'}", key, value);
	assert_conf_fails(rest, true, want);
	snprintf(rest, sizeof(rest), ",'%s':''}", key);
	assert_conf_fails(rest, true, want);
	snprintf(rest, sizeof(rest), ",'%s':5}", key);
	assert_conf_fails(rest, true, want);
	snprintf(rest, sizeof(rest), ",'%s':true}", key);
	assert_conf_fails(rest, true, want);
	snprintf(rest, sizeof(rest), ",'%s':null}", key);
	assert_conf_fails(rest, true, want);
	snprintf(rest, sizeof(rest), ",'%s':['/a']}", key);
	assert_conf_fails(rest, true, want);
}

static void test_socket_type(void **state)
{
	(void)state;
	check_string_key("socket", 108);
}

static void test_log_file_type(void **state)
{
	(void)state;
	check_string_key("logFile", 256);
}

static void test_log_level(void **state)
{
	(void)state;
	assert_conf_fails(",'logLevel':'verbose'}", true,
			  "network configuration: key 'logLevel': 'verbose' is not one of error, "
			  "warning, info, debug");
	assert_conf_fails(",'logLevel':'DEBUG'}", true,
			  "network configuration: key 'logLevel': 'DEBUG' is not one of error, "
			  "warning, info, debug");
	assert_conf_fails(
		",'logLevel':3}", true,
		"network configuration: key 'logLevel' must be a string of 1 to 15 bytes");
	assert_conf_fails(
		",'logLevel':''}", true,
		"network configuration: key 'logLevel' must be a string of 1 to 15 bytes");
	assert_conf_fails(
		",'logLevel':'debugdebugdebugd'}", true,
		"network configuration: key 'logLevel' must be a string of 1 to 15 bytes");
}

static void test_timeout_type(void **state)
{
	static const char *const bad[] = {"0",    "-1", "1.5", "3600001", "1e12",  "'100'", "true",
					  "null", "[]", "{}",  "-0.5",    "0.999", "1e-3"};
	char rest[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(rest, sizeof(rest), ",'timeoutMs':%s}", bad[i]);
		assert_conf_fails(rest, true,
				  "network configuration: key 'timeoutMs' must be an integer from "
				  "1 to 3600000");
	}
}

/* --- programs ------------------------------------------------------------- */

static void test_programs(void **state)
{
	struct cni_error err = {};
	struct pn_plugin_conf pc;

	(void)state;
	assert_int_equal(conf_read(",'programs':["
				   "{'program':'fw'},"
				   "{'program':'rate_limit-2','target':'host','priority':-3},"
				   "{'target':'uplink:eth0','program':'Counter','priority':0,"
				   "'proceedOn':['tx','pass']}]}",
				   true, &pc, &err),
			 0);
	assert_int_equal(pc.n_requests, 3);
	assert_request(&pc.requests[0], "fw", "pod", false, 0, "", NET "[0]");
	assert_request(&pc.requests[1], "rate_limit-2", "host", true, -3, "", NET "[1]");
	assert_request(&pc.requests[2], "Counter", "uplink:eth0", true, 0, "tx,pass", NET "[2]");
	pn_plugin_conf_free(&pc);
	assert_null(pc.requests);
	assert_int_equal(pc.n_requests, 0);
	/* An empty list asks for nothing. */
	assert_int_equal(conf_read(",'programs':[]}", true, &pc, &err), 0);
	assert_int_equal(pc.n_requests, 0);
	pn_plugin_conf_free(&pc);
}

static void test_programs_type(void **state)
{
	(void)state;
	assert_conf_fails(",'programs':{'program':'fw'}}", true,
			  NET ": must be an array of programs");
	assert_conf_fails(",'programs':'fw'}", true, NET ": must be an array of programs");
	assert_conf_fails(",'programs':null}", true, NET ": must be an array of programs");
	assert_conf_fails(",'programs':['fw']}", true, NET "[0]: must be an object");
	/* An error in a later entry names it, and frees the entries before it. */
	assert_conf_fails(",'programs':[{'program':'fw'},{'program':'fw2'},[]]}", true,
			  NET "[2]: must be an object");
}

static void test_programs_unknown_key(void **state)
{
	(void)state;
	assert_conf_fails(",'programs':[{'program':'fw'},{'program':'fw','prio':1}]}", true,
			  NET "[1]: unknown key 'prio' (expected program, target, priority, "
			      "proceedOn)");
	assert_conf_fails(",'programs':[{'program':'fw','proceed_on':['pass']}]}", true,
			  NET "[0]: unknown key 'proceed_on' (expected program, target, priority, "
			      "proceedOn)");
	assert_conf_fails(",'programs':[{'Program':'fw'}]}", true,
			  NET "[0]: unknown key 'Program' (expected program, target, priority, "
			      "proceedOn)");
}

static void test_programs_name(void **state)
{
	static const char *const bad[] = {"''",        "'a b'", "'a.b'", "'a/b'", "'fw!'",
					  "'\\u00e9'", "5",     "null",  "['fw']"};
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[256], name[70];

	(void)state;
	assert_conf_fails(",'programs':[{'target':'pod'}]}", true,
			  NET "[0]: 'program' must be a catalog name (1 to 64 of A-Z a-z 0-9 _ -)");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':%s}]}", bad[i]);
		assert_conf_fails(rest, true,
				  NET "[0]: 'program' must be a catalog name (1 to 64 of A-Z a-z "
				      "0-9 _ -)");
	}
	memset(name, 'p', 64);
	name[64] = '\0';
	snprintf(rest, sizeof(rest), ",'programs':[{'program':'%s'}]}", name);
	assert_int_equal(conf_read(rest, true, &pc, &err), 0);
	assert_string_equal(pc.requests[0].program, name);
	pn_plugin_conf_free(&pc);
	snprintf(rest, sizeof(rest), ",'programs':[{'program':'%sp'}]}", name);
	assert_conf_fails(rest, true,
			  NET "[0]: 'program' must be a catalog name (1 to 64 of A-Z a-z 0-9 _ -)");
}

static void test_programs_target(void **state)
{
	static const char *const good[] = {"pod",
					   "host",
					   "uplink:eth0",
					   "uplink:e",
					   "uplink:abcdefghijklmno",
					   "uplink:bond0.100"};
	static const char *const bad[] = {
		"'Pod'",
		"'HOST'",
		"''",
		"'uplink'",
		"'uplink:'",
		"'uplink:a/b'",
		"'uplink:a:b'",
		"'uplink:a b'",
		"'uplink:a\\tb'",
		"'uplink:a\\nb'",
		"'uplink:a\\rb'",
		"'uplink:a\\u000bb'",
		"'uplink:a\\fb'",
		"'uplink:a\\u00a0'",
		"'uplink:abcdefghijklmnop'",
		"'uplinks:eth0'",
		"'uplink :eth0'",
		"'uplink:.'",
		"'uplink:..'",
		"'pod '",
		"5",
		"null",
		"['pod']",
	};
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':'fw','target':'%s'}]}",
			 good[i]);
		assert_int_equal(conf_read(rest, true, &pc, &err), 0);
		assert_string_equal(pc.requests[0].target, good[i]);
		pn_plugin_conf_free(&pc);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':'fw','target':%s}]}", bad[i]);
		assert_conf_fails(rest, true,
				  NET "[0]: 'target' must be \"pod\", \"host\" or "
				      "\"uplink:<ifname>\"");
	}
}

static void test_programs_priority(void **state)
{
	static const char *const bad[] = {"1.5",   "'1'",  "true",  "null",       "[1]",
					  "-0.25", "1e10", "-1e10", "2147483648", "-2147483649"};
	static const struct {
		const char *text;
		int value;
	} good[] = {{"0", 0},
		    {"7", 7},
		    {"-7", -7},
		    {"1e2", 100},
		    {"2147483647", 2147483647},
		    {"-2147483648", -2147483647 - 1}};
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':'fw','priority':%s}]}",
			 good[i].text);
		assert_int_equal(conf_read(rest, true, &pc, &err), 0);
		assert_true(pc.requests[0].has_priority);
		assert_int_equal(pc.requests[0].priority, good[i].value);
		pn_plugin_conf_free(&pc);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':'fw','priority':%s}]}",
			 bad[i]);
		assert_conf_fails(rest, true, NET "[0]: 'priority' must be an integer");
	}
}

static void test_programs_proceed_on(void **state)
{
	static const struct {
		const char *list, *want;
	} good[] = {
		{"[]", ""},
		{"['pass']", "pass"},
		{"['tx','pass']", "tx,pass"},
		{"['redirect','tx','pass','drop','aborted']", "redirect,tx,pass,drop,aborted"},
		{"['aborted','drop','pass','tx','redirect']", "aborted,drop,pass,tx,redirect"},
		/* 63 bytes: the most there is room for. */
		{"['redirect','redirect','redirect','redirect','redirect','aborted','aborted',"
		 "'tx']",
		 "redirect,redirect,redirect,redirect,redirect,aborted,aborted,tx"},
	};
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':'fw','proceedOn':%s}]}",
			 good[i].list);
		assert_int_equal(conf_read(rest, true, &pc, &err), 0);
		assert_string_equal(pc.requests[0].proceed_on, good[i].want);
		pn_plugin_conf_free(&pc);
	}
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':'pass'}]}", true,
			  NET "[0]: 'proceedOn' must be an array of XDP verdicts");
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':{'pass':true}}]}", true,
			  NET "[0]: 'proceedOn' must be an array of XDP verdicts");
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':['pass',2]}]}", true,
			  NET "[0]: 'proceedOn' must be an array of strings");
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':['pass','PASS']}]}", true,
			  NET "[0]: 'proceedOn': 'PASS' is not one of aborted, drop, pass, tx, "
			      "redirect");
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':['XDP_PASS']}]}", true,
			  NET "[0]: 'proceedOn': 'XDP_PASS' is not one of aborted, drop, pass, tx, "
			      "redirect");
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':['']}]}", true,
			  NET "[0]: 'proceedOn': '' is not one of aborted, drop, pass, tx, "
			      "redirect");
	/* 64 bytes and more do not fit. */
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':['redirect','redirect',"
			  "'redirect','redirect','redirect','redirect','aborted','tx']}]}",
			  true, NET "[0]: 'proceedOn' is too long");
	assert_conf_fails(",'programs':[{'program':'fw','proceedOn':['redirect','redirect',"
			  "'redirect','redirect','redirect','redirect','redirect','redirect',"
			  "'redirect','redirect']}]}",
			  true, NET "[0]: 'proceedOn' is too long");
}

/* --- the pod's annotation ------------------------------------------------- */

#define ANNOTATIONS(value)                                                                \
	",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{'other':'x','plugnet.io/" \
	"programs':" value "}}}"

static void test_annotation(void **state)
{
	struct cni_error err = {};
	struct pn_plugin_conf pc;

	(void)state;
	assert_int_equal(conf_read(ANNOTATIONS("'[{`program`:`fw`,`target`:`host`,`priority`:5,"
					       "`proceedOn`:[`drop`,`pass`]}]'"),
				   true, &pc, &err),
			 0);
	assert_int_equal(pc.n_requests, 1);
	assert_request(&pc.requests[0], "fw", "host", true, 5, "drop,pass", ANN "[0]");
	pn_plugin_conf_free(&pc);
	/* Whitespace around the list is fine; an empty list asks for nothing. */
	assert_int_equal(conf_read(ANNOTATIONS("' [ ] '"), true, &pc, &err), 0);
	assert_int_equal(pc.n_requests, 0);
	pn_plugin_conf_free(&pc);
}

static void test_annotation_absent(void **state)
{
	static const char *const rests[] = {
		"}",
		",'runtimeConfig':null}",
		",'runtimeConfig':{}}",
		",'runtimeConfig':{'portMappings':[]}}",
		",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':null}}",
		",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{}}}",
		",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{'other':'[x'}}}",
		/* Names are exact. */
		",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{'Plugnet.io/programs':5}}}",
		",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{'plugnet.io/program':5}}}",
		/* An annotation at the top level or under another capability is not one. */
		",'plugnet.io/programs':5}",
		",'runtimeConfig':{'plugnet.io/programs':5}}",
	};
	struct cni_error err = {};
	struct pn_plugin_conf pc;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rests); i++) {
		if (conf_read(rests[i], true, &pc, &err))
			fail_msg("%s: %s", rests[i], err.msg);
		assert_int_equal(pc.n_requests, 0);
		pn_plugin_conf_free(&pc);
	}
}

static void test_annotation_bad(void **state)
{
	(void)state;
	assert_conf_fails(",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':'x'}}", true,
			  "runtimeConfig: 'io.kubernetes.cri.pod-annotations' must be an object of "
			  "annotations");
	assert_conf_fails(",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':[]}}", true,
			  "runtimeConfig: 'io.kubernetes.cri.pod-annotations' must be an object of "
			  "annotations");
	/* The annotation's value is a string holding JSON, not JSON itself. */
	assert_conf_fails(
		ANNOTATIONS("[{'program':'fw'}]"), true,
		"annotation 'plugnet.io/programs': must be a string holding a JSON array");
	assert_conf_fails(
		ANNOTATIONS("5"), true,
		"annotation 'plugnet.io/programs': must be a string holding a JSON array");
	assert_conf_fails(
		ANNOTATIONS("null"), true,
		"annotation 'plugnet.io/programs': must be a string holding a JSON array");
	assert_conf_fails(ANNOTATIONS("''"), true,
			  "annotation 'plugnet.io/programs': not JSON (parsing stopped at byte 0)");
	assert_conf_fails(
		ANNOTATIONS("'[{`program`:`fw`'"), true,
		"annotation 'plugnet.io/programs': not JSON (parsing stopped at byte 16)");
	assert_conf_fails(ANNOTATIONS("'fw'"), true,
			  "annotation 'plugnet.io/programs': not JSON (parsing stopped at byte 0)");
	/* One JSON value, nothing after it. */
	assert_conf_fails(ANNOTATIONS("'[] []'"), true,
			  "annotation 'plugnet.io/programs': not JSON (parsing stopped at byte 3)");
	assert_conf_fails(ANNOTATIONS("'{`program`:`fw`}'"), true,
			  ANN ": must be an array of programs");
	assert_conf_fails(ANNOTATIONS("'[{`program`:`fw`},{`program`:`fw`,`target`:`uplink:`}]'"),
			  true,
			  ANN "[1]: 'target' must be \"pod\", \"host\" or \"uplink:<ifname>\"");
	assert_conf_fails(ANNOTATIONS("'[{`program`:`fw`,`x`:1}]'"), true,
			  ANN "[0]: unknown key 'x' (expected program, target, priority, "
			      "proceedOn)");
	/* A bad annotation after good network programs frees them all. */
	assert_conf_fails(",'programs':[{'program':'a'},{'program':'b'}]"
			  ",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{"
			  "'plugnet.io/programs':'[{`program`:1}]'}}}",
			  true,
			  ANN "[0]: 'program' must be a catalog name (1 to 64 of A-Z a-z 0-9 _ -)");
	/* The network's own keys are read before the annotation. */
	assert_conf_fails(",'logLevel':'loud'" ANNOTATIONS("5"), true,
			  "network configuration: key 'logLevel': 'loud' is not one of error, "
			  "warning, info, debug");
}

/* DEL and GC read without annotations: a broken one must not keep a pod. */
static void test_annotation_ignored(void **state)
{
	static const char *const broken[] = {
		ANNOTATIONS("5"),
		ANNOTATIONS("'[{'"),
		ANNOTATIONS("'[{`program`:`a b`}]'"),
		",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':'x'}}",
	};
	struct cni_error err = {};
	struct pn_plugin_conf pc;
	char rest[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
		snprintf(rest, sizeof(rest), ",'programs':[{'program':'net'}]%s", broken[i]);
		if (conf_read(rest, false, &pc, &err))
			fail_msg("%s: %s", rest, err.msg);
		assert_int_equal(pc.n_requests, 1);
		assert_request(&pc.requests[0], "net", "pod", false, 0, "", NET "[0]");
		pn_plugin_conf_free(&pc);
	}
	/* A good annotation is not read either. */
	assert_int_equal(conf_read(ANNOTATIONS("'[{`program`:`fw`}]'"), false, &pc, &err), 0);
	assert_int_equal(pc.n_requests, 0);
	pn_plugin_conf_free(&pc);
	/* The network's keys still are. */
	assert_conf_fails(",'programs':[{'program':'a b'}]" ANNOTATIONS("5"), false,
			  NET "[0]: 'program' must be a catalog name (1 to 64 of A-Z a-z 0-9 _ -)");
}

static void test_network_then_annotation(void **state)
{
	struct cni_error err = {};
	struct pn_plugin_conf pc;

	(void)state;
	/* runtimeConfig first in the text: the order is still network, then pod. */
	assert_int_equal(conf_read(",'runtimeConfig':{'io.kubernetes.cri.pod-annotations':{"
				   "'plugnet.io/programs':'[{`program`:`pod1`},"
				   "{`program`:`pod2`,`target`:`uplink:eth1`}]'}},"
				   "'programs':[{'program':'net1','priority':1},"
				   "{'program':'net2','target':'host'}]}",
				   true, &pc, &err),
			 0);
	assert_int_equal(pc.n_requests, 4);
	assert_request(&pc.requests[0], "net1", "pod", true, 1, "", NET "[0]");
	assert_request(&pc.requests[1], "net2", "host", false, 0, "", NET "[1]");
	assert_request(&pc.requests[2], "pod1", "pod", false, 0, "", ANN "[0]");
	assert_request(&pc.requests[3], "pod2", "uplink:eth1", false, 0, "", ANN "[1]");
	pn_plugin_conf_free(&pc);
	/* A program may be asked for twice; plugnetd decides. */
	assert_int_equal(
		conf_read(",'programs':[{'program':'fw'}]" ANNOTATIONS("'[{`program`:`fw`}]'"),
			  true, &pc, &err),
		0);
	assert_int_equal(pc.n_requests, 2);
	assert_request(&pc.requests[0], "fw", "pod", false, 0, "", NET "[0]");
	assert_request(&pc.requests[1], "fw", "pod", false, 0, "", ANN "[0]");
	pn_plugin_conf_free(&pc);
	/* Many of them. */
	{
		char rest[8000];
		size_t n = (size_t)snprintf(rest, sizeof(rest), ",'programs':[");

		for (int i = 0; i < 100; i++)
			n += (size_t)snprintf(rest + n, sizeof(rest) - n, "%s{'program':'p%d'}",
					      i ? "," : "", i);
		snprintf(rest + n, sizeof(rest) - n, "]}");
		assert_int_equal(conf_read(rest, true, &pc, &err), 0);
		assert_int_equal(pc.n_requests, 100);
		assert_string_equal(pc.requests[99].program, "p99");
		assert_string_equal(pc.requests[99].source, NET "[99]");
		pn_plugin_conf_free(&pc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_socket_type),
		cmocka_unit_test(test_log_file_type),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_timeout_type),
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_programs_type),
		cmocka_unit_test(test_programs_unknown_key),
		cmocka_unit_test(test_programs_name),
		cmocka_unit_test(test_programs_target),
		cmocka_unit_test(test_programs_priority),
		cmocka_unit_test(test_programs_proceed_on),
		cmocka_unit_test(test_annotation),
		cmocka_unit_test(test_annotation_absent),
		cmocka_unit_test(test_annotation_bad),
		cmocka_unit_test(test_annotation_ignored),
		cmocka_unit_test(test_network_then_annotation),
	};

	return cmocka_run_group_tests_name("plugin_conf", tests, NULL, NULL);
}
