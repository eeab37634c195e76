// SPDX-License-Identifier: Apache-2.0
/*
 * plugnetd's configuration file. A bad file must stop the daemon with one
 * line that names the file and the key, so every refusal below checks the
 * return code, the exact "config '<path>': " prefix and the key path in
 * quotes; and a refused file must leave the defaults, nothing half-loaded.
 * Files are written to a mkdtemp directory under /tmp.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "testlib.h"

static char dir[64];
static char path[128]; /* dir/plugnetd.json, the file every case writes */

/* --- fixtures ------------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/plugnet-config-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/plugnetd.json", dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tl_sh("rm -rf '%s'", dir) ? -1 : 0;
}

/* Whatever a case put at path (file, directory, FIFO) goes. */
static int remove_path(void **state)
{
	(void)state;
	return tl_sh("rm -rf '%s'", path) ? -1 : 0;
}

static void write_config(const char *text)
{
	tl_assert_ok(tl_write_file(path, text, strlen(text)), path);
}

/* "/" and then `len - 1` more bytes: an absolute path of `len` bytes. */
static char *long_path(size_t len)
{
	char *s = malloc(len + 1);

	assert_non_null(s);
	s[0] = '/';
	memset(s + 1, 'a', len - 1);
	s[len] = '\0';
	return s;
}

/* `text` with its one "%s" replaced by `value`. */
static char *fill(const char *text, const char *value)
{
	const char *at = strstr(text, "%s");
	char *s = NULL;

	assert_non_null(at);
	assert_true(asprintf(&s, "%.*s%s%s", (int)(at - text), text, value, at + 2) >= 0);
	return s;
}

static void assert_defaults(const struct pn_config *cfg)
{
	assert_string_equal(cfg->workload_socket, "/run/plugnet/plugnet.sock");
	assert_string_equal(cfg->admin_socket, "/run/plugnet/admin.sock");
	assert_string_equal(cfg->pin_root, "/sys/fs/bpf/plugnet");
	assert_string_equal(cfg->state_dir, "/var/lib/plugnet");
	assert_string_equal(cfg->catalog_dir, "/etc/plugnet/programs");
	assert_string_equal(cfg->metrics_addr, "");
	assert_string_equal(cfg->cni_binary, "/opt/cni/bin/plugnet");
	assert_false(cfg->allow_upload);
	assert_int_equal(cfg->max_body_bytes, 1 << 20);
	assert_int_equal(cfg->request_timeout_s, 10);
	assert_int_equal(cfg->sweep_interval_ms, 1000);
	assert_false(cfg->slot_counters);
	assert_null(cfg->uplinks);
	assert_int_equal(cfg->n_uplinks, 0);
}

static void assert_config_equal(const struct pn_config *got, const struct pn_config *want)
{
	assert_string_equal(got->workload_socket, want->workload_socket);
	assert_string_equal(got->admin_socket, want->admin_socket);
	assert_string_equal(got->pin_root, want->pin_root);
	assert_string_equal(got->state_dir, want->state_dir);
	assert_string_equal(got->catalog_dir, want->catalog_dir);
	assert_string_equal(got->metrics_addr, want->metrics_addr);
	assert_string_equal(got->cni_binary, want->cni_binary);
	assert_int_equal(got->allow_upload, want->allow_upload);
	assert_int_equal(got->max_body_bytes, want->max_body_bytes);
	assert_int_equal(got->request_timeout_s, want->request_timeout_s);
	assert_int_equal(got->sweep_interval_ms, want->sweep_interval_ms);
	assert_int_equal(got->slot_counters, want->slot_counters);
	assert_int_equal(got->n_uplinks, want->n_uplinks);
	for (size_t i = 0; i < want->n_uplinks; i++) {
		assert_string_equal(got->uplinks[i].ifname, want->uplinks[i].ifname);
		assert_int_equal(got->uplinks[i].slot_quota, want->uplinks[i].slot_quota);
		assert_int_equal(got->uplinks[i].prio_min, want->uplinks[i].prio_min);
		assert_int_equal(got->uplinks[i].prio_max, want->uplinks[i].prio_max);
	}
}

/* A struct that is anything but the defaults, to see that a load overwrites all of it. */
static void poison(struct pn_config *cfg)
{
	memset(cfg, 0x5a, sizeof(*cfg));
	cfg->uplinks = NULL;
}

/* Load path, expecting success; err must come back empty. */
static void load_ok(struct pn_config *cfg)
{
	char err[512] = "stale";
	int rc;

	poison(cfg);
	rc = pn_config_load(path, false, cfg, err, sizeof(err));
	if (rc)
		fail_msg("load: %d (%s): %s", rc, strerror(-rc), err);
	assert_string_equal(err, "");
}

/* --- refusals ------------------------------------------------------------- */

enum setup {
	TEXT,      /* a file holding `text` */
	NO_FILE,   /* nothing at path */
	DIRECTORY, /* a directory at path */
	FIFO,      /* a FIFO at path: must be refused, not block the open */
	OVERSIZED, /* a valid file one byte over the limit */
};

struct error_case {
	const char *name;
	enum setup setup;
	const char *text; /* TEXT: the file; with long_len, a format whose %s is long_path() */
	size_t long_len;
	size_t len; /* TEXT: its length when it holds a NUL byte, else 0 (strlen) */
	bool allow_missing;
	int rc;
	/*
	 * The key the message names right after "config '<path>': " ("" for the
	 * top level), or NULL for a file that is not read as JSON at all.
	 */
	const char *key;
	const char *has; /* what the message holds after that prefix */
};

#define UPLINK(...) "{\"uplinks\": [{\"ifname\": \"eth0\", \"slot_quota\": 2" __VA_ARGS__ "}]}"

static const struct error_case errors[] = {
	/* Unknown keys, at every level, with their full path. */
	{"unknown_top", TEXT, "{\"pin_rot\": \"/x\"}", .key = "pin_rot", .rc = -EINVAL,
	 .has = "key 'pin_rot': unknown key (known here: workload_socket, admin_socket, pin_root, "
		"state_dir, catalog_dir, metrics_addr, cni_binary, slot_counters, upload, limits, "
		"uplinks)"},
	{"unknown_in_upload", TEXT, "{\"upload\": {\"allow_raw\": true}}",
	 .key = "upload.allow_raw", .rc = -EINVAL,
	 .has = "key 'upload.allow_raw': unknown key (known here: allow_raw_elf)"},
	{"unknown_in_limits", TEXT, "{\"limits\": {\"request_timeout\": 5}}",
	 .key = "limits.request_timeout", .rc = -EINVAL,
	 .has = "key 'limits.request_timeout': unknown key"},
	{"unknown_in_uplink", TEXT, UPLINK(", \"prio\": {}"), .key = "uplinks[0].prio",
	 .rc = -EINVAL,
	 .has = "key 'uplinks[0].prio': unknown key (known here: ifname, slot_quota, priority)"},
	{"unknown_in_priority", TEXT, UPLINK(", \"priority\": {\"min\": 0, \"mx\": 3}"),
	 .key = "uplinks[0].priority.mx", .rc = -EINVAL,
	 .has = "key 'uplinks[0].priority.mx': unknown key (known here: min, max)"},
	{"unknown_in_second_uplink", TEXT,
	 "{\"uplinks\": [{\"ifname\": \"a\", \"slot_quota\": 1},"
	 " {\"ifname\": \"b\", \"slot_quota\": 1, \"quota\": 1}]}",
	 .key = "uplinks[1].quota", .rc = -EINVAL, .has = "key 'uplinks[1].quota': unknown key"},
	{"unknown_key_control_chars", TEXT, "{\"a\\nb\\u0007\": 1}", .key = "a?b?", .rc = -EINVAL,
	 .has = "key 'a?b?': unknown key"},
	{"key_given_twice", TEXT, "{\"pin_root\": \"/a\", \"pin_root\": \"/b\"}", .key = "pin_root",
	 .rc = -EINVAL, .has = "key 'pin_root': given twice"},
	{"key_given_twice_nested", TEXT, UPLINK(", \"slot_quota\": 3"),
	 .key = "uplinks[0].slot_quota", .rc = -EINVAL,
	 .has = "key 'uplinks[0].slot_quota': given twice"},

	/* Wrong types, one for each kind of key. */
	{"type_top_level", TEXT, "[]", .key = "", .rc = -EINVAL,
	 .has = "top level: expected an object, got an array"},
	{"type_workload_socket", TEXT, "{\"workload_socket\": 5}", .key = "workload_socket",
	 .rc = -EINVAL,
	 .has = "key 'workload_socket': expected an absolute path of at most 107 bytes, got a "
		"number"},
	{"type_admin_socket", TEXT, "{\"admin_socket\": null}", .key = "admin_socket",
	 .rc = -EINVAL,
	 .has = "key 'admin_socket': expected an absolute path of at most 107 bytes, got null"},
	{"type_pin_root", TEXT, "{\"pin_root\": true}", .key = "pin_root", .rc = -EINVAL,
	 .has = "key 'pin_root': expected an absolute path of at most 255 bytes, got true"},
	{"type_state_dir", TEXT, "{\"state_dir\": [\"/var\"]}", .key = "state_dir", .rc = -EINVAL,
	 .has = "key 'state_dir': expected an absolute path of at most 4095 bytes, got an array"},
	{"type_catalog_dir", TEXT, "{\"catalog_dir\": {}}", .key = "catalog_dir", .rc = -EINVAL,
	 .has = "key 'catalog_dir': expected an absolute path of at most 4095 bytes, got an "
		"object"},
	{"type_cni_binary", TEXT, "{\"cni_binary\": false}", .key = "cni_binary", .rc = -EINVAL,
	 .has = "key 'cni_binary': expected an absolute path of at most 4095 bytes, got false"},
	{"type_metrics_addr", TEXT, "{\"metrics_addr\": 9100}", .key = "metrics_addr",
	 .rc = -EINVAL,
	 .has = "key 'metrics_addr': expected \"\" (off) or a loopback address and port, such as "
		"\"127.0.0.1:9100\" or \"[::1]:9100\", got a number"},
	{"type_upload", TEXT, "{\"upload\": true}", .key = "upload", .rc = -EINVAL,
	 .has = "key 'upload': expected an object, got true"},
	{"type_allow_raw_elf_string", TEXT, "{\"upload\": {\"allow_raw_elf\": \"yes\"}}",
	 .key = "upload.allow_raw_elf", .rc = -EINVAL,
	 .has = "key 'upload.allow_raw_elf': expected true or false, got a string"},
	{"type_allow_raw_elf_number", TEXT, "{\"upload\": {\"allow_raw_elf\": 1}}",
	 .key = "upload.allow_raw_elf", .rc = -EINVAL,
	 .has = "key 'upload.allow_raw_elf': expected true or false, got a number"},
	{"type_limits", TEXT, "{\"limits\": []}", .key = "limits", .rc = -EINVAL,
	 .has = "key 'limits': expected an object, got an array"},
	{"type_max_body_bytes", TEXT, "{\"limits\": {\"max_body_bytes\": \"1M\"}}",
	 .key = "limits.max_body_bytes", .rc = -EINVAL,
	 .has = "key 'limits.max_body_bytes': expected an integer from 4096 to 67108864, got a "
		"string"},
	{"type_request_timeout_fraction", TEXT, "{\"limits\": {\"request_timeout_s\": 1.5}}",
	 .key = "limits.request_timeout_s", .rc = -EINVAL,
	 .has = "key 'limits.request_timeout_s': expected an integer from 1 to 600, got 1.5"},
	{"type_uplinks", TEXT, "{\"uplinks\": {\"ifname\": \"eth0\"}}", .key = "uplinks",
	 .rc = -EINVAL, .has = "key 'uplinks': expected an array, got an object"},
	{"type_uplink_entry", TEXT, "{\"uplinks\": [\"eth0\"]}", .key = "uplinks[0]", .rc = -EINVAL,
	 .has = "key 'uplinks[0]': expected an object, got a string"},
	{"type_ifname", TEXT, "{\"uplinks\": [{\"ifname\": 3, \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name of 1 to 15 bytes, got a "
		"number"},
	{"type_slot_quota", TEXT, "{\"uplinks\": [{\"ifname\": \"eth0\", \"slot_quota\": \"2\"}]}",
	 .key = "uplinks[0].slot_quota", .rc = -EINVAL,
	 .has = "key 'uplinks[0].slot_quota': expected an integer from 1 to 63, got a string"},
	{"type_priority", TEXT, UPLINK(", \"priority\": 5"), .key = "uplinks[0].priority",
	 .rc = -EINVAL, .has = "key 'uplinks[0].priority': expected an object, got a number"},
	{"type_priority_min", TEXT, UPLINK(", \"priority\": {\"min\": \"0\"}"),
	 .key = "uplinks[0].priority.min", .rc = -EINVAL,
	 .has = "key 'uplinks[0].priority.min': expected an integer from -2147483648 to "
		"2147483647, got a string"},

	/* Out of range, on both sides. */
	{"range_max_body_low", TEXT, "{\"limits\": {\"max_body_bytes\": 4095}}",
	 .key = "limits.max_body_bytes", .rc = -EINVAL,
	 .has = "key 'limits.max_body_bytes': expected an integer from 4096 to 67108864, got "
		"4095"},
	{"range_max_body_high", TEXT, "{\"limits\": {\"max_body_bytes\": 67108865}}",
	 .key = "limits.max_body_bytes", .rc = -EINVAL,
	 .has = "key 'limits.max_body_bytes': expected an integer from 4096 to "
		"67108864, got 67108865"},
	{"range_max_body_huge", TEXT, "{\"limits\": {\"max_body_bytes\": 1e300}}",
	 .key = "limits.max_body_bytes", .rc = -EINVAL,
	 .has = "key 'limits.max_body_bytes': expected an integer from 4096 to 67108864, got "
		"1e+300"},
	{"range_sweep_low", TEXT, "{\"limits\": {\"sweep_interval_ms\": 99}}",
	 .key = "limits.sweep_interval_ms", .rc = -EINVAL,
	 .has = "key 'limits.sweep_interval_ms': expected an integer from 100 to 600000, got 99"},
	{"type_slot_counters", TEXT, "{\"slot_counters\": \"yes\"}", .key = "slot_counters",
	 .rc = -EINVAL, .has = "key 'slot_counters': expected true or false"},
	{"range_timeout_zero", TEXT, "{\"limits\": {\"request_timeout_s\": 0}}",
	 .key = "limits.request_timeout_s", .rc = -EINVAL,
	 .has = "key 'limits.request_timeout_s': expected an integer from 1 to 600, got 0"},
	{"range_timeout_high", TEXT, "{\"limits\": {\"request_timeout_s\": 601}}",
	 .key = "limits.request_timeout_s", .rc = -EINVAL,
	 .has = "key 'limits.request_timeout_s': expected an integer from 1 to 600, got 601"},
	{"range_slot_quota_zero", TEXT, "{\"uplinks\": [{\"ifname\": \"e\", \"slot_quota\": 0}]}",
	 .key = "uplinks[0].slot_quota", .rc = -EINVAL,
	 .has = "key 'uplinks[0].slot_quota': expected an integer from 1 to 63, got 0"},
	{"range_slot_quota_high", TEXT, "{\"uplinks\": [{\"ifname\": \"e\", \"slot_quota\": 64}]}",
	 .key = "uplinks[0].slot_quota", .rc = -EINVAL,
	 .has = "key 'uplinks[0].slot_quota': expected an integer from 1 to 63, got 64"},
	{"range_priority_min", TEXT, UPLINK(", \"priority\": {\"min\": -2147483649}"),
	 .key = "uplinks[0].priority.min", .rc = -EINVAL,
	 .has = "key 'uplinks[0].priority.min': expected an integer from "
		"-2147483648 to 2147483647, got -2147483649"},
	{"range_priority_max", TEXT, UPLINK(", \"priority\": {\"max\": 2147483648}"),
	 .key = "uplinks[0].priority.max", .rc = -EINVAL,
	 .has = "key 'uplinks[0].priority.max': expected an integer from "
		"-2147483648 to 2147483647, got 2147483648"},
	{"priority_min_above_max", TEXT, UPLINK(", \"priority\": {\"min\": 5, \"max\": 4}"),
	 .key = "uplinks[0].priority", .rc = -EINVAL,
	 .has = "key 'uplinks[0].priority': min 5 is greater than max 4"},
	{"priority_min_above_default_max", TEXT,
	 UPLINK(", \"priority\": {\"max\": -2147483648, "
		"\"min\": -2147483647}"),
	 .key = "uplinks[0].priority", .rc = -EINVAL,
	 .has = "key 'uplinks[0].priority': min -2147483647 is greater than max -2147483648"},

	/* Required uplink keys. */
	{"missing_ifname", TEXT, "{\"uplinks\": [{\"slot_quota\": 1}]}", .key = "uplinks[0].ifname",
	 .rc = -EINVAL, .has = "key 'uplinks[0].ifname': missing (required)"},
	{"missing_slot_quota", TEXT, "{\"uplinks\": [{\"ifname\": \"a\"}, {\"ifname\": \"b\"}]}",
	 .key = "uplinks[0].slot_quota", .rc = -EINVAL,
	 .has = "key 'uplinks[0].slot_quota': missing (required)"},

	/* Paths: absolute, and short enough. */
	{"relative_workload_socket", TEXT, "{\"workload_socket\": \"run/plugnet.sock\"}",
	 .key = "workload_socket", .rc = -EINVAL,
	 .has = "key 'workload_socket': expected an absolute path of at most 107 bytes, got "
		"\"run/plugnet.sock\" (16 bytes): not an absolute path"},
	{"empty_admin_socket", TEXT, "{\"admin_socket\": \"\"}", .key = "admin_socket",
	 .rc = -EINVAL,
	 .has = "key 'admin_socket': expected an absolute path of at most 107 bytes, got \"\" (0 "
		"bytes): not an absolute path"},
	{"relative_pin_root", TEXT, "{\"pin_root\": \"sys/fs/bpf\"}", .key = "pin_root",
	 .rc = -EINVAL,
	 .has = "key 'pin_root': expected an absolute path of at most 255 bytes, got "
		"\"sys/fs/bpf\" (10 bytes): not an absolute path"},
	{"relative_state_dir", TEXT, "{\"state_dir\": \"./state\"}", .key = "state_dir",
	 .rc = -EINVAL, .has = "key 'state_dir': expected an absolute path"},
	{"relative_catalog_dir", TEXT, "{\"catalog_dir\": \"programs\"}", .key = "catalog_dir",
	 .rc = -EINVAL, .has = "key 'catalog_dir': expected an absolute path"},
	{"relative_cni_binary", TEXT, "{\"cni_binary\": \"plugnet\"}", .key = "cni_binary",
	 .rc = -EINVAL, .has = "key 'cni_binary': expected an absolute path"},
	{"long_workload_socket", TEXT, "{\"workload_socket\": \"%s\"}", 108,
	 .key = "workload_socket", .rc = -EINVAL,
	 .has = "key 'workload_socket': expected an absolute path of at most 107 bytes, got "
		"\"/aaaaaaaaa"},
	{"long_admin_socket", TEXT, "{\"admin_socket\": \"%s\"}", 108, .key = "admin_socket",
	 .rc = -EINVAL, .has = "aaa\" (108 bytes): too long for a unix socket's path (sun_path)"},
	{"long_pin_root", TEXT, "{\"pin_root\": \"%s\"}", 256, .key = "pin_root", .rc = -EINVAL,
	 .has = "key 'pin_root': expected an absolute path of at most 255 bytes, got "},
	{"long_state_dir", TEXT, "{\"state_dir\": \"%s\"}", 4096, .key = "state_dir", .rc = -EINVAL,
	 .has = "aaa\"... (4096 bytes): too long"},
	{"same_sockets", TEXT,
	 "{\"workload_socket\": \"/run/p.sock\", \"admin_socket\": \"/run/p.sock\"}",
	 .key = "admin_socket", .rc = -EINVAL,
	 .has = "key 'admin_socket': \"/run/p.sock\" is the path of 'workload_socket' too"},
	{"workload_socket_on_admin_default", TEXT,
	 "{\"workload_socket\": \"/run/plugnet/admin.sock\"}", .key = "admin_socket", .rc = -EINVAL,
	 .has = "key 'admin_socket': \"/run/plugnet/admin.sock\" is the path of 'workload_socket' "
		"too"},

	/* Interface names: what the kernel would refuse, and duplicates. */
	{"ifname_empty", TEXT, "{\"uplinks\": [{\"ifname\": \"\", \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name of 1 to 15 bytes, got \"\" (0 "
		"bytes): empty"},
	{"ifname_16_bytes", TEXT,
	 "{\"uplinks\": [{\"ifname\": \"0123456789abcdef\", \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name of 1 to 15 bytes, got "
		"\"0123456789abcdef\" (16 bytes): too long"},
	{"ifname_slash", TEXT, "{\"uplinks\": [{\"ifname\": \"eth/0\", \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name of 1 to 15 "
		"bytes, got \"eth/0\" (5 bytes): it contains '/', ':' or a space"},
	{"ifname_colon", TEXT, "{\"uplinks\": [{\"ifname\": \"eth0:1\", \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name"},
	{"ifname_space", TEXT, "{\"uplinks\": [{\"ifname\": \"eth 0\", \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name"},
	{"ifname_dotdot", TEXT, "{\"uplinks\": [{\"ifname\": \"..\", \"slot_quota\": 1}]}",
	 .key = "uplinks[0].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[0].ifname': expected an interface name of 1 to 15 "
		"bytes, got \"..\" (2 bytes): '.' and '..' are not interface names"},
	{"duplicate_uplink", TEXT,
	 "{\"uplinks\": [{\"ifname\": \"eth0\", \"slot_quota\": 1},"
	 " {\"ifname\": \"eth1\", \"slot_quota\": 1}, {\"ifname\": \"eth0\", \"slot_quota\": 2}]}",
	 .key = "uplinks[2].ifname", .rc = -EINVAL,
	 .has = "key 'uplinks[2].ifname': \"eth0\" is listed already, at uplinks[0]"},

	/* The metrics address: a literal loopback address and a port. */
	{"metrics_any_address", TEXT, "{\"metrics_addr\": \"0.0.0.0:9100\"}", .key = "metrics_addr",
	 .rc = -EINVAL,
	 .has = "key 'metrics_addr': expected \"\" (off) or a loopback address and port, such as "
		"\"127.0.0.1:9100\" or \"[::1]:9100\", got \"0.0.0.0:9100\" (12 bytes): the host "
		"is not a loopback address (127.0.0.0/8)"},
	{"metrics_other_address", TEXT, "{\"metrics_addr\": \"10.0.0.1:80\"}",
	 .key = "metrics_addr", .rc = -EINVAL,
	 .has = "key 'metrics_addr': expected \"\" (off) or a loopback address and port, such as "
		"\"127.0.0.1:9100\" or \"[::1]:9100\", got \"10.0.0.1:80\" (11 bytes): the host is "
		"not a loopback address (127.0.0.0/8)"},
	{"metrics_hostname", TEXT, "{\"metrics_addr\": \"localhost:9100\"}", .key = "metrics_addr",
	 .rc = -EINVAL,
	 .has = "key 'metrics_addr': expected \"\" (off) or a loopback address and port, such as "
		"\"127.0.0.1:9100\" or \"[::1]:9100\", got \"localhost:9100\" (14 bytes): the host "
		"is not a literal IP address"},
	{"metrics_no_port", TEXT, "{\"metrics_addr\": \"127.0.0.1\"}", .key = "metrics_addr",
	 .rc = -EINVAL,
	 .has = "key 'metrics_addr': expected \"\" (off) or a loopback address and port, such as "
		"\"127.0.0.1:9100\" or \"[::1]:9100\", got \"127.0.0.1\" (9 bytes): no :PORT"},
	{"metrics_empty_port", TEXT, "{\"metrics_addr\": \"127.0.0.1:\"}", .key = "metrics_addr",
	 .rc = -EINVAL, .has = "got \"127.0.0.1:\" (10 bytes): the port is not a number"},
	{"metrics_port_zero", TEXT, "{\"metrics_addr\": \"127.0.0.1:0\"}", .key = "metrics_addr",
	 .rc = -EINVAL, .has = "got \"127.0.0.1:0\" (11 bytes): the port is not from 1 to 65535"},
	{"metrics_port_high", TEXT, "{\"metrics_addr\": \"127.0.0.1:65536\"}",
	 .key = "metrics_addr", .rc = -EINVAL,
	 .has = "got \"127.0.0.1:65536\" (15 bytes): the port is not from 1 to 65535"},
	{"metrics_port_sign", TEXT, "{\"metrics_addr\": \"127.0.0.1:+80\"}", .key = "metrics_addr",
	 .rc = -EINVAL, .has = "got \"127.0.0.1:+80\" (13 bytes): the port is not a number"},
	{"metrics_port_name", TEXT, "{\"metrics_addr\": \"127.0.0.1:http\"}", .key = "metrics_addr",
	 .rc = -EINVAL, .has = "got \"127.0.0.1:http\" (14 bytes): the port is not a number"},
	{"metrics_ipv6_bare", TEXT, "{\"metrics_addr\": \"::1:9100\"}", .key = "metrics_addr",
	 .rc = -EINVAL,
	 .has = "key 'metrics_addr': expected \"\" (off) or a loopback address and port, such as "
		"\"127.0.0.1:9100\" or \"[::1]:9100\", got \"::1:9100\" (8 bytes): an IPv6 "
		"address goes in brackets, as in [::1]:9100"},
	{"metrics_ipv6_no_colon", TEXT, "{\"metrics_addr\": \"[::1]9100\"}", .key = "metrics_addr",
	 .rc = -EINVAL,
	 .has = "got \"[::1]9100\" (9 bytes): an IPv6 address goes in brackets, followed by :PORT"},
	{"metrics_ipv6_not_loopback", TEXT, "{\"metrics_addr\": \"[::2]:9100\"}",
	 .key = "metrics_addr", .rc = -EINVAL,
	 .has = "got \"[::2]:9100\" (10 bytes): the host is not the loopback address ::1"},
	{"metrics_ipv4_in_brackets", TEXT, "{\"metrics_addr\": \"[127.0.0.1]:9100\"}",
	 .key = "metrics_addr", .rc = -EINVAL,
	 .has = "got \"[127.0.0.1]:9100\" (16 bytes): the host is not a literal IPv6 address"},
	{"metrics_ipv4_short_form", TEXT, "{\"metrics_addr\": \"127.1:9100\"}",
	 .key = "metrics_addr", .rc = -EINVAL,
	 .has = "got \"127.1:9100\" (10 bytes): the host is not a literal IP address"},
	{"metrics_too_long", TEXT, "{\"metrics_addr\": \"127.0.0.1:%s\"}", 60,
	 .key = "metrics_addr", .rc = -EINVAL, .has = "aaa\" (70 bytes): too long"},

	/* Malformed JSON: where the parser stopped. */
	{"malformed_trailing_comma", TEXT, "{\"pin_root\": \"/x\",}", .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 19 of 19 (line 1, column 20): parsing stopped at "
		"the end of the "
		"file (truncated?)"},
	{"malformed_missing_comma", TEXT, "{\n  \"pin_root\": \"/x\"\n  \"state_dir\": \"/y\"\n}\n",
	 .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 23 of 43 (line 3, column 3): parsing stopped here"},
	{"malformed_truncated", TEXT, "{\"limits\": {\"max_body_bytes\": 4096", .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 34 of 34 (line 1, column 35): parsing stopped at "
		"the end of the "
		"file (truncated?)"},
	{"malformed_trailing_text", TEXT, "{} x", .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 3 of 4 (line 1, column 4): parsing stopped here"},
	{"malformed_two_documents", TEXT, "{}\n{}\n", .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 3 of 6 (line 2, column 1): parsing stopped here"},
	{"malformed_nul_byte", TEXT, "{}\0{\"pin_root\": 1}", .len = 18, .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 2 of 18 (line 1, column 3): a NUL byte"},
	{"empty_file", TEXT, "", .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 0 of 0 (line 1, column 1): the file is empty"},
	{"blank_file", TEXT, " \n\t\n", .rc = -EBADMSG,
	 .has = "malformed JSON at byte offset 4 of 4 (line 3, column 1): parsing stopped at the "
		"end of the file"},

	/* The file itself. */
	{"missing_file", NO_FILE, .rc = -ENOENT, .has = "open: No such file or directory"},
	{"directory", DIRECTORY, .rc = -EISDIR, .has = "is a directory, not a file"},
	{"directory_allow_missing", DIRECTORY, .allow_missing = true, .rc = -EISDIR,
	 .has = "is a directory, not a file"},
	{"fifo", FIFO, .allow_missing = true, .rc = -EINVAL, .has = "not a regular file"},
	{"oversized", OVERSIZED, .rc = -EFBIG,
	 .has = "1048577 bytes, larger than the limit of 1048576"},
};

/* A valid file of exactly `size` bytes: "{}" and spaces. */
static void write_padded(size_t size)
{
	char *buf = malloc(size);

	assert_non_null(buf);
	memset(buf, ' ', size);
	memcpy(buf, "{}", 2);
	tl_assert_ok(tl_write_file(path, buf, size), path);
	free(buf);
}

static void prepare(const struct error_case *c)
{
	char *text;

	switch (c->setup) {
	case TEXT:
		if (c->len) {
			tl_assert_ok(tl_write_file(path, c->text, c->len), path);
		} else if (c->long_len) {
			char *value = long_path(c->long_len);

			text = fill(c->text, value);
			write_config(text);
			free(text);
			free(value);
		} else {
			write_config(c->text);
		}
		break;
	case NO_FILE:
		break;
	case DIRECTORY:
		assert_int_equal(mkdir(path, 0700), 0);
		break;
	case FIFO:
		assert_int_equal(mkfifo(path, 0600), 0);
		break;
	case OVERSIZED:
		write_padded(PN_CONFIG_MAX_SIZE + 1);
		break;
	}
}

static void run_error(void **state)
{
	const struct error_case *c = *state;
	struct pn_config cfg;
	char err[1024], prefix[256];
	int rc;

	assert_non_null(c->has);
	prepare(c);
	poison(&cfg);
	memset(err, 'X', sizeof(err));
	rc = pn_config_load(path, c->allow_missing, &cfg, err, sizeof(err));
	printf("# %s: %d: %s\n", c->name, rc, err);
	if (rc != c->rc)
		fail_msg("load returned %d (%s), want %d (%s): %s", rc, strerror(-rc), c->rc,
			 strerror(-c->rc), err);
	/* One line, the file named first. */
	snprintf(prefix, sizeof(prefix), "config '%s': ", path);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("\"%s\" does not start with \"%s\"", err, prefix);
	assert_null(strchr(err, '\n'));
	if (c->key) {
		char key[128];

		snprintf(key, sizeof(key), *c->key ? "key '%s': " : "top level: ", c->key);
		if (strncmp(err + strlen(prefix), key, strlen(key)))
			fail_msg("\"%s\" does not name \"%s\" first", err, key);
	} else {
		assert_null(strstr(err, "key '"));
	}
	tl_assert_contains(err + strlen(prefix), c->has);
	/* Nothing half-loaded: a refused file leaves the defaults and owns no memory. */
	assert_defaults(&cfg);
	pn_config_free(&cfg);
}

/* --- what loads ----------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct pn_config cfg;

	(void)state;
	poison(&cfg);
	pn_config_defaults(&cfg);
	assert_defaults(&cfg);
	assert_string_equal(PN_CONFIG_PATH_DEFAULT, "/etc/plugnet/plugnetd.json");
	pn_config_free(&cfg);
	assert_defaults(&cfg);
}

/* An empty object, and a missing file with allow_missing: the defaults, and no message. */
static void test_empty_object(void **state)
{
	struct pn_config cfg;

	(void)state;
	write_config("{}");
	load_ok(&cfg);
	assert_defaults(&cfg);
	pn_config_free(&cfg);
}

static void test_missing_allowed(void **state)
{
	struct pn_config cfg;
	char err[256] = "stale";

	(void)state;
	poison(&cfg);
	assert_int_equal(pn_config_load(path, true, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_defaults(&cfg);
	pn_config_free(&cfg);
}

static void test_full(void **state)
{
	static const char text[] =
		"{\n"
		"  \"workload_socket\": \"/run/pn/w.sock\",\n"
		"  \"admin_socket\": \"/run/pn/a.sock\",\n"
		"  \"pin_root\": \"/sys/fs/bpf/pn\",\n"
		"  \"state_dir\": \"/var/lib/pn\",\n"
		"  \"catalog_dir\": \"/etc/pn/programs\",\n"
		"  \"metrics_addr\": \"127.0.0.1:9100\",\n"
		"  \"cni_binary\": \"/usr/libexec/cni/plugnet\",\n"
		"  \"slot_counters\": true,\n"
		"  \"upload\": {\"allow_raw_elf\": true},\n"
		"  \"limits\": {\"max_body_bytes\": 65536, \"request_timeout_s\": 30, "
		"\"sweep_interval_ms\": 250},\n"
		"  \"uplinks\": [\n"
		"    {\"ifname\": \"eth0\", \"slot_quota\": 4, \"priority\": {\"min\": 100, "
		"\"max\": 199}},\n"
		"    {\"priority\": {\"max\": -1, \"min\": -50}, \"slot_quota\": 63, \"ifname\": "
		"\"bond0.100\"},\n"
		"    {\"ifname\": \"ens1f0\", \"slot_quota\": 1}\n"
		"  ]\n"
		"}\n";
	struct pn_config cfg;

	(void)state;
	write_config(text);
	load_ok(&cfg);
	assert_string_equal(cfg.workload_socket, "/run/pn/w.sock");
	assert_string_equal(cfg.admin_socket, "/run/pn/a.sock");
	assert_string_equal(cfg.pin_root, "/sys/fs/bpf/pn");
	assert_string_equal(cfg.state_dir, "/var/lib/pn");
	assert_string_equal(cfg.catalog_dir, "/etc/pn/programs");
	assert_string_equal(cfg.metrics_addr, "127.0.0.1:9100");
	assert_string_equal(cfg.cni_binary, "/usr/libexec/cni/plugnet");
	assert_true(cfg.allow_upload);
	assert_int_equal(cfg.max_body_bytes, 65536);
	assert_int_equal(cfg.request_timeout_s, 30);
	assert_int_equal(cfg.sweep_interval_ms, 250);
	assert_true(cfg.slot_counters);
	assert_int_equal(cfg.n_uplinks, 3);
	/* In file order, whatever the order of their keys; no priority means any. */
	assert_string_equal(cfg.uplinks[0].ifname, "eth0");
	assert_int_equal(cfg.uplinks[0].slot_quota, 4);
	assert_int_equal(cfg.uplinks[0].prio_min, 100);
	assert_int_equal(cfg.uplinks[0].prio_max, 199);
	assert_string_equal(cfg.uplinks[1].ifname, "bond0.100");
	assert_int_equal(cfg.uplinks[1].slot_quota, 63);
	assert_int_equal(cfg.uplinks[1].prio_min, -50);
	assert_int_equal(cfg.uplinks[1].prio_max, -1);
	assert_string_equal(cfg.uplinks[2].ifname, "ens1f0");
	assert_int_equal(cfg.uplinks[2].slot_quota, 1);
	assert_int_equal(cfg.uplinks[2].prio_min, INT32_MIN);
	assert_int_equal(cfg.uplinks[2].prio_max, INT32_MAX);
	pn_config_free(&cfg);
	assert_null(cfg.uplinks);
	assert_int_equal(cfg.n_uplinks, 0);
}

/* Keys the file leaves out keep their defaults; "upload": {} changes nothing. */
static void test_partial(void **state)
{
	struct pn_config cfg, want;

	(void)state;
	write_config("{\"state_dir\": \"/srv/pn\", \"upload\": {}, \"limits\": "
		     "{\"request_timeout_s\": 600}, \"uplinks\": []}");
	load_ok(&cfg);
	/* test_defaults checks the defaults themselves. */
	pn_config_defaults(&want);
	snprintf(want.state_dir, sizeof(want.state_dir), "/srv/pn");
	want.request_timeout_s = 600;
	assert_config_equal(&cfg, &want);
	pn_config_free(&cfg);
}

/* The edges of every range, accepted. */
static void test_limits_accepted(void **state)
{
	char *socket = long_path(107), *pin = long_path(255), *dir_path = long_path(4095);
	char *text = NULL;
	struct pn_config cfg;

	(void)state;
	assert_true(asprintf(&text,
			     "{\"workload_socket\": \"%s\", \"pin_root\": \"%s\", \"state_dir\": "
			     "\"%s\", \"catalog_dir\": \"/\", \"cni_binary\": \"%s\", "
			     "\"metrics_addr\": \"[::1]:65535\", \"upload\": {\"allow_raw_elf\": "
			     "false}, \"limits\": {\"max_body_bytes\": 67108864, "
			     "\"request_timeout_s\": 1}, \"uplinks\": ["
			     "{\"ifname\": \"0123456789abcde\", \"slot_quota\": 63, \"priority\": "
			     "{\"min\": -2147483648, \"max\": 2147483647}},"
			     "{\"ifname\": \"a\", \"slot_quota\": 1.0, \"priority\": {\"min\": 7, "
			     "\"max\": 7}}]}",
			     socket, pin, dir_path, dir_path) >= 0);
	write_config(text);
	load_ok(&cfg);
	assert_string_equal(cfg.workload_socket, socket);
	assert_string_equal(cfg.pin_root, pin);
	assert_string_equal(cfg.state_dir, dir_path);
	assert_string_equal(cfg.catalog_dir, "/");
	assert_string_equal(cfg.cni_binary, dir_path);
	assert_string_equal(cfg.metrics_addr, "[::1]:65535");
	assert_int_equal(cfg.max_body_bytes, 64 << 20);
	assert_int_equal(cfg.request_timeout_s, 1);
	assert_int_equal(cfg.n_uplinks, 2);
	assert_string_equal(cfg.uplinks[0].ifname, "0123456789abcde");
	assert_int_equal(cfg.uplinks[0].slot_quota, 63);
	assert_int_equal(cfg.uplinks[0].prio_min, INT32_MIN);
	assert_int_equal(cfg.uplinks[0].prio_max, INT32_MAX);
	assert_int_equal(cfg.uplinks[1].slot_quota, 1); /* 1.0 is the integer 1 */
	assert_int_equal(cfg.uplinks[1].prio_min, 7);
	assert_int_equal(cfg.uplinks[1].prio_max, 7);
	pn_config_free(&cfg);
	free(text);

	write_config("{\"limits\": {\"max_body_bytes\": 4096}, \"metrics_addr\": "
		     "\"127.255.255.254:1\"}");
	load_ok(&cfg);
	assert_int_equal(cfg.max_body_bytes, 4096);
	assert_string_equal(cfg.metrics_addr, "127.255.255.254:1");
	pn_config_free(&cfg);

	/* A file of exactly the size limit. */
	write_padded(PN_CONFIG_MAX_SIZE);
	load_ok(&cfg);
	assert_defaults(&cfg);
	pn_config_free(&cfg);
	free(socket);
	free(pin);
	free(dir_path);
}

/* The message in the header's comment, to the letter. */
static void test_message_format(void **state)
{
	struct pn_config cfg;
	char err[512], want[512];

	(void)state;
	write_config("{\"uplinks\": [{\"ifname\": \"eth0\", \"slot_quota\": 2},"
		     " {\"ifname\": \"eth1\", \"slot_quota\": -2}]}");
	assert_int_equal(pn_config_load(path, false, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "config '%s': key 'uplinks[1].slot_quota': expected an integer from 1 to 63, got "
		 "-2",
		 path);
	assert_string_equal(err, want);
	pn_config_free(&cfg);
}

/* A small err buffer gets a cut, terminated message; none at all is fine too. */
static void test_small_err_buffer(void **state)
{
	struct pn_config cfg;
	char err[24], full[256];

	(void)state;
	write_config("{\"pin_root\": 1}");
	memset(err, 'X', sizeof(err));
	assert_int_equal(pn_config_load(path, false, &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	snprintf(full, sizeof(full), "config '%s': key 'pin_root'", path);
	assert_memory_equal(err, full, sizeof(err) - 1);
	assert_int_equal(pn_config_load(path, false, &cfg, NULL, 0), -EINVAL);
	assert_defaults(&cfg);
	write_config("{");
	assert_int_equal(pn_config_load(path, false, &cfg, NULL, 0), -EBADMSG);
	pn_config_free(&cfg);
}

/* A key too long to show whole is cut, and the cut is marked. */
/* --metrics-addr is checked as the file's key is, and a refusal keeps the old value. */
static void test_metrics_flag(void **state)
{
	struct pn_config cfg;
	char err[256];

	(void)state;
	pn_config_defaults(&cfg);
	assert_int_equal(pn_config_set_metrics_addr(&cfg, "127.0.0.1:9200", err, sizeof(err)), 0);
	assert_string_equal(cfg.metrics_addr, "127.0.0.1:9200");
	assert_int_equal(pn_config_set_metrics_addr(&cfg, "0.0.0.0:9200", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'0.0.0.0:9200': "));
	assert_string_equal(cfg.metrics_addr, "127.0.0.1:9200");
	assert_int_equal(pn_config_set_metrics_addr(&cfg, "", err, sizeof(err)), 0);
	assert_string_equal(cfg.metrics_addr, "");
}

static void test_long_unknown_key(void **state)
{
	char *name = long_path(300), *text = fill("{\"upload\": {\"%s\": 1}}", name);
	char err[1024], want[512];
	struct pn_config cfg;

	(void)state;
	write_config(text);
	assert_int_equal(pn_config_load(path, false, &cfg, err, sizeof(err)), -EINVAL);
	/* "upload." and the name's first 245 bytes, then "...": 255 bytes. */
	snprintf(want, sizeof(want),
		 "config '%s': key 'upload.%.245s...': unknown key (known here: "
		 "allow_raw_elf)",
		 path, name);
	assert_string_equal(err, want);
	pn_config_free(&cfg);
	free(text);
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_teardown(test_empty_object, remove_path),
		cmocka_unit_test_teardown(test_missing_allowed, remove_path),
		cmocka_unit_test_teardown(test_full, remove_path),
		cmocka_unit_test_teardown(test_partial, remove_path),
		cmocka_unit_test_teardown(test_limits_accepted, remove_path),
		cmocka_unit_test_teardown(test_message_format, remove_path),
		cmocka_unit_test_teardown(test_small_err_buffer, remove_path),
		cmocka_unit_test_teardown(test_long_unknown_key, remove_path),
		cmocka_unit_test(test_metrics_flag),
	};
	int failed;

	failed = cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
	failed += tl_run_table("config_errors", errors, run_error, NULL, remove_path, group_setup,
			       group_teardown);
	return failed;
}
