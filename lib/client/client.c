// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "plugnet/client.h"

struct pn_client {
	CURL *curl; /* one handle, so that the connection is reused */
	char *socket_path;
	long timeout_ms;
	bool fresh;
	bool raw; /* leave reply bodies unparsed */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct pn_client *pn_client__new(const char *socket_path, long timeout_ms)
{
	struct pn_client *c;

	if (pthread_once(&curl_once, curl_init) || curl_init_rc != CURLE_OK) {
		errno = EIO;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->socket_path = strdup(socket_path);
	c->curl = curl_easy_init();
	c->timeout_ms = timeout_ms;
	if (!c->socket_path || !c->curl) {
		pn_client__free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void pn_client__free(struct pn_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->socket_path);
	free(c);
}

const char *pn_client__socket(const struct pn_client *c)
{
	return c->socket_path;
}

void pn_client__set_fresh_connections(struct pn_client *c, bool fresh)
{
	c->fresh = fresh;
}

void pn_client__set_raw_replies(struct pn_client *c, bool raw)
{
	c->raw = raw;
}

static size_t gather(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pn_reply *r = arg;
	size_t n = size * nmemb;
	char *body = realloc(r->body, r->len + n + 1);

	if (!body)
		return 0; /* curl fails the transfer */
	memcpy(body + r->len, data, n);
	r->len += n;
	body[r->len] = '\0';
	r->body = body;
	return n;
}

/* A transport failure as one of the codes client.h promises. */
static int transport_error(CURL *h, CURLcode rc)
{
	long os_errno = 0;

	if (rc == CURLE_OPERATION_TIMEDOUT)
		return -ETIMEDOUT;
	if (rc == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK) {
		switch (os_errno) {
		case ENOENT:
		case ENOTDIR:
			return -ENOENT;
		case ECONNREFUSED:
			return -ECONNREFUSED;
		case EACCES:
		case EPERM:
			return -EACCES;
		}
	}
	return -EIO;
}

static const char *transport_hint(int ret)
{
	switch (ret) {
	case -ENOENT:
		return " (the socket does not exist: is plugnetd running?)";
	case -ECONNREFUSED:
		return " (nobody listens on the socket: is plugnetd running?)";
	case -EACCES:
		return " (permission denied on the socket)";
	default:
		return "";
	}
}

int pn_client__request(struct pn_client *c, const char *method, const char *path, const cJSON *body,
		       struct pn_reply *r, char *err, size_t err_size)
{
	char url[1024], curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	char *text = NULL;
	CURL *h = c->curl;
	CURLcode rc;
	int ret;

	*r = (struct pn_reply){};
	if (snprintf(url, sizeof(url), "http://plugnet%s", path) >= (int)sizeof(url)) {
		snprintf(err, err_size, "%s %s: path too long", method, path);
		return -EIO;
	}
	if (body && !(text = cJSON_PrintUnformatted(body))) {
		snprintf(err, err_size, "%s %s: cannot encode the request body", method, path);
		return -EIO;
	}
	curl_easy_reset(h);
	hdr = curl_slist_append(NULL, "Content-Type: application/json");
	/* Expect: 100-continue would cost a round trip per request for nothing. */
	if (hdr)
		hdr = curl_slist_append(hdr, "Expect:");
	if (!hdr || curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path) ||
	    curl_easy_setopt(h, CURLOPT_URL, url) ||
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, gather) ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, r) ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err) ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms) ||
	    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, (long)c->fresh) ||
	    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, (long)c->fresh) ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) ||
	    (text && curl_easy_setopt(h, CURLOPT_POSTFIELDS, text))) {
		curl_slist_free_all(hdr);
		free(text);
		snprintf(err, err_size, "%s %s: cannot set up the request", method, path);
		return -EIO;
	}
	rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	free(text);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc != CURLE_OK) {
		ret = transport_error(h, rc);
		snprintf(err, err_size, "%s %s on %s: %s%s", method, path, c->socket_path,
			 curl_err[0] ? curl_err : curl_easy_strerror(rc), transport_hint(ret));
		pn_reply__free(r);
		return ret;
	}
	if (r->body && !c->raw)
		r->json = pn_json_parse(r->body, r->len);
	return 0;
}

/* The next number in JSON text `*p` .. end, outside strings: its start and length. */
static bool next_number(const char **p, const char *end, const char **start, size_t *len)
{
	const char *s = *p;

	while (s < end) {
		if (*s == '"') {
			for (s++; s < end && *s != '"'; s++)
				if (*s == '\\')
					s++;
			s++;
			continue;
		}
		if (*s == '-' || (*s >= '0' && *s <= '9')) {
			*start = s;
			while (s < end && *s && strchr("0123456789+-.eE", *s))
				s++;
			*len = (size_t)(s - *start);
			*p = s;
			return true;
		}
		s++;
	}
	*p = end;
	return false;
}

struct number_scan {
	const char *p, *end;
};

/*
 * Walk `item` in document order, which is the order of the numbers in the
 * text: each number item is the next number token. Integers of 16 digits
 * or more become raw items of their digits. False when out of memory.
 */
static bool keep_long_integers(cJSON *item, struct number_scan *scan)
{
	for (; item; item = item->next) {
		if (cJSON_IsNumber(item)) {
			const char *tok;
			size_t len, digits;
			char *raw;

			if (!next_number(&scan->p, scan->end, &tok, &len))
				return true; /* cannot happen with text cJSON parsed */
			for (digits = *tok == '-'; digits < len; digits++)
				if (tok[digits] < '0' || tok[digits] > '9')
					break;
			/* a fraction or an exponent: not an integer */
			if (digits != len || len - (*tok == '-') < 16)
				continue;
			raw = cJSON_malloc(len + 1);
			if (!raw)
				return false;
			memcpy(raw, tok, len);
			raw[len] = '\0';
			item->type = cJSON_Raw;
			item->valuestring = raw;
		} else if ((cJSON_IsObject(item) || cJSON_IsArray(item)) &&
			   !keep_long_integers(item->child, scan)) {
			return false;
		}
	}
	return true;
}

cJSON *pn_json_parse(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithLengthOpts(text, len, &end, false);
	struct number_scan scan = {.p = text, .end = end ? end : text + len};

	if (json && !keep_long_integers(json, &scan)) {
		cJSON_Delete(json);
		return NULL;
	}
	return json;
}

static const char *reply_string(const struct pn_reply *r, const char *key)
{
	const cJSON *v =
		cJSON_IsObject(r->json) ? cJSON_GetObjectItemCaseSensitive(r->json, key) : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *pn_reply__message(const struct pn_reply *r)
{
	const char *m = reply_string(r, "message");

	return m ? m : r->body ? r->body : "";
}

const char *pn_reply__error_kind(const struct pn_reply *r)
{
	const char *k = reply_string(r, "error");

	return k ? k : "";
}

void pn_reply__free(struct pn_reply *r)
{
	cJSON_Delete(r->json);
	free(r->body);
	*r = (struct pn_reply){};
}
