// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "kernel_features.h"
#include "print.h"

static bool struct_has_member(const struct btf *btf, const char *type, const char *member)
{
	const struct btf_type *t;
	const struct btf_member *m;
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);

	if (id <= 0)
		return false;
	if (!member)
		return true;
	t = btf__type_by_id(btf, (__u32)id);
	m = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++, m++) {
		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return true;
	}
	return false;
}

static bool probe_frags(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_XDP_HAS_FRAGS);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "plugnet_frags", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), &opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void pn_features_probe(struct pn_kernel_features *f)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();

	if (vmlinux) {
		/* The link type that holds an XDP attachment (net/core/dev.c, 5.9). */
		f->xdp_link = struct_has_member(vmlinux, "bpf_xdp_link", NULL);
		/* Where an extension program keeps its second and later targets (5.10). */
		f->freplace_multi_attach =
			struct_has_member(vmlinux, "bpf_prog_aux", "dst_trampoline");
		btf__free(vmlinux);
	} else {
		/* Without kernel BTF nothing tells; the calls themselves will say. */
		pr_warn("kernel BTF (/sys/kernel/btf/vmlinux) unavailable: %s; assuming XDP "
			"links and freplace multi-attach",
			strerror(errno));
		f->xdp_link = f->freplace_multi_attach = true;
	}
	f->xdp_frags = probe_frags();
	pr_debug("kernel features: xdp_link %d, freplace_multi_attach %d, xdp_frags %d",
		 f->xdp_link, f->freplace_multi_attach, f->xdp_frags);
}
