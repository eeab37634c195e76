// SPDX-License-Identifier: Apache-2.0
/* Plugging a program into a slot and unplugging it: each a new revision of the interface. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "engine_internal.h"
#include "prog_cache.h"

#define MSG_SIZE 1900

static int read_file(const char *path, void **data, size_t *size)
{
	struct stat st;
	void *buf;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (64 << 20)) {
		err = -EINVAL;
	} else if (!(buf = malloc((size_t)st.st_size))) {
		err = -ENOMEM;
	} else {
		n = read(fd, buf, (size_t)st.st_size);
		if (n != st.st_size) {
			err = n < 0 ? -errno : -EIO;
			free(buf);
		} else {
			*data = buf;
			*size = (size_t)n;
		}
	}
	close(fd);
	return err;
}

/* Find or load the spec's program through the verification cache. */
static int get_prog(struct pn_iface *ifc, const struct pn_slot_spec *spec, struct pn_prog **prog)
{
	const void *elf = spec->elf;
	size_t elf_size = spec->elf_size;
	void *file = NULL;
	char msg[MSG_SIZE];
	int err;

	if (spec->elf_path) {
		err = read_file(spec->elf_path, &file, &elf_size);
		if (err)
			return pn_fail(err,
				       IFACE_FMT ": program '%s': cannot read object file '%s': %s",
				       IFACE_ARGS(ifc), spec->prog_name ? spec->prog_name : "?",
				       spec->elf_path,
				       err == -EINVAL ? "not a regular, non-empty file under 64 MiB"
						      : strerror(-err));
		elf = file;
	}
	/* Any dispatcher verifies the program: every slot stub has the same signature. */
	err = pn_prog_cache__get(ifc->engine->progs, elf, elf_size, spec->prog_name,
				 ifc->cur.prog_fd, "slot0", prog, msg, sizeof(msg));
	free(file);
	if (err)
		return pn_fail(err, IFACE_FMT ": %s", IFACE_ARGS(ifc), msg);
	return 0;
}

static int plug_locked(struct pn_iface *ifc, const struct pn_slot_spec *spec, __u32 *attach_id)
{
	struct pn_engine *e = ifc->engine;
	struct pn_slot_entry slots[PLUGNET_CONFIG_SLOTS + 1];
	__u32 id = ifc->cur.cfg.next_attach_id > ifc->attach_id_floor ? ifc->cur.cfg.next_attach_id
								      : ifc->attach_id_floor,
	      row;
	struct pn_prog *prog;
	int err;

	if (spec->proceed_on & ~PN_PROCEED_ON_ALL)
		return pn_fail(-EINVAL,
			       IFACE_FMT ": program '%s': proceed-on set 0x%x names actions other "
					 "than aborted, drop, pass, tx and redirect",
			       IFACE_ARGS(ifc), spec->prog_name ? spec->prog_name : "?",
			       spec->proceed_on);
	if (ifc->nslots >= e->slot_count)
		return pn_fail(-ENOSPC, IFACE_FMT ": all %u slots are in use", IFACE_ARGS(ifc),
			       e->slot_count);
	/* Rows never run out before slots do: there are as many rows as configuration slots. */
	err = pn_slots_pick_stats_row(ifc->slots, ifc->nslots, ifc->last_stats_row, &row);
	if (err)
		return pn_fail(err, IFACE_FMT ": no free row in its per-slot counters",
			       IFACE_ARGS(ifc));
	/* Zeroed while no revision counts into it, so the new attachment starts at zero. */
	err = counters_zero_row(ifc, row);
	if (err)
		return err;
	err = get_prog(ifc, spec, &prog);
	if (err)
		return err;
	memcpy(slots, ifc->slots, ifc->nslots * sizeof(*slots));
	slots[ifc->nslots] = (struct pn_slot_entry){
		.attach_id = id,
		.priority = spec->priority,
		.proceed_on = spec->proceed_on ? spec->proceed_on : PN_PROCEED_ON_DEFAULT,
		.frags = pn_prog__frags(prog),
		.stats_row = row,
		.owner = prog,
	};
	pn_slots_sort(slots, ifc->nslots + 1);
	err = iface_commit(ifc, slots, ifc->nslots + 1, id + 1);
	if (err) {
		pn_prog_cache__put(e->progs, prog, true);
		return err;
	}
	ifc->last_stats_row = row;
	pr_info(IFACE_FMT ": plugged program '%s' (attach id %u, priority %d)", IFACE_ARGS(ifc),
		pn_prog__name(prog), id, spec->priority);
	if (attach_id)
		*attach_id = id;
	return 0;
}

void pn_iface__reserve_attach_ids(struct pn_iface *ifc, __u32 floor)
{
	pthread_mutex_lock(&ifc->lock);
	if (floor > ifc->attach_id_floor)
		ifc->attach_id_floor = floor;
	pthread_mutex_unlock(&ifc->lock);
}

int pn_iface__plug(struct pn_iface *ifc, const struct pn_slot_spec *spec, __u32 *attach_id)
{
	int err;

	pn_error_clear();
	pthread_mutex_lock(&ifc->lock);
	err = plug_locked(ifc, spec, attach_id);
	pthread_mutex_unlock(&ifc->lock);
	return err;
}

static int unplug_locked(struct pn_iface *ifc, __u32 attach_id)
{
	struct pn_slot_entry slots[PLUGNET_CONFIG_SLOTS];
	struct pn_prog *prog = NULL;
	size_t n = 0;
	int err;

	for (size_t i = 0; i < ifc->nslots; i++) {
		if (ifc->slots[i].attach_id == attach_id)
			prog = ifc->slots[i].owner;
		else
			slots[n++] = ifc->slots[i];
	}
	if (!prog)
		return pn_fail(-ENOENT, IFACE_FMT ": no slot with attach id %u", IFACE_ARGS(ifc),
			       attach_id);
	err = iface_commit(ifc, slots, n, ifc->cur.cfg.next_attach_id);
	if (err)
		return err;
	pr_info(IFACE_FMT ": unplugged program '%s' (attach id %u)", IFACE_ARGS(ifc),
		pn_prog__name(prog), attach_id);
	pn_prog_cache__put(ifc->engine->progs, prog, true);
	return 0;
}

int pn_iface__unplug(struct pn_iface *ifc, __u32 attach_id)
{
	int err;

	pn_error_clear();
	pthread_mutex_lock(&ifc->lock);
	err = unplug_locked(ifc, attach_id);
	pthread_mutex_unlock(&ifc->lock);
	return err;
}
