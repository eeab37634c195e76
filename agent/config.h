/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugnetd's configuration file: a JSON object parsed with cJSON and
 * validated whole before plugnetd acts on any of it, so that a bad file
 * stops the daemon with one message naming the key, never half-applies.
 * docs/configuration.md describes the format.
 */
#ifndef PLUGNET_AGENT_CONFIG_H
#define PLUGNET_AGENT_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#define PN_CONFIG_PATH_DEFAULT "/etc/plugnet/plugnetd.json"
/* A configuration is a few hundred bytes; anything this large is a mistake. */
#define PN_CONFIG_MAX_SIZE (1U << 20)

struct pn_uplink_policy {
	char ifname[IF_NAMESIZE];
	unsigned int slot_quota; /* slots per owner on this uplink */
	int prio_min, prio_max;  /* priorities an owner may use there */
};

struct pn_config {
	char workload_socket[108]; /* default /run/plugnet/plugnet.sock */
	char admin_socket[108];    /* default /run/plugnet/admin.sock */
	char pin_root[256];        /* default /sys/fs/bpf/plugnet */
	char state_dir[4096];      /* default /var/lib/plugnet */
	char catalog_dir[4096];    /* default /etc/plugnet/programs */
	char metrics_addr[64];     /* "" = off, else "127.0.0.1:PORT" or "[::1]:PORT" */
	char cni_binary[4096]; /* default /opt/cni/bin/plugnet: how the runtime caller is recognised
				*/
	bool allow_upload;     /* raw ELF uploads; default false */
	bool slot_counters; /* the dispatcher counts packets and verdicts per slot; default false */
	unsigned int max_body_bytes;    /* request body limit, default 1 MiB, range 4 KiB..64 MiB */
	unsigned int request_timeout_s; /* default 10, 1..600 */
	/* How often every interface and pod is checked (sweeper.h); default 1000, 100..600000 */
	unsigned int sweep_interval_ms;
	struct pn_uplink_policy *uplinks; /* allowed uplinks */
	size_t n_uplinks;
};

/* Fill *cfg with the defaults; it then owns no memory. */
void pn_config_defaults(struct pn_config *cfg);

/*
 * Load `path` over the defaults. *cfg need not be initialised: it is
 * overwritten whole (a previously loaded config must be freed first). On
 * success err is "" and the caller frees *cfg with pn_config_free(). A
 * missing file is an error unless allow_missing (then defaults stand).
 *
 * On error *cfg holds the defaults (pn_config_free is harmless on it) and
 * err gets one line naming the file and, for content errors, the key:
 *   config '/etc/plugnet/plugnetd.json': key 'uplinks[1].slot_quota': expected an integer from 1 to
 * 63, got -2 Returns -ENOENT (missing), -EISDIR, -EFBIG (over PN_CONFIG_MAX_SIZE), -EBADMSG
 * (malformed JSON, with its byte offset), -EINVAL (not a regular file, or a key's value refused),
 * -ENOMEM, or the -errno of open/read.
 */
int pn_config_load(const char *path, bool allow_missing, struct pn_config *cfg, char *err,
		   size_t err_size);

/* The --metrics-addr flag over the file's metrics_addr, checked the same way. */
int pn_config_set_metrics_addr(struct pn_config *cfg, const char *addr, char *err, size_t err_size);

/* Free what pn_config_load allocated; *cfg is left with no uplinks. */
void pn_config_free(struct pn_config *cfg);

#endif
