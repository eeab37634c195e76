// SPDX-License-Identifier: Apache-2.0
/*
 * Properties of the compiled dispatcher object that no kernel we test on
 * checks for us. Kernels from 6.13 (and stable trees with the backport)
 * refuse an extension that changes packet data in place of a function that
 * does not; Debian's 6.1 does not check. So the object itself must show a
 * bpf_xdp_adjust_tail call in every slot stub, and nothing else that
 * moves packet data anywhere. The per-packet path is checked here too:
 * no helper call in the root program, one counters row lookup per slot
 * and nothing else in the chain that counts.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include "dispatcher.h"
#include "dispatcher.skel.h"
#include "dispatcher_slots.h"
#include "testlib.h"

struct stub_calls {
	unsigned int stubs;             /* FUNC symbols named slot<N> in .text */
	unsigned int stubs_with_call;   /* ... that call bpf_xdp_adjust_tail */
	unsigned int main_helper_calls; /* helper calls in the XDP program itself */
	/* In run_counted(), the chain that counts: all helper calls, and the row lookups. */
	unsigned int counted_helper_calls, counted_lookups;
};

static bool is_helper_call(const struct bpf_insn *insn, int helper)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == 0 &&
	       (helper < 0 || insn->imm == helper);
}

static void scan(struct stub_calls *out)
{
	size_t size;
	const void *bytes = plugnet_dispatcher__elf_bytes(&size);
	Elf_Data *text = NULL, *xdp = NULL, *syms = NULL;
	size_t text_idx = 0, strtab = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	elf = elf_memory((char *)bytes, size);
	assert_non_null(elf);
	{
		GElf_Ehdr eh;
		size_t shstrndx;

		assert_non_null(gelf_getehdr(elf, &eh));
		assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
		scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			const char *name;

			assert_non_null(gelf_getshdr(scn, &sh));
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			assert_non_null(name);
			if (!strcmp(name, ".text")) {
				text = elf_getdata(scn, NULL);
				text_idx = elf_ndxscn(scn);
			} else if (!strcmp(name, "xdp")) {
				xdp = elf_getdata(scn, NULL);
			} else if (sh.sh_type == SHT_SYMTAB) {
				syms = elf_getdata(scn, NULL);
				strtab = sh.sh_link;
			}
		}
	}
	assert_non_null(text);
	assert_non_null(xdp);
	assert_non_null(syms);

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < syms->d_size / sizeof(Elf64_Sym); i++) {
		const struct bpf_insn *insn;
		const char *name;
		GElf_Sym sym;

		assert_non_null(gelf_getsym(syms, (int)i, &sym));
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx != text_idx)
			continue;
		name = elf_strptr(elf, strtab, sym.st_name);
		if (name && !strcmp(name, "run_counted")) {
			insn = (const struct bpf_insn *)((const char *)text->d_buf + sym.st_value);
			for (size_t k = 0; k < sym.st_size / sizeof(*insn); k++) {
				out->counted_helper_calls += is_helper_call(&insn[k], -1);
				out->counted_lookups +=
					is_helper_call(&insn[k], BPF_FUNC_map_lookup_elem);
			}
			continue;
		}
		if (!name || strncmp(name, "slot", 4))
			continue;
		out->stubs++;
		insn = (const struct bpf_insn *)((const char *)text->d_buf + sym.st_value);
		for (size_t k = 0; k < sym.st_size / sizeof(*insn); k++) {
			if (is_helper_call(&insn[k], BPF_FUNC_xdp_adjust_tail)) {
				out->stubs_with_call++;
				break;
			}
		}
	}
	for (size_t k = 0; k < xdp->d_size / sizeof(struct bpf_insn); k++)
		out->main_helper_calls +=
			is_helper_call((const struct bpf_insn *)xdp->d_buf + k, -1);
	elf_end(elf);
}

static void test_every_stub_declares_packet_changes(void **state)
{
	struct stub_calls c;

	(void)state;
	scan(&c);
	assert_int_equal(c.stubs, PLUGNET_NUM_STUBS);
	assert_int_equal(c.stubs_with_call, PLUGNET_NUM_STUBS);
}

static void test_root_program_calls_no_helpers(void **state)
{
	struct stub_calls c;

	(void)state;
	/* The per-packet path is slot calls and compares only, unless counting is on. */
	scan(&c);
	assert_int_equal(c.main_helper_calls, 0);
}

static void test_counting_chain_only_looks_up_rows(void **state)
{
	struct stub_calls c;

	(void)state;
	/* Counting on adds one row lookup per slot, and no other helper call. */
	scan(&c);
	assert_int_equal(c.counted_lookups, PLUGNET_NUM_STUBS);
	assert_int_equal(c.counted_helper_calls, PLUGNET_NUM_STUBS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_stub_declares_packet_changes),
		cmocka_unit_test(test_root_program_calls_no_helpers),
		cmocka_unit_test(test_counting_chain_only_looks_up_rows),
	};

	return cmocka_run_group_tests_name("dispatcher_object", tests, NULL, NULL);
}
