// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <microhttpd.h>

#include "api_server.h"
#include "plugnet/log.h"

struct pn_api_server {
	struct pn_api_server_opts opts;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	struct MHD_Daemon *daemon;
};

/* What a connection gathers of one request before the handler sees it. */
struct request_state {
	char *body;
	size_t len;
	bool too_large;
};

void pn_api_error(struct pn_api_response *resp, unsigned int status, const char *code,
		  cJSON *details, const char *fmt, ...)
{
	char message[1024];
	cJSON *body = cJSON_CreateObject();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	resp->status = status;
	cJSON_Delete(resp->body);
	resp->body = body;
	if (!body || !cJSON_AddStringToObject(body, "error", code) ||
	    !cJSON_AddStringToObject(body, "message", message)) {
		cJSON_Delete(details);
		return;
	}
	if (details)
		cJSON_AddItemToObject(body, "details", details);
	else
		cJSON_AddNullToObject(body, "details");
}

void pn_api_reply(struct pn_api_response *resp, unsigned int status, cJSON *body, const char *path)
{
	if (!body) {
		pn_api_error(resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", NULL,
			     "%s: out of memory", path);
		return;
	}
	resp->status = status;
	resp->body = body;
}

cJSON *pn_api_json_array(const void *items, size_t n, size_t size,
			 bool (*keep)(const void *item, const void *ctx), const void *ctx,
			 cJSON *(*to_json)(const void *item))
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < n; i++) {
		const void *item = (const char *)items + i * size;
		cJSON *o;

		if (keep && !keep(item, ctx))
			continue;
		o = to_json(item);
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, struct pn_api_response *resp)
{
	char *text = resp->body ? cJSON_PrintUnformatted(resp->body) : NULL;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;

	if (!text) {
		/* Out of memory formatting the answer: a fixed one still goes out. */
		static const char oom[] = "{\"error\":\"internal\",\"message\":\"out of memory\","
					  "\"details\":null}";

		resp->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		r = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						    MHD_RESPMEM_PERSISTENT);
	} else {
		len = strlen(text);
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_COPY);
	}
	cJSON_free(text);
	cJSON_Delete(resp->body);
	resp->body = NULL;
	if (!r)
		return MHD_NO;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") ==
	    MHD_NO) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct pn_api_server *srv = cls;
	struct request_state *st = *con_cls;
	struct pn_api_response resp = {.status = MHD_HTTP_OK};
	const union MHD_ConnectionInfo *info;
	struct pn_api_request req;

	(void)version;
	if (!st) {
		/* First call: headers only. */
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (st->too_large || st->len + n > srv->opts.max_body) {
			/* Keep reading and dropping: the answer goes out once the body ends. */
			st->too_large = true;
			return MHD_YES;
		}
		char *grown = realloc(st->body, st->len + n + 1);

		if (!grown)
			return MHD_NO;
		st->body = grown;
		memcpy(st->body + st->len, upload_data, n);
		st->len += n;
		st->body[st->len] = '\0';
		return MHD_YES;
	}
	if (st->too_large) {
		pn_api_error(&resp, MHD_HTTP_CONTENT_TOO_LARGE, "body-too-large", NULL,
			     "request body over the limit of %zu bytes", srv->opts.max_body);
		return send_json(conn, &resp);
	}
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	req = (struct pn_api_request){
		.method = method,
		.path = url,
		.body = st->body ? st->body : "",
		.body_len = st->len,
		.sock_fd = info ? info->connect_fd : -1,
	};
	srv->opts.handler(srv->opts.ctx, &req, &resp);
	if (!resp.body)
		pn_api_error(&resp, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", NULL,
			     "%s %s: the handler gave no answer", method, url);
	return send_json(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct request_state *st = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (st) {
		free(st->body);
		free(st);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct pn_api_server *srv = cls;
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	pn_log_warn("api socket %s: %s", srv->path, line);
}

/* Whether a server answers on the socket file at path. */
static bool socket_live(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	live = !connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	close(fd);
	return live;
}

/*
 * Remove a stale socket left by a crash. Never touch anything that is not
 * a socket, nor a socket another server still answers on.
 */
static int clear_stale_socket(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (socket_live(path))
		return -EADDRINUSE;
	return unlink(path) ? -errno : 0;
}

static int bind_socket(struct pn_api_server *srv, char *err, size_t err_size)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd, ret;

	ret = clear_stale_socket(srv->path);
	if (ret) {
		snprintf(err, err_size, "api socket %s: %s", srv->path,
			 ret == -EEXIST       ? "exists and is not a socket; not touching it"
			 : ret == -EADDRINUSE ? "another server answers on it"
					      : strerror(-ret));
		return ret;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_size, "api socket %s: socket: %s", srv->path, strerror(errno));
		return ret;
	}
	memcpy(addr.sun_path, srv->path, strlen(srv->path) + 1);
	/* Bound under a 0177 umask: no moment exists where the socket is open to all. */
	mode_t old = umask(0177);

	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	umask(old);
	if (!ret && chmod(srv->path, srv->opts.mode))
		ret = -errno;
	if (!ret && listen(fd, 128))
		ret = -errno;
	if (ret) {
		snprintf(err, err_size, "api socket %s: %s", srv->path, strerror(-ret));
		close(fd);
		(void)unlink(srv->path);
		return ret;
	}
	srv->listen_fd = fd;
	return 0;
}

int pn_api_server__start(const struct pn_api_server_opts *opts, struct pn_api_server **serverp,
			 char *err, size_t err_size)
{
	struct pn_api_server *srv;
	int ret;

	if (strlen(opts->socket_path) >= sizeof(srv->path)) {
		snprintf(err, err_size, "api socket %s: path longer than %zu bytes",
			 opts->socket_path, sizeof(srv->path) - 1);
		return -ENAMETOOLONG;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, err_size, "api socket %s: out of memory", opts->socket_path);
		return -ENOMEM;
	}
	srv->opts = *opts;
	srv->listen_fd = -1;
	strcpy(srv->path, opts->socket_path);
	ret = bind_socket(srv, err, err_size);
	if (ret) {
		free(srv);
		return ret;
	}
	/* The logger first: libmicrohttpd reports the options after it through it. */
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL, NULL,
		on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv, MHD_OPTION_LISTEN_SOCKET,
		srv->listen_fd, MHD_OPTION_THREAD_POOL_SIZE, opts->threads ? opts->threads : 4,
		MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s, MHD_OPTION_CONNECTION_LIMIT,
		opts->max_conns ? opts->max_conns : 256, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		srv, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, err_size, "api socket %s: the HTTP server did not start", srv->path);
		close(srv->listen_fd);
		(void)unlink(srv->path);
		free(srv);
		return -EIO;
	}
	*serverp = srv;
	return 0;
}

void pn_api_server__stop(struct pn_api_server *srv)
{
	if (!srv)
		return;
	/* Quiesced first, so that MHD hands the listen socket back instead of closing it. */
	(void)MHD_quiesce_daemon(srv->daemon);
	MHD_stop_daemon(srv->daemon);
	close(srv->listen_fd);
	if (unlink(srv->path) && errno != ENOENT)
		pn_log_warn("api socket %s: cannot remove it: %s", srv->path, strerror(errno));
	free(srv);
}
