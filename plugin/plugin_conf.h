/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What plugnet reads from its entry in the network configuration, and the
 * programs a pod asks for: the network's "programs" list (every pod of the
 * network) followed by the pod's annotation plugnet.io/programs, received
 * through the runtimeConfig capability io.kubernetes.cri.pod-annotations.
 */
#ifndef PLUGNET_PLUGIN_CONF_H
#define PLUGNET_PLUGIN_CONF_H

#include <stdbool.h>

#include "cni.h"
#include "plugnet/log.h"

#define PN_DEFAULT_WORKLOAD_SOCKET "/run/plugnet/plugnet.sock"
#define PN_PROGRAMS_ANNOTATION     "plugnet.io/programs"
#define PN_ANNOTATIONS_CAPABILITY  "io.kubernetes.cri.pod-annotations"

/* One requested slot: a catalog program on a target. */
struct pn_program_request {
	char program[65];  /* a catalog name */
	char target[32];   /* "pod", "host" or "uplink:<ifname>" */
	bool has_priority; /* else the catalog's default */
	int priority;
	char proceed_on[64]; /* "pass,tx"; "" for the catalog's default */
	char source[96];     /* where it was asked for, for messages */
};

struct pn_plugin_conf {
	char socket[108];            /* "socket": plugnetd's workload socket */
	long timeout_ms;             /* "timeoutMs": per request to plugnetd */
	char log_file[256];          /* "logFile": "" for stderr */
	enum pn_log_level log_level; /* "logLevel": error, warning, info, debug */
	struct pn_program_request *requests;
	int n_requests;
};

/*
 * plugnet's keys of `conf`, and the programs requested. With
 * `with_annotations` false the pod's annotation is not read (DEL and GC
 * never need it, and must not fail on it). 0, or -1 with code 7 naming
 * the key or the annotation.
 */
int pn_plugin_conf_read(const struct cni_conf *conf, bool with_annotations,
			struct pn_plugin_conf *out, struct cni_error *err);
void pn_plugin_conf_free(struct pn_plugin_conf *pc);

#endif
