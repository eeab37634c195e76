// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>

#include "bpffs.h"
#include "prog_index.h"

/* Programs one engine can recall across a restart; past this, plugs still work, unindexed. */
#define INDEX_ENTRIES 4096

struct index_value {
	__u32 prog_id;
	__u32 frags;
	__u8 tag[BPF_TAG_SIZE];
};

struct pn_prog_index {
	int map_fd;
};

int pn_prog_digest(const void *elf, size_t size, const char *name,
		   unsigned char digest[PN_PROG_DIGEST_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, name, strlen(name) + 1) && EVP_DigestUpdate(ctx, elf, size) &&
	     EVP_DigestFinal_ex(ctx, digest, &len) && len == PN_PROG_DIGEST_SIZE;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

static int map_matches(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	return info.type == BPF_MAP_TYPE_HASH && info.key_size == PN_PROG_DIGEST_SIZE &&
			       info.value_size == sizeof(struct index_value)
		       ? 0
		       : -EPROTO;
}

static int prog_info(int fd, struct bpf_prog_info *info);

/*
 * An fd of the program an entry names, if it is still the one recorded;
 * -1 if not. An id the kernel reused for another program does not match:
 * the type and the tag tell.
 */
static int open_alive(const struct index_value *v)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(v->prog_id);

	if (fd < 0)
		return -1;
	if (prog_info(fd, &info) || info.type != BPF_PROG_TYPE_EXT ||
	    memcmp(info.tag, v->tag, sizeof(v->tag))) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool entry_alive(const struct index_value *v)
{
	int fd = open_alive(v);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Drop the entries of programs that are gone: left by a crash, or by a
 * program adopted after a restart and unplugged before anyone plugged its
 * object again. Without this the index would fill up over time.
 */
static void prune(struct pn_prog_index *c)
{
	unsigned char key[PN_PROG_DIGEST_SIZE], next[PN_PROG_DIGEST_SIZE];
	struct index_value v;
	const void *prev = NULL;

	while (!bpf_map_get_next_key(c->map_fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		if (!bpf_map_lookup_elem(c->map_fd, key, &v) && !entry_alive(&v)) {
			(void)bpf_map_delete_elem(c->map_fd, key);
			/* Deleting the current key loses the position: start over. */
			prev = NULL;
			continue;
		}
		prev = key;
	}
}

int pn_prog_index__open(const char *path, struct pn_prog_index **prog_indexp)
{
	struct pn_prog_index *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->map_fd = bpf_obj_get(path);
	if (c->map_fd >= 0 && map_matches(c->map_fd)) {
		/* Another layout (an older plugnet): start a new index. */
		close(c->map_fd);
		c->map_fd = -1;
	}
	if (c->map_fd < 0) {
		c->map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "plugnet_progs", PN_PROG_DIGEST_SIZE,
					   sizeof(struct index_value), INDEX_ENTRIES, NULL);
		err = c->map_fd < 0 ? -errno : pn_bpffs_pin(c->map_fd, path);
		if (err) {
			if (c->map_fd >= 0)
				close(c->map_fd);
			free(c);
			return err;
		}
	}
	prune(c);
	*prog_indexp = c;
	return 0;
}

void pn_prog_index__close(struct pn_prog_index *c)
{
	if (!c)
		return;
	close(c->map_fd);
	free(c);
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int pn_prog_index__find(struct pn_prog_index *c, const unsigned char digest[PN_PROG_DIGEST_SIZE],
			int *prog_fd, bool *frags)
{
	struct index_value v;
	int fd;

	if (bpf_map_lookup_elem(c->map_fd, digest, &v))
		return -ENOENT;
	fd = open_alive(&v);
	if (fd < 0) {
		pn_prog_index__remove(c, digest);
		return -ENOENT;
	}
	*prog_fd = fd;
	*frags = v.frags;
	return 0;
}

int pn_prog_index__add(struct pn_prog_index *c, const unsigned char digest[PN_PROG_DIGEST_SIZE],
		       int prog_fd, bool frags)
{
	struct bpf_prog_info info;
	struct index_value v = {.frags = frags};
	int err = prog_info(prog_fd, &info);

	if (err)
		return err;
	v.prog_id = info.id;
	memcpy(v.tag, info.tag, sizeof(v.tag));
	return bpf_map_update_elem(c->map_fd, digest, &v, BPF_ANY) ? -errno : 0;
}

void pn_prog_index__remove(struct pn_prog_index *c, const unsigned char digest[PN_PROG_DIGEST_SIZE])
{
	(void)bpf_map_delete_elem(c->map_fd, digest);
}
