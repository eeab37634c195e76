/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plugctl's commands, one function each (plugctl_fn), grouped in files by
 * the object they are about:
 *   cmd_iface.c     list, show, maps     (interfaces, their slots, slots' maps)
 *   cmd_override.c  release, detach, adopt (the admin's overrides)
 *   cmd_info.c      status, programs, audit
 * Each parses its own options (with the common ones, cli.h), calls
 * plugnetd and prints, returning plugctl's exit code.
 */
#ifndef PLUGCTL_COMMANDS_H
#define PLUGCTL_COMMANDS_H

#include "cli.h"

int cmd_list(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_show(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_maps(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_release(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_detach(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_adopt(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_status(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_programs(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);
int cmd_audit(struct plugctl *p, const struct plugctl_cmd *cmd, int argc, char **argv);

#endif
