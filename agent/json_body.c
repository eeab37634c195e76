// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include <microhttpd.h>

#include "json_body.h"

static bool allowed_key(const char *key, const char *const *allowed)
{
	for (; *allowed; allowed++) {
		if (!strcmp(key, *allowed))
			return true;
	}
	return false;
}

cJSON *pn_body_object(const struct pn_api_request *req, const char *const *allowed,
		      struct pn_api_response *resp)
{
	const char *end = NULL;
	const cJSON *item;
	cJSON *doc;

	/*
	 * The parse end, not cJSON_GetErrorPtr(): that one is a global shared
	 * by all threads. The length includes the server's terminating NUL,
	 * which is how cJSON tells that nothing follows the value; a NUL
	 * inside the body ends the value early and fails the same check.
	 */
	doc = cJSON_ParseWithLengthOpts(req->body, req->body_len + 1, &end, true);
	if (!doc) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-json", NULL,
			     "%s %s: the body is not JSON (parsing stopped at byte %zu of %zu)",
			     req->method, req->path, end ? (size_t)(end - req->body) : (size_t)0,
			     req->body_len);
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-json", NULL,
			     "%s %s: the body must be a JSON object", req->method, req->path);
		cJSON_Delete(doc);
		return NULL;
	}
	cJSON_ArrayForEach(item, doc)
	{
		if (!allowed_key(item->string, allowed)) {
			pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "unknown-field", NULL,
				     "%s %s: unknown field '%s'", req->method, req->path,
				     item->string);
			cJSON_Delete(doc);
			return NULL;
		}
	}
	return doc;
}

int pn_body_string(const struct pn_api_request *req, const cJSON *obj, const char *key,
		   bool required, char *out, size_t size, struct pn_api_response *resp)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v && !required) {
		out[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL, "%s %s: field '%s': %s",
			     req->method, req->path, key,
			     v ? "expected a non-empty string" : "required");
		return -EINVAL;
	}
	if (strlen(v->valuestring) >= size) {
		pn_api_error(resp, MHD_HTTP_BAD_REQUEST, "bad-field", NULL,
			     "%s %s: field '%s': longer than %zu bytes", req->method, req->path,
			     key, size - 1);
		return -EINVAL;
	}
	strcpy(out, v->valuestring);
	return 0;
}
