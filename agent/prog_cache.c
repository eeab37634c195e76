// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/bpf_error.h"
#include "agent/prog_cache.h"

/*
 * Only the log's tail goes into messages, but kernels before 6.4 keep the
 * head of a log that overflows (and fail the load with ENOSPC), so the
 * buffer must hold a whole level-1 log of a large program.
 */
#define VERIFIER_LOG_SIZE (16U << 20)

struct pn_prog {
	struct pn_prog *next;
	unsigned int refs;
	__u64 hash;
	void *elf; /* NULL for adopted programs: those cannot be matched by content */
	size_t elf_size;
	char *name;
	struct bpf_object *obj; /* keeps the program's maps alive; NULL if adopted */
	int fd;
	bool frags;
};

struct pn_prog_cache {
	struct pn_prog *head;
	unsigned long loads;
};

/* FNV-1a: only picks the bucket to compare; equality is on the full bytes. */
static __u64 content_hash(const void *elf, size_t size, const char *name)
{
	const unsigned char *p = elf;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return h;
}

struct pn_prog_cache *pn_prog_cache__new(void)
{
	return calloc(1, sizeof(struct pn_prog_cache));
}

void pn_prog_cache__free(struct pn_prog_cache *cache)
{
	if (!cache)
		return;
	while (cache->head) {
		struct pn_prog *p = cache->head;

		cache->head = p->next;
		p->refs = 1;
		pn_prog_cache__put(cache, p);
	}
	free(cache);
}

static void prog_free(struct pn_prog *p)
{
	if (p->obj)
		bpf_object__close(p->obj); /* closes p->fd too */
	else if (p->fd >= 0)
		close(p->fd);
	free(p->elf);
	free(p->name);
	free(p);
}

static const char *prog_type_name(enum bpf_prog_type type)
{
	const char *name = libbpf_bpf_prog_type_str(type);

	return name ? name : "unknown";
}

static int load(struct pn_prog *p, int target_fd, const char *target_func, char *err,
		size_t err_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "plugnet_slot");
	struct bpf_program *prog = NULL, *it;
	char *vlog = NULL, why[128];
	int ret;

	p->obj = bpf_object__open_mem(p->elf, p->elf_size, &opts);
	if (!p->obj) {
		ret = pn_bpf_error(-errno, why, sizeof(why));
		snprintf(err, err_size, "program '%s': not a loadable BPF ELF object (%s)", p->name,
			 why);
		return ret;
	}
	bpf_object__for_each_program(it, p->obj)
	{
		bool match = !strcmp(bpf_program__name(it), p->name);

		if (match)
			prog = it;
		bpf_program__set_autoload(it, match);
	}
	if (!prog) {
		size_t o = (size_t)snprintf(err, err_size,
					    "program '%s': not in the object; it has:", p->name);

		bpf_object__for_each_program(it, p->obj)
		{
			if (o < err_size)
				o += (size_t)snprintf(err + o, err_size - o, " '%s'",
						      bpf_program__name(it));
		}
		return -ENOENT;
	}
	if (bpf_program__type(prog) != BPF_PROG_TYPE_XDP) {
		snprintf(err, err_size,
			 "program '%s': is a %s program (section '%s'), not an XDP program",
			 p->name, prog_type_name(bpf_program__type(prog)),
			 bpf_program__section_name(prog));
		return -EINVAL;
	}
	/* libbpf 1.1 adds BPF_F_XDP_HAS_FRAGS for SEC("xdp.frags") only while loading. */
	p->frags = (bpf_program__flags(prog) & BPF_F_XDP_HAS_FRAGS) ||
		   !strncmp(bpf_program__section_name(prog), "xdp.frags", 9);

	/* SEC("xdp") sets expected_attach_type BPF_XDP, which the kernel refuses for EXT. */
	ret = bpf_program__set_type(prog, BPF_PROG_TYPE_EXT);
	if (!ret)
		ret = bpf_program__set_expected_attach_type(prog, 0);
	if (!ret)
		ret = bpf_program__set_attach_target(prog, target_fd, target_func);
	vlog = calloc(1, VERIFIER_LOG_SIZE);
	if (!ret && vlog)
		ret = bpf_program__set_log_buf(prog, vlog, VERIFIER_LOG_SIZE);
	if (ret) {
		snprintf(err, err_size, "program '%s': cannot prepare it as a slot extension: %s",
			 p->name, strerror(-ret));
		goto out;
	}
	ret = bpf_object__load(p->obj);
	if (ret) {
		char tail[PN_VERIFIER_TAIL + 200];

		ret = pn_bpf_error(ret, why, sizeof(why));
		pn_verifier_log_tail(vlog ? vlog : "", tail, sizeof(tail));
		snprintf(err, err_size, "program '%s': the kernel refused to load it (%s)%s%s%s",
			 p->name, why,
			 ret == -ENOSPC ? "; its verifier log overflowed 16 MiB, so only its "
					  "start is kept"
					: "",
			 tail[0] ? "; verifier log: " : "", tail);
		goto out;
	}
	p->fd = bpf_program__fd(prog);
out:
	free(vlog);
	return ret;
}

int pn_prog_cache__get(struct pn_prog_cache *cache, const void *elf, size_t elf_size,
		       const char *name, int target_fd, const char *target_func,
		       struct pn_prog **progp, char *err, size_t err_size)
{
	struct pn_prog *p;
	__u64 hash;
	int ret;

	if (!name || !*name) {
		snprintf(err, err_size, "no program name given");
		return -EINVAL;
	}
	if (!elf || !elf_size) {
		snprintf(err, err_size, "program '%s': the ELF object is empty", name);
		return -EINVAL;
	}
	hash = content_hash(elf, elf_size, name);
	for (p = cache->head; p; p = p->next) {
		if (p->elf && p->hash == hash && p->elf_size == elf_size &&
		    !strcmp(p->name, name) && !memcmp(p->elf, elf, elf_size)) {
			*progp = pn_prog__get(p);
			return 0;
		}
	}

	p = calloc(1, sizeof(*p));
	if (!p || !(p->elf = malloc(elf_size)) || !(p->name = strdup(name))) {
		snprintf(err, err_size, "program '%s': out of memory", name);
		ret = -ENOMEM;
		goto err_free;
	}
	memcpy(p->elf, elf, elf_size);
	p->elf_size = elf_size;
	p->hash = hash;
	p->fd = -1;
	ret = load(p, target_fd, target_func, err, err_size);
	if (ret)
		goto err_free;
	cache->loads++;
	p->refs = 1;
	p->next = cache->head;
	cache->head = p;
	*progp = p;
	return 0;
err_free:
	if (p)
		prog_free(p);
	return ret;
}

int pn_prog_cache__adopt(struct pn_prog_cache *cache, int prog_fd, bool frags,
			 struct pn_prog **progp)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct pn_prog *p;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	if (info.type != BPF_PROG_TYPE_EXT)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(info.name))) {
		free(p);
		return -ENOMEM;
	}
	p->fd = fcntl(prog_fd, F_DUPFD_CLOEXEC, 0);
	if (p->fd < 0) {
		int ret = -errno;

		prog_free(p);
		return ret;
	}
	p->frags = frags;
	p->refs = 1;
	p->next = cache->head;
	cache->head = p;
	*progp = p;
	return 0;
}

struct pn_prog *pn_prog__get(struct pn_prog *prog)
{
	prog->refs++;
	return prog;
}

void pn_prog_cache__put(struct pn_prog_cache *cache, struct pn_prog *prog)
{
	struct pn_prog **pp;

	if (!prog || --prog->refs)
		return;
	for (pp = &cache->head; *pp; pp = &(*pp)->next) {
		if (*pp == prog) {
			*pp = prog->next;
			break;
		}
	}
	prog_free(prog);
}

unsigned long pn_prog_cache__loads(const struct pn_prog_cache *cache)
{
	return cache->loads;
}

int pn_prog__fd(const struct pn_prog *prog)
{
	return prog->fd;
}

const char *pn_prog__name(const struct pn_prog *prog)
{
	return prog->name;
}

bool pn_prog__frags(const struct pn_prog *prog)
{
	return prog->frags;
}
