// SPDX-License-Identifier: Apache-2.0
/* The engine itself: its pin root and lock, kernel features, dispatcher object and release thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpffs.h"
#include "engine_internal.h"
#include "kernel_features.h"
#include "pin_lock.h"
#include "prog_cache.h"
#include "prog_index.h"
#include "retire.h"
#include "dispatcher.skel.h"

/* Stubs slot0, slot1, ... in the object's BTF: how many slots this build's dispatcher has. */
static int count_slot_stubs(const void *elf, size_t size, unsigned int *count)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "plugnet_dispatcher");
	struct bpf_object *obj = bpf_object__open_mem(elf, size, &opts);
	const struct btf *btf;
	unsigned int n = 0;

	if (!obj)
		return -errno;
	btf = bpf_object__btf(obj);
	while (btf && n < PLUGNET_CONFIG_SLOTS + 1) {
		char name[16];

		snprintf(name, sizeof(name), "slot%u", n);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) <= 0)
			break;
		n++;
	}
	bpf_object__close(obj);
	if (n == 0 || n > PLUGNET_CONFIG_SLOTS)
		return -EPROTO;
	*count = n;
	return 0;
}

static int engine_init(struct pn_engine *e, const char *pin_root)
{
	struct pn_prog_index *prog_index;
	char path[ROOT_MAX + 16];
	int holder, err;

	err = count_slot_stubs(e->dispatcher_elf, e->dispatcher_elf_size, &e->slot_count);
	if (err)
		return pn_fail(err, "dispatcher object: %s",
			       err == -EPROTO ? "no slot stubs slot0.. in its BTF, or more than "
						"the configuration's 63"
					      : strerror(-err));
	err = pn_bpffs_mkdir(pin_root);
	if (err)
		return pn_fail(err, "pin root '%s': %s%s", pin_root, strerror(-err),
			       err == -ENOTSUP
				       ? " (not on a bpf filesystem; mount -t bpf bpf /sys/fs/bpf)"
				       : "");
	err = pn_pin_lock__acquire(pin_root, &e->pin_lock, &holder);
	if (err == -EBUSY && holder)
		return pn_fail(err, "pin root '%s' is in use by another plugnet engine (pid %d)",
			       pin_root, holder);
	if (err)
		return pn_fail(err, "pin root '%s': cannot lock it: %s", pin_root,
			       err == -EBUSY ? "another plugnet engine holds it" : strerror(-err));
	pn_features_probe(&e->features);
	snprintf(path, sizeof(path), "%s/prog-index", pin_root);
	err = pn_prog_index__open(path, &prog_index);
	if (err) {
		pr_warn("index of loaded programs %s: %s; programs will be verified again after a "
			"restart",
			path, strerror(-err));
		prog_index = NULL;
	}
	e->progs = pn_prog_cache__new(e->features.xdp_frags, prog_index);
	if (!e->progs) {
		pn_prog_index__close(prog_index);
		return pn_fail(-ENOMEM, "pin root '%s': out of memory", pin_root);
	}
	err = pn_retire__new(&e->retire);
	if (err)
		return pn_fail(err,
			       "cannot set up the release of replaced revisions (its RCU barrier "
			       "map or its thread): %s",
			       strerror(-err));
	return 0;
}

int pn_engine__new_with_dispatcher(const char *pin_root, const void *elf, size_t elf_size,
				   struct pn_engine **enginep)
{
	struct pn_engine *e;
	int err;

	pn_error_clear();
	if (!pin_root)
		pin_root = PN_PIN_ROOT_DEFAULT;
	if (strlen(pin_root) >= sizeof(e->pin_root))
		return pn_fail(-ENAMETOOLONG, "pin root '%s': longer than %zu bytes", pin_root,
			       sizeof(e->pin_root) - 1);
	e = calloc(1, sizeof(*e));
	if (!e)
		return pn_fail(-ENOMEM, "pin root '%s': out of memory", pin_root);
	if (pthread_mutex_init(&e->lock, NULL)) {
		free(e);
		return pn_fail(-ENOMEM, "pin root '%s': cannot make a mutex", pin_root);
	}
	if (pthread_mutex_init(&e->slot_btf_lock, NULL)) {
		pthread_mutex_destroy(&e->lock);
		free(e);
		return pn_fail(-ENOMEM, "pin root '%s': cannot make a mutex", pin_root);
	}
	strcpy(e->pin_root, pin_root);
	e->dispatcher_elf = elf;
	e->dispatcher_elf_size = elf_size;
	err = engine_init(e, pin_root);
	if (err) {
		pn_engine__free(e);
		return err;
	}
	*enginep = e;
	return 0;
}

int pn_engine__new(const char *pin_root, struct pn_engine **enginep)
{
	const void *elf;
	size_t size;

	elf = plugnet_dispatcher__elf_bytes(&size);
	return pn_engine__new_with_dispatcher(pin_root, elf, size, enginep);
}

void pn_engine__free(struct pn_engine *e)
{
	if (!e)
		return;
	while (e->ifaces)
		pn_iface__close(e->ifaces);
	pn_retire__free(e->retire);
	pn_prog_cache__free(e->progs);
	pn_pin_lock__release(e->pin_lock);
	pthread_mutex_destroy(&e->slot_btf_lock);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

unsigned int pn_engine__slot_count(const struct pn_engine *e)
{
	return e->slot_count;
}

const struct pn_kernel_features *pn_engine__features(const struct pn_engine *e)
{
	return &e->features;
}

unsigned long pn_engine__prog_loads(struct pn_engine *e)
{
	return pn_prog_cache__loads(e->progs);
}

void pn_engine__set_slot_stats(struct pn_engine *e, bool on)
{
	__atomic_store_n(&e->slot_stats, on, __ATOMIC_RELAXED);
}

void pn_engine__settle(struct pn_engine *e)
{
	pn_retire__drain(e->retire);
}

void pn_engine__set_hooks(struct pn_engine *e, const struct pn_engine_hooks *hooks)
{
	e->hooks = hooks ? *hooks : (struct pn_engine_hooks){};
}

void pn_engine__set_grace_period(struct pn_engine *e, int (*wait)(void *arg), void *arg)
{
	pn_retire__set_grace_period(e->retire, wait, arg);
}

void pn_engine__set_features(struct pn_engine *e, const struct pn_kernel_features *features)
{
	e->features = *features;
}
