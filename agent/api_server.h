/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's HTTP/1.1 server on a unix socket, served by libmicrohttpd
 * from a small thread pool, so that a slow request (a long verification)
 * does not stall the others. It knows HTTP, bodies and limits, not the
 * API: each complete request goes to the handler with the connection's
 * socket fd, from which the handler reads the caller's peer credentials.
 * Every response is JSON.
 */
#ifndef PLUGNET_AGENT_API_SERVER_H
#define PLUGNET_AGENT_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct pn_api_server;

struct pn_api_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated; "" without a body */
	size_t body_len;
	int sock_fd; /* the connection, for peer credentials */
};

struct pn_api_response {
	unsigned int status;
	cJSON *body; /* taken over by the server */
};

typedef void (*pn_api_handler_fn)(void *ctx, const struct pn_api_request *req,
				  struct pn_api_response *resp);

struct pn_api_server_opts {
	const char *socket_path;
	mode_t mode; /* of the socket file: 0600 for the admin socket */
	size_t max_body;
	unsigned int timeout_s; /* idle connection timeout */
	unsigned int threads;   /* pool size */
	unsigned int max_conns; /* connections at once; more are refused */
	pn_api_handler_fn handler;
	void *ctx;
};

/*
 * Bind the socket (replacing a stale socket file, never another kind of
 * file), set its mode and serve. On failure err names the socket path.
 */
int pn_api_server__start(const struct pn_api_server_opts *opts, struct pn_api_server **server,
			 char *err, size_t err_size);
/* Stop serving, wait for requests in progress, and remove the socket file. */
void pn_api_server__stop(struct pn_api_server *server);

/* Answer body with status; a NULL body (out of memory building it) becomes a 500 naming path. */
void pn_api_reply(struct pn_api_response *resp, unsigned int status, cJSON *body, const char *path);

/*
 * A JSON array of the n items of `items` (each `size` bytes) that keep()
 * accepts (NULL: all), each made by to_json. NULL when out of memory.
 */
cJSON *pn_api_json_array(const void *items, size_t n, size_t size,
			 bool (*keep)(const void *item, const void *ctx), const void *ctx,
			 cJSON *(*to_json)(const void *item));

/* {"error": code, "message": message, "details": details (may be NULL)} with status. */
void pn_api_error(struct pn_api_response *resp, unsigned int status, const char *code,
		  cJSON *details, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
