// SPDX-License-Identifier: Apache-2.0
/*
 * ext-probe: can this kernel load and attach a BPF_PROG_TYPE_EXT program?
 * Exit 0 if it can (the VM tier then runs natively), 1 if it cannot, with
 * the reason as the last line of output.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "dispatcher.h"
#include "dispatcher.skel.h"
#include "verdicts.skel.h"
#include "testlib.h"

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(void)
{
	struct plugnet_dispatcher *disp;
	struct bpf_object *obj = NULL;
	struct bpf_link *link = NULL;
	const void *elf;
	size_t size;
	int err;

	libbpf_set_print(silent);
	disp = plugnet_dispatcher__open();
	if (!disp) {
		printf("cannot open the dispatcher object: %s\n", strerror(errno));
		return 1;
	}
	disp->rodata->plugnet_cfg.num_slots = 1;
	disp->rodata->plugnet_cfg.proceed_on[0] = ~0U;
	err = plugnet_dispatcher__load(disp);
	if (err) {
		printf("cannot load an XDP dispatcher: %s\n", strerror(-err));
		plugnet_dispatcher__destroy(disp);
		return 1;
	}
	elf = verdicts__elf_bytes(&size);
	err = tl_freplace(elf, size, "xdp_pass", bpf_program__fd(disp->progs.plugnet_root), "slot0",
			  &obj, &link);
	if (err) {
		printf("freplace (BPF_PROG_TYPE_EXT) refused: %s\n", strerror(-err));
	} else {
		printf("freplace works\n");
		bpf_link__destroy(link);
		bpf_object__close(obj);
	}
	plugnet_dispatcher__destroy(disp);
	return err ? 1 : 0;
}
