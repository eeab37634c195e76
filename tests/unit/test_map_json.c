// SPDX-License-Identifier: Apache-2.0
/*
 * pn_btf_value_json (agent/map_json.c) on BTF built by hand with libbpf:
 * what clang 14 does not emit for test programs (signed enums, 64-bit
 * enums, packed enums, floats) and what a corrupt or odd BTF holds (a
 * type that refers to itself, integers of odd sizes, duplicate member
 * names). No kernel: the host tier's test_prog_maps reads real maps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cjson/cJSON.h>

#include "map_json.h"
#include "testlib.h"

/* The JSON text of `size` bytes at `data` as type `id`, compared with `want` (' for "). */
static void expect_json(const struct btf *btf, __u32 id, const void *data, size_t size,
			const char *want)
{
	/* Exactly `size` bytes on the heap, so that ASan sees a read past them. */
	void *copy = malloc(size ? size : 1);
	char *got, *w = strdup(want);
	cJSON *v;

	assert_non_null(copy);
	assert_non_null(w);
	memcpy(copy, data, size);
	v = pn_btf_value_json(btf, id, copy, size);
	free(copy);
	assert_non_null(v);
	got = cJSON_PrintUnformatted(v);
	assert_non_null(got);
	for (char *p = w; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (strcmp(got, w))
		fail_msg("type %u: want %s, got %s", id, w, got);
	free(got);
	free(w);
	cJSON_Delete(v);
}

static int new_btf(void **state)
{
	struct btf *btf = btf__new_empty();

	*state = btf;
	return btf ? 0 : -1;
}

static int free_btf(void **state)
{
	btf__free(*state);
	return 0;
}

/* Signed enums (BTF kflag) by name, negative values included; a value without one as a number. */
static void test_signed_enum_by_name(void **state)
{
	struct btf *btf = *state;
	int e = btf__add_enum(btf, "delta", 4);
	__s32 v;

	assert_true(e > 0);
	assert_int_equal(btf__add_enum_value(btf, "LESS", -1), 0);
	assert_int_equal(btf__add_enum_value(btf, "SAME", 0), 0);
	assert_int_equal(btf__add_enum_value(btf, "MORE", 1), 0);
	assert_true(btf_kflag(btf__type_by_id(btf, e))); /* a negative value makes it signed */
	v = -1;
	expect_json(btf, e, &v, sizeof(v), "'LESS'");
	v = 1;
	expect_json(btf, e, &v, sizeof(v), "'MORE'");
	v = -7;
	expect_json(btf, e, &v, sizeof(v), "-7");
}

/* An unsigned enum's values past 2^31, and a packed one-byte enum. */
static void test_unsigned_and_packed_enums(void **state)
{
	struct btf *btf = *state;
	int e = btf__add_enum(btf, "mask", 4), p;
	__u32 v = 0xffffffffu;
	__u8 b;

	assert_true(e > 0);
	assert_int_equal(btf__add_enum_value(btf, "LOW", 1), 0);
	assert_int_equal(btf__add_enum_value(btf, "ALL", (__s64)0xffffffffu), 0);
	assert_false(btf_kflag(btf__type_by_id(btf, e)));
	expect_json(btf, e, &v, sizeof(v), "'ALL'");
	v = 0x80000000u;
	expect_json(btf, e, &v, sizeof(v), "2147483648");
	p = btf__add_enum(btf, "small", 1);
	assert_true(p > 0);
	assert_int_equal(btf__add_enum_value(btf, "TWO", 2), 0);
	b = 2;
	expect_json(btf, p, &b, 1, "'TWO'");
	b = 200;
	expect_json(btf, p, &b, 1, "200");
}

/* 64-bit enums, unsigned and signed; a value without a name past 2^53 in every digit. */
static void test_enum64_by_name(void **state)
{
	struct btf *btf = *state;
	int u = btf__add_enum64(btf, "big", 8, false), s;
	__u64 v = 1ULL << 40;
	__s64 sv = -(1LL << 40);

	assert_true(u > 0);
	assert_int_equal(btf__add_enum64_value(btf, "TERA", 1ULL << 40), 0);
	assert_int_equal(btf__add_enum64_value(btf, "TOP", UINT64_MAX), 0);
	expect_json(btf, u, &v, sizeof(v), "'TERA'");
	v = UINT64_MAX;
	expect_json(btf, u, &v, sizeof(v), "'TOP'");
	v = UINT64_MAX - 1;
	expect_json(btf, u, &v, sizeof(v), "18446744073709551614");
	s = btf__add_enum64(btf, "sbig", 8, true);
	assert_true(s > 0);
	assert_int_equal(btf__add_enum64_value(btf, "MINUS_TERA", (__u64)sv), 0);
	expect_json(btf, s, &sv, sizeof(sv), "'MINUS_TERA'");
	sv = INT64_MIN;
	expect_json(btf, s, &sv, sizeof(sv), "-9223372036854775808");
}

/* Integers by size and encoding: bool, 15 and 16 digits, __int128 and a 12-bit int as bytes. */
static void test_integers(void **state)
{
	struct btf *btf = *state;
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	int s64 = btf__add_int(btf, "long long", 8, BTF_INT_SIGNED);
	int b = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	int i128 = btf__add_int(btf, "__int128", 16, BTF_INT_SIGNED);
	__u64 u = 999999999999999ULL; /* 15 digits: a number cJSON prints exactly */
	__s64 s = -999999999999999LL;
	unsigned char wide[16] = {1, 2};
	__u8 yes = 1, no = 0;

	assert_true(u64 > 0 && s64 > 0 && b > 0 && i128 > 0);
	expect_json(btf, u64, &u, 8, "999999999999999");
	u = 1000000000000000ULL; /* 16 digits */
	expect_json(btf, u64, &u, 8, "1000000000000000");
	u = 1ULL << 53;
	expect_json(btf, u64, &u, 8, "9007199254740992");
	u = (1ULL << 53) - 1;
	expect_json(btf, u64, &u, 8, "9007199254740991");
	u = 9007199254740993ULL;
	expect_json(btf, u64, &u, 8, "9007199254740993");
	expect_json(btf, s64, &s, 8, "-999999999999999");
	s = -(1LL << 53) - 1;
	expect_json(btf, s64, &s, 8, "-9007199254740993");
	s = INT64_MIN;
	expect_json(btf, s64, &s, 8, "-9223372036854775808");
	expect_json(btf, b, &yes, 1, "true");
	expect_json(btf, b, &no, 1, "false");
	expect_json(btf, i128, wide, 16, "'01020000000000000000000000000000'");
}

/* Big-endian typedefs at any depth of typedefs, and nothing else swapped. */
static void test_big_endian_typedefs(void **state)
{
	struct btf *btf = *state;
	int u16 = btf__add_int(btf, "unsigned short", 2, 0);
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	/* as <linux/types.h> has it: typedef __u16 __be16, __u16 itself a typedef */
	int be16 = btf__add_typedef(btf, "__be16", btf__add_typedef(btf, "__u16", u16));
	int be32 = btf__add_typedef(btf, "__be32", u32);
	int be64 = btf__add_typedef(btf, "__be64", u64);
	int ip4 = btf__add_typedef(btf, "ip4_t", be32);
	int cip4 = btf__add_const(btf, ip4);
	int le32 = btf__add_typedef(btf, "__le32", u32);
	const unsigned char port[] = {0x1f, 0x90};
	const unsigned char addr[] = {10, 0, 0, 1};
	const unsigned char seq[] = {1, 2, 3, 4, 5, 6, 7, 8};

	assert_true(be16 > 0 && be32 > 0 && be64 > 0 && ip4 > 0 && cip4 > 0 && le32 > 0);
	expect_json(btf, be16, port, 2, "8080");
	expect_json(btf, be32, addr, 4, "167772161");
	expect_json(btf, ip4, addr, 4, "167772161");
	expect_json(btf, cip4, addr, 4, "167772161");
	expect_json(btf, be64, seq, 8, "72623859790382856");
	expect_json(btf, le32, addr, 4, "16777226");
	expect_json(btf, u16, port, 2, "36895");
}

/* Floats, pointers, arrays of strings, bytes that are not char. */
static void test_floats_pointers_arrays(void **state)
{
	struct btf *btf = *state;
	int f = btf__add_float(btf, "float", 4);
	int d = btf__add_float(btf, "double", 8);
	int ch = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	int uch = btf__add_int(btf, "unsigned char", 1, 0);
	int idx = btf__add_int(btf, "__ARRAY_SIZE_TYPE__", 4, 0);
	int ptr = btf__add_ptr(btf, ch);
	int row = btf__add_array(btf, idx, ch, 4);
	int rows = btf__add_array(btf, idx, row, 2);
	int mac = btf__add_array(btf, idx, uch, 6);
	float fv = 1.5f;
	double dv = 0.1;
	__u64 pv = 0x1234;
	const char text[2][4] = {"ab", "cd"};
	const unsigned char bytes[6] = {'a', 'b', 0, 0, 0, 0};

	assert_true(f > 0 && d > 0 && ptr > 0 && rows > 0 && mac > 0);
	expect_json(btf, f, &fv, 4, "1.5");
	expect_json(btf, d, &dv, 8, "0.1");
	expect_json(btf, ptr, &pv, 8, "4660");
	expect_json(btf, rows, text, 8, "['ab','cd']");
	expect_json(btf, mac, bytes, 6, "[97,98,0,0,0,0]");
	/* Fewer bytes than the array: hex, nothing read past them. */
	expect_json(btf, rows, text, 7, "'61620000636400'");
}

/*
 * Members: an anonymous union merged, its duplicate of a name kept once
 * (the first, as C would refuse the second); an unnamed bit field not shown;
 * a member past the struct's end (corrupt BTF) null.
 */
static void test_struct_members(void **state)
{
	struct btf *btf = *state;
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int un, st;
	const __u32 data[3] = {1, 2, 3};

	un = btf__add_union(btf, NULL, 4);
	assert_true(un > 0);
	assert_int_equal(btf__add_field(btf, "a", u32, 0, 0), 0);
	assert_int_equal(btf__add_field(btf, "b", u32, 0, 0), 0);
	st = btf__add_struct(btf, "s", 12);
	assert_true(st > 0);
	assert_int_equal(btf__add_field(btf, "a", u32, 0, 0), 0);
	assert_int_equal(btf__add_field(btf, NULL, un, 32, 0), 0);
	assert_int_equal(btf__add_field(btf, NULL, u32, 64, 3), 0);
	assert_int_equal(btf__add_field(btf, "c", u32, 67, 5), 0);
	assert_int_equal(btf__add_field(btf, "past", u32, 96, 0), 0);
	expect_json(btf, st, data, sizeof(data), "{'a':1,'b':2,'c':0,'past':null}");
}

/* A type that refers to itself (corrupt BTF): hex once the depth limit is reached. */
static void test_type_loops_end_in_hex(void **state)
{
	struct btf *btf = *state;
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int c = btf__add_const(btf, u32);
	int t = btf__add_typedef(btf, "loop_t", u32);
	const __u32 v = 0x01020304;

	assert_true(c > 0 && t > 0);
	/* libbpf will not add them so: bend them afterwards. */
	((struct btf_type *)btf__type_by_id(btf, c))->type = c;
	((struct btf_type *)btf__type_by_id(btf, t))->type = t;
	expect_json(btf, c, &v, 4, "'04030201'");
	expect_json(btf, t, &v, 4, "'04030201'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signed_enum_by_name, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_unsigned_and_packed_enums, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_enum64_by_name, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_integers, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_big_endian_typedefs, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_floats_pointers_arrays, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_struct_members, new_btf, free_btf),
		cmocka_unit_test_setup_teardown(test_type_loops_end_in_hex, new_btf, free_btf),
	};

	return cmocka_run_group_tests_name("map_json", tests, NULL, NULL);
}
