/* SPDX-License-Identifier: Apache-2.0 */
/*
 * XDP verdicts by name, and proceed-on sets: the actions after which a
 * dispatcher goes on to the next slot. Pure data, no kernel calls; shared
 * by the engine, the agent's API, the CNI plugin and plugctl.
 */
#ifndef PLUGNET_XDP_ACTION_H
#define PLUGNET_XDP_ACTION_H

#include <stddef.h>
#include <linux/types.h>

/* Default proceed-on set: go on after XDP_PASS only. */
#define PN_PROCEED_ON_DEFAULT (1U << 2 /* XDP_PASS */)
/* Every action a proceed-on set may name: XDP_ABORTED (0) .. XDP_REDIRECT (4). */
#define PN_PROCEED_ON_ALL 0x1fU

/* "aborted", "drop", "pass", "tx", "redirect"; NULL for other values. */
const char *pn_xdp_action_name(__u32 action);

/* Parse "pass,drop" (names or numbers 0..4, comma separated) into a mask. -EINVAL if unknown. */
int pn_proceed_on_parse(const char *text, __u32 *mask);

/* Format a mask as "pass,drop"; returns the length snprintf would write. */
int pn_proceed_on_format(__u32 mask, char *buf, size_t size);

#endif
