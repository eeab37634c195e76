// SPDX-License-Identifier: Apache-2.0
/*
 * A loaded program's maps read back from the kernel and decoded by BTF
 * (pn_prog_maps_json, GET /v1/slots/<id>/maps): tests/progs/map_kinds.bpf.c
 * is loaded as an ordinary XDP program (nothing attached), its maps are
 * filled from user space with known values, and the JSON of each map is
 * compared whole, its id aside and a hash's entries sorted by key. Then the
 * limit, a program gone, the walker's early end, and pn_btf_value_json on
 * short buffers and ids BTF does not know (ASan checks that nothing is read
 * past the bytes given).
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cjson/cJSON.h>

#include "map_json.h"
#include "map_kinds.h"
#include "map_kinds.skel.h"
#include "plugnet/prog_maps.h"
#include "testlib.h"

/* The program's maps: five of its own, the one without BTF, .rodata and .bss. */
#define NUM_MAPS 7

struct fixture {
	struct map_kinds *skel;
	__u32 prog_id;
	int ncpus;
};

static struct fixture fx;

/* A JSON text written with ' for ", as the expectations below are. */
static char *quoted(const char *text)
{
	char *s = strdup(text);

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static __u32 map_id_of(const struct bpf_map *map)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len), 0);
	return info.id;
}

/* The map's name in the kernel, which libbpf makes up for a global data section. */
static const char *kernel_name(const struct bpf_map *map)
{
	static char names[2][BPF_OBJ_NAME_LEN];
	static int next;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	char *name = names[next++ % 2];

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len), 0);
	snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
	return name;
}

static void update(const struct bpf_map *map, const void *key, const void *value)
{
	if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY))
		fail_msg("map '%s': update: %s", bpf_map__name(map), strerror(errno));
}

static void fill_flows(struct map_kinds *skel)
{
	struct mk_flow_key k1 = {.addr = htobe32(0x0a000001), .port = htobe16(8080), .proto = 6};
	struct mk_flow_key k2 = {.addr = htobe32(0xc0a80102), .port = htobe16(53), .proto = 17};
	struct mk_flow v1 = {
		.cookie = 0x0000000500000003ULL,
		.bits = {.syn = 1,
			 .ack = 0,
			 .ecn = 2,
			 .window = 12345,
			 .delta = -5,
			 .kind = MK_CLOSED,
			 .urgent = 1},
		.state = MK_OPEN,
		.name = "web-a",
		.balance = -42,
		.active = 1,
		.offset = -5000000000000000000LL,
		.bytes = UINT64_MAX,
		.seq = htobe64(0x0102030405060708ULL),
	};
	struct mk_flow v2 = {
		.bits = {.ack = 1, .window = 16383, .delta = -64, .kind = (enum mk_state)5},
		.state = (enum mk_state)99, /* no name in the enum */
		.name = "\001ab",           /* not printable: the bytes */
		.balance = INT32_MIN,
		.offset = -(1LL << 53),
		.bytes = 1ULL << 53,
		.seq = htobe64(1),
	};

	update(skel->maps.flows, &k1, &v1);
	update(skel->maps.flows, &k2, &v2);
}

static void fill_cpu_stats(struct map_kinds *skel, int ncpus)
{
	struct mk_cpu_stats *values = calloc(ncpus, 24);
	__u32 key = 0;

	assert_non_null(values);
	/* The kernel takes (and gives) one value per possible CPU, 8-byte aligned. */
	for (int cpu = 0; cpu < ncpus; cpu++) {
		struct mk_cpu_stats s = {
			.packets = 100 + cpu,
			.bytes = (1ULL << 60) + cpu,
			.drops = 3 * cpu,
		};

		memcpy((char *)values + 24 * cpu, &s, sizeof(s));
	}
	update(skel->maps.cpu_stats, &key, values);
	free(values);
}

static void fill_recent(struct map_kinds *skel)
{
	const __u64 values[] = {1ULL << 53, (1ULL << 53) + 1, 0, 4, 5};

	for (__u32 key = 1; key <= ARRAY_SIZE(values); key++)
		update(skel->maps.recent, &key, &values[key - 1]);
}

static int group_setup(void **state)
{
	__u32 key = 0xc7;
	__u64 value = 0xfedcba9876543210ULL;
	int nobtf;

	(void)state;
	fx.ncpus = libbpf_num_possible_cpus();
	fx.skel = map_kinds__open();
	if (fx.ncpus <= 0 || !fx.skel)
		return -1;
	/* A map created without BTF, in place of `plain`: the program uses it as it is. */
	nobtf = bpf_map_create(BPF_MAP_TYPE_HASH, "nobtf", 4, 8, 4, NULL);
	if (nobtf < 0 || bpf_map__reuse_fd(fx.skel->maps.plain, nobtf))
		return -1;
	close(nobtf);
	fx.skel->rodata->cfg_port = 443;
	memcpy(fx.skel->rodata->cfg_label, "edge", 5);
	fx.skel->rodata->cfg_state = MK_CLOSED;
	if (map_kinds__load(fx.skel))
		return -1;
	fx.prog_id = prog_id_of(bpf_program__fd(fx.skel->progs.map_kinds));
	fx.skel->bss->bss_hits = 77;
	fx.skel->bss->bss_level = -300;
	fill_flows(fx.skel);
	fill_cpu_stats(fx.skel, fx.ncpus);
	fill_recent(fx.skel);
	return bpf_map_update_elem(bpf_map__fd(fx.skel->maps.plain), &key, &value, BPF_ANY);
}

static int group_teardown(void **state)
{
	(void)state;
	map_kinds__destroy(fx.skel);
	return 0;
}

/* The program's maps as plugnetd answers, at most `limit` entries a map. */
static cJSON *prog_maps(size_t limit)
{
	cJSON *maps = NULL;
	char err[512] = "";

	if (pn_prog_maps_json(fx.prog_id, limit, &maps, err, sizeof(err)))
		fail_msg("pn_prog_maps_json(%u): %s", fx.prog_id, err);
	assert_true(cJSON_IsArray(maps));
	return maps;
}

static int by_key(const void *a, const void *b)
{
	char *ka = cJSON_PrintUnformatted(cJSON_GetObjectItem(*(cJSON *const *)a, "key"));
	char *kb = cJSON_PrintUnformatted(cJSON_GetObjectItem(*(cJSON *const *)b, "key"));
	int cmp;

	assert_non_null(ka);
	assert_non_null(kb);
	cmp = strcmp(ka, kb);
	free(ka);
	free(kb);
	return cmp;
}

/*
 * Map `name` of `maps` as text: its id checked against the kernel's id of
 * `map` and written 0, its entries sorted by key, since a hash's order is
 * the kernel's.
 */
static char *map_text(const cJSON *maps, const char *name, const struct bpf_map *map)
{
	const cJSON *m;
	cJSON *copy = NULL, *entries, *sorted[64];
	size_t n = 0;
	char *text;

	cJSON_ArrayForEach(m, maps)
	{
		const cJSON *mname = cJSON_GetObjectItemCaseSensitive(m, "name");

		if (cJSON_IsString(mname) && !strcmp(mname->valuestring, name)) {
			assert_null(copy); /* listed once */
			copy = cJSON_Duplicate(m, true);
			assert_non_null(copy);
		}
	}
	if (!copy)
		fail_msg("no map '%s' among the program's maps", name);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(copy, "id")));
	assert_int_equal(cJSON_GetObjectItem(copy, "id")->valueint, map_id_of(map));
	cJSON_ReplaceItemInObjectCaseSensitive(copy, "id", cJSON_CreateNumber(0));
	entries = cJSON_GetObjectItem(copy, "entries");
	if (cJSON_IsArray(entries)) {
		cJSON *e;

		while ((e = entries->child) && n < ARRAY_SIZE(sorted))
			sorted[n++] = cJSON_DetachItemViaPointer(entries, e);
		assert_null(entries->child);
		qsort(sorted, n, sizeof(sorted[0]), by_key);
		for (size_t i = 0; i < n; i++)
			assert_true(cJSON_AddItemToArray(entries, sorted[i]));
	}
	text = cJSON_PrintUnformatted(copy);
	assert_non_null(text);
	cJSON_Delete(copy);
	return text;
}

/* Map `name` is exactly `want` (with ' for "), its id 0. */
static void expect_map(const cJSON *maps, const char *name, const struct bpf_map *map,
		       const char *want)
{
	char *got = map_text(maps, name, map), *w = quoted(want);

	if (strcmp(got, w)) {
		/* cmocka cuts long messages short */
		fprintf(stderr, "map '%s':\n want %s\n got  %s\n", name, w, got);
		fail_msg("map '%s' is not as expected", name);
	}
	free(w);
	free(got);
}

/*
 * Keys and values by every rule: __be32/__be16/__be64 in host order, the
 * anonymous union and the struct in it merged, bit fields (one across
 * bytes, a signed one, an enum, a _Bool; unnamed padding not shown), enums
 * by name (a value without one as a number), a
 * char array as a string (as bytes when not printable), negative
 * integers, past 2^53 as every digit, a _Bool.
 */
static void test_hash_with_struct_key_decoded_by_btf(void **state)
{
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);

	(void)state;
	expect_map(maps, "flows", fx.skel->maps.flows,
		   "{'id':0,'name':'flows','type':'hash','key_size':8,'value_size':64,"
		   "'max_entries':8,'flags':0,'per_cpu':false,'btf':true,"
		   "'key_type':'struct mk_flow_key','value_type':'struct mk_flow','entries':["
		   "{'key':{'addr':167772161,'port':8080,'proto':6,'pad':0},"
		   "'value':{'cookie':21474836483,'cookie_lo':3,'cookie_hi':5,"
		   "'bits':{'syn':1,'ack':0,'ecn':2,'window':12345,'delta':-5,"
		   "'kind':'MK_CLOSED','urgent':true},"
		   "'state':'MK_OPEN','name':'web-a','balance':-42,'active':true,"
		   "'offset':-5000000000000000000,'bytes':18446744073709551615,"
		   "'seq':72623859790382856}},"
		   "{'key':{'addr':3232235778,'port':53,'proto':17,'pad':0},"
		   "'value':{'cookie':0,'cookie_lo':0,'cookie_hi':0,"
		   "'bits':{'syn':0,'ack':1,'ecn':0,'window':16383,'delta':-64,'kind':5,"
		   "'urgent':false},"
		   "'state':99,'name':[1,97,98,0,0,0,0,0,0,0,0,0,0,0,0,0],"
		   "'balance':-2147483648,'active':false,"
		   "'offset':-9007199254740992,'bytes':9007199254740992,'seq':1}}],"
		   "'entries_total':2,'truncated':false}");
	cJSON_Delete(maps);
}

/* A per-CPU array: each CPU's value with its index, 20-byte values read 24 bytes apart. */
static void test_per_cpu_array_values_by_cpu(void **state)
{
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);
	char *want = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&want, &len);

	(void)state;
	assert_non_null(m);
	fprintf(m, "{'id':0,'name':'cpu_stats','type':'percpu_array','key_size':4,"
		   "'value_size':20,'max_entries':2,'flags':0,'per_cpu':true,'btf':true,"
		   "'key_type':'__u32','value_type':'struct mk_cpu_stats','entries':[");
	for (int key = 0; key < 2; key++) {
		fprintf(m, "%s{'key':%d,'values':[", key ? "," : "", key);
		for (int cpu = 0; cpu < fx.ncpus; cpu++) {
			if (key)
				fprintf(m, "%s{'cpu':%d,'value':{'packets':0,'bytes':0,'drops':0}}",
					cpu ? "," : "", cpu);
			else
				fprintf(m,
					"%s{'cpu':%d,'value':{'packets':%d,'bytes':%llu,'drops':%d}"
					"}",
					cpu ? "," : "", cpu, 100 + cpu, (1ULL << 60) + cpu,
					3 * cpu);
		}
		fprintf(m, "]}");
	}
	fprintf(m, "],'entries_total':2,'truncated':false}");
	assert_int_equal(fclose(m), 0);
	expect_map(maps, "cpu_stats", fx.skel->maps.cpu_stats, want);
	free(want);
	cJSON_Delete(maps);
}

/* An LRU hash of __u64: 2^53 is still a JSON number, 2^53 + 1 is written in digits. */
static void test_lru_hash_integers_around_2_pow_53(void **state)
{
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);

	(void)state;
	expect_map(maps, "recent", fx.skel->maps.recent,
		   "{'id':0,'name':'recent','type':'lru_hash','key_size':4,'value_size':8,"
		   "'max_entries':1024,'flags':0,'per_cpu':false,'btf':true,"
		   "'key_type':'__u32','value_type':'__u64','entries':["
		   "{'key':1,'value':9007199254740992},{'key':2,'value':9007199254740993},"
		   "{'key':3,'value':0},{'key':4,'value':4},{'key':5,'value':5}],"
		   "'entries_total':5,'truncated':false}");
	cJSON_Delete(maps);
}

/* A map created without BTF: "btf" false, no type names, keys and values as hex. */
static void test_map_without_btf_as_hex(void **state)
{
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);

	(void)state;
	expect_map(maps, "nobtf", fx.skel->maps.plain,
		   "{'id':0,'name':'nobtf','type':'hash','key_size':4,'value_size':8,"
		   "'max_entries':4,'flags':0,'per_cpu':false,'btf':false,'entries':["
		   "{'key':'c7000000','value':'1032547698badcfe'}],"
		   "'entries_total':1,'truncated':false}");
	cJSON_Delete(maps);
}

/* A ring buffer is listed, its entries null and not counted. */
static void test_ringbuf_listed_without_entries(void **state)
{
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);

	(void)state;
	expect_map(maps, "events", fx.skel->maps.events,
		   "{'id':0,'name':'events','type':'ringbuf','key_size':0,'value_size':0,"
		   "'max_entries':4096,'flags':0,'per_cpu':false,'btf':false,'entries':null}");
	cJSON_Delete(maps);
}

/*
 * Global variables: .rodata as set before load (a string, an enum), .bss as
 * set after it; each one entry, key 0, an object of the section's variables.
 */
static void test_rodata_and_bss_as_variables(void **state)
{
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);
	const char *rodata = kernel_name(fx.skel->maps.rodata);
	const char *bss = kernel_name(fx.skel->maps.bss);
	char want[1024];

	(void)state;
	/* libbpf names them after the object: "map_kind.rodata", "map_kind.bss" */
	assert_non_null(strstr(rodata, ".rodata"));
	assert_non_null(strstr(bss, ".bss"));
	snprintf(want, sizeof(want),
		 "{'id':0,'name':'%s','type':'array','key_size':4,'value_size':%u,"
		 "'max_entries':1,'flags':%u,'per_cpu':false,'btf':true,'value_type':'.rodata',"
		 "'entries':[{'key':0,'value':{'cfg_port':443,'cfg_label':'edge',"
		 "'cfg_state':'MK_CLOSED'}}],'entries_total':1,'truncated':false}",
		 rodata, bpf_map__value_size(fx.skel->maps.rodata),
		 bpf_map__map_flags(fx.skel->maps.rodata));
	expect_map(maps, rodata, fx.skel->maps.rodata, want);
	snprintf(want, sizeof(want),
		 "{'id':0,'name':'%s','type':'array','key_size':4,'value_size':%u,"
		 "'max_entries':1,'flags':%u,'per_cpu':false,'btf':true,'value_type':'.bss',"
		 "'entries':[{'key':0,'value':{'bss_hits':77,'bss_level':-300}}],"
		 "'entries_total':1,'truncated':false}",
		 bss, bpf_map__value_size(fx.skel->maps.bss),
		 bpf_map__map_flags(fx.skel->maps.bss));
	expect_map(maps, bss, fx.skel->maps.bss, want);
	cJSON_Delete(maps);
}

/* Every map the kernel lists for the program, each once, and nothing else. */
static void test_every_map_of_the_program_listed(void **state)
{
	const struct bpf_map *map[] = {
		fx.skel->maps.flows, fx.skel->maps.cpu_stats, fx.skel->maps.recent,
		fx.skel->maps.plain, fx.skel->maps.events,    fx.skel->maps.rodata,
		fx.skel->maps.bss,
	};
	cJSON *maps = prog_maps(PN_MAP_ENTRIES_SHOWN);

	(void)state;
	assert_int_equal(ARRAY_SIZE(map), NUM_MAPS);
	assert_int_equal(cJSON_GetArraySize(maps), NUM_MAPS);
	/* Found by the kernel's name, once, with the kernel's id. */
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		free(map_text(maps, kernel_name(map[i]), map[i]));
	cJSON_Delete(maps);
}

/* At most `limit` entries a map, every key still counted, truncated said. */
static void test_limit_shows_some_and_counts_all(void **state)
{
	cJSON *maps = prog_maps(2);
	const cJSON *m, *e;
	size_t n = 0;

	(void)state;
	cJSON_ArrayForEach(m, maps)
	{
		if (strcmp(cJSON_GetObjectItem(m, "name")->valuestring, "recent"))
			continue;
		n++;
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "entries")), 2);
		assert_int_equal(cJSON_GetObjectItem(m, "entries_total")->valueint, 5);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(m, "truncated")));
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(m, "entries"))
		{
			int key = cJSON_GetObjectItem(e, "key")->valueint;

			assert_in_range(key, 1, 5);
			assert_non_null(cJSON_GetObjectItem(e, "value"));
		}
	}
	assert_int_equal(n, 1);
	/* Exactly the limit: all shown, not truncated. */
	cJSON_ArrayForEach(m, maps)
	{
		if (strcmp(cJSON_GetObjectItem(m, "name")->valuestring, "flows"))
			continue;
		n++;
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "entries")), 2);
		assert_int_equal(cJSON_GetObjectItem(m, "entries_total")->valueint, 2);
		assert_true(cJSON_IsFalse(cJSON_GetObjectItem(m, "truncated")));
	}
	assert_int_equal(n, 2);
	cJSON_Delete(maps);
}

/* Limit 0: no entry shown, each map's entries counted all the same. */
static void test_limit_zero_counts_only(void **state)
{
	cJSON *maps = prog_maps(0);

	(void)state;
	expect_map(maps, "recent", fx.skel->maps.recent,
		   "{'id':0,'name':'recent','type':'lru_hash','key_size':4,'value_size':8,"
		   "'max_entries':1024,'flags':0,'per_cpu':false,'btf':true,"
		   "'key_type':'__u32','value_type':'__u64','entries':[],"
		   "'entries_total':5,'truncated':true}");
	expect_map(maps, "events", fx.skel->maps.events,
		   "{'id':0,'name':'events','type':'ringbuf','key_size':0,'value_size':0,"
		   "'max_entries':4096,'flags':0,'per_cpu':false,'btf':false,'entries':null}");
	cJSON_Delete(maps);
}

/* A program unloaded since its id was read, and an id that never was: -ENOENT naming it. */
static void test_program_gone_is_enoent(void **state)
{
	struct map_kinds *skel = map_kinds__open_and_load();
	cJSON *maps = NULL;
	char err[512] = "", want[64];
	__u32 gone;

	(void)state;
	assert_non_null(skel);
	gone = prog_id_of(bpf_program__fd(skel->progs.map_kinds));
	map_kinds__destroy(skel);
	assert_true(tl_wait_freed(bpf_prog_get_fd_by_id, gone, 5000) >= 0);
	assert_int_equal(pn_prog_maps_json(gone, 10, &maps, err, sizeof(err)), -ENOENT);
	assert_null(maps);
	snprintf(want, sizeof(want), "program %u: no such program", gone);
	tl_assert_contains(err, want);
	assert_int_equal(pn_prog_maps_json(0, 10, &maps, err, sizeof(err)), -ENOENT);
	assert_null(maps);
	tl_assert_contains(err, "program 0: no such program");
}

struct walk_count {
	size_t maps, entries, shown, total, stop_at;
	bool saw_per_cpu, saw_ringbuf;
};

static int count_map(const struct pn_map_view *m, void *ctx)
{
	struct walk_count *c = ctx;

	c->maps++;
	if (!strcmp(m->name, "cpu_stats")) {
		c->saw_per_cpu = true;
		assert_true(m->per_cpu);
		assert_true(m->indexed);
		assert_int_equal(m->ncpus, fx.ncpus);
		assert_int_equal(m->value_size, 20);
		assert_int_equal(m->value_stride, 24);
		assert_non_null(m->btf);
	} else if (!strcmp(m->name, "events")) {
		c->saw_ringbuf = true;
		assert_false(m->walkable);
		assert_null(m->btf);
		assert_int_equal(m->btf_key_type_id, 0);
		assert_int_equal(m->btf_value_type_id, 0);
	} else if (!strcmp(m->name, "nobtf")) {
		assert_true(m->walkable);
		assert_null(m->btf);
	} else {
		assert_true(m->walkable);
		assert_false(m->per_cpu);
		assert_int_equal(m->ncpus, 1);
		assert_int_equal(m->value_stride, m->value_size);
	}
	return 0;
}

static int count_entry(const struct pn_map_view *m, const void *key, const void *value, void *ctx)
{
	struct walk_count *c = ctx;

	(void)m;
	assert_non_null(key);
	assert_non_null(value);
	return ++c->entries == c->stop_at ? 42 : 0;
}

static int count_end(const struct pn_map_view *m, size_t shown, size_t total, void *ctx)
{
	struct walk_count *c = ctx;

	assert_true(shown <= total);
	assert_true(total <= m->max_entries);
	c->shown += shown;
	c->total += total;
	return 0;
}

/* The walker sees every map and entry; a callback's non-zero value ends the walk with it. */
static void test_walker_sees_all_and_stops_on_callback_value(void **state)
{
	static const struct pn_map_walker walker = {
		.map_begin = count_map,
		.entry = count_entry,
		.map_end = count_end,
	};
	struct walk_count c = {0};

	(void)state;
	/* flows 2, cpu_stats 2, recent 5, nobtf 1, .rodata 1, .bss 1 */
	tl_assert_ok(pn_prog__walk_maps(fx.prog_id, 100, &walker, &c), pn_last_error());
	assert_int_equal(c.maps, NUM_MAPS);
	assert_int_equal(c.entries, 12);
	assert_int_equal(c.shown, 12);
	assert_int_equal(c.total, 12);
	assert_true(c.saw_per_cpu);
	assert_true(c.saw_ringbuf);

	memset(&c, 0, sizeof(c));
	tl_assert_ok(pn_prog__walk_maps(fx.prog_id, 1, &walker, &c), pn_last_error());
	assert_int_equal(c.total, 12);
	assert_int_equal(c.shown, NUM_MAPS - 1); /* one a map, but the ring buffer */

	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	assert_int_equal(pn_prog__walk_maps(fx.prog_id, 100, &walker, &c), 42);
	assert_int_equal(c.entries, 3);
}

/* pn_btf_value_json of `size` bytes of 0xab in a buffer of exactly that size, as text. */
static char *value_text(const struct btf *btf, __u32 id, size_t size)
{
	unsigned char *bytes = malloc(size ? size : 1);
	cJSON *v;
	char *text;

	assert_non_null(bytes);
	memset(bytes, 0xab, size);
	v = pn_btf_value_json(btf, id, bytes, size);
	free(bytes);
	assert_non_null(v);
	text = cJSON_PrintUnformatted(v);
	assert_non_null(text);
	cJSON_Delete(v);
	return text;
}

static __u32 type_id(const struct btf *btf, const char *name, __u32 kind)
{
	__s32 id = btf__find_by_name_kind(btf, name, kind);

	if (id <= 0)
		fail_msg("no %s in the object's BTF", name);
	return id;
}

/*
 * Fewer bytes than the type needs: the bytes as hex, never a read past
 * them (ASan watches). Every type of the object at every size up to its
 * own gives some JSON.
 */
static void test_value_json_short_buffer_is_hex(void **state)
{
	const struct btf *btf = bpf_object__btf(fx.skel->obj);
	static const struct {
		const char *name;
		__u32 kind;
	} types[] = {
		{"mk_flow", BTF_KIND_STRUCT}, {"mk_flow_key", BTF_KIND_STRUCT},
		{"mk_bits", BTF_KIND_STRUCT}, {"mk_cpu_stats", BTF_KIND_STRUCT},
		{"mk_state", BTF_KIND_ENUM},  {"__be16", BTF_KIND_TYPEDEF},
		{"__be64", BTF_KIND_TYPEDEF}, {"__s64", BTF_KIND_TYPEDEF},
	};

	(void)state;
	assert_non_null(btf);
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		__u32 id = type_id(btf, types[i].name, types[i].kind);
		__s64 size = btf__resolve_size(btf, id);

		assert_true(size > 0);
		for (size_t n = 0; n < (size_t)size; n++) {
			char *got = value_text(btf, id, n), want[2 * 64 + 3] = "\"";

			for (size_t b = 0; b < n; b++)
				strcat(want, "ab");
			strcat(want, "\"");
			if (strcmp(got, want))
				fail_msg("%s in %zu bytes: want %s, got %s", types[i].name, n, want,
					 got);
			free(got);
		}
	}
	/* Every type, every size up to one past its own (sections: their variables that fit). */
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		__s64 size = btf__resolve_size(btf, id);

		if (size < 0 || size > 4096)
			size = 64;
		for (size_t n = 0; n <= (size_t)size + 1; n++)
			free(value_text(btf, id, n));
	}
}

/* No BTF, type id 0, or an id the BTF does not have: the bytes as hex. */
static void test_value_json_unknown_type_is_hex(void **state)
{
	const struct btf *btf = bpf_object__btf(fx.skel->obj);
	const unsigned char bytes[] = {0x00, 0x0f, 0xf0, 0xff};
	static const struct {
		const struct btf *btf;
		__u32 id;
	} cases[] = {{NULL, 0}, {NULL, 1}};
	cJSON *v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		v = pn_btf_value_json(cases[i].btf, cases[i].id, bytes, sizeof(bytes));
		assert_string_equal(cJSON_GetStringValue(v), "000ff0ff");
		cJSON_Delete(v);
	}
	v = pn_btf_value_json(btf, 0, bytes, sizeof(bytes));
	assert_string_equal(cJSON_GetStringValue(v), "000ff0ff");
	cJSON_Delete(v);
	v = pn_btf_value_json(btf, btf__type_cnt(btf) + 100, bytes, sizeof(bytes));
	assert_string_equal(cJSON_GetStringValue(v), "000ff0ff");
	cJSON_Delete(v);
	v = pn_btf_value_json(btf, 0, bytes, 0);
	assert_string_equal(cJSON_GetStringValue(v), "");
	cJSON_Delete(v);
}

/* A char array: text up to a NUL is a string; anything else, its bytes. */
static void test_value_json_char_array_string_or_bytes(void **state)
{
	const struct btf *btf = bpf_object__btf(fx.skel->obj);
	static const struct {
		const char *name, bytes[16], *want;
	} cases[] = {
		{"empty", "", "''"},
		{"text", "eth0 uplink", "'eth0 uplink'"},
		{"15 chars", "abcdefghijklmno", "'abcdefghijklmno'"},
		{"no NUL",
		 {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'},
		 "[97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112]"},
		{"bytes after the NUL", "ab\0cd", "[97,98,0,99,100,0,0,0,0,0,0,0,0,0,0,0]"},
		{"negative char", "\xff", "[-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]"},
		{"tab", "a\tb", "[97,9,98,0,0,0,0,0,0,0,0,0,0,0,0,0]"},
	};
	__u32 flow = type_id(btf, "mk_flow", BTF_KIND_STRUCT);
	const struct btf_type *t = btf__type_by_id(btf, flow);
	const struct btf_member *m = btf_members(t);
	__u32 name_type = 0;

	(void)state;
	for (__u16 i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), "name"))
			name_type = m[i].type;
	assert_int_not_equal(name_type, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *v = pn_btf_value_json(btf, name_type, cases[i].bytes, 16);
		char *got = cJSON_PrintUnformatted(v), *want = quoted(cases[i].want);

		if (strcmp(got, want))
			fail_msg("%s: want %s, got %s", cases[i].name, want, got);
		free(want);
		free(got);
		cJSON_Delete(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_with_struct_key_decoded_by_btf),
		cmocka_unit_test(test_per_cpu_array_values_by_cpu),
		cmocka_unit_test(test_lru_hash_integers_around_2_pow_53),
		cmocka_unit_test(test_map_without_btf_as_hex),
		cmocka_unit_test(test_ringbuf_listed_without_entries),
		cmocka_unit_test(test_rodata_and_bss_as_variables),
		cmocka_unit_test(test_every_map_of_the_program_listed),
		cmocka_unit_test(test_limit_shows_some_and_counts_all),
		cmocka_unit_test(test_limit_zero_counts_only),
		cmocka_unit_test(test_program_gone_is_enoent),
		cmocka_unit_test(test_walker_sees_all_and_stops_on_callback_value),
		cmocka_unit_test(test_value_json_short_buffer_is_hex),
		cmocka_unit_test(test_value_json_unknown_type_is_hex),
		cmocka_unit_test(test_value_json_char_array_string_or_bytes),
	};

	return cmocka_run_group_tests_name("prog_maps", tests, group_setup, group_teardown);
}
