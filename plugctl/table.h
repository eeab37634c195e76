/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An aligned text table: a header row and rows of cells, printed with each
 * column as wide as its widest cell, two spaces between columns, no padding
 * after the last one. Pure: no I/O but the FILE it prints to.
 *
 * Cells are copied. Functions that can run out of memory return 0 or
 * -ENOMEM; a table that failed to take a cell remembers it and fails
 * pn_table__print too, so a caller may check once, at the end.
 */
#ifndef PLUGCTL_TABLE_H
#define PLUGCTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct pn_table;

/* A table with `ncols` columns named by `headers`; NULL if out of memory. */
struct pn_table *pn_table__new(const char *const *headers, size_t ncols);
void pn_table__free(struct pn_table *t);

/* Start a new row; its cells are then added left to right. */
int pn_table__row(struct pn_table *t);
/* The next cell of the current row, printf-style; NULL or "" shows as "-". */
int pn_table__cell(struct pn_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

size_t pn_table__rows(const struct pn_table *t);

/*
 * Print the header and the rows (missing cells of a short row print as
 * "-"). 0, or -ENOMEM if a cell was lost earlier, or -EIO if `out` failed.
 */
int pn_table__print(const struct pn_table *t, FILE *out);

#endif
