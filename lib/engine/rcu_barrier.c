// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "rcu_barrier.h"

struct pn_rcu_barrier {
	int outer_fd; /* ARRAY_OF_MAPS, one slot */
	int inner_fd; /* the map stored in it, again and again */
};

int pn_rcu_barrier__new(struct pn_rcu_barrier **barrierp)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct pn_rcu_barrier *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	b->outer_fd = -1;
	b->inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "plugnet_rcu_in", 4, 4, 1, NULL);
	if (b->inner_fd < 0)
		goto err;
	opts.inner_map_fd = b->inner_fd;
	b->outer_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "plugnet_rcu", 4, 4, 1, &opts);
	if (b->outer_fd < 0)
		goto err;
	*barrierp = b;
	return 0;
err:
	err = -errno;
	pn_rcu_barrier__free(b);
	return err;
}

void pn_rcu_barrier__free(struct pn_rcu_barrier *b)
{
	if (!b)
		return;
	if (b->outer_fd >= 0)
		close(b->outer_fd);
	if (b->inner_fd >= 0)
		close(b->inner_fd);
	free(b);
}

int pn_rcu_barrier__wait(struct pn_rcu_barrier *b)
{
	__u32 key = 0, value = (__u32)b->inner_fd;

	return bpf_map_update_elem(b->outer_fd, &key, &value, BPF_ANY) ? -errno : 0;
}
