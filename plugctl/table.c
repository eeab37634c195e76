// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct pn_table {
	size_t ncols;
	size_t nrows;  /* rows, header excluded */
	size_t cap;    /* cells allocated, in rows */
	size_t filled; /* cells of the current row */
	char **cells;  /* (nrows + 1) * ncols; row 0 is the header */
	bool failed;
};

static char **cell_at(const struct pn_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncols + col];
}

struct pn_table *pn_table__new(const char *const *headers, size_t ncols)
{
	struct pn_table *t = calloc(1, sizeof(*t));

	if (!t || !ncols)
		goto fail;
	t->ncols = ncols;
	t->cap = 8;
	t->cells = calloc(t->cap * ncols, sizeof(*t->cells));
	if (!t->cells)
		goto fail;
	for (size_t c = 0; c < ncols; c++) {
		*cell_at(t, 0, c) = strdup(headers[c]);
		if (!*cell_at(t, 0, c))
			goto fail;
	}
	return t;
fail:
	pn_table__free(t);
	return NULL;
}

void pn_table__free(struct pn_table *t)
{
	if (!t)
		return;
	if (t->cells) {
		for (size_t i = 0; i < (t->nrows + 1) * t->ncols; i++)
			free(t->cells[i]);
		free(t->cells);
	}
	free(t);
}

int pn_table__row(struct pn_table *t)
{
	if (t->nrows + 2 > t->cap) {
		size_t cap = t->cap * 2;
		char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

		if (!cells) {
			t->failed = true;
			return -ENOMEM;
		}
		memset(cells + t->cap * t->ncols, 0, (cap - t->cap) * t->ncols * sizeof(*cells));
		t->cells = cells;
		t->cap = cap;
	}
	t->nrows++;
	t->filled = 0;
	return 0;
}

int pn_table__cell(struct pn_table *t, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	if (!t->nrows || t->filled >= t->ncols) {
		t->failed = true; /* a cell outside any row: the caller's bug */
		return -EINVAL;
	}
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return -ENOMEM;
	}
	*cell_at(t, t->nrows, t->filled++) = text;
	return 0;
}

size_t pn_table__rows(const struct pn_table *t)
{
	return t->nrows;
}

static const char *shown(const char *cell)
{
	return cell && cell[0] ? cell : "-";
}

int pn_table__print(const struct pn_table *t, FILE *out)
{
	size_t *width;

	if (t->failed)
		return -ENOMEM;
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return -ENOMEM;
	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t len = strlen(shown(*cell_at(t, r, c)));

			if (len > width[c])
				width[c] = len;
		}
	for (size_t r = 0; r <= t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = shown(*cell_at(t, r, c));

			if (c + 1 < t->ncols)
				fprintf(out, "%-*s  ", (int)width[c], cell);
			else
				fprintf(out, "%s\n", cell);
		}
	free(width);
	return ferror(out) ? -EIO : 0;
}
