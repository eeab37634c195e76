// SPDX-License-Identifier: Apache-2.0
/*
 * The ownership registry: registration, the plug and change rules with
 * the messages that explain a refusal, quotas on uplinks, and the state
 * file's JSON both ways.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "testlib.h"

#define NS_A   4026532001ULL
#define NS_B   4026532002ULL
#define UPLINK "eth9"

static const struct pn_uplink_rule rules[] = {
	{.ifname = UPLINK, .slot_quota = 2, .prio_min = 100, .prio_max = 199},
};

static const struct pn_container pod_a = {
	.container_id = "aaaaaaaaaaaa0001",
	.pod_namespace = "default",
	.pod_name = "web-a",
	.pod_uid = "uid-a",
	.netns_id = NS_A,
	.pod_ifindex = 2,
	.host_ifindex = 11,
};

static const struct pn_container pod_b = {
	.container_id = "bbbbbbbbbbbb0002",
	.pod_namespace = "shop",
	.pod_name = "cart-b",
	.pod_uid = "uid-b",
	.netns_id = NS_B,
	.pod_ifindex = 2,
	.host_ifindex = 12,
};

static const struct pn_caller as_a = {.role = PN_ROLE_CONTAINER,
				      .container_id = "aaaaaaaaaaaa0001"};
static const struct pn_caller as_b = {.role = PN_ROLE_CONTAINER,
				      .container_id = "bbbbbbbbbbbb0002"};
static const struct pn_caller runtime_for_a = {.role = PN_ROLE_RUNTIME,
					       .container_id = "aaaaaaaaaaaa0001"};
static const struct pn_caller admin = {.role = PN_ROLE_ADMIN};

/* A's pod slot (attach 1 on its eth0), and A's uplink slot (attach 7 on the uplink). */
static const struct pn_slot_owner slot_pod_a = {
	.netns_id = NS_A,
	.ifindex = 2,
	.attach_id = 1,
	.target = PN_TARGET_POD,
	.container_id = "aaaaaaaaaaaa0001",
	.program = "ratelimit",
	.priority = 10,
};

static const struct pn_slot_owner slot_uplink_a = {
	.netns_id = 4026531840ULL,
	.ifindex = 3,
	.attach_id = 7,
	.target = PN_TARGET_UPLINK,
	.uplink = UPLINK,
	.container_id = "aaaaaaaaaaaa0001",
	.program = "filter",
	.priority = 150,
};

static struct pn_registry *populated(void)
{
	struct pn_registry *r;
	char err[256];

	assert_int_equal(pn_registry__new(rules, 1, &r), 0);
	assert_int_equal(pn_registry__add_container(r, &pod_a, err, sizeof(err)), 0);
	assert_int_equal(pn_registry__add_container(r, &pod_b, err, sizeof(err)), 0);
	assert_int_equal(pn_registry__add_slot(r, &slot_pod_a), 0);
	assert_int_equal(pn_registry__add_slot(r, &slot_uplink_a), 0);
	return r;
}

static void test_register(void **state)
{
	struct pn_registry *r = populated();
	struct pn_container c = pod_a, found;
	char err[256];

	(void)state;
	/* A retried ADD changes nothing. */
	assert_int_equal(pn_registry__add_container(r, &pod_a, err, sizeof(err)), 0);
	c.netns_id = 99;
	assert_int_equal(pn_registry__add_container(r, &c, err, sizeof(err)), -EEXIST);
	tl_assert_contains(
		err, "container aaaaaaaaaaaa: already registered on netns 4026532001, not 99");
	c = pod_b;
	strcpy(c.container_id, "cccccccccccc0003");
	assert_int_equal(pn_registry__add_container(r, &c, err, sizeof(err)), -EEXIST);
	tl_assert_contains(err,
			   "netns 4026532002 is already shop/cart-b's (container bbbbbbbbbbbb)");
	c.netns_id = 0;
	assert_int_equal(pn_registry__add_container(r, &c, err, sizeof(err)), -EINVAL);
	tl_assert_contains(err, "are required");

	assert_int_equal(pn_registry__container_by_netns(r, NS_B, &found), 0);
	assert_string_equal(found.pod_name, "cart-b");
	assert_int_equal(pn_registry__container_by_netns(r, 12345, &found), -ENOENT);
	assert_int_equal(pn_registry__find_container(r, "aaaaaaaaaaaa0001", &found), 0);
	assert_int_equal(found.host_ifindex, 11);
	pn_registry__free(r);
}

struct plug_case {
	const char *name;
	const struct pn_caller *caller;
	enum pn_target_kind target;
	const char *uplink;
	__s32 priority;
	int err;
	const char *why;
};

static const struct pn_caller stranger = {.role = PN_ROLE_CONTAINER, .container_id = "ffff"};

static const struct plug_case plug_cases[] = {
	{"own pod target", &as_a, PN_TARGET_POD, NULL, 0, 0, NULL},
	{"own host target", &as_b, PN_TARGET_HOST, NULL, 5, 0, NULL},
	{"runtime for a container", &runtime_for_a, PN_TARGET_POD, NULL, 0, 0, NULL},
	{"unregistered caller", &stranger, PN_TARGET_POD, NULL, 0, -EPERM,
	 "container ffff is not registered"},
	{"uplink within rules", &as_b, PN_TARGET_UPLINK, UPLINK, 100, 0, NULL},
	{"uplink not allowed", &as_b, PN_TARGET_UPLINK, "eth0", 150, -EPERM,
	 "shop/cart-b: uplink 'eth0' is not one containers may plug into"},
	{"priority below range", &as_b, PN_TARGET_UPLINK, UPLINK, 99, -EPERM,
	 "shop/cart-b: priority 99 on uplink 'eth9' is outside the allowed 100..199"},
	{"priority above range", &as_b, PN_TARGET_UPLINK, UPLINK, 200, -EPERM, "outside"},
	/* A holds one of its two: one more is fine (the quota test fills it). */
	{"uplink under quota", &as_a, PN_TARGET_UPLINK, UPLINK, 120, 0, NULL},
	{"admin anywhere", &admin, PN_TARGET_UPLINK, "eth0", -5, 0, NULL},
};

static void test_may_plug(void **state)
{
	struct pn_registry *r = populated();

	(void)state;
	for (size_t i = 0; i < sizeof(plug_cases) / sizeof(plug_cases[0]); i++) {
		const struct plug_case *c = &plug_cases[i];
		char why[256] = "";
		int err = pn_registry__may_plug(r, c->caller, c->target, c->uplink, c->priority,
						why, sizeof(why));

		if (err != c->err)
			fail_msg("%s: returned %d, expected %d (%s)", c->name, err, c->err, why);
		if (c->why && !strstr(why, c->why))
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, why, c->why);
	}
	pn_registry__free(r);
}

static void test_uplink_quota(void **state)
{
	struct pn_registry *r = populated();
	struct pn_slot_owner second = slot_uplink_a;
	char why[256];

	(void)state;
	second.attach_id = 8;
	assert_int_equal(pn_registry__add_slot(r, &second), 0);
	assert_int_equal(
		pn_registry__may_plug(r, &as_a, PN_TARGET_UPLINK, UPLINK, 120, why, sizeof(why)),
		-EPERM);
	tl_assert_contains(why, "default/web-a: already holds 2 of its 2 slots on uplink 'eth9'");
	/* Another owner's quota is its own. */
	assert_int_equal(
		pn_registry__may_plug(r, &as_b, PN_TARGET_UPLINK, UPLINK, 120, why, sizeof(why)),
		0);
	/* Unplugging frees quota. */
	assert_int_equal(pn_registry__remove_slot(r, second.netns_id, second.ifindex, 8, NULL), 0);
	assert_int_equal(
		pn_registry__may_plug(r, &as_a, PN_TARGET_UPLINK, UPLINK, 120, why, sizeof(why)),
		0);
	pn_registry__free(r);
}

struct change_case {
	const char *name;
	const struct pn_caller *caller;
	const struct pn_slot_owner *slot;
	__u32 attach_id; /* 0: the slot's */
	int err;
	const char *why;
};

static const struct pn_caller runtime_for_b = {.role = PN_ROLE_RUNTIME,
					       .container_id = "bbbbbbbbbbbb0002"};

static const struct change_case change_cases[] = {
	{"owner, pod slot", &as_a, &slot_pod_a, 0, 0, NULL},
	{"owner, uplink slot", &as_a, &slot_uplink_a, 0, 0, NULL},
	{"runtime for the owner", &runtime_for_a, &slot_pod_a, 0, 0, NULL},
	{"admin", &admin, &slot_uplink_a, 0, 0, NULL},
	{"other container, pod slot", &as_b, &slot_pod_a, 0, -EPERM,
	 "slot 1 ('ratelimit', pod target) is owned by default/web-a (container aaaaaaaaaaaa)"},
	{"other container, uplink slot", &as_b, &slot_uplink_a, 0, -EPERM,
	 "slot 7 ('filter', uplink target) is owned by default/web-a"},
	{"runtime for another container", &runtime_for_b, &slot_pod_a, 0, -EPERM, "owned by"},
	{"no such slot", &as_a, &slot_pod_a, 99, -ENOENT,
	 "no slot with attach id 99 on ifindex 2 (netns 4026532001)"},
};

static void test_may_change(void **state)
{
	struct pn_registry *r = populated();

	(void)state;
	for (size_t i = 0; i < sizeof(change_cases) / sizeof(change_cases[0]); i++) {
		const struct change_case *c = &change_cases[i];
		__u32 id = c->attach_id ? c->attach_id : c->slot->attach_id;
		char why[256] = "";
		int err = pn_registry__may_change(r, c->caller, c->slot->netns_id, c->slot->ifindex,
						  id, why, sizeof(why));

		if (err != c->err)
			fail_msg("%s: returned %d, expected %d (%s)", c->name, err, c->err, why);
		if (c->why && !strstr(why, c->why))
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, why, c->why);
	}
	pn_registry__free(r);
}

/* find_slot hands out a copy: the unplug path reads the owner before it touches the kernel. */
static void test_find_slot(void **state)
{
	struct pn_registry *r = populated();
	struct pn_slot_owner found;

	(void)state;
	assert_int_equal(pn_registry__find_slot(r, NS_A, 2, 1, &found), 0);
	assert_string_equal(found.container_id, slot_pod_a.container_id);
	assert_string_equal(found.program, "ratelimit");
	assert_false(found.released);
	/* The same attach id on another interface is another slot. */
	assert_int_equal(pn_registry__find_slot(r, NS_B, 2, 1, &found), -ENOENT);
	assert_int_equal(pn_registry__find_slot(r, NS_A, 3, 1, &found), -ENOENT);
	assert_int_equal(pn_registry__release_slot(r, NS_A, 2, 1, "why", NULL), 0);
	assert_int_equal(pn_registry__find_slot(r, NS_A, 2, 1, &found), 0);
	assert_true(found.released);
	assert_string_equal(found.released_reason, "why");
	assert_int_equal(pn_registry__remove_slot(r, NS_A, 2, 1, NULL), 0);
	assert_int_equal(pn_registry__find_slot(r, NS_A, 2, 1, &found), -ENOENT);
	pn_registry__free(r);
}

static void test_remove_container_hands_back_its_slots(void **state)
{
	struct pn_registry *r = populated();
	struct pn_slot_owner *slots = NULL, b_slot = slot_pod_a;
	struct pn_container found;
	size_t n = 0;
	char why[256];

	(void)state;
	b_slot.netns_id = NS_B;
	strcpy(b_slot.container_id, pod_b.container_id);
	assert_int_equal(pn_registry__add_slot(r, &b_slot), 0);
	assert_int_equal(pn_registry__add_slot(r, &b_slot), -EEXIST);
	assert_int_equal(pn_registry__remove_container(r, pod_a.container_id, &slots, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(slots[0].attach_id + slots[1].attach_id, 1 + 7);
	free(slots);
	assert_int_equal(pn_registry__find_container(r, pod_a.container_id, &found), -ENOENT);
	assert_int_equal(pn_registry__remove_container(r, pod_a.container_id, &slots, &n), -ENOENT);
	/* B's slot stays, and A's are gone from the rules too. */
	assert_int_equal(pn_registry__may_change(r, &as_b, NS_B, 2, 1, why, sizeof(why)), 0);
	assert_int_equal(pn_registry__may_change(r, &admin, NS_A, 2, 1, why, sizeof(why)), -ENOENT);
	pn_registry__free(r);
}

static void test_json_round_trip(void **state)
{
	struct pn_registry *r = populated(), *back;
	char *before, *after, err[256] = "";
	cJSON *doc = pn_registry__to_json(r);
	char why[256];

	(void)state;
	assert_non_null(doc);
	before = cJSON_PrintUnformatted(doc);
	assert_int_equal(pn_registry__new(rules, 1, &back), 0);
	if (pn_registry__from_json(back, doc, err, sizeof(err)))
		fail_msg("from_json: %s", err);
	cJSON_Delete(doc);
	doc = pn_registry__to_json(back);
	after = cJSON_PrintUnformatted(doc);
	assert_string_equal(before, after);
	/* The rules hold on what was read back. */
	assert_int_equal(pn_registry__may_change(back, &as_b, NS_A, 2, 1, why, sizeof(why)),
			 -EPERM);
	tl_assert_contains(why, "owned by default/web-a");
	tl_assert_contains(before, "\"netns\":\"4026532001\"");
	cJSON_free(before);
	cJSON_free(after);
	cJSON_Delete(doc);
	pn_registry__free(back);
	pn_registry__free(r);
}

struct json_case {
	const char *name;
	const char *json;
	const char *why;
};

#define SLOT_JSON(fields)                                                             \
	"{\"version\":1,\"containers\":[],\"slots\":[{\"netns\":\"1\",\"ifindex\":2," \
	"\"attach_id\":3,\"container_id\":\"x\",\"program\":\"p\",\"priority\":0" fields "}]}"

static const struct json_case json_cases[] = {
	{"not an object", "[]", "registry: expected an object"},
	{"no version", "{\"containers\":[],\"slots\":[]}",
	 "registry: version: expected an integer"},
	{"future version", "{\"version\":2,\"containers\":[],\"slots\":[]}",
	 "version: expected an integer from 1 to 1"},
	{"containers not an array", "{\"version\":1,\"containers\":{},\"slots\":[]}",
	 "registry: containers: expected an array"},
	{"container without pod_name",
	 "{\"version\":1,\"slots\":[],\"containers\":[{\"container_id\":\"x\",\"pod_namespace\":"
	 "\"d\",\"netns\":\"1\",\"pod_ifindex\":2,\"host_ifindex\":3}]}",
	 "registry: containers[0].pod_name: expected a string"},
	{"netns not decimal",
	 "{\"version\":1,\"slots\":[],\"containers\":[{\"container_id\":\"x\",\"pod_namespace\":"
	 "\"d\",\"pod_name\":\"n\",\"netns\":\"0x10\",\"pod_ifindex\":2,\"host_ifindex\":3}]}",
	 "containers[0].netns: '0x10' is not a decimal number"},
	{"slot with a bad target", SLOT_JSON(",\"target\":\"moon\""),
	 "registry: slots[0].target: 'moon' is not pod, host or uplink"},
	{"uplink slot without its uplink", SLOT_JSON(",\"target\":\"uplink\""),
	 "slots[0].uplink: required for an uplink target"},
	{"slot not an object", "{\"version\":1,\"containers\":[],\"slots\":[7]}",
	 "registry: slots[0].expected an object"},
};

static void test_json_errors_change_nothing(void **state)
{
	struct pn_registry *r = populated();
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		cJSON *doc = cJSON_Parse(c->json);
		char err[256] = "";

		if (!doc)
			fail_msg("%s: the test's JSON does not parse", c->name);
		if (pn_registry__from_json(r, doc, err, sizeof(err)) != -EINVAL)
			fail_msg("%s: accepted", c->name);
		if (!strstr(err, c->why))
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, err, c->why);
		cJSON_Delete(doc);
	}
	/* Still what it was before the bad documents. */
	assert_int_equal(pn_registry__may_change(r, &as_a, NS_A, 2, 1, why, sizeof(why)), 0);
	pn_registry__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_may_plug),
		cmocka_unit_test(test_uplink_quota),
		cmocka_unit_test(test_may_change),
		cmocka_unit_test(test_find_slot),
		cmocka_unit_test(test_remove_container_hands_back_its_slots),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_errors_change_nothing),
	};

	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
