/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A program's maps as the API's JSON (GET /v1/slots/<id>/maps, docs/API.md):
 * each map's description and its entries, keys and values decoded by the
 * map's BTF into JSON objects, numbers, strings and arrays.
 *
 * Decoding rules, so that readers know what they see:
 * - integers are JSON numbers; beyond 2^53 they are written with every
 *   digit (JSON allows it, though some readers round them). From 16
 *   digits on they are cJSON raw items of their digits (cJSON would
 *   print some rounded to 15), numbers below; a _Bool is true or false;
 * - a value typed __be16, __be32 or __be64 (network byte order) is shown
 *   as the number it stands for, in host order;
 * - enums (bit fields too) by the name of their value, when it has one;
 * - arrays of char (plain char: signed and unsigned char hold bytes) as
 *   strings when they hold printable text up to a NUL and nothing after
 *   it, else as arrays of numbers;
 * - structs and unions as objects (anonymous members merged in), bit
 *   fields included; a .data/.rodata/.bss section as an object of its
 *   variables;
 * - what BTF does not describe, as a hex string of its bytes in memory order.
 */
#ifndef PLUGNET_AGENT_MAP_JSON_H
#define PLUGNET_AGENT_MAP_JSON_H

#include <stddef.h>
#include <linux/types.h>

#include <cjson/cJSON.h>

struct btf;

/* The most entries of one map an answer holds; the rest are counted. */
#define PN_MAP_ENTRIES_SHOWN 1000
/* The most bytes of keys and values (all maps, all CPUs) an answer decodes. */
#define PN_MAP_ANSWER_BYTES (256 * 1024)

/*
 * `size` bytes at `data`, of BTF type `type_id` in `btf` (NULL, or id 0:
 * hex). NULL only when out of memory.
 */
cJSON *pn_btf_value_json(const struct btf *btf, __u32 type_id, const void *data, size_t size);

/*
 * The maps of program `prog_id` as a JSON array, at most `limit` entries
 * of each. 0, or a negative errno with the message in err.
 */
int pn_prog_maps_json(__u32 prog_id, size_t limit, cJSON **maps, char *err, size_t err_size);

#endif
