// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "state_file.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define FIELD(type, f) .off = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define SUN_PATH_SIZE  sizeof(((struct sockaddr_un *)0)->sun_path)

_Static_assert(sizeof(((struct pn_config *)0)->workload_socket) == SUN_PATH_SIZE,
	       "a socket path that fits the config fits sun_path, and the other way round");
_Static_assert(sizeof(((struct pn_config *)0)->admin_socket) == SUN_PATH_SIZE,
	       "a socket path that fits the config fits sun_path, and the other way round");

/* A quota above the dispatcher's slot count (SLOTS in the Makefile) would limit nothing. */
#define SLOT_QUOTA_MAX 63
#define BODY_MIN       (4U << 10)
#define BODY_MAX       (64U << 20)
#define BODY_DEFAULT   (1U << 20)
#define TIMEOUT_MAX    600
#define SWEEP_MIN      100
#define SWEEP_MAX      600000
#define KEY_MAX        256

enum kind {
	K_SOCKET,  /* absolute path that fits sun_path */
	K_PATH,    /* absolute path */
	K_METRICS, /* "" or a loopback address and port */
	K_IFNAME,
	K_BOOL,
	K_UINT,
	K_INT,
	K_OBJECT,  /* its keys fill the same struct as its parent's */
	K_UPLINKS, /* fills struct pn_config's uplinks */
};

/* One key of a JSON object, and the field of the struct being filled that it sets. */
struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
	long long min, max; /* K_UINT, K_INT */
	const struct key *keys;
	size_t n_keys; /* K_OBJECT */
	bool required;
};

/* The members of table entries: a string or boolean field, a number field with its range. */
#define VALUE(n, k, type, f)         .name = n, .kind = k, FIELD(type, f)
#define RANGE(n, k, type, f, lo, hi) VALUE(n, k, type, f), .min = lo, .max = hi
#define OBJECT(n, t)                 .name = n, .kind = K_OBJECT, .keys = t, .n_keys = ARRAY_SIZE(t)

static const struct key prio_keys[] = {
	{RANGE("min", K_INT, struct pn_uplink_policy, prio_min, INT32_MIN, INT32_MAX)},
	{RANGE("max", K_INT, struct pn_uplink_policy, prio_max, INT32_MIN, INT32_MAX)},
};

static const struct key uplink_keys[] = {
	{VALUE("ifname", K_IFNAME, struct pn_uplink_policy, ifname), .required = true},
	{RANGE("slot_quota", K_UINT, struct pn_uplink_policy, slot_quota, 1, SLOT_QUOTA_MAX),
	 .required = true},
	{OBJECT("priority", prio_keys)},
};

static const struct key upload_keys[] = {
	{VALUE("allow_raw_elf", K_BOOL, struct pn_config, allow_upload)},
};

static const struct key limits_keys[] = {
	{RANGE("max_body_bytes", K_UINT, struct pn_config, max_body_bytes, BODY_MIN, BODY_MAX)},
	{RANGE("request_timeout_s", K_UINT, struct pn_config, request_timeout_s, 1, TIMEOUT_MAX)},
	{RANGE("sweep_interval_ms", K_UINT, struct pn_config, sweep_interval_ms, SWEEP_MIN,
	       SWEEP_MAX)},
};

static const struct key config_keys[] = {
	{VALUE("workload_socket", K_SOCKET, struct pn_config, workload_socket)},
	{VALUE("admin_socket", K_SOCKET, struct pn_config, admin_socket)},
	{VALUE("pin_root", K_PATH, struct pn_config, pin_root)},
	{VALUE("state_dir", K_PATH, struct pn_config, state_dir)},
	{VALUE("catalog_dir", K_PATH, struct pn_config, catalog_dir)},
	{VALUE("metrics_addr", K_METRICS, struct pn_config, metrics_addr)},
	{VALUE("cni_binary", K_PATH, struct pn_config, cni_binary)},
	{VALUE("slot_counters", K_BOOL, struct pn_config, slot_counters)},
	{OBJECT("upload", upload_keys)},
	{OBJECT("limits", limits_keys)},
	{.name = "uplinks", .kind = K_UPLINKS},
};

struct ctx {
	const char *path;
	char *err;
	size_t err_size;
};

#define SET_DEFAULT(field, value)                                                    \
	do {                                                                         \
		_Static_assert(sizeof(value) <= sizeof(field), #field " too small"); \
		memcpy(field, value, sizeof(value));                                 \
	} while (0)

void pn_config_defaults(struct pn_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	SET_DEFAULT(cfg->workload_socket, "/run/plugnet/plugnet.sock");
	SET_DEFAULT(cfg->admin_socket, "/run/plugnet/admin.sock");
	SET_DEFAULT(cfg->pin_root, "/sys/fs/bpf/plugnet");
	SET_DEFAULT(cfg->state_dir, "/var/lib/plugnet");
	SET_DEFAULT(cfg->catalog_dir, "/etc/plugnet/programs");
	SET_DEFAULT(cfg->cni_binary, "/opt/cni/bin/plugnet");
	cfg->allow_upload = false;
	cfg->max_body_bytes = BODY_DEFAULT;
	cfg->request_timeout_s = 10;
	cfg->sweep_interval_ms = 1000;
}

void pn_config_free(struct pn_config *cfg)
{
	free(cfg->uplinks);
	cfg->uplinks = NULL;
	cfg->n_uplinks = 0;
}

/*
 * rc, with the message "config '<path>': key '<key>': ..." in err. The
 * key and the values quoted come from the file: control characters among
 * them become '?', so that the message stays one line in the log.
 */
__attribute__((format(printf, 4, 5))) static int key_fail(const struct ctx *c, int rc,
							  const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || !c->err_size)
		return rc;
	if (*key)
		n = snprintf(c->err, c->err_size, "config '%s': key '%s': ", c->path, key);
	else
		n = snprintf(c->err, c->err_size, "config '%s': top level: ", c->path);
	if (n < 0)
		c->err[0] = '\0';
	else if ((size_t)n < c->err_size) {
		va_start(ap, fmt);
		/* A message cut short still names the file and the key, which come first. */
		if (vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap) < 0)
			c->err[n] = '\0';
		va_end(ap);
	}
	for (char *p = c->err; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
	return rc;
}

/* Key paths hold names from the file; one too long for KEY_MAX is cut and ends in "...". */
__attribute__((format(printf, 2, 3))) static void key_path(char out[KEY_MAX], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, KEY_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		memcpy(out, "?", 2);
	else if (n >= KEY_MAX)
		memcpy(out + KEY_MAX - 4, "...", 4);
}

static void key_child(char out[KEY_MAX], const char *parent, const char *name)
{
	key_path(out, "%s%s%s", parent, *parent ? "." : "", name ? name : "?");
}

static const char *json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsTrue(v))
		return "true";
	if (cJSON_IsFalse(v))
		return "false";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an unknown value";
}

#define WANT_SIZE 128

/* What a key of this kind takes, for "expected ..." in messages; buf holds texts with numbers. */
static const char *expected(const struct key *k, char buf[WANT_SIZE])
{
	int n;

	switch (k->kind) {
	case K_SOCKET:
	case K_PATH:
		n = snprintf(buf, WANT_SIZE, "an absolute path of at most %zu bytes", k->size - 1);
		break;
	case K_METRICS:
		return "\"\" (off) or a loopback address and port, such as \"127.0.0.1:9100\" or "
		       "\"[::1]:9100\"";
	case K_IFNAME:
		n = snprintf(buf, WANT_SIZE, "an interface name of 1 to %d bytes", IF_NAMESIZE - 1);
		break;
	case K_BOOL:
		return "true or false";
	case K_UINT:
	case K_INT:
		n = snprintf(buf, WANT_SIZE, "an integer from %lld to %lld", k->min, k->max);
		break;
	case K_OBJECT:
		return "an object";
	default: /* K_UPLINKS */
		return "an array";
	}
	/* The texts fit; this only guards a future edit. */
	return n >= 0 && n < WANT_SIZE ? buf : "a valid value";
}

static int type_fail(const struct ctx *c, const char *key, const struct key *k, const cJSON *v)
{
	char buf[WANT_SIZE];

	return key_fail(c, -EINVAL, key, "expected %s, got %s", expected(k, buf), json_type(v));
}

/* Why `s` is no "HOST:PORT" with a literal loopback HOST, or NULL if it is one. */
static const char *metrics_problem(const char *s)
{
	char host[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	struct in_addr a4;
	const char *port, *colon;
	size_t host_len;
	unsigned long v;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return "an IPv6 address goes in brackets, followed by :PORT";
		host_len = (size_t)(close - s - 1);
		if (host_len >= sizeof(host))
			return "the host is not a literal IP address";
		memcpy(host, s + 1, host_len);
		host[host_len] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return "the host is not a literal IPv6 address";
		if (!IN6_IS_ADDR_LOOPBACK(&a6))
			return "the host is not the loopback address ::1";
		port = close + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return "no :PORT";
		host_len = (size_t)(colon - s);
		if (memchr(s, ':', host_len))
			return "an IPv6 address goes in brackets, as in [::1]:9100";
		if (host_len >= sizeof(host))
			return "the host is not a literal IP address";
		memcpy(host, s, host_len);
		host[host_len] = '\0';
		if (inet_pton(AF_INET, host, &a4) != 1)
			return "the host is not a literal IP address";
		if (ntohl(a4.s_addr) >> 24 != 127)
			return "the host is not a loopback address (127.0.0.0/8)";
		port = colon + 1;
	}
	if (!*port || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port))
		return "the port is not a number";
	v = strtoul(port, NULL, 10);
	if (v < 1 || v > 65535)
		return "the port is not from 1 to 65535";
	return NULL;
}

/* Why `s` is no interface name the kernel would accept (dev_valid_name), or NULL. */
static const char *ifname_problem(const char *s)
{
	if (!*s)
		return "empty";
	if (strlen(s) >= IF_NAMESIZE)
		return "too long";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "'.' and '..' are not interface names";
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return "it contains '/', ':' or a space";
	return NULL;
}

static int load_string(const struct ctx *c, const char *key, const cJSON *v, const struct key *k,
		       void *base)
{
	const char *s, *problem = NULL;
	char want[WANT_SIZE];
	size_t len;

	if (!cJSON_IsString(v) || !v->valuestring)
		return type_fail(c, key, k, v);
	s = v->valuestring;
	len = strlen(s);
	switch (k->kind) {
	case K_SOCKET:
	case K_PATH:
		if (s[0] != '/')
			problem = "not an absolute path";
		else if (len >= k->size && k->kind == K_SOCKET)
			problem = "too long for a unix socket's path (sun_path)";
		break;
	case K_METRICS:
		if (len < k->size && *s)
			problem = metrics_problem(s);
		break;
	default: /* K_IFNAME */
		problem = ifname_problem(s);
	}
	if (!problem && len >= k->size)
		problem = "too long";
	if (problem) {
		/* Long values are cut: the key, the length and the reason say enough. */
		return key_fail(c, -EINVAL, key, "expected %s, got \"%.128s\"%s (%zu bytes): %s",
				expected(k, want), s, len > 128 ? "..." : "", len, problem);
	}
	memcpy((char *)base + k->off, s, len + 1);
	return 0;
}

static int load_int(const struct ctx *c, const char *key, const cJSON *v, const struct key *k,
		    void *base)
{
	char want[WANT_SIZE];
	double d;

	if (!cJSON_IsNumber(v))
		return type_fail(c, key, k, v);
	d = v->valuedouble;
	/* The range first: outside it the conversion to long long would be undefined. */
	if (!(d >= (double)k->min && d <= (double)k->max) || d != (double)(long long)d) {
		return key_fail(c, -EINVAL, key, "expected %s, got %.15g", expected(k, want), d);
	}
	if (k->kind == K_UINT)
		*(unsigned int *)((char *)base + k->off) = (unsigned int)(long long)d;
	else
		*(int *)((char *)base + k->off) = (int)(long long)d;
	return 0;
}

static int load_uplinks(const struct ctx *c, const char *key, const cJSON *v,
			struct pn_config *cfg);

static int load_object(const struct ctx *c, const char *key, const cJSON *obj,
		       const struct key *keys, size_t n_keys, void *base);

static int load_value(const struct ctx *c, const char *key, const cJSON *v, const struct key *k,
		      void *base)
{
	switch (k->kind) {
	case K_BOOL:
		if (!cJSON_IsBool(v))
			return type_fail(c, key, k, v);
		*(bool *)((char *)base + k->off) = cJSON_IsTrue(v);
		return 0;
	case K_UINT:
	case K_INT:
		return load_int(c, key, v, k, base);
	case K_OBJECT:
		return load_object(c, key, v, k->keys, k->n_keys, base);
	case K_UPLINKS:
		return load_uplinks(c, key, v, base);
	default:
		return load_string(c, key, v, k, base);
	}
}

static int unknown_key(const struct ctx *c, const char *key, const struct key *keys, size_t n_keys)
{
	char known[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < n_keys; i++) {
		int n = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
				 keys[i].name);

		/* The tables' names fit; cut the list rather than fail if one day they do not. */
		if (n < 0 || (size_t)n >= sizeof(known) - used)
			break;
		used += (size_t)n;
	}
	return key_fail(c, -EINVAL, key, "unknown key (known here: %s)", known);
}

static int load_object(const struct ctx *c, const char *key, const cJSON *obj,
		       const struct key *keys, size_t n_keys, void *base)
{
	char sub[KEY_MAX];
	unsigned int seen = 0;
	const cJSON *v;
	int rc;

	if (!cJSON_IsObject(obj)) {
		const struct key object = {.kind = K_OBJECT};

		return type_fail(c, key, &object, obj);
	}
	cJSON_ArrayForEach(v, obj)
	{
		size_t i;

		for (i = 0; i < n_keys; i++)
			if (v->string && !strcmp(v->string, keys[i].name))
				break;
		key_child(sub, key, v->string);
		if (i == n_keys)
			return unknown_key(c, sub, keys, n_keys);
		/* cJSON keeps both; which one would win is no rule an operator should learn. */
		if (seen & 1U << i)
			return key_fail(c, -EINVAL, sub, "given twice");
		seen |= 1U << i;
		rc = load_value(c, sub, v, &keys[i], base);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n_keys; i++) {
		if (keys[i].required && !(seen & 1U << i)) {
			key_child(sub, key, keys[i].name);
			return key_fail(c, -EINVAL, sub, "missing (required)");
		}
	}
	return 0;
}

static int load_uplinks(const struct ctx *c, const char *key, const cJSON *v, struct pn_config *cfg)
{
	const struct key array = {.kind = K_UPLINKS};
	char sub[KEY_MAX], field[KEY_MAX];
	const cJSON *e;
	int n, rc;

	if (!cJSON_IsArray(v))
		return type_fail(c, key, &array, v);
	n = cJSON_GetArraySize(v);
	/* Owned by cfg from here, so that pn_config_free cleans up after a refusal. */
	cfg->uplinks = calloc(n > 0 ? (size_t)n : 1, sizeof(*cfg->uplinks));
	if (!cfg->uplinks) {
		return key_fail(c, -ENOMEM, key, "out of memory");
	}
	cJSON_ArrayForEach(e, v)
	{
		struct pn_uplink_policy *u = &cfg->uplinks[cfg->n_uplinks];

		key_path(sub, "%s[%zu]", key, cfg->n_uplinks);
		/* Without a "priority", an owner may use any priority. */
		u->prio_min = INT32_MIN;
		u->prio_max = INT32_MAX;
		rc = load_object(c, sub, e, uplink_keys, ARRAY_SIZE(uplink_keys), u);
		if (rc)
			return rc;
		if (u->prio_min > u->prio_max) {
			key_child(field, sub, "priority");
			return key_fail(c, -EINVAL, field, "min %d is greater than max %d",
					u->prio_min, u->prio_max);
		}
		for (size_t j = 0; j < cfg->n_uplinks; j++) {
			if (!strcmp(cfg->uplinks[j].ifname, u->ifname)) {
				key_child(field, sub, "ifname");
				return key_fail(c, -EINVAL, field,
						"\"%s\" is listed already, at %s[%zu]", u->ifname,
						key, j);
			}
		}
		cfg->n_uplinks++;
	}
	return 0;
}

int pn_config_load(const char *path, bool allow_missing, struct pn_config *cfg, char *err,
		   size_t err_size)
{
	const struct ctx c = {path, err, err_size};
	cJSON *doc;
	int rc;

	pn_config_defaults(cfg);
	rc = pn_json_file_read(path, "config", PN_CONFIG_MAX_SIZE, &doc, err, err_size);
	if (rc == -ENOENT && allow_missing) {
		if (err && err_size)
			err[0] = '\0';
		return 0;
	}
	if (rc)
		return rc;
	rc = load_object(&c, "", doc, config_keys, ARRAY_SIZE(config_keys), cfg);
	/* One path for both would put the admin API on the workload socket. */
	if (!rc && !strcmp(cfg->workload_socket, cfg->admin_socket))
		rc = key_fail(&c, -EINVAL, "admin_socket",
			      "\"%s\" is the path of 'workload_socket' too", cfg->admin_socket);
	cJSON_Delete(doc);
	if (rc) {
		pn_config_free(cfg);
		pn_config_defaults(cfg);
		return rc;
	}
	if (err && err_size)
		err[0] = '\0';
	return 0;
}

int pn_config_set_metrics_addr(struct pn_config *cfg, const char *addr, char *err, size_t err_size)
{
	const char *problem = strlen(addr) >= sizeof(cfg->metrics_addr) ? "too long"
			      : *addr                                   ? metrics_problem(addr)
									: NULL;

	if (problem) {
		snprintf(err, err_size, "'%.80s': %s", addr, problem);
		return -EINVAL;
	}
	snprintf(cfg->metrics_addr, sizeof(cfg->metrics_addr), "%s", addr);
	return 0;
}
