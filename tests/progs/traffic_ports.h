/* SPDX-License-Identifier: GPL-2.0 */
/* UDP ports of the real-traffic tests (test_engine_traffic.c and its slot programs). */
#ifndef PLUGNET_TEST_TRAFFIC_PORTS_H
#define PLUGNET_TEST_TRAFFIC_PORTS_H
#define TRAFFIC_DROP_PORT   5301 /* drop_port drops these */
#define TRAFFIC_SEQ_PORT    5302 /* the seq_* programs stamp these */
#define TRAFFIC_STREAM_PORT 5303 /* count_stream counts these */
#endif
