// SPDX-License-Identifier: Apache-2.0
/* A program's maps as JSON, decoded by their BTF (map_json.h has the rules). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>

#include <bpf/btf.h>

#include "map_json.h"
#include "plugnet/engine.h"
#include "plugnet/prog_maps.h"

/* Deeper than any sane type; a loop in corrupt BTF ends here. */
#define MAX_DEPTH 32

static cJSON *hex_json(const void *data, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = data;
	char *text = malloc(size * 2 + 1);
	cJSON *o;

	if (!text)
		return NULL;
	for (size_t i = 0; i < size; i++) {
		text[2 * i] = digits[b[i] >> 4];
		text[2 * i + 1] = digits[b[i] & 15];
	}
	text[size * 2] = '\0';
	o = cJSON_CreateString(text);
	free(text);
	return o;
}

/*
 * Integers with more than 15 digits are written as their digits (raw):
 * past 2^53 a double cannot hold them, and below it cJSON still prints a
 * number of 16 digits rounded to 15 when the two are within its epsilon
 * (2^53 itself as 9.00719925474099e+15). The text is the same JSON number
 * either way; only the in-memory item is a raw one.
 */
#define EXACT_DOUBLE_DIGITS 1000000000000000LL /* 10^15 */

static cJSON *uint_json(__u64 v)
{
	char digits[24];

	if (v < EXACT_DOUBLE_DIGITS)
		return cJSON_CreateNumber((double)v);
	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	return cJSON_CreateRaw(digits);
}

static cJSON *int_json(__s64 v)
{
	char digits[24];

	if (v > -EXACT_DOUBLE_DIGITS && v < EXACT_DOUBLE_DIGITS)
		return cJSON_CreateNumber((double)v);
	snprintf(digits, sizeof(digits), "%lld", (long long)v);
	return cJSON_CreateRaw(digits);
}

/* An unsigned integer of `size` bytes (1, 2, 4 or 8) in host order; big_endian: swapped. */
static __u64 read_uint(const void *data, size_t size, bool big_endian)
{
	__u8 u8;
	__u16 u16;
	__u32 u32;
	__u64 u64 = 0;

	switch (size) {
	case 1:
		memcpy(&u8, data, 1);
		return u8;
	case 2:
		memcpy(&u16, data, 2);
		return big_endian ? be16toh(u16) : u16;
	case 4:
		memcpy(&u32, data, 4);
		return big_endian ? be32toh(u32) : u32;
	default:
		memcpy(&u64, data, 8);
		return big_endian ? be64toh(u64) : u64;
	}
}

static __s64 sign_extend(__u64 v, unsigned int bits)
{
	return bits >= 64 ? (__s64)v : (__s64)(v << (64 - bits)) >> (64 - bits);
}

static bool int_size_ok(size_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

struct decoder {
	const struct btf *btf;
	int depth;
};

static cJSON *decode(struct decoder *d, __u32 id, const void *data, size_t size, bool big_endian);

static cJSON *decode_int(const struct btf_type *t, const void *data, size_t size, bool big_endian)
{
	__u8 enc = btf_int_encoding(t);
	unsigned int bits = btf_int_bits(t);
	__u64 v;

	if (!int_size_ok(t->size) || t->size > size || btf_int_offset(t) || !bits)
		return hex_json(data, t->size < size ? t->size : size);
	v = read_uint(data, t->size, big_endian);
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	if (enc & BTF_INT_BOOL)
		return cJSON_CreateBool(v != 0);
	if (enc & BTF_INT_SIGNED)
		return int_json(sign_extend(v, bits));
	return uint_json(v);
}

static cJSON *enum_json(const char *name, __u64 v, bool is_signed)
{
	if (name && *name)
		return cJSON_CreateString(name);
	return is_signed ? int_json((__s64)v) : uint_json(v);
}

/* Enum `t`'s name for `v` (sign-extended when the enum is signed), else the number. */
static cJSON *enum_value_json(const struct btf *btf, const struct btf_type *t, __u64 v)
{
	bool is_signed = btf_kflag(t);

	for (__u16 i = 0; i < btf_vlen(t); i++) {
		__u64 ev;
		__u32 name_off;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			ev = is_signed ? (__u64)(__s64)e->val : (__u64)(__u32)e->val;
			name_off = e->name_off;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			ev = btf_enum64_value(e);
			name_off = e->name_off;
		}
		if (t->size < 8 && !is_signed)
			ev &= (1ULL << (t->size * 8)) - 1;
		if (ev == v)
			return enum_json(btf__name_by_offset(btf, name_off), v, is_signed);
	}
	return enum_json(NULL, v, is_signed);
}

static cJSON *decode_enum(const struct btf *btf, const struct btf_type *t, const void *data,
			  size_t size)
{
	__u64 v;

	if (!int_size_ok(t->size) || t->size > size)
		return hex_json(data, t->size < size ? t->size : size);
	v = read_uint(data, t->size, false);
	if (btf_kflag(t))
		v = (__u64)sign_extend(v, t->size * 8);
	return enum_value_json(btf, t, v);
}

/* A char array as a string when it holds printable text up to a NUL. */
static cJSON *char_array_string(const char *s, size_t n)
{
	size_t len = strnlen(s, n);

	if (len == n && n)
		return NULL; /* no NUL: not a C string */
	for (size_t i = 0; i < len; i++)
		if (!isprint((unsigned char)s[i]))
			return NULL;
	for (size_t i = len; i < n; i++)
		if (s[i])
			return NULL; /* bytes past the NUL: data, not text */
	return cJSON_CreateString(len ? s : "");
}

/*
 * `char` (plain, not signed or unsigned char: those hold bytes). Compilers
 * do not use BTF_INT_CHAR: clang and pahole encode char as a signed or
 * unsigned int of one byte named "char", so the name tells it, as bpftool's
 * dumper has it.
 */
static bool is_char(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const char *name;

	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	name = btf__name_by_offset(btf, t->name_off);
	return (btf_int_encoding(t) & BTF_INT_CHAR) || (name && !strcmp(name, "char"));
}

static cJSON *decode_array(struct decoder *d, const struct btf_type *t, const void *data,
			   size_t size)
{
	const struct btf_array *arr = btf_array(t);
	__s64 elem = btf__resolve_size(d->btf, arr->type);
	cJSON *o, *s;

	if (elem <= 0 || (__u64)elem * arr->nelems > size)
		return hex_json(data, size);
	if (is_char(d->btf, arr->type) && (s = char_array_string(data, arr->nelems)))
		return s;
	o = cJSON_CreateArray();
	for (__u32 i = 0; o && i < arr->nelems; i++) {
		cJSON *e = decode(d, arr->type, (const char *)data + i * elem, elem, false);

		if (!e || !cJSON_AddItemToArray(o, e)) {
			cJSON_Delete(e);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/*
 * A bit field of `size` bytes of struct data, typed `type_id`: an integer
 * (signed, or a _Bool), or an enum shown by its names as any enum is.
 */
static cJSON *decode_bitfield(const struct btf *btf, __u32 type_id, const void *data, size_t size,
			      __u32 bit_off, __u32 bits)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, type_id));
	size_t first = bit_off / 8, last = (bit_off + bits + 7) / 8;
	bool is_enum = t && btf_is_any_enum(t);
	bool is_signed = is_enum ? btf_kflag(t)
				 : t && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);
	__u64 v = 0;

	if (last > size || last - first > 8 || !bits)
		return cJSON_CreateNull();
	/* Bit fields are laid out from the least significant bit on little-endian hosts. */
	for (size_t i = last; i-- > first;)
		v = (v << 8) | ((const __u8 *)data)[i];
	v >>= bit_off % 8;
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	if (is_signed)
		v = (__u64)sign_extend(v, bits);
	if (is_enum)
		return enum_value_json(btf, t, v);
	if (t && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL))
		return cJSON_CreateBool(v != 0);
	return is_signed ? int_json((__s64)v) : uint_json(v);
}

static bool add_member(cJSON *o, const char *name, cJSON *v)
{
	if (!v)
		return false;
	/* Two anonymous members or a duplicate name: keep the first, as C would refuse it. */
	if (cJSON_GetObjectItemCaseSensitive(o, name)) {
		cJSON_Delete(v);
		return true;
	}
	cJSON_AddItemToObject(o, name, v);
	return true;
}

static cJSON *decode_composite(struct decoder *d, const struct btf_type *t, const void *data,
			       size_t size)
{
	const struct btf_member *m = btf_members(t);
	cJSON *o;

	if (t->size > size)
		return hex_json(data, size);
	o = cJSON_CreateObject();
	for (__u16 i = 0; o && i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(d->btf, m->name_off);
		__u32 bit_off = btf_member_bit_offset(t, i);
		__u32 bits = btf_member_bitfield_size(t, i);
		__s64 msize = btf__resolve_size(d->btf, m->type);
		cJSON *v;

		if (bits) {
			v = decode_bitfield(d->btf, m->type, data, t->size, bit_off, bits);
		} else if (msize < 0 || bit_off % 8 || bit_off / 8 + (__u64)msize > t->size) {
			v = cJSON_CreateNull();
		} else {
			v = decode(d, m->type, (const char *)data + bit_off / 8, msize, false);
		}
		if (!v) {
			cJSON_Delete(o);
			return NULL;
		}
		if (name && *name) {
			if (!add_member(o, name, v)) {
				cJSON_Delete(o);
				return NULL;
			}
			continue;
		}
		/* An anonymous struct or union: its members are this one's, as in C. */
		if (cJSON_IsObject(v)) {
			cJSON *child;

			while ((child = v->child)) {
				cJSON_DetachItemViaPointer(v, child);
				if (!add_member(o, child->string, child)) {
					cJSON_Delete(v);
					cJSON_Delete(o);
					return NULL;
				}
			}
		}
		cJSON_Delete(v);
	}
	return o;
}

static cJSON *decode_datasec(struct decoder *d, const struct btf_type *t, const void *data,
			     size_t size)
{
	const struct btf_var_secinfo *vsi = btf_var_secinfos(t);
	cJSON *o = cJSON_CreateObject();

	for (__u16 i = 0; o && i < btf_vlen(t); i++, vsi++) {
		const struct btf_type *var = btf__type_by_id(d->btf, vsi->type);
		const char *name = var ? btf__name_by_offset(d->btf, var->name_off) : NULL;
		cJSON *v;

		if (!var || !btf_is_var(var) || !name || (__u64)vsi->offset + vsi->size > size)
			continue;
		v = decode(d, var->type, (const char *)data + vsi->offset, vsi->size, false);
		if (!add_member(o, name, v)) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

static bool is_big_endian_typedef(const struct btf *btf, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(btf, t->name_off);

	return name &&
	       (!strcmp(name, "__be16") || !strcmp(name, "__be32") || !strcmp(name, "__be64"));
}

static cJSON *decode(struct decoder *d, __u32 id, const void *data, size_t size, bool big_endian)
{
	const struct btf_type *t = btf__type_by_id(d->btf, id);
	cJSON *o;

	if (!t || d->depth >= MAX_DEPTH)
		return hex_json(data, size);
	d->depth++;
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
		big_endian = big_endian || is_big_endian_typedef(d->btf, t);
		/* fall through */
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		o = decode(d, t->type, data, size, big_endian);
		break;
	case BTF_KIND_INT:
		o = decode_int(t, data, size, big_endian);
		break;
	case BTF_KIND_PTR:
		o = size >= 8 ? uint_json(read_uint(data, 8, false)) : hex_json(data, size);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		o = decode_enum(d->btf, t, data, size);
		break;
	case BTF_KIND_FLOAT:
		if (t->size == 8 && size >= 8) {
			double f;

			memcpy(&f, data, 8);
			o = cJSON_CreateNumber(f);
		} else if (t->size == 4 && size >= 4) {
			float f;

			memcpy(&f, data, 4);
			o = cJSON_CreateNumber(f);
		} else {
			o = hex_json(data, size);
		}
		break;
	case BTF_KIND_ARRAY:
		o = decode_array(d, t, data, size);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		o = decode_composite(d, t, data, size);
		break;
	case BTF_KIND_DATASEC:
		o = decode_datasec(d, t, data, size);
		break;
	default:
		o = hex_json(data, size);
		break;
	}
	d->depth--;
	return o;
}

cJSON *pn_btf_value_json(const struct btf *btf, __u32 type_id, const void *data, size_t size)
{
	struct decoder d = {.btf = btf};

	if (!btf || !type_id)
		return hex_json(data, size);
	return decode(&d, type_id, data, size, false);
}

/* "struct src_key", "__u32", ".rodata": what a reader calls the type. */
static void type_name(const struct btf *btf, __u32 id, char *buf, size_t size, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	const char *prefix = "";

	for (int mods = 0; t && btf_is_mod(t) && mods < MAX_DEPTH; mods++) {
		t = btf__type_by_id(btf, t->type);
		name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	}
	if (!t || depth >= MAX_DEPTH) {
		snprintf(buf, size, "type %u", id);
		return;
	}
	if (btf_is_struct(t))
		prefix = "struct ";
	else if (btf_is_union(t))
		prefix = "union ";
	else if (btf_is_any_enum(t))
		prefix = "enum ";
	if (btf_is_array(t)) {
		char elem[64];

		type_name(btf, btf_array(t)->type, elem, sizeof(elem), depth + 1);
		snprintf(buf, size, "%s[%u]", elem, btf_array(t)->nelems);
	} else if (btf_is_ptr(t)) {
		snprintf(buf, size, "pointer");
	} else {
		snprintf(buf, size, "%s%s", prefix, name && *name ? name : "(anonymous)");
	}
}

struct maps_walk {
	cJSON *maps;
	cJSON *map;     /* the one being walked */
	cJSON *entries; /* its entries array (NULL when not walkable) */
	/*
	 * Bytes of keys and values the answer may still decode. A value can
	 * be large (an array map of 64 KiB buffers), and every byte may
	 * become a JSON node: without a bound one answer could take
	 * gigabytes of plugnetd's memory.
	 */
	size_t budget;
};

/* Add v (NULL: out of memory) to object o as `name`; -ENOMEM, v freed, if it cannot be. */
static int add_item(cJSON *o, const char *name, cJSON *v)
{
	if (v && cJSON_AddItemToObject(o, name, v))
		return 0;
	cJSON_Delete(v);
	return -ENOMEM;
}

/* An array's key is its index, also where BTF does not say so (global data sections). */
static cJSON *key_json(const struct pn_map_view *m, const void *key)
{
	if (m->indexed && m->key_size == 4) {
		__u32 index;

		memcpy(&index, key, 4);
		return cJSON_CreateNumber(index);
	}
	return pn_btf_value_json(m->btf, m->btf_key_type_id, key, m->key_size);
}

static int map_begin(const struct pn_map_view *m, void *ctx)
{
	struct maps_walk *w = ctx;
	cJSON *o = cJSON_CreateObject();
	char name[128];

	w->map = o;
	w->entries = NULL;
	if (!o || !cJSON_AddItemToArray(w->maps, o)) {
		cJSON_Delete(o);
		w->map = NULL;
		return -ENOMEM;
	}
	if (!cJSON_AddNumberToObject(o, "id", m->id) ||
	    !cJSON_AddStringToObject(o, "name", m->name) ||
	    !cJSON_AddStringToObject(o, "type", m->type_name) ||
	    !cJSON_AddNumberToObject(o, "key_size", m->key_size) ||
	    !cJSON_AddNumberToObject(o, "value_size", m->value_size) ||
	    !cJSON_AddNumberToObject(o, "max_entries", m->max_entries) ||
	    !cJSON_AddNumberToObject(o, "flags", m->map_flags) ||
	    !cJSON_AddBoolToObject(o, "per_cpu", m->per_cpu) ||
	    !cJSON_AddBoolToObject(o, "btf", m->btf != NULL))
		return -ENOMEM;
	if (m->btf_key_type_id) {
		type_name(m->btf, m->btf_key_type_id, name, sizeof(name), 0);
		if (!cJSON_AddStringToObject(o, "key_type", name))
			return -ENOMEM;
	}
	if (m->btf_value_type_id) {
		type_name(m->btf, m->btf_value_type_id, name, sizeof(name), 0);
		if (!cJSON_AddStringToObject(o, "value_type", name))
			return -ENOMEM;
	}
	if (!m->walkable)
		return cJSON_AddNullToObject(o, "entries") ? 0 : -ENOMEM;
	w->entries = cJSON_AddArrayToObject(o, "entries");
	return w->entries ? 0 : -ENOMEM;
}

static int per_cpu_values(const struct pn_map_view *m, const void *value, cJSON *e)
{
	cJSON *values = cJSON_AddArrayToObject(e, "values");

	for (unsigned int cpu = 0; values && cpu < m->ncpus; cpu++) {
		cJSON *one = cJSON_CreateObject();

		if (!one || !cJSON_AddItemToArray(values, one)) {
			cJSON_Delete(one);
			return -ENOMEM;
		}
		if (!cJSON_AddNumberToObject(one, "cpu", cpu) ||
		    add_item(one, "value",
			     pn_btf_value_json(m->btf, m->btf_value_type_id,
					       (const char *)value + cpu * m->value_stride,
					       m->value_size)))
			return -ENOMEM;
	}
	return values ? 0 : -ENOMEM;
}

static int map_entry(const struct pn_map_view *m, const void *key, const void *value, void *ctx)
{
	struct maps_walk *w = ctx;
	size_t cost = m->key_size + (size_t)m->value_size * m->ncpus;
	cJSON *e;

	/* Out of budget: counted, not shown (the map says truncated). */
	if (cost > w->budget) {
		w->budget = 0;
		return 0;
	}
	w->budget -= cost;
	e = cJSON_CreateObject();
	if (!e || !cJSON_AddItemToArray(w->entries, e)) {
		cJSON_Delete(e);
		return -ENOMEM;
	}
	if (add_item(e, "key", key_json(m, key)))
		return -ENOMEM;
	if (m->per_cpu)
		return per_cpu_values(m, value, e);
	return add_item(e, "value",
			pn_btf_value_json(m->btf, m->btf_value_type_id, value, m->value_size));
}

static int map_end(const struct pn_map_view *m, size_t shown, size_t total, void *ctx)
{
	struct maps_walk *w = ctx;

	size_t kept;

	/* Shown is what the walk offered; what the budget let in is what the array holds. */
	(void)shown;
	if (!m->walkable)
		return 0;
	kept = (size_t)cJSON_GetArraySize(w->entries);
	if (m->error && !cJSON_AddStringToObject(w->map, "error", m->error))
		return -ENOMEM;
	return cJSON_AddNumberToObject(w->map, "entries_total", total) &&
			       cJSON_AddBoolToObject(w->map, "truncated", total > kept)
		       ? 0
		       : -ENOMEM;
}

int pn_prog_maps_json(__u32 prog_id, size_t limit, cJSON **maps, char *err, size_t err_size)
{
	static const struct pn_map_walker walker = {
		.map_begin = map_begin,
		.entry = map_entry,
		.map_end = map_end,
	};
	struct maps_walk w = {.maps = cJSON_CreateArray(), .budget = PN_MAP_ANSWER_BYTES};
	int ret;

	*maps = NULL;
	if (!w.maps) {
		snprintf(err, err_size, "program %u: out of memory", prog_id);
		return -ENOMEM;
	}
	ret = pn_prog__walk_maps(prog_id, limit, &walker, &w);
	if (ret) {
		if (ret == -ENOMEM && !pn_last_error()[0])
			snprintf(err, err_size, "program %u: out of memory for its maps", prog_id);
		else
			snprintf(err, err_size, "%s", pn_last_error());
		cJSON_Delete(w.maps);
		return ret;
	}
	*maps = w.maps;
	return 0;
}
