/* SPDX-License-Identifier: MIT */
/*
 * lines.c - a module's source as its debug info describes it (code.h):
 * every line-table row as an address range, every source function with the
 * addresses it is entered at (out of line and inlined), every goto label.
 * Built once per module, on the first question that needs it.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "compiler.h"

struct build {
	struct ksim_lines *l;
	size_t		maxfiles, maxrows, maxfuncs, maxlabels;
	uint32_t	*hash;		/* open addressing: file index + 1 */
	size_t		hsize;
};

static notrace size_t str_hash(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static notrace bool rehash(struct build *b)
{
	size_t n = b->hsize ? 2 * b->hsize : 256, i, h;
	uint32_t *t = calloc(n, sizeof(*t));

	if (!t)
		return false;
	for (i = 0; i < b->l->nfiles; i++) {
		h = str_hash(b->l->files[i]) & (n - 1);
		while (t[h])
			h = (h + 1) & (n - 1);
		t[h] = (uint32_t)i + 1;
	}
	free(b->hash);
	b->hash = t;
	b->hsize = n;
	return true;
}

/* The index of path @name, added on first sight; -1 on ENOMEM. */
static notrace long file_id(struct build *b, const char *name)
{
	struct ksim_lines *l = b->l;
	size_t h;

	if (2 * (l->nfiles + 1) > b->hsize && !rehash(b))
		return -1;
	h = str_hash(name) & (b->hsize - 1);
	while (b->hash[h]) {
		if (!strcmp(l->files[b->hash[h] - 1], name))
			return b->hash[h] - 1;
		h = (h + 1) & (b->hsize - 1);
	}
	if (!grow(&l->files, &b->maxfiles, l->nfiles + 1, sizeof(*l->files)))
		return -1;
	l->files[l->nfiles] = name;
	b->hash[h] = (uint32_t)++l->nfiles;
	return (long)l->nfiles - 1;
}

static notrace bool add_rows(struct build *b, Dwarf_Die *cu)
{
	struct ksim_lines *l = b->l;
	Dwarf_Lines *lines;
	size_t n, i;

	if (dwarf_getsrclines(cu, &lines, &n))
		return true;	/* no line table: nothing to add */
	for (i = 0; i + 1 < n; i++) {
		Dwarf_Line *dl = dwarf_onesrcline(lines, i);
		Dwarf_Line *next = dwarf_onesrcline(lines, i + 1);
		Dwarf_Addr a, e;
		bool end = false;
		const char *src;
		int line;
		long f;

		if (!dl || !next || dwarf_lineendsequence(dl, &end) || end ||
		    dwarf_lineaddr(dl, &a) || dwarf_lineaddr(next, &e) ||
		    dwarf_lineno(dl, &line) || line <= 0 || e < a ||
		    !(src = dwarf_linesrc(dl, NULL, NULL)))
			continue;
		if ((f = file_id(b, src)) < 0 ||
		    !grow(&l->rows, &b->maxrows, l->nrows + 1, sizeof(*l->rows)))
			return false;
		l->rows[l->nrows++] = (struct ksim_row){ a, e, (uint32_t)f, line, false };
	}
	return true;
}

/*
 * DWARF 5 numbers files from 0, the unit's own file; libdw 0.188's
 * dwarf_decl_file() still takes 0 for "no file" (Clang 14 says 0 for
 * everything declared in the main file). Look it up in the unit's table.
 */
static notrace const char *decl_file0(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx;
	Dwarf_Die cu;
	Dwarf_Files *files;
	size_t n;

	if (!dwarf_attr_integrate(die, DW_AT_decl_file, &attr) ||
	    dwarf_formudata(&attr, &idx) || !dwarf_diecu(die, &cu, NULL, NULL) ||
	    dwarf_getsrcfiles(&cu, &files, &n) || idx >= n)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/* The name and declaration of function or label @die: 1, 0 when it has
 * none, -1 on ENOMEM. */
static notrace int decl_of(struct build *b, Dwarf_Die *die, const char **name,
			   long *file, int *line)
{
	Dwarf_Attribute attr;
	const char *src;

	*name = NULL;
	if (dwarf_attr_integrate(die, DW_AT_name, &attr))
		*name = dwarf_formstring(&attr);
	if (!*name || dwarf_decl_line(die, line))
		return 0;
	src = dwarf_decl_file(die);
	if (!src)
		src = decl_file0(die);
	if (!src)
		return 0;
	*file = file_id(b, src);
	return *file < 0 ? -1 : 1;
}

/*
 * An inlined call's code is code of the line that makes the call, though
 * the line table names the callee's lines there: a row per range of the
 * inlined copy, at its DW_AT_call_file:DW_AT_call_line.
 */
static notrace bool add_call_rows(struct build *b, Dwarf_Die *die)
{
	struct ksim_lines *l = b->l;
	Dwarf_Attribute attr;
	Dwarf_Word idx, line;
	Dwarf_Addr base, lo, hi;
	Dwarf_Files *files;
	Dwarf_Die cu;
	const char *src;
	ptrdiff_t off = 0;
	size_t n;
	long f;

	if (!dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) ||
	    !dwarf_attr(die, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line) ||
	    !line || !dwarf_diecu(die, &cu, NULL, NULL) ||
	    dwarf_getsrcfiles(&cu, &files, &n) || idx >= n ||
	    !(src = dwarf_filesrc(files, idx, NULL, NULL)))
		return true;
	if ((f = file_id(b, src)) < 0)
		return false;
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (!grow(&l->rows, &b->maxrows, l->nrows + 1, sizeof(*l->rows)))
			return false;
		l->rows[l->nrows++] = (struct ksim_row){ lo, hi, (uint32_t)f, (int)line, true };
	}
	return true;
}

static notrace bool add_func(struct build *b, Dwarf_Die *die, bool concrete)
{
	struct ksim_lines *l = b->l;
	struct ksim_func *f;
	Dwarf_Addr entry;
	const char *name;
	long file;
	int line, ret = decl_of(b, die, &name, &file, &line);

	if (ret <= 0)
		return ret == 0;
	if (!grow(&l->funcs, &b->maxfuncs, l->nfuncs + 1, sizeof(*l->funcs)))
		return false;
	f = &l->funcs[l->nfuncs++];
	*f = (struct ksim_func){ .name = name, .file = (uint32_t)file, .line = line };
	if (concrete && !dwarf_entrypc(die, &entry)) {
		f->entries = malloc(sizeof(*f->entries));
		if (!f->entries)
			return false;
		f->entries[0] = entry;
		f->nentries = 1;
	}
	return true;
}

static notrace bool add_label(struct build *b, Dwarf_Die *die)
{
	struct ksim_lines *l = b->l;
	struct ksim_label *lb;
	Dwarf_Addr pc;
	const char *name;
	long file;
	int line, ret = decl_of(b, die, &name, &file, &line);

	if (ret <= 0)
		return ret == 0;
	if (!grow(&l->labels, &b->maxlabels, l->nlabels + 1, sizeof(*l->labels)))
		return false;
	lb = &l->labels[l->nlabels++];
	*lb = (struct ksim_label){ .name = name, .file = (uint32_t)file, .line = line };
	if (!dwarf_lowpc(die, &pc)) {
		lb->pcs = malloc(sizeof(*lb->pcs));
		if (!lb->pcs)
			return false;
		lb->pcs[0] = pc;
		lb->npcs = 1;
	}
	return true;
}

static notrace bool walk(struct build *b, Dwarf_Die *parent, int depth)
{
	Dwarf_Die die;
	bool decl;
	Dwarf_Attribute attr;

	if (depth > 64 || dwarf_child(parent, &die))
		return true;
	do {
		switch (dwarf_tag(&die)) {
		case DW_TAG_subprogram:
			decl = dwarf_attr(&die, DW_AT_declaration, &attr) != NULL;
			if (!decl && !add_func(b, &die, dwarf_hasattr(&die, DW_AT_low_pc) ||
					       dwarf_hasattr(&die, DW_AT_ranges)))
				return false;
			break;
		case DW_TAG_inlined_subroutine:
			if (!add_func(b, &die, true) || !add_call_rows(b, &die))
				return false;
			break;
		case DW_TAG_label:
			if (!add_label(b, &die))
				return false;
			continue;
		case DW_TAG_lexical_block:
			break;
		default:
			continue;
		}
		if (!walk(b, &die, depth + 1))
			return false;
	} while (dwarf_siblingof(&die, &die) == 0);
	return true;
}

static notrace int cmp_row(const void *a, const void *b)
{
	const struct ksim_row *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static notrace int cmp_func(const void *a, const void *b)
{
	const struct ksim_func *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->name, y->name);
}

static notrace int cmp_label(const void *a, const void *b)
{
	const struct ksim_label *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Append @n addresses of @src to *@dst (*@dn of them). */
static notrace bool merge_pcs(uint64_t **dst, size_t *dn, uint64_t *src, size_t n)
{
	uint64_t *v;

	if (!n)
		return true;
	v = realloc(*dst, (*dn + n) * sizeof(*v));
	if (!v)
		return false;
	memcpy(v + *dn, src, n * sizeof(*v));
	*dst = v;
	*dn += n;
	return true;
}

/* One entry per (file, line, name): the copies' addresses together. */
static notrace bool dedupe(struct ksim_lines *l)
{
	size_t i, n = 0;

	qsort(l->funcs, l->nfuncs, sizeof(*l->funcs), cmp_func);
	for (i = 0; i < l->nfuncs; i++) {
		if (n && !cmp_func(&l->funcs[n - 1], &l->funcs[i])) {
			if (!merge_pcs(&l->funcs[n - 1].entries, &l->funcs[n - 1].nentries,
				       l->funcs[i].entries, l->funcs[i].nentries))
				return false;
			free(l->funcs[i].entries);
		} else {
			l->funcs[n++] = l->funcs[i];
		}
	}
	l->nfuncs = n;
	qsort(l->labels, l->nlabels, sizeof(*l->labels), cmp_label);
	for (i = n = 0; i < l->nlabels; i++) {
		if (n && !cmp_label(&l->labels[n - 1], &l->labels[i])) {
			if (!merge_pcs(&l->labels[n - 1].pcs, &l->labels[n - 1].npcs,
				       l->labels[i].pcs, l->labels[i].npcs))
				return false;
			free(l->labels[i].pcs);
		} else {
			l->labels[n++] = l->labels[i];
		}
	}
	l->nlabels = n;
	return true;
}

/* Where each label's statements end: the next label or function of its file. */
static notrace void label_ends(struct ksim_lines *l)
{
	size_t i, j = 0;

	for (i = 0; i < l->nlabels; i++) {
		struct ksim_label *lb = &l->labels[i];
		int end = 1 << 30;

		if (i + 1 < l->nlabels && l->labels[i + 1].file == lb->file)
			end = l->labels[i + 1].line;
		while (j < l->nfuncs && (l->funcs[j].file < lb->file ||
		       (l->funcs[j].file == lb->file && l->funcs[j].line <= lb->line)))
			j++;
		if (j < l->nfuncs && l->funcs[j].file == lb->file && l->funcs[j].line < end)
			end = l->funcs[j].line;
		lb->end = end;
	}
}

notrace struct ksim_lines *ksim_lines_build(Dwarf *dw)
{
	struct build b = { 0 };
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;
	bool ok = true;

	b.l = calloc(1, sizeof(*b.l));
	if (!b.l)
		return NULL;
	while (ok && dw && !dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) {
		if (dwarf_offdie(dw, off + hsize, &cu))
			ok = add_rows(&b, &cu) && walk(&b, &cu, 0);
		off = next;
	}
	free(b.hash);
	if (ok) {
		if (b.l->nrows)
			qsort(b.l->rows, b.l->nrows, sizeof(*b.l->rows), cmp_row);
		ok = dedupe(b.l);
		label_ends(b.l);
	}
	if (!ok) {
		ksim_lines_free(b.l);
		return NULL;
	}
	return b.l;
}

notrace void ksim_lines_free(struct ksim_lines *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->nfuncs; i++)
		free(l->funcs[i].entries);
	for (i = 0; i < l->nlabels; i++)
		free(l->labels[i].pcs);
	free(l->files);
	free(l->rows);
	free(l->funcs);
	free(l->labels);
	free(l);
}

notrace size_t ksim_lines_rows(const struct ksim_lines *l, uint32_t file, int line,
			       size_t *first)
{
	size_t lo = 0, hi = l->nrows, n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct ksim_row *r = &l->rows[mid];

		if (r->file < file || (r->file == file && r->line < line))
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (n = 0; lo + n < l->nrows && l->rows[lo + n].file == file &&
	     l->rows[lo + n].line == line; n++)
		;
	return n;
}

notrace bool ksim_file_match(const char *path, const char *file)
{
	size_t lp = strlen(path), lf = strlen(file);

	if (lf > lp || strcmp(path + lp - lf, file))
		return false;
	return lf == lp || path[lp - lf - 1] == '/';
}
