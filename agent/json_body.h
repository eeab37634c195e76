/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request bodies, read strictly: malformed JSON, a key the resource does
 * not know, a wrong type or an over-long string each get a 400 naming the
 * offset or the key, so that a typo never passes as a default.
 */
#ifndef PLUGNET_AGENT_JSON_BODY_H
#define PLUGNET_AGENT_JSON_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include "api_server.h"

/* The body as an object whose keys are all in `allowed` (NULL-terminated); NULL with resp set. */
cJSON *pn_body_object(const struct pn_api_request *req, const char *const *allowed,
		      struct pn_api_response *resp);
/* String field `key` into out; 0, or -EINVAL with a 400 in resp. */
int pn_body_string(const struct pn_api_request *req, const cJSON *obj, const char *key,
		   bool required, char *out, size_t size, struct pn_api_response *resp);

#endif
