/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A client of plugnetd's API: HTTP/1.1 and JSON on one of its unix sockets
 * (libcurl). The CNI plugin uses the workload socket, plugctl the admin
 * socket. libplugnet-client: no libbpf here.
 *
 * A request either reaches plugnetd and comes back with its status and
 * body, whatever the status, or fails in transport; the error code then
 * says which way, so that a caller can tell "not running" from "refused":
 *   -ENOENT        the socket does not exist
 *   -ECONNREFUSED  nobody listens on it
 *   -EACCES        the caller may not connect to it
 *   -ETIMEDOUT     no answer within the client's timeout
 *   -EIO           anything else (the message says what)
 */
#ifndef PLUGNET_CLIENT_H
#define PLUGNET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct pn_client;

struct pn_reply {
	long status; /* the HTTP status */
	char *body;  /* as received, NUL-terminated */
	size_t len;
	cJSON *json; /* the body parsed (pn_json_parse), or NULL when it is not JSON */
};

/*
 * `len` bytes of JSON text parsed by cJSON, except that an integer of 16
 * digits or more becomes a raw item holding its digits (cJSON_IsRaw, the
 * digits in valuestring) rather than a number: a double cannot hold every
 * integer past 2^53 (a map's counters, GET /v1/slots/<id>/maps), and
 * cJSON prints some of 16 digits rounded to 15. Printed again, they are as
 * they came. NULL when the text is not JSON or memory ran out.
 */
cJSON *pn_json_parse(const char *text, size_t len);

/*
 * A client of the socket at `socket_path`; each request gives up after
 * timeout_ms (0: no limit). NULL with errno set if out of memory or libcurl
 * cannot start.
 */
struct pn_client *pn_client__new(const char *socket_path, long timeout_ms);
void pn_client__free(struct pn_client *client);
const char *pn_client__socket(const struct pn_client *client);
/* A new connection for every request (for benchmarks); default: kept alive. */
void pn_client__set_fresh_connections(struct pn_client *client, bool fresh);
/*
 * Leave reply bodies unparsed (reply->json NULL): for a benchmark whose
 * client must not spend its time parsing what it does not read.
 */
void pn_client__set_raw_replies(struct pn_client *client, bool raw);

/*
 * `method` `path` (e.g. "/v1/slots") with `body` as its JSON body (NULL:
 * none). 0 with *reply filled (pn_reply__free it), or one of the codes
 * above with err naming the socket, the request and the cause.
 */
int pn_client__request(struct pn_client *client, const char *method, const char *path,
		       const cJSON *body, struct pn_reply *reply, char *err, size_t err_size);

/* plugnetd's error message from an error reply, or the body, or "". */
const char *pn_reply__message(const struct pn_reply *reply);
/* plugnetd's error kind ("forbidden", "not-found", ...), or "". */
const char *pn_reply__error_kind(const struct pn_reply *reply);
void pn_reply__free(struct pn_reply *reply);

#endif
