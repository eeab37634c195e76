// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

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

static void slot_labels(FILE *out, const struct pn_managed_info *m, __u32 attach_id,
			const char *program, const char *owner)
{
	iface_labels(out, m);
	fprintf(out, ",attach_id=\"%u\",program=\"", attach_id);
	label(out, program);
	fputs("\",container_id=\"", out);
	label(out, owner);
	fputc('"', out);
}

/*
 * The per-interface and per-slot families. The text format wants every
 * line of one metric in one group after its HELP and TYPE, so each
 * family's samples gather in a stream of their own while the interfaces
 * are described once each, and the groups are written one after another.
 */
enum family { F_UP, F_REVISION, F_SLOTS, F_PACKETS, F_VERDICTS, N_FAMILIES };

static const struct {
	const char *name, *type, *help;
} families[N_FAMILIES] = {
	[F_UP] = {"plugnet_interface_up", "gauge",
		  "Whether plugnet's dispatcher runs on the interface (0: displaced, detached, "
		  "gone, not attached)."},
	[F_REVISION] = {"plugnet_interface_revision", "gauge", "The dispatcher revision running."},
	[F_SLOTS] = {"plugnet_interface_slots", "gauge", "Slots in use."},
	[F_PACKETS] = {"plugnet_slot_packets_total", "counter",
		       "Packets a slot ran on, counted by the dispatcher (slot_counters)."},
	[F_VERDICTS] = {"plugnet_slot_verdicts_total", "counter",
			"Verdicts a slot returned, counted by the dispatcher (slot_counters)."},
};

static void write_iface(FILE *f[N_FAMILIES], const struct pn_managed_info *m, bool described,
			const struct pn_iface_info *info, const struct pn_slot_owner *owners,
			size_t n_owners)
{
	bool up = described && info->state == PN_IFACE_ATTACHED && !m->displaced;

	fprintf(f[F_UP], "%s{", families[F_UP].name);
	iface_labels(f[F_UP], m);
	fprintf(f[F_UP], "} %d\n", up);
	if (!described)
		return;
	fprintf(f[F_REVISION], "%s{", families[F_REVISION].name);
	iface_labels(f[F_REVISION], m);
	fprintf(f[F_REVISION], "} %llu\n", (unsigned long long)info->revision);
	fprintf(f[F_SLOTS], "%s{", families[F_SLOTS].name);
	iface_labels(f[F_SLOTS], m);
	fprintf(f[F_SLOTS], "} %u\n", info->num_slots);
	/* A revision built with counting off has no counts to show: no series rather than zeros. */
	if (!info->slot_stats)
		return;
	for (__u32 s = 0; s < info->num_slots; s++) {
		const struct pn_slot_info *si = &info->slots[s];
		const char *program, *owner = owner_of(owners, n_owners, m->netns_id, m->ifindex,
						       si->attach_id, &program);

		fprintf(f[F_PACKETS], "%s{", families[F_PACKETS].name);
		slot_labels(f[F_PACKETS], m, si->attach_id, program, owner);
		fprintf(f[F_PACKETS], "} %llu\n", (unsigned long long)si->packets);
		for (int v = 0; v < PN_XDP_VERDICTS; v++) {
			fprintf(f[F_VERDICTS], "%s{", families[F_VERDICTS].name);
			slot_labels(f[F_VERDICTS], m, si->attach_id, program, owner);
			fprintf(f[F_VERDICTS], ",verdict=\"%s\"} %llu\n", verdict_names[v],
				(unsigned long long)si->verdicts[v]);
		}
		fprintf(f[F_VERDICTS], "%s{", families[F_VERDICTS].name);
		slot_labels(f[F_VERDICTS], m, si->attach_id, program, owner);
		fprintf(f[F_VERDICTS], ",verdict=\"other\"} %llu\n",
			(unsigned long long)si->verdict_other);
	}
}

/* Per-interface and per-slot series of the interfaces held. 0 or -errno. */
static int write_ifaces(struct pn_agent *a, FILE *out, const struct pn_managed_info *list, size_t n,
			const struct pn_slot_owner *owners, size_t n_owners,
			struct pn_iface_info *info)
{
	FILE *f[N_FAMILIES] = {};
	char *text[N_FAMILIES] = {};
	size_t len[N_FAMILIES] = {};
	int ret = 0;

	for (int i = 0; i < N_FAMILIES && !ret; i++) {
		f[i] = open_memstream(&text[i], &len[i]);
		if (!f[i])
			ret = -ENOMEM;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct pn_managed_info *m = &list[i];
		struct pn_iface *iface =
			m->held ? pn_ifaces_get_by_index(a, m->netns_id, m->ifindex) : NULL;
		bool described = iface && !pn_iface__describe(iface, info);

		pn_ifaces_put(a, iface);
		write_iface(f, m, described, info, owners, n_owners);
	}
	for (int i = 0; i < N_FAMILIES; i++) {
		/* fclose() sets text[i] and len[i]; a stream that failed leaves them as they were.
		 */
		if (f[i]) {
			bool failed = ferror(f[i]);

			if (fclose(f[i]) || failed)
				ret = -ENOMEM;
		}
		if (!ret)
			fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%.*s", families[i].name,
				families[i].help, families[i].name, families[i].type, (int)len[i],
				text[i] ? text[i] : "");
		free(text[i]);
	}
	return ret;
}

int pn_metrics_write(struct pn_agent *a, FILE *out)
{
	struct pn_iface_info *info = malloc(sizeof(*info)); /* 4 KiB and more: not on the stack */
	struct pn_managed_info *list = NULL;
	struct pn_slot_owner *owners = NULL;
	size_t n = 0, n_owners = 0;
	const struct pn_agent_counters *c = &a->counters;
	int ret;

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
	ret = write_ifaces(a, out, list, n, owners, n_owners, info);
	free(owners);
	free(list);
	free(info);
	return ret ? ret : ferror(out) ? -EIO : 0;
}

struct pn_metrics_server {
	struct pn_agent *agent;
	struct MHD_Daemon *daemon;
};

/* Queue a response that takes `text` (malloc'ed, len bytes) over. */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status, char *text,
			       size_t len, const char *content_type, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(text);
		return MHD_NO;
	}
	ret = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	if (ret == MHD_YES && allow)
		ret = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (ret == MHD_YES)
		ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	/* The exposition's type; errors are plain text that no scraper should parse as metrics. */
	static const char exposition[] = "text/plain; version=0.0.4; charset=utf-8",
			  plain[] = "text/plain; charset=utf-8";
	struct pn_metrics_server *srv = cls;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	out = open_memstream(&text, &len);
	if (!out)
		return MHD_NO;
	if (strcmp(url, "/metrics")) {
		fprintf(out, "%s: no such resource; the metrics are at /metrics\n", url);
		if (fclose(out))
			goto fail;
		return respond(conn, MHD_HTTP_NOT_FOUND, text, len, plain, NULL);
	}
	/* HEAD as GET: libmicrohttpd sends the headers (and the length) without the body. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		fprintf(out, "%s %s: only GET and HEAD\n", method, url);
		if (fclose(out))
			goto fail;
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, len, plain, "GET, HEAD");
	}
	ret = pn_metrics_write(srv->agent, out);
	if (fclose(out) && !ret)
		ret = -ENOMEM;
	if (!ret)
		return respond(conn, MHD_HTTP_OK, text, len, exposition, NULL);
	/* Half an exposition would read as counters that went down: none at all instead. */
	free(text);
	if (asprintf(&text, "/metrics: cannot write the metrics: %s\n", strerror(-ret)) < 0)
		return MHD_NO;
	return respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, text, strlen(text), plain, NULL);
fail:
	free(text);
	return MHD_NO;
}

/* "127.0.0.1:9100" or "[::1]:9100" into a socket address. */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *ss_len)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || !port || port > 65535)
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
		*ss_len = sizeof(*in6);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;

	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	*ss_len = sizeof(*in4);
	return inet_pton(AF_INET, host, &in4->sin_addr) == 1 ? 0 : -EINVAL;
}

/*
 * The listening socket, made here rather than by libmicrohttpd so that a
 * failure says which step failed and why (libmicrohttpd only logs "port
 * 0" for an address given whole). SO_REUSEADDR lets a restart bind while
 * the last run's connections sit in TIME_WAIT; it does not let two
 * listeners share the port.
 */
static int listen_on(const char *addr, int *fdp, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	socklen_t ss_len = 0;
	const int one = 1;
	int fd, ret;

	if (parse_addr(addr, &ss, &ss_len)) {
		snprintf(err, err_size, "metrics address '%s': not HOST:PORT", addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_size, "metrics address '%s': socket: %s", addr, strerror(-ret));
		return ret;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		ret = -errno;
		snprintf(err, err_size, "metrics address '%s': SO_REUSEADDR: %s", addr,
			 strerror(-ret));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, ss_len)) {
		ret = -errno;
		snprintf(err, err_size, "metrics address '%s': cannot bind: %s%s", addr,
			 strerror(-ret),
			 ret == -EADDRINUSE ? " (another process listens on that port)" : "");
		goto fail;
	}
	if (listen(fd, 64)) {
		ret = -errno;
		snprintf(err, err_size, "metrics address '%s': listen: %s", addr, strerror(-ret));
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

int pn_metrics_server__start(struct pn_agent *a, const char *addr, struct pn_metrics_server **srvp,
			     char *err, size_t err_size)
{
	struct pn_metrics_server *srv;
	int fd = -1, ret;

	ret = listen_on(addr, &fd, err, err_size);
	if (ret)
		return ret;
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, err_size, "metrics address '%s': out of memory", addr);
		close(fd);
		return -ENOMEM;
	}
	srv->agent = a;
	srv->daemon =
		MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				 on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, err_size, "metrics address '%s': the HTTP server did not start",
			 addr);
		close(fd);
		free(srv);
		return -EIO;
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
