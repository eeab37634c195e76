/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Prometheus endpoint (`metrics_addr`, text format 0.0.4, GET
 * /metrics on a loopback TCP address): the agent's counters of plugs,
 * unplugs and their failures, root links healed and pods gone; per
 * interface its state, revision and slots in use; per slot the packets
 * and verdicts the dispatcher counted (when `slot_counters` is on).
 */
#ifndef PLUGNET_AGENT_METRICS_H
#define PLUGNET_AGENT_METRICS_H

#include <stdio.h>

#include "agent.h"

/* The whole exposition, written to out. 0 or -errno. */
int pn_metrics_write(struct pn_agent *agent, FILE *out);

struct pn_metrics_server;
/*
 * Serve on addr ("127.0.0.1:PORT" or "[::1]:PORT", as the configuration
 * checked it). -errno; err names the address.
 */
int pn_metrics_server__start(struct pn_agent *agent, const char *addr,
			     struct pn_metrics_server **server, char *err, size_t err_size);
void pn_metrics_server__stop(struct pn_metrics_server *server);

#endif
