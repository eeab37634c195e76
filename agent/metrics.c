// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "ifaces.h"
#include "metrics.h"
#include "plugnet/engine.h"

static const char *const verdict_names[PN_XDP_VERDICTS] = {"aborted", "drop", "pass", "tx",
							   "redirect"};
static const char *const kind_names[] = {
	[PN_TARGET_POD] = "pod",
	[PN_TARGET_HOST] = "host",
	[PN_TARGET_UPLINK] = "uplink",
};

/* A label value as the text format wants it: \, " and newlines escaped. */
static void label(FILE *out, const char *value)
{
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			fputc('\\', out);
		if (*value == '\n')
			fputs("\\n", out);
		else
			fputc(*value, out);
	}
}

static void counter(FILE *out, const char *name, const char *help, unsigned long value)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n%s %lu\n", name, help, name, name, value);
}

static const char *owner_of(const struct pn_slot_owner *owners, size_t n, __u64 netns_id,
			    unsigned int ifindex, __u32 attach_id, const char **program)
{
	for (size_t i = 0; i < n; i++) {
		if (owners[i].netns_id == netns_id && owners[i].ifindex == ifindex &&
		    owners[i].attach_id == attach_id) {
			*program = owners[i].program;
			return owners[i].container_id;
		}
	}
	*program = "";
	return "";
}

static void iface_labels(FILE *out, const struct pn_managed_info *m)
{
	fprintf(out, "interface=\"%llu-%u\",ifname=\"", (unsigned long long)m->netns_id,
		m->ifindex);
	label(out, m->ifname);
	fprintf(out, "\",target=\"%s\"", kind_names[m->kind]);
}

/* Per-interface and per-slot series of the interfaces held. */
static void write_ifaces(struct pn_agent *a, FILE *out, const struct pn_managed_info *list,
			 size_t n, const struct pn_slot_owner *owners, size_t n_owners,
			 struct pn_iface_info *info)
{
	fputs("# HELP plugnet_interface_up Whether plugnet's dispatcher runs on the interface "
	      "(0: displaced, gone, not attached).\n# TYPE plugnet_interface_up gauge\n"
	      "# HELP plugnet_interface_revision The dispatcher revision running.\n"
	      "# TYPE plugnet_interface_revision gauge\n"
	      "# HELP plugnet_interface_slots Slots in use.\n# TYPE plugnet_interface_slots gauge\n"
	      "# HELP plugnet_slot_packets_total Packets a slot ran on, counted by the "
	      "dispatcher.\n# TYPE plugnet_slot_packets_total counter\n"
	      "# HELP plugnet_slot_verdicts_total Verdicts a slot returned, counted by the "
	      "dispatcher.\n# TYPE plugnet_slot_verdicts_total counter\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct pn_managed_info *m = &list[i];
		struct pn_iface *iface =
			m->held ? pn_ifaces_get_by_index(a, m->netns_id, m->ifindex) : NULL;
		bool described = iface && !pn_iface__describe(iface, info);
		bool up = described && info->state == PN_IFACE_ATTACHED && !m->displaced;

		pn_ifaces_put(a, iface);
		fputs("plugnet_interface_up{", out);
		iface_labels(out, m);
		fprintf(out, "} %d\n", up);
		if (!described)
			continue;
		fputs("plugnet_interface_revision{", out);
		iface_labels(out, m);
		fprintf(out, "} %llu\n", (unsigned long long)info->revision);
		fputs("plugnet_interface_slots{", out);
		iface_labels(out, m);
		fprintf(out, "} %u\n", info->num_slots);
		if (!info->slot_stats)
			continue;
		for (__u32 s = 0; s < info->num_slots; s++) {
			const struct pn_slot_info *si = &info->slots[s];
			const char *program, *owner = owner_of(owners, n_owners, m->netns_id,
							       m->ifindex, si->attach_id, &program);

			fputs("plugnet_slot_packets_total{", out);
			iface_labels(out, m);
			fprintf(out, ",attach_id=\"%u\",program=\"", si->attach_id);
			label(out, program);
			fputs("\",container_id=\"", out);
			label(out, owner);
			fprintf(out, "\"} %llu\n", (unsigned long long)si->packets);
			for (int v = 0; v < PN_XDP_VERDICTS; v++) {
				fputs("plugnet_slot_verdicts_total{", out);
				iface_labels(out, m);
				fprintf(out, ",attach_id=\"%u\",program=\"", si->attach_id);
				label(out, program);
				fputs("\",container_id=\"", out);
				label(out, owner);
				fprintf(out, "\",verdict=\"%s\"} %llu\n", verdict_names[v],
					(unsigned long long)si->verdicts[v]);
			}
		}
	}
}

int pn_metrics_write(struct pn_agent *a, FILE *out)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */
	struct pn_managed_info *list = NULL;
	struct pn_slot_owner *owners = NULL;
	size_t n = 0, n_owners = 0;
	const struct pn_agent_counters *c = &a->counters;

	if (!info || pn_ifaces_list(a, &list, &n) ||
	    pn_registry__list_slots(a->registry, &owners, &n_owners)) {
		free(list);
		free(info);
		return -ENOMEM;
	}
	counter(out, "plugnet_plugs_total", "Slots plugged.", atomic_load(&c->plugs));
	counter(out, "plugnet_plug_failures_total", "Plug requests the engine refused or failed.",
		atomic_load(&c->plug_failures));
	counter(out, "plugnet_unplugs_total", "Slots unplugged (owner, runtime or admin).",
		atomic_load(&c->unplugs));
	counter(out, "plugnet_unplug_failures_total", "Unplugs that failed.",
		atomic_load(&c->unplug_failures));
	counter(out, "plugnet_root_links_healed_total",
		"Root links detached by a host tool and attached again.",
		atomic_load(&c->root_links_healed));
	counter(out, "plugnet_pods_gone_total",
		"Pods whose netns or interface vanished without a CNI DEL.",
		atomic_load(&c->pods_gone));
	write_ifaces(a, out, list, n, owners, n_owners, info);
	free(owners);
	free(list);
	free(info);
	return ferror(out) ? -EIO : 0;
}

struct pn_metrics_server {
	struct pn_agent *agent;
	struct MHD_Daemon *daemon;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct pn_metrics_server *srv = cls;
	unsigned int status = MHD_HTTP_OK;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	out = open_memstream(&text, &len);
	if (!out)
		return MHD_NO;
	if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		fprintf(out, "%s: no such resource; the metrics are at /metrics\n", url);
	} else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		fprintf(out, "%s %s: only GET\n", method, url);
	} else if (pn_metrics_write(srv->agent, out)) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	if (fclose(out)) {
		free(text);
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	ret = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				      "text/plain; version=0.0.4; charset=utf-8");
	if (ret == MHD_YES)
		ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "127.0.0.1:9100" or "[::1]:9100" into a socket address. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !port || port > 65535)
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		size_t hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;

	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &in4->sin_addr) == 1 ? 0 : -EINVAL;
}

int pn_metrics_server__start(struct pn_agent *a, const char *addr, struct pn_metrics_server **srvp,
			     char *err, size_t err_size)
{
	struct pn_metrics_server *srv;
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (parse_addr(addr, &ss)) {
		snprintf(err, err_size, "metrics address '%s': not HOST:PORT", addr);
		return -EINVAL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->agent = a;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
				       (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
				       (unsigned int)10, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, err_size, "metrics address '%s': cannot listen there (in use?)",
			 addr);
		free(srv);
		return -EADDRINUSE;
	}
	*srvp = srv;
	return 0;
}

void pn_metrics_server__stop(struct pn_metrics_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
