/* SPDX-License-Identifier: GPL-2.0 */
/* Where marks.bpf.c leaves its trail in the 64-byte test frame: the UDP payload. */
#ifndef PLUGNET_TEST_TRAIL_H
#define PLUGNET_TEST_TRAIL_H
#define TRAIL_OFF 42 /* 14 Ethernet + 20 IPv4 + 8 UDP */
#define TRAIL_MAX 16
#endif
