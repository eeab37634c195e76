/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent's request handlers share: the engine, the ownership
 * registry, how the runtime is recognised, and where the state file is.
 * Every change to the registry is saved before the request is answered,
 * so that an acknowledged request survives a crash.
 */
#ifndef PLUGNET_AGENT_AGENT_H
#define PLUGNET_AGENT_AGENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "identity.h"

struct pn_engine;
struct pn_ifaces;
struct pn_registry;

/* What the metrics endpoint counts (metrics.h). */
struct pn_agent_counters {
	atomic_ulong plugs, plug_failures;
	atomic_ulong unplugs, unplug_failures;
	atomic_ulong root_links_healed;
	atomic_ulong pods_gone;
};

struct pn_agent {
	struct pn_engine *engine;
	struct pn_registry *registry;
	struct pn_runtime_rule runtime_rule;
	char state_path[4200];
	char audit_path[4200];
	char catalog_dir[4096];
	bool allow_upload; /* plugs may upload an ELF object (upload.allow_raw_elf) */
	/* Saves run one at a time, so the file always holds the latest registry. */
	pthread_mutex_t save_lock;
	/* The interfaces a dispatcher is held on (ifaces.h). */
	struct pn_ifaces *ifaces;
	struct pn_agent_counters counters;
};

/* What a socket's handler gets: the agent, and which socket answered. */
struct pn_api_socket {
	struct pn_agent *agent;
	bool admin; /* the admin socket (mode 0600, host only) */
};

/*
 * Load the registry from the state file: a missing file is a first start;
 * a damaged one stops the agent (err says where), since starting empty
 * would forget every owner.
 */
int pn_agent_load_state(struct pn_agent *agent, char *err, size_t err_size);
/* Write the registry to the state file, atomically. */
int pn_agent_save_state(struct pn_agent *agent, char *err, size_t err_size);

#endif
