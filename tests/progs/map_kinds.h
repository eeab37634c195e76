/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key and value types of map_kinds.bpf.c, shared with the test that
 * fills its maps from user space (test_prog_maps.c).
 */
#ifndef PLUGNET_TEST_MAP_KINDS_H
#define PLUGNET_TEST_MAP_KINDS_H

#include <linux/types.h>

enum mk_state {
	MK_NEW = 1,
	MK_OPEN = 2,
	MK_CLOSED = 7,
};

/* Network byte order, as a program takes it from a packet. */
struct mk_flow_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

/* Bit fields: one across byte boundaries, a signed one, an enum, a _Bool, unnamed padding. */
struct mk_bits {
	__u32 syn : 1;
	__u32 ack : 1;
	__u32 ecn : 2;
	__u32 window : 14;
	__s32 delta : 7;
	enum mk_state kind : 3;
	_Bool urgent : 1;
	__u32 : 3;
};

struct mk_flow {
	/* Anonymous: its members, and those of the struct in it, are the flow's. */
	union {
		__u64 cookie;
		struct {
			__u32 cookie_lo;
			__u32 cookie_hi;
		};
	};
	struct mk_bits bits;
	enum mk_state state;
	char name[16];
	__s32 balance;
	_Bool active;
	__s64 offset;
	__u64 bytes;
	__be64 seq;
};

/* 20 bytes: the kernel hands out one per CPU, 24 bytes apart. */
struct mk_cpu_stats {
	__u64 packets;
	__u64 bytes;
	__u32 drops;
} __attribute__((packed));

#endif
