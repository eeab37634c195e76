/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugctl's views of plugnetd's answers: pure functions from the API's
 * JSON (docs/API.md) to the JSON plugctl prints with -j and to the tables it
 * prints without. No I/O but the FILE given, so that tests feed them fixed
 * JSON and compare the output with golden files.
 *
 * The joined views (list, show) are the API's objects with one key added,
 * "owner": the owning pod as "NAMESPACE/NAME", or the container id when
 * GET /v1/containers does not know it. Everything else is printed as the
 * API sent it.
 *
 * Renderers return 0, -EINVAL when the JSON is not of the shape the API
 * documents (the message names what is wrong, in err), -ENOMEM, or -EIO
 * when writing failed.
 */
#ifndef PLUGCTL_RENDER_H
#define PLUGCTL_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/*
 * The owner of `container_id` as "NAMESPACE/NAME" from `containers` (GET
 * /v1/containers; may be NULL), else the id itself; NULL when container_id
 * is NULL. Written to buf.
 */
const char *pn_render_owner(const cJSON *containers, const char *container_id, char *buf,
			    size_t size);

/* GET /v1/interfaces joined with GET /v1/containers: a new array (NULL: out of memory). */
cJSON *pn_view_interfaces(const cJSON *ifaces, const cJSON *containers);
/* GET /v1/interfaces/<id> joined likewise, in the interface and in each slot row. */
cJSON *pn_view_interface(const cJSON *iface, const cJSON *containers);

/* plugctl list: one row an interface, from pn_view_interfaces. */
int pn_render_list(FILE *out, const cJSON *view, char *err, size_t err_size);
/* plugctl show: the interface's fields, then its slot table, from pn_view_interface. */
int pn_render_show(FILE *out, const cJSON *view, char *err, size_t err_size);
/* plugctl programs: GET /v1/programs. */
int pn_render_programs(FILE *out, const cJSON *programs, char *err, size_t err_size);
/* plugctl status: GET /v1/health. */
int pn_render_status(FILE *out, const cJSON *health, char *err, size_t err_size);
/* plugctl audit: entries of GET /v1/audit, oldest first. */
int pn_render_audit(FILE *out, const cJSON *entries, char *err, size_t err_size);

/*
 * plugctl maps: GET /v1/slots/<id>/maps, with "owner" added; a header line
 * for the slot, then a table a map (render_maps.c).
 */
int pn_render_maps(FILE *out, const cJSON *reply, char *err, size_t err_size);

/*
 * The one line that a successful override prints. `action` is "release"
 * (reply: the released slot), "release-owner" (reply: container_id and
 * slots_released), "detach" or "adopt" (reply: id, slots_released,
 * evicted_prog_id); `owner` names the owner where the caller knows it
 * (NULL: from the reply).
 */
int pn_render_override(FILE *out, const char *action, const cJSON *reply, const char *owner,
		       char *err, size_t err_size);

#endif
