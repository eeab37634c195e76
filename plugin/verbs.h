/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CNI verbs, each against plugnetd's workload socket. Each returns 0,
 * or -1 with err filled: a reserved code where the specification has one,
 * else one of plugnet's own (>= 100, below).
 */
#ifndef PLUGNET_PLUGIN_VERBS_H
#define PLUGNET_PLUGIN_VERBS_H

#include "cni.h"
#include "plugin_conf.h"
#include "plugnet/client.h"

/* plugnet's error codes (docs/cni.md lists them). */
enum pn_cni_code {
	PN_CNI_ERR_REFUSED = 100,         /* plugnetd refused, for a reason not below */
	PN_CNI_ERR_UNKNOWN_PROGRAM = 101, /* not in the node's catalog */
	PN_CNI_ERR_FORBIDDEN = 102,       /* another container's slot; a quota; a policy */
	PN_CNI_ERR_VERIFIER = 103,        /* the kernel's verifier refused the program */
	PN_CNI_ERR_CONFLICT = 104,        /* a foreign XDP program; a full dispatcher */
	PN_CNI_ERR_NO_INTERFACE = 105,    /* CNI_IFNAME or CNI_NETNS is not there */
	PN_CNI_ERR_NOT_AS_EXPECTED = 106, /* CHECK: a registration or slot is missing */
	PN_CNI_ERR_AGENT_FAILED = 107,    /* plugnetd failed inside (500) */
};

struct pn_cni_call {
	const struct cni_env *env;
	const struct cni_conf *conf;
	const struct pn_plugin_conf *pc;
	struct pn_client *client;
};

int pn_cni_add(const struct pn_cni_call *call, struct cni_error *err);
int pn_cni_del(const struct pn_cni_call *call, struct cni_error *err);
int pn_cni_check(const struct pn_cni_call *call, struct cni_error *err);
int pn_cni_gc(const struct pn_cni_call *call, struct cni_error *err);
int pn_cni_status(const struct pn_cni_call *call, struct cni_error *err);

#endif
