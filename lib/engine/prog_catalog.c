// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>

#include "bpffs.h"
#include "prog_catalog.h"

/* Programs one engine can recall across a restart; past this, plugs still work, uncatalogued. */
#define CATALOG_ENTRIES 4096

struct catalog_value {
	__u32 prog_id;
	__u32 frags;
	__u8 tag[BPF_TAG_SIZE];
};

struct pn_prog_catalog {
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
			       info.value_size == sizeof(struct catalog_value)
		       ? 0
		       : -EPROTO;
}

int pn_prog_catalog__open(const char *path, struct pn_prog_catalog **catalogp)
{
	struct pn_prog_catalog *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->map_fd = bpf_obj_get(path);
	if (c->map_fd >= 0 && map_matches(c->map_fd)) {
		/* Another layout (an older plugnet): start a new catalog. */
		close(c->map_fd);
		c->map_fd = -1;
	}
	if (c->map_fd < 0) {
		c->map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "plugnet_progs", PN_PROG_DIGEST_SIZE,
					   sizeof(struct catalog_value), CATALOG_ENTRIES, NULL);
		err = c->map_fd < 0 ? -errno : pn_bpffs_pin(c->map_fd, path);
		if (err) {
			if (c->map_fd >= 0)
				close(c->map_fd);
			free(c);
			return err;
		}
	}
	*catalogp = c;
	return 0;
}

void pn_prog_catalog__close(struct pn_prog_catalog *c)
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

int pn_prog_catalog__find(struct pn_prog_catalog *c,
			  const unsigned char digest[PN_PROG_DIGEST_SIZE], int *prog_fd,
			  bool *frags)
{
	struct catalog_value v;
	struct bpf_prog_info info;
	int fd;

	if (bpf_map_lookup_elem(c->map_fd, digest, &v))
		return -ENOENT;
	fd = bpf_prog_get_fd_by_id(v.prog_id);
	if (fd >= 0 && !prog_info(fd, &info) && info.type == BPF_PROG_TYPE_EXT &&
	    !memcmp(info.tag, v.tag, sizeof(v.tag))) {
		*prog_fd = fd;
		*frags = v.frags;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	pn_prog_catalog__remove(c, digest);
	return -ENOENT;
}

int pn_prog_catalog__add(struct pn_prog_catalog *c, const unsigned char digest[PN_PROG_DIGEST_SIZE],
			 int prog_fd, bool frags)
{
	struct bpf_prog_info info;
	struct catalog_value v = {.frags = frags};
	int err = prog_info(prog_fd, &info);

	if (err)
		return err;
	v.prog_id = info.id;
	memcpy(v.tag, info.tag, sizeof(v.tag));
	return bpf_map_update_elem(c->map_fd, digest, &v, BPF_ANY) ? -errno : 0;
}

void pn_prog_catalog__remove(struct pn_prog_catalog *c,
			     const unsigned char digest[PN_PROG_DIGEST_SIZE])
{
	(void)bpf_map_delete_elem(c->map_fd, digest);
}
