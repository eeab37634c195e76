// SPDX-License-Identifier: Apache-2.0
/*
 * /v1/slots: plug a catalog program into the caller's own pod interface,
 * list slots, unplug one. The registry's rules decide who may: a slot's
 * owner, or the runtime acting for it; anyone else is told who owns it.
 * A slot is answered for only once the engine plugged it and the state
 * file holds it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>

#include <microhttpd.h>
#include <openssl/evp.h>

#include "api_routes.h"
#include "caller.h"
#include "catalog.h"
#include "json_body.h"
#include "map_json.h"
#include "plugnet/engine.h"
#include "plugnet/log.h"
#include "plugnet/xdp_action.h"
#include "ifaces.h"

/* A slot's id in the API: "<netns>-<ifindex>-<attach id>". */
static void slot_id(const struct pn_slot_owner *s, char *buf, size_t size)
{
	snprintf(buf, size, "%llu-%u-%u", (unsigned long long)s->netns_id, s->ifindex,
		 s->attach_id);
}

static int parse_slot_id(const char *text, __u64 *netns, unsigned int *ifindex, __u32 *attach)
{
	unsigned long long n;
	unsigned int i, a;
	int end = 0;

	if (sscanf(text, "%llu-%u-%u%n", &n, &i, &a, &end) != 3 || text[end])
		return -EINVAL;
	*netns = n;
	*ifindex = i;
	*attach = a;
	return 0;
}

static cJSON *slot_json(const struct pn_slot_owner *s)
{
	static const char *const targets[] = {"pod", "host", "uplink"};
	cJSON *o = cJSON_CreateObject();
	char id[64], target[IF_NAMESIZE + 8];

	slot_id(s, id, sizeof(id));
	if (s->target == PN_TARGET_UPLINK)
		snprintf(target, sizeof(target), "uplink:%s", s->uplink);
	else
		snprintf(target, sizeof(target), "%s", targets[s->target]);
	if (!o || !cJSON_AddStringToObject(o, "id", id) ||
	    !cJSON_AddNumberToObject(o, "attach_id", s->attach_id) ||
	    !cJSON_AddStringToObject(o, "target", target) ||
	    !cJSON_AddStringToObject(o, "program", s->program) ||
	    !cJSON_AddNumberToObject(o, "priority", s->priority) ||
	    !cJSON_AddStringToObject(o, "container_id", s->container_id) ||
	    (s->released && (!cJSON_AddStringToObject(o, "released_by", "admin") ||
			     !cJSON_AddStringToObject(o, "released_reason", s->released_reason)))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The engine's errno as an HTTP status: the caller's fault or ours. */
static unsigned int plug_status(int err)
{
	switch (err) {
	case -EACCES: /* the verifier refused the program */
	case -EINVAL:
	case -ENOENT:
	case -EOPNOTSUPP:
		return MHD_HTTP_UNPROCESSABLE_CONTENT;
	case -ENOSPC:
		return MHD_HTTP_CONFLICT;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

struct plug_request {
	char program[PN_CATALOG_NAME_MAX + 1];
	/* An uploaded object (policy permitting): then `program` names the program in it. */
	unsigned char *elf;
	size_t elf_size;
	char target[32];
	char container_id[PN_ID_MAX];
	bool has_priority;
	__s32 priority;
	__u32 proceed_on;
};

/* "elf_base64": an ELF object uploaded whole, decoded into p->elf. */
static int read_upload(const struct pn_api_request *req, const cJSON *body, struct plug_request *p,
		       struct pn_api_response *resp)
{
	const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(body, "elf_base64");
	size_t len, pad = 0;
	int n;

	if (!b64)
		return 0;
	if (!cJSON_IsString(b64) || !b64->valuestring || !(len = strlen(b64->valuestring)) ||
	    len % 4 || len > INT_MAX) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field 'elf_base64': expected the object in base64 (RFC 4648, "
			     "padded)",
			     req->method, req->path);
		return -EINVAL;
	}
	p->elf = malloc(len / 4 * 3 + 1);
	if (!p->elf) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", NULL,
			     "%s %s: out of memory", req->method, req->path);
		return -ENOMEM;
	}
	n = EVP_DecodeBlock(p->elf, (const unsigned char *)b64->valuestring, (int)len);
	if (n < 0) {
		free(p->elf);
		p->elf = NULL;
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field 'elf_base64': not valid base64", req->method, req->path);
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts the padding as data: the '=' take bytes back. */
	for (size_t i = len; i > len - 2 && b64->valuestring[i - 1] == '='; i--)
		pad++;
	p->elf_size = (size_t)n - pad;
	return 0;
}

static int read_plug_request(const struct pn_api_request *req, struct plug_request *p,
			     struct pn_api_response *resp)
{
	static const char *const fields[] = {"program",      "target",     "priority", "proceed_on",
					     "container_id", "elf_base64", NULL};
	char proceed[64];
	const cJSON *prio;
	cJSON *body = pn_body_object(req, fields, resp);
	int ret;

	if (!body)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	ret = pn_body_string(req, body, "program", true, p->program, sizeof(p->program), resp);
	if (!ret)
		ret = pn_body_string(req, body, "target", false, p->target, sizeof(p->target),
				     resp);
	if (!ret)
		ret = pn_body_string(req, body, "container_id", false, p->container_id,
				     sizeof(p->container_id), resp);
	if (!ret)
		ret = pn_body_string(req, body, "proceed_on", false, proceed, sizeof(proceed),
				     resp);
	if (!ret)
		ret = read_upload(req, body, p, resp);
	if (!ret && proceed[0] && pn_proceed_on_parse(proceed, &p->proceed_on)) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field 'proceed_on': '%s' is not a list of aborted, drop, "
			     "pass, tx, redirect",
			     req->method, req->path, proceed);
		ret = -EINVAL;
	}
	prio = cJSON_GetObjectItemCaseSensitive(body, "priority");
	if (!ret && prio) {
		if (!cJSON_IsNumber(prio) ||
		    prio->valuedouble != (double)(__s32)prio->valuedouble) {
			pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
				     "%s %s: field 'priority': expected a 32-bit integer",
				     req->method, req->path);
			ret = -EINVAL;
		} else {
			p->has_priority = true;
			p->priority = (__s32)prio->valuedouble;
		}
	}
	cJSON_Delete(body);
	if (ret) {
		free(p->elf);
		p->elf = NULL;
	}
	return ret;
}

/* Which container a request acts for: the caller itself, or the one the runtime or admin names. */
static int acting_for(const struct pn_api_request *req, struct pn_caller *caller, const char *named,
		      struct pn_api_response *resp)
{
	if (caller->role == PN_ROLE_CONTAINER) {
		if (named[0] && strcmp(named, caller->container_id)) {
			pn_api_error(resp, MHD_HTTP_FORBIDDEN, "forbidden", NULL,
				     "%s %s: a container acts only for itself, not for container "
				     "'%s'",
				     req->method, req->path, named);
			return -EPERM;
		}
		return 0;
	}
	if (!named[0]) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field 'container_id': required when the runtime or the admin "
			     "plugs",
			     req->method, req->path);
		return -EINVAL;
	}
	snprintf(caller->container_id, sizeof(caller->container_id), "%s", named);
	return 0;
}

static void record_slot(struct pn_agent *a, struct pn_iface *iface, const struct pn_container *c,
			const struct plug_request *p, const struct pn_target *tg, __u32 attach_id,
			__s32 priority, const struct pn_api_request *req,
			struct pn_api_response *resp)
{
	struct pn_slot_owner s = {
		.netns_id = pn_iface__netns_id(iface),
		.ifindex = pn_iface__ifindex(iface),
		.attach_id = attach_id,
		.target = tg->kind,
		.priority = priority,
	};
	char err[1024];
	int ret;

	if (tg->kind == PN_TARGET_UPLINK)
		snprintf(s.uplink, sizeof(s.uplink), "%s", tg->uplink);
	snprintf(s.container_id, sizeof(s.container_id), "%s", c->container_id);
	snprintf(s.program, sizeof(s.program), "%s", p->program);
	if (!pn_registry__add_slot(a->registry, &s) && !pn_agent_save_state(a, err, sizeof(err))) {
		pn_api_reply(resp, MHD_HTTP_CREATED, slot_json(&s), req->path);
		return;
	}
	/* Not recorded, so not kept: an owner the state file does not know would be lost. */
	(void)pn_registry__remove_slot(a->registry, s.netns_id, s.ifindex, attach_id, NULL);
	ret = pn_iface__unplug(iface, attach_id);
	atomic_fetch_add(ret ? &a->counters.unplug_failures : &a->counters.unplugs, 1);
	if (ret)
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL,
			     "%s %s: the slot could not be recorded, and unplugging it failed too: "
			     "%s",
			     req->method, req->path, pn_last_error());
	else
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL,
			     "%s %s: the slot could not be recorded; it was unplugged again",
			     req->method, req->path);
}

/* Checked, plugged and recorded: one step for an uplink's quota. */
static void plug_into(struct pn_agent *a, struct pn_caller *caller, const struct pn_container *c,
		      const struct plug_request *p, const struct pn_target *tg,
		      const struct pn_slot_spec *spec, const struct pn_api_request *req,
		      struct pn_api_response *resp)
{
	struct pn_iface *iface;
	char why[1024];
	__u32 attach_id;
	int ret;

	if (pn_registry__may_plug(a->registry, caller, tg->kind, tg->uplink, spec->priority, why,
				  sizeof(why))) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "forbidden", NULL, "%s %s: %s", req->method,
			     req->path, why);
		return;
	}
	/* A pod's dispatcher is there since its registration; host and uplink ones may not be yet.
	 */
	iface = pn_ifaces_attach(a, tg, why, sizeof(why)) ? NULL
							  : pn_ifaces_get(a, tg, why, sizeof(why));
	if (!iface) {
		pn_api_error(resp, MHD_HTTP_CONFLICT, "no-dispatcher", NULL, "%s %s: %s/%s: %s",
			     req->method, req->path, c->pod_namespace, c->pod_name, why);
		return;
	}
	ret = pn_iface__plug(iface, spec, &attach_id);
	atomic_fetch_add(ret ? &a->counters.plug_failures : &a->counters.plugs, 1);
	if (ret)
		pn_api_error(resp, plug_status(ret), "plug-failed", NULL, "%s %s: %s", req->method,
			     req->path, pn_last_error());
	else
		record_slot(a, iface, c, p, tg, attach_id, spec->priority, req, resp);
	pn_ifaces_put(a, iface);
}

/* "", "pod", "host" or "uplink:<ifname>", for the container the request acts for. */
static int parse_target(const char *text, const char *container_id, struct pn_target *tg)
{
	static const char uplink[] = "uplink:";
	size_t name_len;

	*tg = (struct pn_target){.kind = PN_TARGET_POD, .container_id = container_id};
	if (!text[0] || !strcmp(text, "pod"))
		return 0;
	if (!strcmp(text, "host")) {
		tg->kind = PN_TARGET_HOST;
		return 0;
	}
	if (strncmp(text, uplink, sizeof(uplink) - 1))
		return -EINVAL;
	name_len = strlen(text + sizeof(uplink) - 1);
	if (!name_len || name_len >= IF_NAMESIZE)
		return -EINVAL;
	tg->kind = PN_TARGET_UPLINK;
	tg->uplink = text + sizeof(uplink) - 1;
	return 0;
}

static void plug(struct pn_agent *a, struct pn_caller *caller, const struct pn_api_request *req,
		 struct pn_api_response *resp)
{
	struct pn_catalog_entry e;
	struct pn_target tg;
	struct plug_request p;
	struct pn_slot_spec spec = {};
	struct pn_container c;
	char why[1024];
	bool locked;
	int ret;

	if (read_plug_request(req, &p, resp))
		return;
	if (acting_for(req, caller, p.container_id, resp))
		goto out;
	if (parse_target(p.target, caller->container_id, &tg)) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field 'target': '%s' is none of pod, host, uplink:<ifname>",
			     req->method, req->path, p.target);
		goto out;
	}
	if (p.elf && !a->allow_upload) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "upload-refused", NULL,
			     "%s %s: uploading an ELF object is off by this node's policy "
			     "(upload.allow_raw_elf); plug a catalog program by name",
			     req->method, req->path);
		goto out;
	}
	if (!p.elf) {
		ret = pn_catalog_lookup(a->catalog_dir, p.program, &e, why, sizeof(why));
		if (ret) {
			pn_api_error(resp,
				     ret == -ENOENT ? MHD_HTTP_NOT_FOUND : MHD_HTTP_BAD_REQUEST,
				     ret == -ENOENT ? "unknown-program" : "bad-program", NULL,
				     "%s %s: %s", req->method, req->path, why);
			goto out;
		}
	}
	if (pn_registry__find_container(a->registry, caller->container_id, &c)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: no registered container '%s'", req->method, req->path,
			     caller->container_id);
		goto out;
	}
	if (p.elf) {
		/* Recorded as what it is: not a catalog program. */
		snprintf(e.program, sizeof(e.program), "%.63s", p.program);
		snprintf(p.program, sizeof(p.program), "upload:%.50s", e.program);
		spec.elf = p.elf;
		spec.elf_size = p.elf_size;
		spec.prog_name = e.program;
		e.priority = 0;
		e.proceed_on = 0;
	} else {
		spec.elf_path = e.path;
		spec.prog_name = e.program;
	}
	spec.priority = p.has_priority ? p.priority : e.priority;
	spec.proceed_on = p.proceed_on ? p.proceed_on : e.proceed_on;
	/* An uplink plugnetd does not manage is not configured: may_plug names the rule. */
	locked = tg.kind == PN_TARGET_UPLINK && !pn_ifaces_lock_uplink(a, tg.uplink);
	plug_into(a, caller, &c, &p, &tg, &spec, req, resp);
	if (locked)
		pn_ifaces_unlock_uplink(a, tg.uplink);
out:
	free(p.elf);
}

static bool callers_own(const void *item, const void *ctx)
{
	const struct pn_slot_owner *s = item;
	const struct pn_caller *caller = ctx;

	/* A container sees its own slots; the runtime and the admin see all. */
	return caller->role != PN_ROLE_CONTAINER || !strcmp(s->container_id, caller->container_id);
}

static cJSON *slot_item_json(const void *item)
{
	return slot_json(item);
}

static void list_slots(struct pn_agent *a, const struct pn_caller *caller,
		       const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_slot_owner *list;
	size_t n;

	if (pn_registry__list_slots(a->registry, &list, &n)) {
		pn_api_reply(resp, 0, NULL, req->path);
		return;
	}
	pn_api_reply(resp, MHD_HTTP_OK,
		     pn_api_json_array(list, n, sizeof(*list), callers_own, caller, slot_item_json),
		     req->path);
	free(list);
}

static void unplug(struct pn_agent *a, struct pn_caller *caller, const char *id,
		   const struct pn_api_request *req, struct pn_api_response *resp)
{
	struct pn_slot_owner s;
	struct pn_iface *iface;
	char why[1024];
	__u64 netns;
	unsigned int ifindex;
	__u32 attach;
	int ret;

	if (parse_slot_id(id, &netns, &ifindex, &attach)) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-id", NULL,
			     "%s %s: '%s' is not a slot id (<netns>-<ifindex>-<attach id>)",
			     req->method, req->path, id);
		return;
	}
	ret = pn_registry__may_change(a->registry, caller, netns, ifindex, attach, why,
				      sizeof(why));
	if (ret) {
		pn_api_error(resp, ret == -ENOENT ? MHD_HTTP_NOT_FOUND : MHD_HTTP_FORBIDDEN,
			     ret == -ENOENT ? "not-found" : "forbidden", NULL, "%s %s: %s",
			     req->method, req->path, why);
		return;
	}
	if (pn_registry__find_slot(a->registry, netns, ifindex, attach, &s)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: slot %s went away meanwhile", req->method, req->path, id);
		return;
	}
	/*
	 * The kernel first, the record second. Any request's save writes the
	 * registry as it is at that moment: a record dropped before the
	 * unplug, and put back when the unplug fails, could be missing from
	 * the file when a crash follows, and the slot would lose its owner
	 * although its unplug was never acknowledged.
	 *
	 * No handle: the interface could not be adopted (its netns went away
	 * with its slots), so only the record is left to drop. A released
	 * slot left the kernel already: the owner's unplug acknowledges it.
	 */
	iface = s.released ? NULL : pn_ifaces_get_by_index(a, netns, ifindex);
	ret = iface ? pn_iface__unplug(iface, attach) : 0;
	pn_ifaces_put(a, iface);
	/*
	 * Counted only when the engine was asked: an acknowledged release was
	 * counted by the admin's unplug, and a record without a slot unplugs nothing.
	 */
	if (iface && ret != -ENOENT)
		atomic_fetch_add(ret ? &a->counters.unplug_failures : &a->counters.unplugs, 1);
	/* The engine has no such slot: it is gone from the kernel already; drop the record. */
	if (ret == -ENOENT)
		ret = 0;
	if (ret) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "unplug-failed", NULL,
			     "%s %s: %s", req->method, req->path, pn_last_error());
		return;
	}
	/* A concurrent unplug of the same slot took it: it is gone, the other one answers for it.
	 */
	if (pn_registry__remove_slot(a->registry, netns, ifindex, attach, &s)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
			     "%s %s: slot %s went away meanwhile", req->method, req->path, id);
		return;
	}
	if (pn_agent_save_state(a, why, sizeof(why))) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL,
			     "%s %s: unplugged, but the state file was not updated: %s",
			     req->method, req->path, why);
		return;
	}
	pn_api_reply(resp, MHD_HTTP_OK, slot_json(&s), req->path);
}

/* The admin's override: unplug anyone's slot, on the record, telling its owner. */
static void release(struct pn_api_socket *sock, const char *id, const struct pn_api_request *req,
		    struct pn_api_response *resp)
{
	struct pn_slot_owner s;
	struct pn_admin admin;
	char reason[256], err[1024];
	unsigned int ifindex;
	__u32 attach;
	__u64 netns;
	int ret;

	if (pn_admin_request(sock, req, &admin, reason, sizeof(reason), resp))
		return;
	if (parse_slot_id(id, &netns, &ifindex, &attach)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL, "%s %s: no slot '%s'",
			     req->method, req->path, id);
		return;
	}
	ret = pn_override_release_slot(sock->agent, &admin, netns, ifindex, attach, &s, err,
				       sizeof(err));
	if (ret && ret != -EPIPE)
		pn_api_error(resp, pn_override_status(ret),
			     ret == -EALREADY ? "already-released" : pn_override_code(ret), NULL,
			     "%s %s: %s", req->method, req->path, err);
	else if (ret)
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "state", NULL,
			     "%s %s: released, but %s", req->method, req->path, err);
	else
		pn_api_reply(resp, MHD_HTTP_OK, slot_json(&s), req->path);
}

/* The program a live slot runs: its prog id, read from the interface's dispatcher. */
static int slot_prog_id(struct pn_agent *a, const struct pn_slot_owner *s, __u32 *prog_id,
			char *why, size_t why_size)
{
	struct pn_iface *iface = pn_ifaces_get_by_index(a, s->netns_id, s->ifindex);
	struct pn_iface_info *info;
	int ret;

	if (!iface) {
		snprintf(why, why_size, "its interface %u (netns %llu) is not held any more",
			 s->ifindex, (unsigned long long)s->netns_id);
		return -ENOENT;
	}
	info = malloc(sizeof(*info)); /* 63 slots: too big for a worker's stack */
	ret = info ? pn_iface__describe(iface, info) : -ENOMEM;
	pn_ifaces_put(a, iface);
	if (ret) {
		snprintf(why, why_size, "%s", info ? pn_last_error() : "out of memory");
		free(info);
		return ret;
	}
	ret = -ENOENT;
	for (__u32 i = 0; ret && i < info->num_slots; i++)
		if (info->slots[i].attach_id == s->attach_id) {
			*prog_id = info->slots[i].prog_id;
			ret = 0;
		}
	if (ret)
		snprintf(why, why_size, "attach id %u is not in its dispatcher (revision %llu)",
			 s->attach_id, (unsigned long long)info->revision);
	free(info);
	return ret;
}

/*
 * GET /v1/slots/<id>/maps, admin socket only: a catalog program is loaded
 * once and shared by every slot that plugs it, so its maps can hold other
 * pods' entries (src-counter's sources, say), which a pod must not read.
 */
static void slot_maps(struct pn_api_socket *sock, const char *id, const struct pn_api_request *req,
		      struct pn_api_response *resp)
{
	struct pn_slot_owner s;
	cJSON *body, *maps = NULL;
	char why[1024];
	unsigned int ifindex;
	__u32 attach, prog_id = 0;
	__u64 netns;
	int ret;

	if (!sock->admin) {
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "admin-only", NULL,
			     "%s %s: only on the admin socket: a program's maps are shared by "
			     "every slot that plugs it and may hold other pods' entries",
			     req->method, req->path);
		return;
	}
	if (parse_slot_id(id, &netns, &ifindex, &attach)) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-id", NULL,
			     "%s %s: '%s' is not a slot id (<netns>-<ifindex>-<attach id>)",
			     req->method, req->path, id);
		return;
	}
	if (pn_registry__find_slot(sock->agent->registry, netns, ifindex, attach, &s)) {
		pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL, "%s %s: no slot '%s'",
			     req->method, req->path, id);
		return;
	}
	if (s.released) {
		pn_api_error(resp, MHD_HTTP_CONFLICT, "released", NULL,
			     "%s %s: slot %s was released by the admin (%s); its program is not "
			     "plugged any more",
			     req->method, req->path, id, s.released_reason);
		return;
	}
	ret = slot_prog_id(sock->agent, &s, &prog_id, why, sizeof(why));
	if (!ret)
		ret = pn_prog_maps_json(prog_id, PN_MAP_ENTRIES_SHOWN, &maps, why, sizeof(why));
	if (ret) {
		pn_api_error(resp,
			     ret == -ENOENT ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR,
			     ret == -ENOENT ? "not-found" : "internal", NULL,
			     "%s %s: program '%s' of slot %s: %s", req->method, req->path,
			     s.program, id, why);
		return;
	}
	body = slot_json(&s);
	if (!body || !cJSON_AddNumberToObject(body, "prog_id", prog_id) ||
	    !cJSON_AddItemToObject(body, "maps", maps)) {
		cJSON_Delete(maps);
		cJSON_Delete(body);
		body = NULL;
	}
	pn_api_reply(resp, MHD_HTTP_OK, body, req->path);
}

void pn_api_slots(struct pn_api_socket *sock, const char *rest, const struct pn_api_request *req,
		  struct pn_api_response *resp)
{
	const char *action = strchr(rest, '/');

	if (action) {
		char id[64];
		bool is_release = !strcmp(action, "/release");
		bool is_maps = !strcmp(action, "/maps");
		const char *method = is_release ? "POST" : "GET";

		if ((!is_release && !is_maps) || (size_t)(action - rest) >= sizeof(id)) {
			pn_api_error(resp, MHD_HTTP_NOT_FOUND, "not-found", NULL,
				     "%s %s: no such resource", req->method, req->path);
			return;
		}
		if (strcmp(req->method, method)) {
			pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
				     "%s %s: /v1/slots/<id>%s takes %s", req->method, req->path,
				     action, method);
			return;
		}
		snprintf(id, sizeof(id), "%.*s", (int)(action - rest), rest);
		if (is_release)
			release(sock, id, req, resp);
		else
			slot_maps(sock, id, req, resp);
		return;
	}

	struct pn_agent *a = sock->agent;
	struct pn_caller caller;
	bool collection = !*rest;

	if (pn_agent_caller(sock, req, &caller, resp))
		return;
	if (collection && !strcmp(req->method, "GET"))
		list_slots(a, &caller, req, resp);
	else if (collection && !strcmp(req->method, "POST"))
		plug(a, &caller, req, resp);
	else if (!collection && !strcmp(req->method, "DELETE") && sock->admin)
		pn_api_error(resp, MHD_HTTP_FORBIDDEN, "use-release", NULL,
			     "%s %s: the admin takes a slot out with POST /v1/slots/<id>/release "
			     "and a reason, which the audit log records and the owner is told",
			     req->method, req->path);
	else if (!collection && !strcmp(req->method, "DELETE"))
		unplug(a, &caller, rest, req, resp);
	else
		pn_api_error(resp, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed", NULL,
			     "%s %s: not served; /v1/slots takes GET and POST, /v1/slots/<id> "
			     "takes DELETE",
			     req->method, req->path);
}
