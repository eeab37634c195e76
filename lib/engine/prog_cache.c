// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_error.h"
#include "prog_cache.h"
#include "prog_index.h"

/*
 * Only the log's tail goes into messages, but kernels before 6.4 keep the
 * head of a log that overflows (and fail the load with ENOSPC), so the
 * buffer must hold a whole level-1 log of a large program.
 */
#define VERIFIER_LOG_SIZE (16U << 20)

struct pn_prog {
	struct pn_prog *next;
	unsigned int refs;
	/* SHA-256 of (name, ELF bytes); unknown for a program adopted and not yet plugged again. */
	unsigned char digest[PN_PROG_DIGEST_SIZE];
	bool has_digest;
	char *name;
	struct bpf_object *obj; /* keeps the program's maps alive; NULL if adopted */
	int fd;
	__u32 id; /* the kernel's program id */
	bool frags;
};

struct pn_prog_cache {
	/*
	 * Held across a load, so that two threads plugging the same new
	 * program verify it once; loads of different programs wait too.
	 */
	pthread_mutex_t lock;
	struct pn_prog *head;
	unsigned long loads;
	bool kernel_frags;
	struct pn_prog_index *prog_index; /* NULL: no memory across restarts */
};

static void prog_free(struct pn_prog *p);

struct pn_prog_cache *pn_prog_cache__new(bool kernel_frags, struct pn_prog_index *prog_index)
{
	struct pn_prog_cache *cache = calloc(1, sizeof(*cache));

	if (!cache)
		return NULL;
	if (pthread_mutex_init(&cache->lock, NULL)) {
		free(cache);
		return NULL;
	}
	cache->kernel_frags = kernel_frags;
	cache->prog_index = prog_index;
	return cache;
}

void pn_prog_cache__free(struct pn_prog_cache *cache)
{
	if (!cache)
		return;
	while (cache->head) {
		struct pn_prog *p = cache->head;

		cache->head = p->next;
		prog_free(p);
	}
	pn_prog_index__close(cache->prog_index);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

static void prog_free(struct pn_prog *p)
{
	if (p->obj)
		bpf_object__close(p->obj); /* closes p->fd too */
	else if (p->fd >= 0)
		close(p->fd);
	free(p->name);
	free(p);
}

static int prog_id(int fd, __u32 *id, enum bpf_prog_type *type, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	if (type)
		*type = info.type;
	if (name)
		memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	return 0;
}

static struct pn_prog *find_by_id(struct pn_prog_cache *cache, __u32 id)
{
	for (struct pn_prog *p = cache->head; p; p = p->next) {
		if (p->id == id)
			return p;
	}
	return NULL;
}

static struct pn_prog *find_by_digest(struct pn_prog_cache *cache,
				      const unsigned char digest[PN_PROG_DIGEST_SIZE])
{
	for (struct pn_prog *p = cache->head; p; p = p->next) {
		if (p->has_digest && !memcmp(p->digest, digest, PN_PROG_DIGEST_SIZE))
			return p;
	}
	return NULL;
}

static void link_new(struct pn_prog_cache *cache, struct pn_prog *p)
{
	p->refs = 1;
	p->next = cache->head;
	cache->head = p;
}

static const char *prog_type_name(enum bpf_prog_type type)
{
	const char *name = libbpf_bpf_prog_type_str(type);

	return name ? name : "unknown";
}

static int load(const struct pn_prog_cache *cache, struct pn_prog *p, const void *elf,
		size_t elf_size, int target_fd, const char *target_func, char *err, size_t err_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "plugnet_slot");
	struct bpf_program *prog = NULL, *it;
	char *vlog = NULL, why[128];
	int ret;

	p->obj = bpf_object__open_mem(elf, elf_size, &opts);
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
	if (p->frags && !cache->kernel_frags) {
		snprintf(err, err_size,
			 "program '%s': is multi-buffer (section '%s'), but this kernel lacks "
			 "multi-buffer XDP (Linux 5.18); build it with SEC(\"xdp\")",
			 p->name, bpf_program__section_name(prog));
		return -EOPNOTSUPP;
	}

	/* SEC("xdp") sets expected_attach_type BPF_XDP, which the kernel refuses for EXT. */
	ret = bpf_program__set_type(prog, BPF_PROG_TYPE_EXT);
	if (!ret)
		ret = bpf_program__set_expected_attach_type(prog, 0);
	/*
	 * libbpf adds the frags flag for SEC("xdp.frags") to XDP programs only;
	 * as an extension the program must carry it itself, or the kernel
	 * treats it as single-buffer wherever it compares programs (prog
	 * arrays, devmap and cpumap programs).
	 */
	if (!ret && p->frags)
		ret = bpf_program__set_flags(prog, bpf_program__flags(prog) | BPF_F_XDP_HAS_FRAGS);
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
	ret = prog_id(p->fd, &p->id, NULL, NULL);
	if (ret)
		snprintf(err, err_size, "program '%s': loaded, but its id is unreadable: %s",
			 p->name, strerror(-ret));
out:
	free(vlog);
	return ret;
}

/* The program the index recorded for digest, loaded before a restart: wrapped, not reloaded. */
static struct pn_prog *recall(struct pn_prog_cache *cache,
			      const unsigned char digest[PN_PROG_DIGEST_SIZE], const char *name)
{
	char kname[BPF_OBJ_NAME_LEN];
	struct pn_prog *p;
	bool frags;
	__u32 id = 0;
	int fd;

	if (!cache->prog_index || pn_prog_index__find(cache->prog_index, digest, &fd, &frags))
		return NULL;
	/* The kernel keeps 15 characters of the name. */
	if (prog_id(fd, &id, NULL, kname) || strncmp(kname, name, BPF_OBJ_NAME_LEN - 1)) {
		close(fd);
		return NULL;
	}
	p = find_by_id(cache, id);
	if (p) {
		/* Adopted from a slot after the restart: now it has its identity back. */
		close(fd);
		p->refs++;
	} else {
		p = calloc(1, sizeof(*p));
		if (!p || !(p->name = strdup(name))) {
			free(p);
			close(fd);
			return NULL;
		}
		p->fd = fd;
		p->id = id;
		p->frags = frags;
		link_new(cache, p);
	}
	memcpy(p->digest, digest, PN_PROG_DIGEST_SIZE);
	p->has_digest = true;
	return p;
}

static int get_locked(struct pn_prog_cache *cache, const void *elf, size_t elf_size,
		      const unsigned char digest[PN_PROG_DIGEST_SIZE], const char *name,
		      int target_fd, const char *target_func, struct pn_prog **progp, char *err,
		      size_t err_size)
{
	struct pn_prog *p;
	int ret;

	p = find_by_digest(cache, digest);
	if (p) {
		p->refs++;
		*progp = p;
		return 0;
	}
	p = recall(cache, digest, name);
	if (p) {
		*progp = p;
		return 0;
	}

	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name))) {
		snprintf(err, err_size, "program '%s': out of memory", name);
		free(p);
		return -ENOMEM;
	}
	p->fd = -1;
	ret = load(cache, p, elf, elf_size, target_fd, target_func, err, err_size);
	if (ret) {
		prog_free(p);
		return ret;
	}
	cache->loads++;
	memcpy(p->digest, digest, PN_PROG_DIGEST_SIZE);
	p->has_digest = true;
	/* Without an entry the program still works; only a restart would verify it again. */
	if (cache->prog_index)
		(void)pn_prog_index__add(cache->prog_index, digest, p->fd, p->frags);
	link_new(cache, p);
	*progp = p;
	return 0;
}

int pn_prog_cache__get(struct pn_prog_cache *cache, const void *elf, size_t elf_size,
		       const char *name, int target_fd, const char *target_func,
		       struct pn_prog **progp, char *err, size_t err_size)
{
	unsigned char digest[PN_PROG_DIGEST_SIZE];
	int ret;

	if (!name || !*name) {
		snprintf(err, err_size, "no program name given");
		return -EINVAL;
	}
	if (!elf || !elf_size) {
		snprintf(err, err_size, "program '%s': the ELF object is empty", name);
		return -EINVAL;
	}
	/* Hashed before locking: an object can be 64 MiB, and other plugs should not wait for it.
	 */
	ret = pn_prog_digest(elf, elf_size, name, digest);
	if (ret) {
		snprintf(err, err_size, "program '%s': cannot compute its SHA-256", name);
		return ret;
	}
	pthread_mutex_lock(&cache->lock);
	ret = get_locked(cache, elf, elf_size, digest, name, target_fd, target_func, progp, err,
			 err_size);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

static int adopt_locked(struct pn_prog_cache *cache, int prog_fd, bool frags,
			struct pn_prog **progp)
{
	char name[BPF_OBJ_NAME_LEN];
	enum bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
	struct pn_prog *p;
	__u32 id = 0;
	int ret = prog_id(prog_fd, &id, &type, name);

	if (ret)
		return ret;
	if (type != BPF_PROG_TYPE_EXT)
		return -EINVAL;
	/* The same kernel program in many adopted slots is one entry. */
	p = find_by_id(cache, id);
	if (p) {
		p->refs++;
		*progp = p;
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name))) {
		free(p);
		return -ENOMEM;
	}
	p->fd = fcntl(prog_fd, F_DUPFD_CLOEXEC, 0);
	if (p->fd < 0) {
		ret = -errno;
		prog_free(p);
		return ret;
	}
	p->id = id;
	p->frags = frags;
	link_new(cache, p);
	*progp = p;
	return 0;
}

int pn_prog_cache__adopt(struct pn_prog_cache *cache, int prog_fd, bool frags,
			 struct pn_prog **progp)
{
	int ret;

	pthread_mutex_lock(&cache->lock);
	ret = adopt_locked(cache, prog_fd, frags, progp);
	pthread_mutex_unlock(&cache->lock);
	return ret;
}

void pn_prog_cache__put(struct pn_prog_cache *cache, struct pn_prog *prog, bool unplugged)
{
	struct pn_prog **pp;

	if (!prog)
		return;
	pthread_mutex_lock(&cache->lock);
	if (--prog->refs) {
		pthread_mutex_unlock(&cache->lock);
		return;
	}
	for (pp = &cache->head; *pp; pp = &(*pp)->next) {
		if (*pp == prog) {
			*pp = prog->next;
			break;
		}
	}
	if (unplugged && prog->has_digest && cache->prog_index)
		pn_prog_index__remove(cache->prog_index, prog->digest);
	pthread_mutex_unlock(&cache->lock);
	prog_free(prog);
}

unsigned long pn_prog_cache__loads(struct pn_prog_cache *cache)
{
	unsigned long loads;

	pthread_mutex_lock(&cache->lock);
	loads = cache->loads;
	pthread_mutex_unlock(&cache->lock);
	return loads;
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
