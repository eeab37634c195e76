/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the verbs share: requests to plugnetd with its answers turned into
 * CNI errors, and reading the JSON it answers with.
 */
#ifndef PLUGNET_PLUGIN_AGENT_CALL_H
#define PLUGNET_PLUGIN_AGENT_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "verbs.h"

/*
 * `method` `path` with `body` (NULL: none). 0 with *reply filled, whatever
 * its status (pn_reply__free it); -1 with err set to `unreachable_code`
 * when plugnetd cannot be reached.
 */
int pn_call_request(const struct pn_cni_call *call, const char *method, const char *path,
		    const cJSON *body, struct pn_reply *reply, int unreachable_code,
		    struct cni_error *err);
/* An answer that is not a success as plugnet's error about `what` (-1, err set). */
int pn_call_refused(const struct pn_reply *reply, const char *what, struct cni_error *err);

/* GET /v1/containers/<CNI_CONTAINERID>: as pn_call_request. */
int pn_get_container(const struct pn_cni_call *call, struct pn_reply *reply, int unreachable_code,
		     struct cni_error *err);
/* Was the registration `c` made by this network for this interface? */
bool pn_same_attachment(const struct pn_cni_call *call, const cJSON *c);
/* GET /v1/slots: 0 with an array in reply->json, or -1 with err set. */
int pn_list_slots(const struct pn_cni_call *call, struct pn_reply *reply, int unreachable_code,
		  struct cni_error *err);
/*
 * The slot of `slots` (a /v1/slots array) that holds request r for the
 * container and is not marked in used[] yet (it is marked), or NULL.
 * `released` picks slots the admin released instead of live ones.
 */
const cJSON *pn_find_slot(const cJSON *slots, const char *container_id,
			  const struct pn_program_request *r, bool *used, bool released);

/* A string member, or "" when it is missing or not a string. */
const char *pn_json_string(const cJSON *o, const char *key);
/* A number member, or -1 when it is missing or not a number. */
long pn_json_long(const cJSON *o, const char *key);
/* "program 'drop' on pod (annotation ...[0])", for messages. */
void pn_request_name(const struct pn_program_request *r, char *buf, size_t size);

#endif
