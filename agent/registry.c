// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

/* Version of the registry's JSON in the state file. */
#define REGISTRY_JSON_VERSION 1

struct pn_registry {
	pthread_mutex_t lock;
	struct pn_uplink_rule *rules;
	size_t n_rules;
	struct pn_container *containers;
	size_t n_containers, cap_containers;
	struct pn_slot_owner *slots;
	size_t n_slots, cap_slots;
};

static const char *const target_names[] = {
	[PN_TARGET_POD] = "pod",
	[PN_TARGET_HOST] = "host",
	[PN_TARGET_UPLINK] = "uplink",
};

int pn_registry__new(const struct pn_uplink_rule *rules, size_t n_rules,
		     struct pn_registry **registryp)
{
	struct pn_registry *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (n_rules) {
		r->rules = calloc(n_rules, sizeof(*rules));
		if (!r->rules) {
			free(r);
			return -ENOMEM;
		}
		memcpy(r->rules, rules, n_rules * sizeof(*rules));
		r->n_rules = n_rules;
	}
	if (pthread_mutex_init(&r->lock, NULL)) {
		free(r->rules);
		free(r);
		return -ENOMEM;
	}
	*registryp = r;
	return 0;
}

void pn_registry__free(struct pn_registry *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->rules);
	free(r->containers);
	free(r->slots);
	free(r);
}

/* Room for one more element in a growing array. */
static int reserve(void **array, size_t n, size_t *cap, size_t size)
{
	size_t want = *cap ? *cap * 2 : 16;
	void *grown;

	if (n < *cap)
		return 0;
	grown = realloc(*array, want * size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*cap = want;
	return 0;
}

static struct pn_container *container_by_id(struct pn_registry *r, const char *id)
{
	for (size_t i = 0; i < r->n_containers; i++) {
		if (!strcmp(r->containers[i].container_id, id))
			return &r->containers[i];
	}
	return NULL;
}

static struct pn_container *container_by_netns(struct pn_registry *r, __u64 netns_id)
{
	for (size_t i = 0; i < r->n_containers; i++) {
		if (r->containers[i].netns_id == netns_id)
			return &r->containers[i];
	}
	return NULL;
}

static struct pn_slot_owner *slot_find(struct pn_registry *r, __u64 netns_id, unsigned int ifindex,
				       __u32 attach_id)
{
	for (size_t i = 0; i < r->n_slots; i++) {
		struct pn_slot_owner *s = &r->slots[i];

		if (s->netns_id == netns_id && s->ifindex == ifindex && s->attach_id == attach_id)
			return s;
	}
	return NULL;
}

static const struct pn_uplink_rule *rule_for(const struct pn_registry *r, const char *uplink)
{
	for (size_t i = 0; i < r->n_rules; i++) {
		if (!strcmp(r->rules[i].ifname, uplink))
			return &r->rules[i];
	}
	return NULL;
}

bool pn_registry__is_uplink(const struct pn_registry *r, const char *ifname)
{
	return rule_for(r, ifname) != NULL;
}

/* "default/web-1 (container 3f2a...)", for messages. */
static void owner_name(struct pn_registry *r, const char *container_id, char *buf, size_t size)
{
	const struct pn_container *c = container_by_id(r, container_id);

	if (c)
		snprintf(buf, size, "%s/%s (container %.12s)", c->pod_namespace, c->pod_name,
			 c->container_id);
	else
		snprintf(buf, size, "container %.12s (no longer registered)", container_id);
}

void pn_registry__describe_owner(struct pn_registry *r, const char *container_id, char *buf,
				 size_t size)
{
	const struct pn_container *c;

	pthread_mutex_lock(&r->lock);
	c = container_by_id(r, container_id);
	if (c)
		snprintf(buf, size, "%s/%s (container %s)", c->pod_namespace, c->pod_name,
			 c->container_id);
	else
		snprintf(buf, size, "container %s", container_id);
	pthread_mutex_unlock(&r->lock);
}

static bool valid_id(const char *s)
{
	size_t len = strnlen(s, PN_ID_MAX);

	return len > 0 && len < PN_ID_MAX;
}

int pn_registry__add_container(struct pn_registry *r, const struct pn_container *c, char *err,
			       size_t err_size)
{
	struct pn_container *same, *on_netns;
	int ret = 0;

	if (!valid_id(c->container_id) || !valid_id(c->pod_namespace) || !valid_id(c->pod_name) ||
	    !c->netns_id) {
		snprintf(err, err_size,
			 "container '%.*s': a container id, pod namespace, pod name and netns "
			 "are required",
			 PN_ID_MAX - 1, c->container_id);
		return -EINVAL;
	}
	pthread_mutex_lock(&r->lock);
	same = container_by_id(r, c->container_id);
	on_netns = container_by_netns(r, c->netns_id);
	if (same && same->netns_id == c->netns_id) {
		/* A retried ADD: nothing to do. */
	} else if (same) {
		snprintf(err, err_size,
			 "container %.12s: already registered on netns %llu, not %llu",
			 c->container_id, (unsigned long long)same->netns_id,
			 (unsigned long long)c->netns_id);
		ret = -EEXIST;
	} else if (on_netns) {
		snprintf(err, err_size,
			 "container %.12s: netns %llu is already %s/%s's (container %.12s)",
			 c->container_id, (unsigned long long)c->netns_id, on_netns->pod_namespace,
			 on_netns->pod_name, on_netns->container_id);
		ret = -EEXIST;
	} else if (!(ret = reserve((void **)&r->containers, r->n_containers, &r->cap_containers,
				   sizeof(*r->containers)))) {
		r->containers[r->n_containers++] = *c;
	} else {
		snprintf(err, err_size, "container %.12s: out of memory", c->container_id);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int pn_registry__remove_container(struct pn_registry *r, const char *container_id,
				  struct pn_slot_owner **slotsp, size_t *n_slotsp)
{
	struct pn_slot_owner *taken = NULL;
	struct pn_container *c;
	size_t n = 0, kept = 0;

	pthread_mutex_lock(&r->lock);
	c = container_by_id(r, container_id);
	if (!c) {
		pthread_mutex_unlock(&r->lock);
		return -ENOENT;
	}
	for (size_t i = 0; i < r->n_slots; i++)
		n += !strcmp(r->slots[i].container_id, container_id);
	if (n && !(taken = calloc(n, sizeof(*taken)))) {
		pthread_mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < r->n_slots; i++) {
		if (!strcmp(r->slots[i].container_id, container_id))
			taken[n++] = r->slots[i];
		else
			r->slots[kept++] = r->slots[i];
	}
	r->n_slots = kept;
	*c = r->containers[--r->n_containers];
	pthread_mutex_unlock(&r->lock);
	*slotsp = taken;
	*n_slotsp = n;
	return 0;
}

int pn_registry__find_container(struct pn_registry *r, const char *container_id,
				struct pn_container *out)
{
	const struct pn_container *c;

	pthread_mutex_lock(&r->lock);
	c = container_by_id(r, container_id);
	if (c)
		*out = *c;
	pthread_mutex_unlock(&r->lock);
	return c ? 0 : -ENOENT;
}

/* A copy of n elements of `size` bytes, taken under the lock (so never torn). */
static int copy_out(struct pn_registry *r, const void *const *array, const size_t *np, size_t size,
		    void **outp, size_t *n_out)
{
	void *out;
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = *np;
	out = calloc(n ? n : 1, size);
	if (out && n)
		memcpy(out, *array, n * size);
	pthread_mutex_unlock(&r->lock);
	if (!out)
		return -ENOMEM;
	*outp = out;
	*n_out = n;
	return 0;
}

int pn_registry__list_containers(struct pn_registry *r, struct pn_container **listp, size_t *np)
{
	return copy_out(r, (const void *const *)&r->containers, &r->n_containers,
			sizeof(*r->containers), (void **)listp, np);
}

int pn_registry__container_by_netns(struct pn_registry *r, __u64 netns_id, struct pn_container *out)
{
	const struct pn_container *c;

	pthread_mutex_lock(&r->lock);
	c = container_by_netns(r, netns_id);
	if (c)
		*out = *c;
	pthread_mutex_unlock(&r->lock);
	return c ? 0 : -ENOENT;
}

static int may_plug_locked(struct pn_registry *r, const struct pn_caller *caller,
			   enum pn_target_kind target, const char *uplink, __s32 priority,
			   char *why, size_t why_size)
{
	const struct pn_uplink_rule *rule;
	const struct pn_container *c;
	unsigned int used = 0;

	if (caller->role == PN_ROLE_ADMIN)
		return 0;
	c = container_by_id(r, caller->container_id);
	if (!c) {
		snprintf(why, why_size, "container %.12s is not registered", caller->container_id);
		return -EPERM;
	}
	/* Targets pod and host are the caller's own pod's: nobody else's are reachable here. */
	if (target != PN_TARGET_UPLINK)
		return 0;
	rule = uplink ? rule_for(r, uplink) : NULL;
	if (!rule) {
		snprintf(why, why_size, "%s/%s: uplink '%s' is not one containers may plug into",
			 c->pod_namespace, c->pod_name, uplink ? uplink : "");
		return -EPERM;
	}
	if (priority < rule->prio_min || priority > rule->prio_max) {
		snprintf(why, why_size,
			 "%s/%s: priority %d on uplink '%s' is outside the allowed %d..%d",
			 c->pod_namespace, c->pod_name, priority, uplink, rule->prio_min,
			 rule->prio_max);
		return -EPERM;
	}
	for (size_t i = 0; i < r->n_slots; i++) {
		const struct pn_slot_owner *s = &r->slots[i];

		used += s->target == PN_TARGET_UPLINK && !s->released &&
			!strcmp(s->uplink, uplink) && !strcmp(s->container_id, c->container_id);
	}
	if (used >= rule->slot_quota) {
		snprintf(why, why_size, "%s/%s: already holds %u of its %u slots on uplink '%s'",
			 c->pod_namespace, c->pod_name, used, rule->slot_quota, uplink);
		return -EPERM;
	}
	return 0;
}

int pn_registry__may_plug(struct pn_registry *r, const struct pn_caller *caller,
			  enum pn_target_kind target, const char *uplink, __s32 priority, char *why,
			  size_t why_size)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = may_plug_locked(r, caller, target, uplink, priority, why, why_size);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int pn_registry__may_change(struct pn_registry *r, const struct pn_caller *caller, __u64 netns_id,
			    unsigned int ifindex, __u32 attach_id, char *why, size_t why_size)
{
	const struct pn_slot_owner *s;
	char owner[3 * PN_ID_MAX];
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	s = slot_find(r, netns_id, ifindex, attach_id);
	if (!s) {
		snprintf(why, why_size, "no slot with attach id %u on ifindex %u (netns %llu)",
			 attach_id, ifindex, (unsigned long long)netns_id);
		ret = -ENOENT;
	} else if (caller->role != PN_ROLE_ADMIN &&
		   !(caller->role == PN_ROLE_RUNTIME && !caller->container_id[0]) &&
		   strcmp(s->container_id, caller->container_id)) {
		owner_name(r, s->container_id, owner, sizeof(owner));
		snprintf(why, why_size, "slot %u ('%s', %s target) is owned by %s", attach_id,
			 s->program, target_names[s->target], owner);
		ret = -EPERM;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int pn_registry__list_slots(struct pn_registry *r, struct pn_slot_owner **listp, size_t *np)
{
	return copy_out(r, (const void *const *)&r->slots, &r->n_slots, sizeof(*r->slots),
			(void **)listp, np);
}

int pn_registry__find_slot(struct pn_registry *r, __u64 netns_id, unsigned int ifindex,
			   __u32 attach_id, struct pn_slot_owner *out)
{
	const struct pn_slot_owner *s;

	pthread_mutex_lock(&r->lock);
	s = slot_find(r, netns_id, ifindex, attach_id);
	if (s)
		*out = *s;
	pthread_mutex_unlock(&r->lock);
	return s ? 0 : -ENOENT;
}

int pn_registry__add_slot(struct pn_registry *r, const struct pn_slot_owner *slot)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	if (slot_find(r, slot->netns_id, slot->ifindex, slot->attach_id))
		ret = -EEXIST;
	else
		ret = reserve((void **)&r->slots, r->n_slots, &r->cap_slots, sizeof(*r->slots));
	if (!ret)
		r->slots[r->n_slots++] = *slot;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int pn_registry__release_slot(struct pn_registry *r, __u64 netns_id, unsigned int ifindex,
			      __u32 attach_id, const char *reason, struct pn_slot_owner *released)
{
	struct pn_slot_owner *s;
	int ret = 0;

	pthread_mutex_lock(&r->lock);

	s = slot_find(r, netns_id, ifindex, attach_id);
	if (!s) {
		ret = -ENOENT;
	} else if (s->released) {
		ret = -EALREADY;
	} else {
		s->released = true;
		snprintf(s->released_reason, sizeof(s->released_reason), "%s", reason);
	}
	if (s && released)
		*released = *s;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int pn_registry__remove_slot(struct pn_registry *r, __u64 netns_id, unsigned int ifindex,
			     __u32 attach_id, struct pn_slot_owner *removed)
{
	struct pn_slot_owner *s;

	pthread_mutex_lock(&r->lock);
	s = slot_find(r, netns_id, ifindex, attach_id);
	if (s) {
		if (removed)
			*removed = *s;
		*s = r->slots[--r->n_slots];
	}
	pthread_mutex_unlock(&r->lock);
	return s ? 0 : -ENOENT;
}

/* --- state file ------------------------------------------------------------ */

/* __u64 as a decimal string: JSON numbers are doubles and lose bits past 2^53. */
static bool add_u64(cJSON *o, const char *key, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return cJSON_AddStringToObject(o, key, buf);
}

static cJSON *container_json(const struct pn_container *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "container_id", c->container_id) ||
	    !cJSON_AddStringToObject(o, "pod_namespace", c->pod_namespace) ||
	    !cJSON_AddStringToObject(o, "pod_name", c->pod_name) ||
	    !cJSON_AddStringToObject(o, "pod_uid", c->pod_uid) ||
	    !cJSON_AddStringToObject(o, "network", c->network) ||
	    !add_u64(o, "netns", c->netns_id) ||
	    !cJSON_AddStringToObject(o, "netns_path", c->netns_path) ||
	    !cJSON_AddStringToObject(o, "ifname", c->ifname) ||
	    !cJSON_AddNumberToObject(o, "pod_ifindex", c->pod_ifindex) ||
	    !cJSON_AddNumberToObject(o, "host_ifindex", c->host_ifindex)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *slot_json(const struct pn_slot_owner *s)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !add_u64(o, "netns", s->netns_id) ||
	    !cJSON_AddNumberToObject(o, "ifindex", s->ifindex) ||
	    !cJSON_AddNumberToObject(o, "attach_id", s->attach_id) ||
	    !cJSON_AddStringToObject(o, "target", target_names[s->target]) ||
	    !cJSON_AddStringToObject(o, "uplink", s->uplink) ||
	    !cJSON_AddStringToObject(o, "container_id", s->container_id) ||
	    !cJSON_AddStringToObject(o, "program", s->program) ||
	    !cJSON_AddNumberToObject(o, "priority", s->priority) ||
	    (s->released && (!cJSON_AddTrueToObject(o, "released") ||
			     !cJSON_AddStringToObject(o, "released_reason", s->released_reason)))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *pn_registry__to_json(struct pn_registry *r)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *containers = cJSON_AddArrayToObject(doc, "containers");
	cJSON *slots = cJSON_AddArrayToObject(doc, "slots");
	bool ok = doc && containers && slots &&
		  cJSON_AddNumberToObject(doc, "version", REGISTRY_JSON_VERSION);

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; ok && i < r->n_containers; i++) {
		cJSON *c = container_json(&r->containers[i]);

		ok = c && cJSON_AddItemToArray(containers, c);
	}
	for (size_t i = 0; ok && i < r->n_slots; i++) {
		cJSON *s = slot_json(&r->slots[i]);

		ok = s && cJSON_AddItemToArray(slots, s);
	}
	pthread_mutex_unlock(&r->lock);
	if (!ok) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

/* Reading back: each field checked, and the key named on failure. */
struct reader {
	char *err;
	size_t err_size;
	char where[64]; /* "containers[3]" */
};

__attribute__((format(printf, 2, 3))) static int bad(struct reader *rd, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(rd->err, rd->err_size, "registry: %s%s%s", rd->where, rd->where[0] ? "." : "",
		 what);
	return -EINVAL;
}

static int get_string(struct reader *rd, const cJSON *o, const char *key, char *out, size_t size,
		      bool required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v && !required) {
		out[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v))
		return bad(rd, "%s: expected a string", key);
	if (strlen(v->valuestring) >= size)
		return bad(rd, "%s: longer than %zu bytes", key, size - 1);
	strcpy(out, v->valuestring);
	return 0;
}

static int get_u64(struct reader *rd, const cJSON *o, const char *key, __u64 *out)
{
	char buf[24], *end;

	if (get_string(rd, o, key, buf, sizeof(buf), true))
		return -EINVAL;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || !buf[0] || *end)
		return bad(rd, "%s: '%s' is not a decimal number", key, buf);
	return 0;
}

static int get_int(struct reader *rd, const cJSON *o, const char *key, long long min, long long max,
		   long long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max)
		return bad(rd, "%s: expected an integer from %lld to %lld", key, min, max);
	*out = (long long)v->valuedouble;
	return 0;
}

static int read_container(struct reader *rd, const cJSON *o, struct pn_container *c)
{
	long long pod_ifindex, host_ifindex;

	memset(c, 0, sizeof(*c));
	if (get_string(rd, o, "container_id", c->container_id, sizeof(c->container_id), true) ||
	    get_string(rd, o, "pod_namespace", c->pod_namespace, sizeof(c->pod_namespace), true) ||
	    get_string(rd, o, "pod_name", c->pod_name, sizeof(c->pod_name), true) ||
	    get_string(rd, o, "pod_uid", c->pod_uid, sizeof(c->pod_uid), false) ||
	    get_string(rd, o, "network", c->network, sizeof(c->network), false) ||
	    get_u64(rd, o, "netns", &c->netns_id) ||
	    get_string(rd, o, "netns_path", c->netns_path, sizeof(c->netns_path), false) ||
	    get_string(rd, o, "ifname", c->ifname, sizeof(c->ifname), false) ||
	    get_int(rd, o, "pod_ifindex", 0, 0x7fffffff, &pod_ifindex) ||
	    get_int(rd, o, "host_ifindex", 0, 0x7fffffff, &host_ifindex))
		return -EINVAL;
	c->pod_ifindex = (unsigned int)pod_ifindex;
	c->host_ifindex = (unsigned int)host_ifindex;
	return 0;
}

static int read_slot(struct reader *rd, const cJSON *o, struct pn_slot_owner *s)
{
	long long ifindex, attach_id, priority;
	char target[16];
	size_t t;

	memset(s, 0, sizeof(*s));
	if (get_u64(rd, o, "netns", &s->netns_id) ||
	    get_int(rd, o, "ifindex", 1, 0x7fffffff, &ifindex) ||
	    get_int(rd, o, "attach_id", 1, 0xffffffffLL, &attach_id) ||
	    get_string(rd, o, "target", target, sizeof(target), true) ||
	    get_string(rd, o, "uplink", s->uplink, sizeof(s->uplink), false) ||
	    get_string(rd, o, "container_id", s->container_id, sizeof(s->container_id), true) ||
	    get_string(rd, o, "program", s->program, sizeof(s->program), true) ||
	    get_int(rd, o, "priority", -0x80000000LL, 0x7fffffff, &priority) ||
	    get_string(rd, o, "released_reason", s->released_reason, sizeof(s->released_reason),
		       false))
		return -EINVAL;
	s->released = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "released"));
	for (t = 0; t < sizeof(target_names) / sizeof(target_names[0]); t++) {
		if (!strcmp(target, target_names[t]))
			break;
	}
	if (t == sizeof(target_names) / sizeof(target_names[0]))
		return bad(rd, "target: '%s' is not pod, host or uplink", target);
	s->target = (enum pn_target_kind)t;
	if (s->target == PN_TARGET_UPLINK && !s->uplink[0])
		return bad(rd, "uplink: required for an uplink target");
	s->ifindex = (unsigned int)ifindex;
	s->attach_id = (__u32)attach_id;
	s->priority = (__s32)priority;
	return 0;
}

/* Read array `key` of doc into a new array of `size`-byte elements. */
static int read_array(struct reader *rd, const cJSON *doc, const char *key, size_t size,
		      int (*read_one)(struct reader *rd, const cJSON *o, void *out), void **outp,
		      size_t *np)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, key);
	const cJSON *item;
	size_t n = 0, i = 0;
	char *out;

	if (!cJSON_IsArray(arr))
		return bad(rd, "%s: expected an array", key);
	n = (size_t)cJSON_GetArraySize(arr);
	out = calloc(n ? n : 1, size);
	if (!out)
		return bad(rd, "%s: out of memory", key);
	cJSON_ArrayForEach(item, arr)
	{
		snprintf(rd->where, sizeof(rd->where), "%s[%zu]", key, i);
		if (!cJSON_IsObject(item) || read_one(rd, item, out + i * size)) {
			if (!cJSON_IsObject(item))
				bad(rd, "expected an object");
			free(out);
			return -EINVAL;
		}
		i++;
	}
	rd->where[0] = '\0';
	*outp = out;
	*np = n;
	return 0;
}

static int read_container_any(struct reader *rd, const cJSON *o, void *out)
{
	return read_container(rd, o, out);
}

static int read_slot_any(struct reader *rd, const cJSON *o, void *out)
{
	return read_slot(rd, o, out);
}

int pn_registry__from_json(struct pn_registry *r, const cJSON *doc, char *err, size_t err_size)
{
	struct reader rd = {.err = err, .err_size = err_size};
	struct pn_container *containers = NULL;
	struct pn_slot_owner *slots = NULL;
	size_t n_containers = 0, n_slots = 0;
	long long version;

	if (!cJSON_IsObject(doc))
		return bad(&rd, "expected an object");
	if (get_int(&rd, doc, "version", REGISTRY_JSON_VERSION, REGISTRY_JSON_VERSION, &version) ||
	    read_array(&rd, doc, "containers", sizeof(*containers), read_container_any,
		       (void **)&containers, &n_containers) ||
	    read_array(&rd, doc, "slots", sizeof(*slots), read_slot_any, (void **)&slots,
		       &n_slots)) {
		free(containers);
		return -EINVAL;
	}
	pthread_mutex_lock(&r->lock);
	free(r->containers);
	free(r->slots);
	r->containers = containers;
	r->n_containers = r->cap_containers = n_containers;
	r->slots = slots;
	r->n_slots = r->cap_slots = n_slots;
	pthread_mutex_unlock(&r->lock);
	return 0;
}
