/* SPDX-License-Identifier: MIT */
/*
 * cover.c - capture the coverage of a block of test code on the calling
 * thread and answer questions about it (cover.h). Part of
 * libkcov-sim-cover; like all of lib/ it is never instrumented, so a
 * capture holds only the PCs of the code under test.
 *
 * The capture is an ordinary KCOV client of the explicit front door:
 * open, KCOV_INIT_TRACE, mmap, KCOV_ENABLE(KCOV_TRACE_PC), counter reset;
 * at the end KCOV_DISABLE, copy, unmap, close. Questions are answered on
 * the copy, each distinct PC symbolized once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "compiler.h"
#include "cover_int.h"
#include "pc_encode.h"
#include <kcov-sim/cover.h>
#include <kcov-sim/kcov.h>

#define DEFAULT_WORDS	(1ul << 18)


static notrace void cover_release(struct kcov_sim_cover *cap)
{
	if (cap->area)
		kcov_sim_munmap(cap->area, cap->words * sizeof(unsigned long));
	if (cap->fd >= 0)
		kcov_sim_close(cap->fd);
	cap->area = NULL;
	cap->fd = -1;
}

KCOV_SIM_API notrace struct kcov_sim_cover *kcov_sim_cover_begin(size_t words)
{
	struct kcov_sim_cover *cap = calloc(1, sizeof(*cap));
	int err;

	if (!cap)
		return NULL;
	cap->words = words ? words : DEFAULT_WORDS;
	cap->fd = kcov_sim_open();
	if (cap->fd < 0)
		goto out_free;
	if (kcov_sim_ioctl(cap->fd, KCOV_INIT_TRACE, cap->words))
		goto out_release;
	cap->area = kcov_sim_mmap(NULL, cap->words * sizeof(unsigned long),
				  PROT_READ | PROT_WRITE, MAP_SHARED, cap->fd, 0);
	if (cap->area == MAP_FAILED) {
		cap->area = NULL;
		goto out_release;
	}
	if (kcov_sim_ioctl(cap->fd, KCOV_ENABLE, KCOV_TRACE_PC))
		goto out_release;
	/* Nothing of ours ran instrumented since ENABLE; start clean anyway. */
	__atomic_store_n(&cap->area[0], 0, __ATOMIC_RELAXED);
	return cap;

out_release:
	err = errno;
	cover_release(cap);
	errno = err;
out_free:
	err = errno;
	free(cap);
	errno = err;
	return NULL;
}

KCOV_SIM_API notrace int kcov_sim_cover_end(struct kcov_sim_cover *cap)
{
	unsigned long n;
	size_t i;

	if (!cap || cap->ended)
		return -EINVAL;
	if (kcov_sim_ioctl(cap->fd, KCOV_DISABLE, 0))
		return -errno;
	n = __atomic_load_n(&cap->area[0], __ATOMIC_RELAXED);
	if (n >= cap->words - 1) {
		n = cap->words - 1;
		cap->truncated = 1;
	}
	cap->pcs = malloc((n ? n : 1) * sizeof(*cap->pcs));
	if (!cap->pcs)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		cap->pcs[i] = cap->area[i + 1];
	cap->n = n;
	cap->ended = true;
	cover_release(cap);
	return 0;
}

KCOV_SIM_API notrace void kcov_sim_cover_free(struct kcov_sim_cover *cap)
{
	if (!cap)
		return;
	if (!cap->ended && cap->fd >= 0)
		kcov_sim_ioctl(cap->fd, KCOV_DISABLE, 0);
	cover_release(cap);
	ksim_reach_free(cap->reach);
	if (cap->own_sym)
		kcov_sim_symbolizer_free(cap->sym);
	for (size_t i = 0; i < cap->nextra; i++)
		free(cap->extra[i]);
	free(cap->extra);
	free(cap->seqs);
	free(cap->upcs);
	free(cap->syms);
	free(cap->idx);
	free(cap->pcs);
	free(cap);
}

KCOV_SIM_API notrace const uint64_t *kcov_sim_cover_pcs(struct kcov_sim_cover *cap,
							size_t *n, int *truncated)
{
	if (n)
		*n = cap && cap->ended ? cap->n : 0;
	if (truncated)
		*truncated = cap ? cap->truncated : 0;
	return cap && cap->ended ? cap->pcs : NULL;
}

/* ---- symbolization, once per distinct PC -------------------------------- */

static notrace int symbolize_all(struct kcov_sim_cover *cap)
{
	size_t i, size = 16, h;
	uint32_t *slot;

	if (!cap || !cap->ended)
		return -EINVAL;
	if (cap->idx || !cap->n)
		return 0;
	while (size < 2 * cap->n)
		size *= 2;
	if (!cap->sym) {
		cap->sym = kcov_sim_symbolizer_new(0);
		cap->own_sym = true;
	}
	slot = calloc(size, sizeof(*slot));	/* open addressing: syms index + 1 */
	cap->upcs = malloc(cap->n * sizeof(*cap->upcs));
	cap->syms = malloc(cap->n * sizeof(*cap->syms));
	cap->idx = malloc(cap->n * sizeof(*cap->idx));
	if (!cap->sym || !slot || !cap->upcs || !cap->syms || !cap->idx) {
		free(slot);
		free(cap->upcs);
		free(cap->syms);
		free(cap->idx);
		cap->upcs = NULL;
		cap->syms = NULL;
		cap->idx = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < cap->n; i++) {
		uint64_t pc = cap->pcs[i];

		h = (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 40) & (size - 1);
		while (slot[h] && cap->upcs[slot[h] - 1] != pc)
			h = (h + 1) & (size - 1);
		if (!slot[h]) {
			cap->upcs[cap->nsyms] = pc;
			kcov_sim_symbolize(cap->sym, pc, &cap->syms[cap->nsyms]);
			slot[h] = (uint32_t)++cap->nsyms;
		}
		cap->idx[i] = slot[h] - 1;
	}
	free(slot);
	return 0;
}

KCOV_SIM_API notrace const struct kcov_sim_sym *kcov_sim_cover_sym(struct kcov_sim_cover *cap,
								   size_t i)
{
	if (symbolize_all(cap) || i >= cap->n)
		return NULL;
	return &cap->syms[cap->idx[i]];
}

static notrace bool has_func(const struct kcov_sim_sym *s, const char *func)
{
	unsigned int f;

	for (f = 0; f < s->nframes; f++)
		if (!strcmp(s->frames[f].function, func))
			return true;
	return false;
}

/* 0 once every PC is symbolized; -EINVAL for a NULL query. */
static notrace int query_ready(struct kcov_sim_cover *cap, const void *what)
{
	return what ? symbolize_all(cap) : -EINVAL;
}

/* The symbolized PC @i of the capture, in collection order. */
static notrace const struct kcov_sim_sym *sym_at(const struct kcov_sim_cover *cap,
						 size_t i)
{
	return &cap->syms[cap->idx[i]];
}

/* @file names a whole trailing part of @path. */
static notrace bool file_match(const char *path, const char *file)
{
	size_t lp = strlen(path), lf = strlen(file);

	if (lf > lp || strcmp(path + lp - lf, file))
		return false;
	return lf == lp || path[lp - lf - 1] == '/';
}

KCOV_SIM_API notrace long kcov_sim_cover_hits(struct kcov_sim_cover *cap, const char *func)
{
	long hits = 0;
	size_t i;
	int ret;

	ret = query_ready(cap, func);
	if (ret)
		return ret;
	for (i = 0; i < cap->n; i++)
		hits += has_func(sym_at(cap, i), func);
	return hits;
}

KCOV_SIM_API notrace long kcov_sim_cover_line_hits(struct kcov_sim_cover *cap,
						   const char *file, int line)
{
	long hits = 0;
	size_t i;
	unsigned int f;
	int ret;

	ret = query_ready(cap, file);
	if (ret)
		return ret;
	for (i = 0; i < cap->n; i++) {
		const struct kcov_sim_sym *s = sym_at(cap, i);

		for (f = 0; f < s->nframes; f++)
			if (s->frames[f].line == line && file_match(s->frames[f].file, file))
				break;
		hits += f < s->nframes;
	}
	return hits;
}

KCOV_SIM_API notrace long kcov_sim_cover_first(struct kcov_sim_cover *cap, const char *func)
{
	size_t i;
	int ret;

	ret = query_ready(cap, func);
	if (ret)
		return ret;
	for (i = 0; i < cap->n; i++)
		if (has_func(sym_at(cap, i), func))
			return (long)i;
	return -ENOENT;
}

KCOV_SIM_API notrace int kcov_sim_cover_in_order(struct kcov_sim_cover *cap,
						 const char *const *funcs, size_t n)
{
	size_t i, j = 0;
	int ret;

	ret = query_ready(cap, funcs);
	if (ret)
		return ret;
	for (i = 0; i < cap->n && j < n; i++)
		if (has_func(sym_at(cap, i), funcs[j]))
			j++;
	return j == n;
}

/* ---- calls: entries of each instance's first basic block ----------------- */

struct instance {
	const char	*module;
	uint64_t	entry;
	uint64_t	first;		/* lowest PC offset seen >= entry */
};

/* The frame of @func in @s, or NULL. */
static notrace const struct kcov_sim_frame *func_frame(const struct kcov_sim_sym *s,
						       const char *func)
{
	unsigned int f;

	for (f = 0; f < s->nframes; f++)
		if (!strcmp(s->frames[f].function, func))
			return &s->frames[f];
	return NULL;
}

static notrace struct instance *instance_of(struct instance *v, size_t nr,
					    const struct kcov_sim_sym *s,
					    const struct kcov_sim_frame *f)
{
	size_t k;

	for (k = 0; k < nr; k++)
		if (v[k].entry == f->entry && !strcmp(v[k].module, s->module))
			return &v[k];
	return NULL;
}

KCOV_SIM_API notrace long kcov_sim_cover_calls(struct kcov_sim_cover *cap, const char *func)
{
	struct instance *v, *in;
	const struct kcov_sim_frame *f;
	size_t i, nr = 0;
	long calls = 0;
	int ret;

	ret = query_ready(cap, func);
	if (ret)
		return ret;
	v = malloc((cap->nsyms ? cap->nsyms : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < cap->nsyms; i++) {
		const struct kcov_sim_sym *s = &cap->syms[i];

		if (!(f = func_frame(s, func)) || s->offset < f->entry)
			continue;
		in = instance_of(v, nr, s, f);
		if (!in) {
			in = &v[nr++];
			in->module = s->module;
			in->entry = f->entry;
			in->first = s->offset;
		} else if (s->offset < in->first) {
			in->first = s->offset;
		}
	}
	for (i = 0; i < cap->n; i++) {
		const struct kcov_sim_sym *s = sym_at(cap, i);

		if ((f = func_frame(s, func)) && (in = instance_of(v, nr, s, f)) &&
		    in->first == s->offset)
			calls++;
	}
	free(v);
	return calls;
}

/* ---- the trace as text ----------------------------------------------------- */

static notrace void print_sym(FILE *out, const struct kcov_sim_sym *s)
{
	unsigned int f;

	fprintf(out, "%s %s:%d", s->frames[0].function,
		ksim_basename(s->frames[0].file), s->frames[0].line);
	for (f = 1; f < s->nframes; f++)
		fprintf(out, " <- %s %s:%d", s->frames[f].function,
			ksim_basename(s->frames[f].file), s->frames[f].line);
}

KCOV_SIM_API notrace void kcov_sim_cover_print(struct kcov_sim_cover *cap, FILE *out,
					       size_t max_lines)
{
	size_t i, j, lines = 0;

	if (symbolize_all(cap)) {
		fprintf(out, "kcov-sim: no coverage to show\n");
		return;
	}
	fprintf(out, "coverage: %zu PCs%s (inlined frames after <-)\n", cap->n,
		cap->truncated ? ", buffer full: truncated" : "");
	for (i = 0; i < cap->n; i = j) {
		for (j = i + 1; j < cap->n && cap->idx[j] == cap->idx[i]; j++)
			;
		if (max_lines && lines++ == max_lines) {
			fprintf(out, "  ... %zu more PCs\n", cap->n - i);
			break;
		}
		fprintf(out, "  #%-5zu ", i);
		print_sym(out, sym_at(cap, i));
		if (j - i > 1)
			fprintf(out, "  x%zu", j - i);
		fputc('\n', out);
	}
}

KCOV_SIM_API notrace char *kcov_sim_cover_format(struct kcov_sim_cover *cap,
						 size_t max_lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	kcov_sim_cover_print(cap, out, max_lines);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- lines and labels; captures of PCs from elsewhere ------------------------ */

KCOV_SIM_API notrace int kcov_sim_cover_line(struct kcov_sim_cover *cap, const char *file,
					     int line, struct kcov_sim_where *out)
{
	if (!cap || !file || !out)
		return -EINVAL;
	return ksim_reach_line(cap, file, line, out);
}

KCOV_SIM_API notrace int kcov_sim_cover_label(struct kcov_sim_cover *cap, const char *file,
					      const char *label, struct kcov_sim_where *out)
{
	if (!cap || !file || !label || !out)
		return -EINVAL;
	return ksim_reach_label(cap, file, label, out);
}

KCOV_SIM_API notrace struct kcov_sim_cover *kcov_sim_cover_new(struct kcov_sim_symbolizer *s)
{
	struct kcov_sim_cover *cap = calloc(1, sizeof(*cap));

	if (!cap)
		return NULL;
	cap->fd = -1;
	cap->ended = true;
	cap->sym = s;
	cap->pcs = malloc(sizeof(*cap->pcs));
	if (!cap->pcs) {
		free(cap);
		return NULL;
	}
	return cap;
}

/* Forget what was worked out from the PCs: more are coming. */
static notrace void cover_reset(struct kcov_sim_cover *cap)
{
	ksim_reach_free(cap->reach);
	cap->reach = NULL;
	free(cap->upcs);
	free(cap->syms);
	free(cap->idx);
	cap->upcs = NULL;
	cap->syms = NULL;
	cap->idx = NULL;
	cap->nsyms = 0;
}

KCOV_SIM_API notrace int kcov_sim_cover_add(struct kcov_sim_cover *cap, const uint64_t *pcs,
					    size_t n)
{
	uint64_t *v;
	size_t *q;

	if (!cap || !cap->ended || (!pcs && n))
		return -EINVAL;
	if (!n)
		return 0;
	v = realloc(cap->pcs, (cap->n + n) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cap->pcs = v;
	q = realloc(cap->seqs, (cap->nseqs + 1) * sizeof(*q));
	if (!q)
		return -ENOMEM;
	cap->seqs = q;
	cover_reset(cap);
	cap->seqs[cap->nseqs++] = cap->n;
	memcpy(cap->pcs + cap->n, pcs, n * sizeof(*pcs));
	cap->n += n;
	return 0;
}

KCOV_SIM_API notrace int kcov_sim_cover_add_module(struct kcov_sim_cover *cap,
						   const char *path)
{
	char **v, *p;

	if (!cap || !path)
		return -EINVAL;
	v = realloc(cap->extra, (cap->nextra + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cap->extra = v;
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	cover_reset(cap);
	cap->extra[cap->nextra++] = p;
	return 0;
}

KCOV_SIM_API notrace long kcov_sim_symbolizer_sites(struct kcov_sim_symbolizer *s,
						    const char *path, const uint64_t **pcs)
{
	const struct ksim_code *c;
	struct smod *m;
	int err;

	if (!s || !path || !pcs)
		return -EINVAL;
	m = ksim_sym_module(s, path, &err);
	if (!m)
		return err;
	c = ksim_smod_code(m);
	*pcs = c ? c->sites : NULL;
	return c ? (long)c->nsites : 0;
}
