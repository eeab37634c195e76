/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What happens to plugnet's interfaces behind the agent's back, noticed
 * and acted on: a background thread woken by link notifications
 * (links.h) and by a periodic timer runs a sweep over every managed
 * interface and every registered container.
 *
 * - A root link a host tool detached (`bpftool link detach`, `xdp-loader
 *   unload --all`) is attached again with its slots, and audited as
 *   `evicted-by-host`.
 * - An interface another XDP program took meanwhile is left alone and
 *   reported as displaced (health, /v1/interfaces) until an admin adopts it.
 * - A pod whose netns or interface vanished without a CNI DEL loses its
 *   slots and its registration, each slot audited as `gone`; an uplink that
 *   vanished loses its slots (audited `gone`) and is attached again when it
 *   comes back.
 */
#ifndef PLUGNET_AGENT_SWEEPER_H
#define PLUGNET_AGENT_SWEEPER_H

#include "agent.h"

/* One sweep, now: what the thread runs. */
void pn_sweep(struct pn_agent *agent);

struct pn_sweeper;
/* Start the thread: a sweep every interval_ms, and at once on a link notification. */
int pn_sweeper__start(struct pn_agent *agent, unsigned int interval_ms,
		      struct pn_sweeper **sweeper);
/* Stop it and wait for the sweep under way to end. */
void pn_sweeper__stop(struct pn_sweeper *sweeper);

#endif
