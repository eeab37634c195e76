// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "catalog.h"
#include "plugnet/xdp_action.h"
#include "state_file.h"

#define OBJ_SUFFIX   ".bpf.o"
#define MANIFEST_MAX (64 << 10)
#define OBJECT_MAX   (64 << 20)

bool pn_catalog_name_valid(const char *name)
{
	size_t len = strnlen(name, PN_CATALOG_NAME_MAX + 1);

	if (!len || len > PN_CATALOG_NAME_MAX)
		return false;
	for (const char *c = name; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return false;
	}
	return true;
}

/* SHA-256 of a regular file, streamed; hex into out. */
static int file_sha256(const char *path, char out[65], char *err, size_t err_size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = NULL;
	struct stat st;
	ssize_t n = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_size, "catalog object %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > OBJECT_MAX) {
		snprintf(err, err_size,
			 "catalog object %s: not a regular, non-empty file under 64 MiB", path);
		close(fd);
		return -EINVAL;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		ret = -ENOMEM;
	while (!ret && (n = read(fd, buf, sizeof(buf))) > 0) {
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			ret = -ENOMEM;
	}
	if (!ret && n < 0)
		ret = -errno;
	if (!ret && (!EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != 32))
		ret = -EINVAL;
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (ret) {
		snprintf(err, err_size, "catalog object %s: cannot hash it: %s", path,
			 strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < md_len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int manifest_error(const char *path, const char *key, const char *what, char *err,
			  size_t err_size)
{
	snprintf(err, err_size, "catalog manifest %s: key '%s': %s", path, key, what);
	return -EINVAL;
}

/* Apply NAME.json, if there is one, to e. */
static int read_manifest(const char *path, struct pn_catalog_entry *e, char *err, size_t err_size)
{
	const cJSON *item;
	cJSON *doc;
	int ret = pn_json_file_read(path, "catalog manifest", MANIFEST_MAX, &doc, err, err_size);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		snprintf(err, err_size, "catalog manifest %s: expected a JSON object", path);
		return -EINVAL;
	}
	cJSON_ArrayForEach(item, doc)
	{
		const char *key = item->string;

		if (!strcmp(key, "program")) {
			if (!cJSON_IsString(item) || !item->valuestring[0] ||
			    strlen(item->valuestring) >= sizeof(e->program))
				ret = manifest_error(path, key, "expected a function name", err,
						     err_size);
			else
				strcpy(e->program, item->valuestring);
		} else if (!strcmp(key, "priority")) {
			if (!cJSON_IsNumber(item) ||
			    item->valuedouble != (double)(__s32)item->valuedouble)
				ret = manifest_error(path, key, "expected a 32-bit integer", err,
						     err_size);
			e->has_priority = true;
			e->priority = (__s32)item->valuedouble;
		} else if (!strcmp(key, "proceed_on")) {
			if (!cJSON_IsString(item) ||
			    pn_proceed_on_parse(item->valuestring, &e->proceed_on))
				ret = manifest_error(
					path, key,
					"expected actions like \"pass,drop\" (aborted, "
					"drop, pass, tx, redirect)",
					err, err_size);
		} else {
			ret = manifest_error(path, key, "unknown key", err, err_size);
		}
		if (ret)
			break;
	}
	cJSON_Delete(doc);
	return ret;
}

int pn_catalog_lookup(const char *dir, const char *name, struct pn_catalog_entry *e, char *err,
		      size_t err_size)
{
	char manifest[PATH_MAX];
	int ret;

	memset(e, 0, sizeof(*e));
	if (!pn_catalog_name_valid(name)) {
		snprintf(err, err_size,
			 "'%.*s' is not a catalog program name (1 to %d of A-Z a-z 0-9 _ -)",
			 PN_CATALOG_NAME_MAX + 1, name, PN_CATALOG_NAME_MAX);
		return -EINVAL;
	}
	strcpy(e->name, name);
	strcpy(e->program, name);
	if (snprintf(e->path, sizeof(e->path), "%s/%s" OBJ_SUFFIX, dir, name) >=
		    (int)sizeof(e->path) ||
	    snprintf(manifest, sizeof(manifest), "%s/%s.json", dir, name) >=
		    (int)sizeof(manifest)) {
		snprintf(err, err_size, "catalog %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if (access(e->path, F_OK)) {
		ret = -errno;
		snprintf(err, err_size, "no program '%s' in the catalog %s%s", name, dir,
			 ret == -ENOENT ? "" : ": cannot read it");
		return ret;
	}
	ret = file_sha256(e->path, e->sha256, err, err_size);
	if (!ret)
		ret = read_manifest(manifest, e, err, err_size);
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pn_catalog_entry *)a)->name,
		      ((const struct pn_catalog_entry *)b)->name);
}

int pn_catalog_list(const char *dir, struct pn_catalog_entry **listp, size_t *np, char *err,
		    size_t err_size)
{
	struct pn_catalog_entry *list = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		int ret = -errno;

		snprintf(err, err_size, "catalog %s: %s", dir, strerror(errno));
		return ret;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[PN_CATALOG_NAME_MAX + 1], why[512];

		if (len <= strlen(OBJ_SUFFIX) ||
		    strcmp(de->d_name + len - strlen(OBJ_SUFFIX), OBJ_SUFFIX) ||
		    len - strlen(OBJ_SUFFIX) > PN_CATALOG_NAME_MAX)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - strlen(OBJ_SUFFIX)), de->d_name);
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				free(list);
				closedir(d);
				snprintf(err, err_size, "catalog %s: out of memory", dir);
				return -ENOMEM;
			}
			list = grown;
		}
		/* A broken entry is left out of the list; plugging it names what is wrong. */
		if (!pn_catalog_lookup(dir, name, &list[n], why, sizeof(why)))
			n++;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), by_name);
	*listp = list;
	*np = n;
	return 0;
}
