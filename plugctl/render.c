// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "table.h"

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number of the API (ids, counts) as an integer; "-" when it is none. */
static const char *num_text(const cJSON *v, char *buf, size_t size)
{
	/* Raw: an integer of 16 digits or more, kept exact by pn_json_parse. */
	if (cJSON_IsRaw(v) && v->valuestring)
		return v->valuestring;
	if (!cJSON_IsNumber(v))
		return "-";
	snprintf(buf, size, "%.0f", v->valuedouble);
	return buf;
}

static const char *num(const cJSON *o, const char *key, char *buf, size_t size)
{
	return num_text(cJSON_GetObjectItemCaseSensitive(o, key), buf, size);
}

static const char *yes_no(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "yes" : "no") : "-";
}

static int bad_shape(char *err, size_t err_size, const char *what)
{
	snprintf(err, err_size, "unexpected answer from plugnetd: %s", what);
	return -EINVAL;
}

/* Print the table and free it; 0 or the first error. */
static int print_table(struct pn_table *t, FILE *out)
{
	int ret = pn_table__print(t, out);

	pn_table__free(t);
	return ret;
}

const char *pn_render_owner(const cJSON *containers, const char *container_id, char *buf,
			    size_t size)
{
	const cJSON *c;

	if (!container_id)
		return NULL;
	cJSON_ArrayForEach(c, containers)
	{
		const char *id = str(c, "container_id"), *ns = str(c, "pod_namespace"),
			   *name = str(c, "pod_name");

		if (id && ns && name && !strcmp(id, container_id)) {
			snprintf(buf, size, "%s/%s", ns, name);
			return buf;
		}
	}
	snprintf(buf, size, "%s", container_id);
	return buf;
}

/* Add "owner" to `o` when it names a container; false if out of memory. */
static bool add_owner(cJSON *o, const cJSON *containers)
{
	char buf[512];
	const char *owner = pn_render_owner(containers, str(o, "container_id"), buf, sizeof(buf));

	return !owner || cJSON_AddStringToObject(o, "owner", owner);
}

cJSON *pn_view_interfaces(const cJSON *ifaces, const cJSON *containers)
{
	cJSON *view = cJSON_Duplicate(ifaces, true), *o;

	cJSON_ArrayForEach(o, view)
	{
		if (!add_owner(o, containers)) {
			cJSON_Delete(view);
			return NULL;
		}
	}
	return view;
}

cJSON *pn_view_interface(const cJSON *iface, const cJSON *containers)
{
	cJSON *view = cJSON_Duplicate(iface, true), *row;

	if (view && !add_owner(view, containers))
		goto oom;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(view, "slots"))
	{
		if (!add_owner(row, containers))
			goto oom;
	}
	return view;
oom:
	cJSON_Delete(view);
	return NULL;
}

/* What is special about an interface: its problem, or who displaced plugnet. */
static void iface_note(const cJSON *o, char *buf, size_t size)
{
	const char *problem = str(o, "problem"), *other = str(o, "other_prog_name");
	char id[32];

	if (problem)
		snprintf(buf, size, "%s", problem);
	else if (strcmp(num(o, "other_prog_id", id, sizeof(id)), "-"))
		snprintf(buf, size, "runs prog %s (%s)", id, other ? other : "?");
	else
		buf[0] = '\0';
}

/* A slot's verdict counts, those that are not 0: "drop=5 pass=2"; "" if none. */
static void verdicts(const cJSON *row, char *buf, size_t size)
{
	const cJSON *v;
	size_t len = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(row, "verdicts"))
	{
		char digits[32];
		int n;

		if (!(cJSON_IsRaw(v) && v->valuestring) &&
		    (!cJSON_IsNumber(v) || v->valuedouble == 0))
			continue;
		n = snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "", v->string,
			     num_text(v, digits, sizeof(digits)));
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
	}
}

/* A column of a table of API objects: which key it shows, and how. */
struct column {
	const char *header;
	const char *key;
	enum { COL_STR, COL_NUM, COL_NOTE, COL_VERDICTS } kind;
};

#define COLUMNS(cols) cols, sizeof(cols) / sizeof(cols[0])

static void cell(struct pn_table *t, const cJSON *o, const struct column *col)
{
	char buf[512];

	switch (col->kind) {
	case COL_STR:
		pn_table__cell(t, "%s", str(o, col->key) ?: "");
		break;
	case COL_NUM:
		pn_table__cell(t, "%s", num(o, col->key, buf, sizeof(buf)));
		break;
	case COL_NOTE:
		iface_note(o, buf, sizeof(buf));
		pn_table__cell(t, "%s", buf);
		break;
	case COL_VERDICTS:
		verdicts(o, buf, sizeof(buf));
		pn_table__cell(t, "%s", buf);
		break;
	}
}

/*
 * A table of one row per element of the array `json` (`what` it holds,
 * for messages), or the line `empty` when it has none.
 */
static int array_table(FILE *out, const cJSON *json, const char *what, const struct column *cols,
		       size_t ncols, const char *empty, char *err, size_t err_size)
{
	const char *headers[16];
	struct pn_table *t;
	const cJSON *o;

	if (!cJSON_IsArray(json)) {
		snprintf(err, err_size,
			 "unexpected answer from plugnetd: the %s are not a JSON array", what);
		return -EINVAL;
	}
	if (!cJSON_GetArraySize(json))
		return fprintf(out, "%s\n", empty) < 0 ? -EIO : 0;
	if (ncols > sizeof(headers) / sizeof(headers[0]))
		return -EINVAL; /* a column table too wide: this file's bug */
	for (size_t c = 0; c < ncols; c++)
		headers[c] = cols[c].header;
	t = pn_table__new(headers, ncols);
	if (!t)
		return -ENOMEM;
	cJSON_ArrayForEach(o, json)
	{
		pn_table__row(t);
		for (size_t c = 0; c < ncols; c++)
			cell(t, o, &cols[c]);
	}
	return print_table(t, out);
}

static const struct column list_columns[] = {
	{"ID", "id", COL_STR},
	{"IFNAME", "ifname", COL_STR},
	{"NETNS", "netns", COL_STR},
	{"TARGET", "target", COL_STR},
	{"OWNER", "owner", COL_STR},
	{"STATE", "state", COL_STR},
	{"MODE", "mode", COL_STR},
	{"REV", "revision", COL_NUM},
	{"DISPATCHER", "dispatcher_prog_id", COL_NUM},
	{"SLOTS", "slots_in_use", COL_NUM},
	{"NOTE", NULL, COL_NOTE},
};

static const struct column slot_columns[] = {
	{"INDEX", "index", COL_NUM},       {"ATTACH", "attach_id", COL_NUM},
	{"PRIORITY", "priority", COL_NUM}, {"PROCEED-ON", "proceed_on", COL_STR},
	{"PROG-ID", "prog_id", COL_NUM},   {"PROG-NAME", "prog_name", COL_STR},
	{"TAG", "prog_tag", COL_STR},      {"LINK", "link_id", COL_NUM},
	{"PROGRAM", "program", COL_STR},   {"OWNER", "owner", COL_STR},
	{"PACKETS", "packets", COL_NUM},   {"VERDICTS", NULL, COL_VERDICTS},
};

static const struct column program_columns[] = {
	{"NAME", "name", COL_STR},         {"PROGRAM", "program", COL_STR},
	{"PRIORITY", "priority", COL_NUM}, {"PROCEED-ON", "proceed_on", COL_STR},
	{"SHA256", "sha256", COL_STR},
};

static const struct column audit_columns[] = {
	{"TIME", "time", COL_STR},     {"ACTION", "action", COL_STR},
	{"TARGET", "target", COL_STR}, {"PREVIOUS-OWNER", "previous_owner", COL_STR},
	{"PID", "admin_pid", COL_NUM}, {"UID", "admin_uid", COL_NUM},
	{"REASON", "reason", COL_STR},
};

int pn_render_list(FILE *out, const cJSON *view, char *err, size_t err_size)
{
	return array_table(out, view, "interfaces", COLUMNS(list_columns), "no interfaces", err,
			   err_size);
}

int pn_render_show(FILE *out, const cJSON *view, char *err, size_t err_size)
{
	const cJSON *slots = cJSON_GetObjectItemCaseSensitive(view, "slots");
	char b[8][32], note[512];

	if (!cJSON_IsObject(view) || !str(view, "id"))
		return bad_shape(err, err_size, "the interface is not a JSON object with an id");
	iface_note(view, note, sizeof(note));
	fprintf(out,
		"interface   %s\n"
		"ifname      %s\n"
		"netns       %s\n"
		"ifindex     %s\n"
		"target      %s\n"
		"owner       %s\n"
		"state       %s\n",
		str(view, "id"), str(view, "ifname") ?: "-", str(view, "netns") ?: "-",
		num(view, "ifindex", b[0], sizeof(b[0])), str(view, "target") ?: "-",
		str(view, "owner") ?: "-", str(view, "state") ?: "-");
	if (note[0])
		fprintf(out, "note        %s\n", note);
	if (str(view, "mode"))
		fprintf(out,
			"mode        %s\n"
			"revision    %s\n"
			"dispatcher  prog %s (root prog %s, root link %s)\n"
			"frags       %s\n"
			"slots       %s in use\n",
			str(view, "mode"), num(view, "revision", b[1], sizeof(b[1])),
			num(view, "dispatcher_prog_id", b[2], sizeof(b[2])),
			num(view, "root_prog_id", b[3], sizeof(b[3])),
			num(view, "root_link_id", b[4], sizeof(b[4])), yes_no(view, "frags"),
			num(view, "slots_in_use", b[5], sizeof(b[5])));
	/* A view without "slots" (a list entry) shows no table. */
	if (!slots)
		return ferror(out) ? -EIO : 0;
	fputc('\n', out);
	return array_table(out, slots, "slots", COLUMNS(slot_columns), "no slots in use", err,
			   err_size);
}

int pn_render_programs(FILE *out, const cJSON *programs, char *err, size_t err_size)
{
	return array_table(out, programs, "programs", COLUMNS(program_columns),
			   "no programs in the catalog", err, err_size);
}

int pn_render_audit(FILE *out, const cJSON *entries, char *err, size_t err_size)
{
	return array_table(out, entries, "audit entries", COLUMNS(audit_columns),
			   "no audit entries", err, err_size);
}

int pn_render_status(FILE *out, const cJSON *health, char *err, size_t err_size)
{
	const cJSON *kernel = cJSON_GetObjectItemCaseSensitive(health, "kernel");
	const cJSON *problems = cJSON_GetObjectItemCaseSensitive(health, "problems"), *p, *f;
	char b[32];

	if (!cJSON_IsObject(health) || !str(health, "status"))
		return bad_shape(err, err_size, "the health is not a JSON object with a status");
	fprintf(out,
		"status               %s\n"
		"slots per interface  %s\n"
		"kernel              ",
		str(health, "status"), num(health, "slots_per_interface", b, sizeof(b)));
	cJSON_ArrayForEach(f, kernel)
	{
		fprintf(out, " %s=%s", f->string, cJSON_IsTrue(f) ? "yes" : "no");
	}
	fprintf(out, "\nproblems             %d\n", cJSON_GetArraySize(problems));
	cJSON_ArrayForEach(p, problems)
	{
		fprintf(out, "  %s\n", cJSON_IsString(p) ? p->valuestring : "?");
	}
	return ferror(out) ? -EIO : 0;
}

static const char *plural(const char *n)
{
	return strcmp(n, "1") ? "s" : "";
}

int pn_render_override(FILE *out, const char *action, const cJSON *reply, const char *owner,
		       char *err, size_t err_size)
{
	const char *cid = str(reply, "container_id");
	char b[2][32];

	if (!cJSON_IsObject(reply))
		return bad_shape(err, err_size, "the answer is not a JSON object");
	if (!owner)
		owner = cid ? cid : "-";
	if (!strcmp(action, "release")) {
		fprintf(out, "released slot %s (program '%s', target %s, owner %s)\n",
			str(reply, "id") ?: "?", str(reply, "program") ?: "?",
			str(reply, "target") ?: "?", owner);
	} else if (!strcmp(action, "release-owner")) {
		const char *n = num(reply, "slots_released", b[0], sizeof(b[0]));

		fprintf(out, "released %s slot%s of %s (container %s)\n", n, plural(n), owner,
			cid ? cid : "?");
	} else if (!strcmp(action, "detach")) {
		const char *n = num(reply, "slots_released", b[0], sizeof(b[0]));

		fprintf(out,
			"detached interface %s: %s slot%s released; it has no dispatcher until "
			"adopted\n",
			str(reply, "id") ?: "?", n, plural(n));
	} else if (!strcmp(action, "adopt")) {
		const char *evicted = num(reply, "evicted_prog_id", b[1], sizeof(b[1]));

		if (!strcmp(evicted, "0") || !strcmp(evicted, "-"))
			fprintf(out, "adopted interface %s: plugnet's dispatcher is attached\n",
				str(reply, "id") ?: "?");
		else
			fprintf(out,
				"adopted interface %s: evicted prog %s; plugnet's dispatcher is "
				"attached\n",
				str(reply, "id") ?: "?", evicted);
	} else {
		snprintf(err, err_size, "no rendering for action '%s'", action);
		return -EINVAL;
	}
	return ferror(out) ? -EIO : 0;
}
