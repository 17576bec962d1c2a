/* SPDX-License-Identifier: MIT */
/*
 * reach.c - which code of a capture ran, and so which lines and labels.
 *
 * Each PC names a site; its segment (code.h) ran. Between two consecutive
 * PCs of one function in one run, control went from the first site's
 * segment to the second's through code without hook calls: every segment
 * that lies on *all* such paths ran too, one on only some paths may have
 * (KCOV_SIM_MAYBE). Paths may leave the function and come back in at its
 * start (it returned and was called again). After a function's last PC of
 * a run, the segments on every path to its return ran.
 *
 * A line's rows (lines.c) are then looked up in those segments. Lines with
 * no row, labels, and the messages that explain them are answered here
 * too; the source text is read only to find the first statement after a
 * label and the gotos to it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "cover_int.h"

struct pair {			/* cached inference: group, from, to */
	uint64_t	key;	/* 0: empty slot */
	uint32_t	def, ndef, may, nmay;	/* ranges of amod.pool */
};

struct amod {
	struct smod		*m;
	const struct ksim_code	*code;	/* NULL: no sites (not instrumented, LTO) */
	const struct ksim_lines	*lines;
	uint32_t		*count;	/* per segment: runs proven */
	uint8_t			*maybe;	/* per segment */
	uint32_t		*local;	/* segment -> index in its group */
	int32_t			*last;	/* per group: last site segment of the run */
	uint32_t		*touched;
	size_t			ntouched;
	struct pair		*pairs;
	size_t			npairs, psize;
	uint32_t		*pool;
	size_t			npool, maxpool;
	/* scratch of one inference, sized for the largest group + 2 */
	uint32_t		*queue, *fl, *succ;
	uint8_t			*mark, *inr;
	long			pcs, unmatched;
	const struct ksim_row	**byaddr;	/* rows with code, by address */
	size_t			nbyaddr;
};

struct srcfile {
	char		*path;
	char		*text;
	char		**line;		/* line[1..n] */
	int		n;
};

struct ksim_reach {
	struct amod	*mods;
	size_t		nmods;
	struct srcfile	*src;
	size_t		nsrc;
};

/* ---- modules ----------------------------------------------------------------- */

static notrace void amod_free(struct amod *a)
{
	free(a->count);
	free(a->maybe);
	free(a->local);
	free(a->last);
	free(a->touched);
	free(a->pairs);
	free(a->pool);
	free(a->queue);
	free(a->fl);
	free(a->succ);
	free(a->mark);
	free(a->inr);
	free(a->byaddr);
}

notrace void ksim_reach_free(struct ksim_reach *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nmods; i++)
		amod_free(&r->mods[i]);
	for (i = 0; i < r->nsrc; i++) {
		free(r->src[i].path);
		free(r->src[i].text);
		free(r->src[i].line);
	}
	free(r->mods);
	free(r->src);
	free(r);
}

static notrace int amod_init(struct amod *a, struct smod *m)
{
	const struct ksim_code *c;
	size_t i, maxn = 0, ns;

	memset(a, 0, sizeof(*a));
	a->m = m;
	a->code = c = ksim_smod_code(m);
	a->lines = ksim_smod_lines(m);
	if (!c || !c->nsegs)
		return 0;
	ns = c->nsegs;
	a->count = calloc(ns, sizeof(*a->count));
	a->maybe = calloc(ns, sizeof(*a->maybe));
	a->local = malloc(ns * sizeof(*a->local));
	a->last = malloc((c->ngroups + 1) * sizeof(*a->last));
	a->touched = malloc((c->ngroups + 1) * sizeof(*a->touched));
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i].nseg > maxn)
			maxn = c->groups[i].nseg;
	maxn += 2;
	a->queue = malloc(maxn * sizeof(*a->queue));
	a->fl = malloc(maxn * sizeof(*a->fl));
	a->succ = malloc(maxn * sizeof(*a->succ));
	a->mark = malloc(maxn);
	a->inr = malloc(maxn);
	if (!a->count || !a->maybe || !a->local || !a->last || !a->touched ||
	    !a->queue || !a->fl || !a->succ || !a->mark || !a->inr)
		return -ENOMEM;
	for (i = 0; i < c->ngroups; i++) {
		uint32_t k;

		a->last[i] = -1;
		for (k = 0; k < c->groups[i].nseg; k++)
			a->local[c->gsegs[c->groups[i].gseg + k]] = k;
	}
	return 0;
}

/* The analysis entry of module @m, added on first sight. */
static notrace long mod_index(struct ksim_reach *r, struct smod *m, size_t *max)
{
	size_t i;
	int err;

	for (i = 0; i < r->nmods; i++)
		if (r->mods[i].m == m)
			return (long)i;
	if (!grow(&r->mods, max, r->nmods + 1, sizeof(*r->mods)))
		return -ENOMEM;
	err = amod_init(&r->mods[r->nmods++], m);
	return err ? err : (long)r->nmods - 1;
}

/* ---- paths between two sites of one function ---------------------------------- */

/*
 * Nodes of group @g: its segments 0..n-1 in address order, EXIT = n (it
 * returned, or left by a tail call), START = n + 1 (the function was
 * called: the next node is its first segment).
 */
static notrace uint32_t succs(const struct amod *a, uint32_t g, uint32_t v)
{
	const struct ksim_code *c = a->code;
	const struct ksim_group *grp = &c->groups[g];
	uint32_t n = grp->nseg, k = 0, i;
	const struct ksim_seg *s;

	if (v >= n) {		/* START and EXIT: into the function again */
		a->succ[0] = a->local[grp->entry];
		return 1;
	}
	s = &c->segs[c->gsegs[grp->gseg + v]];
	if (s->flags & SEG_ANY) {
		for (i = 0; i < n; i++)
			a->succ[k++] = i;
	} else {
		for (i = 0; i < s->nsucc; i++)
			a->succ[k++] = a->local[c->edges[s->succ + i]];
	}
	if (s->flags & (SEG_EXIT | SEG_ANY))
		a->succ[k++] = n;
	return k;
}

static notrace bool passable(const struct amod *a, uint32_t g, uint32_t v)
{
	const struct ksim_group *grp = &a->code->groups[g];

	return v >= grp->nseg || a->code->segs[a->code->gsegs[grp->gseg + v]].site < 0;
}

/*
 * Nodes reachable from @from's successors without passing a site segment
 * or @to (which is entered, not left), restricted to nodes with inr[] set
 * when @restrict, skipping @avoid. Marks them in mark[]; true if @to is.
 */
static notrace bool reach_to_edge(struct amod *a, uint32_t g, uint32_t from, uint32_t to,
				  bool restrict_r, uint32_t avoid, size_t *nf,
				  uint32_t ef, uint32_t et);

static notrace bool reach_to(struct amod *a, uint32_t g, uint32_t from, uint32_t to,
			     bool restrict_r, uint32_t avoid, size_t *nf)
{
	return reach_to_edge(a, g, from, to, restrict_r, avoid, nf, UINT32_MAX, UINT32_MAX);
}

/* As reach_to(), never taking the edge @ef -> @et. */
static notrace bool reach_to_edge(struct amod *a, uint32_t g, uint32_t from, uint32_t to,
				  bool restrict_r, uint32_t avoid, size_t *nf,
				  uint32_t ef, uint32_t et)
{
	uint32_t n = a->code->groups[g].nseg + 2, head = 0, tail = 0, k, i, v, w;

	memset(a->mark, 0, n);
	a->queue[tail++] = from;
	while (head < tail) {
		v = a->queue[head++];
		if (v == to && head > 1)
			continue;
		k = succs(a, g, v);
		for (i = 0; i < k; i++) {
			w = a->succ[i];
			if (a->mark[w] || w == avoid || (restrict_r && !a->inr[w]) ||
			    (w != to && !passable(a, g, w)) || (v == ef && w == et))
				continue;
			a->mark[w] = 1;
			a->queue[tail++] = w;
		}
	}
	if (nf) {		/* the list of nodes found, for the caller */
		*nf = 0;
		for (v = 0; v < n; v++)
			if (a->mark[v])
				a->fl[(*nf)++] = v;
	}
	return a->mark[to];
}

static notrace bool pool_add(struct amod *a, uint32_t seg)
{
	if (!grow(&a->pool, &a->maxpool, a->npool + 1, sizeof(*a->pool)))
		return false;
	a->pool[a->npool++] = seg;
	return true;
}

/* Work out (once) the segments every / some path from @from to @to takes. */
static notrace struct pair *infer(struct amod *a, uint32_t g, uint32_t from, uint32_t to)
{
	uint64_t key = ((uint64_t)g << 42 | (uint64_t)from << 21 | to) + 1;
	const struct ksim_group *grp = &a->code->groups[g];
	uint32_t n = grp->nseg, v, i, k;
	size_t h, nf = 0, j;
	struct pair *p;
	bool changed;

	if (from >= (1u << 21) || to >= (1u << 21))
		return NULL;
	if (2 * (a->npairs + 1) > a->psize) {
		size_t ns = a->psize ? 2 * a->psize : 256;
		struct pair *t = calloc(ns, sizeof(*t));

		if (!t)
			return NULL;
		for (j = 0; j < a->psize; j++) {
			if (!a->pairs[j].key)
				continue;
			h = (size_t)(a->pairs[j].key * 0x9e3779b97f4a7c15ull >> 20) & (ns - 1);
			while (t[h].key)
				h = (h + 1) & (ns - 1);
			t[h] = a->pairs[j];
		}
		free(a->pairs);
		a->pairs = t;
		a->psize = ns;
	}
	h = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (a->psize - 1);
	while (a->pairs[h].key && a->pairs[h].key != key)
		h = (h + 1) & (a->psize - 1);
	p = &a->pairs[h];
	if (p->key)
		return p;
	p->key = key;
	a->npairs++;
	p->def = p->may = (uint32_t)a->npool;
	if (!reach_to(a, g, from, to, false, UINT32_MAX, &nf))
		return p;		/* no such path: the trace says nothing */
	/* Of those, the ones @to is reachable from. */
	memset(a->inr, 0, n + 2);
	a->inr[to] = 1;
	do {
		changed = false;
		for (j = nf; j-- > 0;) {
			v = a->fl[j];
			if (a->inr[v] || v == to)
				continue;
			k = succs(a, g, v);
			for (i = 0; i < k; i++)
				if (a->inr[a->succ[i]] && (a->succ[i] == to ||
				    passable(a, g, a->succ[i]))) {
					a->inr[v] = 1;
					changed = true;
					break;
				}
		}
	} while (changed);
	/* A node every path needs: without it, @to cannot be reached. */
	for (v = 0; v < n; v++) {
		if (!a->inr[v] || v == to || v == from)
			continue;
		if (!reach_to(a, g, from, to, true, v, NULL)) {
			if (!pool_add(a, a->code->gsegs[grp->gseg + v]))
				return NULL;
			p->ndef++;
		}
	}
	p->may = (uint32_t)a->npool;
	for (v = 0; v < n; v++) {
		uint32_t seg = a->code->gsegs[grp->gseg + v];
		bool def = false;

		if (!a->inr[v] || v == to || v == from)
			continue;
		for (i = 0; i < p->ndef && !def; i++)
			def = a->pool[p->def + i] == seg;
		if (!def) {
			if (!pool_add(a, seg))
				return NULL;
			p->nmay++;
		}
	}
	return p;
}

static notrace int apply(struct amod *a, uint32_t g, uint32_t from, uint32_t to)
{
	struct pair *p = infer(a, g, from, to);
	uint32_t i;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < p->ndef; i++)
		a->count[a->pool[p->def + i]]++;
	for (i = 0; i < p->nmay; i++)
		a->maybe[a->pool[p->may + i]] = 1;
	return 0;
}

/* The end of a run: each function touched went on to return. */
static notrace int end_run(struct amod *a)
{
	size_t i;
	int err = 0;

	for (i = 0; i < a->ntouched; i++) {
		uint32_t g = a->touched[i];

		if (!err)
			err = apply(a, g, a->local[a->last[g]], a->code->groups[g].nseg);
		a->last[g] = -1;
	}
	a->ntouched = 0;
	return err;
}

static notrace int one_pc(struct amod *a, long site)
{
	const struct ksim_code *c = a->code;
	uint32_t seg = c->site_seg[site], g = c->segs[seg].group;
	uint32_t n = c->groups[g].nseg;
	int32_t prev = a->last[g];
	int err;

	a->count[seg]++;
	err = apply(a, g, prev < 0 ? n + 1 : a->local[prev], a->local[seg]);
	if (prev < 0)
		a->touched[a->ntouched++] = g;
	a->last[g] = (int32_t)seg;
	return err;
}

/* ---- building the analysis ------------------------------------------------------ */

struct pcloc {
	uint64_t	pc;
	long		mod;	/* -1: no module */
	long		site;	/* -1: no site */
};

static notrace int locate_all(struct kcov_sim_cover *cap, struct ksim_reach *r,
			      struct pcloc **out, size_t *maxmods)
{
	size_t size = 16, i, h;
	struct pcloc *t;

	while (size < 2 * cap->n + 2)
		size *= 2;
	t = calloc(size, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < cap->n; i++) {
		uint64_t pc = cap->pcs[i], off;
		struct smod *m;

		h = (size_t)(pc * 0x9e3779b97f4a7c15ull >> 30) & (size - 1);
		while (t[h].mod && t[h].pc != pc)
			h = (h + 1) & (size - 1);
		if (t[h].mod)
			continue;
		t[h].pc = pc;
		t[h].mod = -1;
		t[h].site = -1;
		m = ksim_sym_locate(cap->sym, pc, &off);
		if (m) {
			long k = mod_index(r, m, maxmods);

			if (k < 0) {
				free(t);
				return (int)k;
			}
			t[h].mod = k;
			if (r->mods[k].code)
				t[h].site = ksim_code_site(r->mods[k].code, off);
		}
		t[h].mod++;	/* 0 stays "empty" */
	}
	*out = t;
	return (int)size;
}

static notrace const struct pcloc *loc_of(const struct pcloc *t, size_t size, uint64_t pc)
{
	size_t h = (size_t)(pc * 0x9e3779b97f4a7c15ull >> 30) & (size - 1);

	while (t[h].pc != pc || !t[h].mod)
		h = (h + 1) & (size - 1);
	return &t[h];
}

notrace int ksim_reach_ready(struct kcov_sim_cover *cap)
{
	struct ksim_reach *r;
	struct pcloc *t = NULL;
	size_t maxmods = 0, i, seq = 0;
	int size, err = 0;

	if (!cap || !cap->ended)
		return -EINVAL;
	if (cap->reach)
		return 0;
	if (!cap->sym) {
		cap->sym = kcov_sim_symbolizer_new(0);
		cap->own_sym = true;
		if (!cap->sym)
			return -ENOMEM;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	size = locate_all(cap, r, &t, &maxmods);
	if (size < 0) {
		ksim_reach_free(r);
		return size;
	}
	for (i = 0; i < cap->nextra && !err; i++) {
		struct smod *m = ksim_sym_module(cap->sym, cap->extra[i], &err);

		if (m) {
			long k = mod_index(r, m, &maxmods);

			err = k < 0 ? (int)k : 0;
		}
	}
	for (i = 0; i < cap->n && !err; i++) {
		const struct pcloc *l = loc_of(t, (size_t)size, cap->pcs[i]);

		while (seq < cap->nseqs && cap->seqs[seq] == i) {	/* a new run */
			size_t k;

			for (k = 0; k < r->nmods && !err; k++)
				if (r->mods[k].code)
					err = end_run(&r->mods[k]);
			seq++;
		}
		if (l->mod <= 0)
			continue;
		if (l->site < 0) {
			r->mods[l->mod - 1].unmatched++;
			continue;
		}
		r->mods[l->mod - 1].pcs++;
		err = one_pc(&r->mods[l->mod - 1], l->site);
	}
	for (i = 0; i < r->nmods && !err; i++)
		if (r->mods[i].code)
			err = end_run(&r->mods[i]);
	free(t);
	if (err) {
		ksim_reach_free(r);
		return err;
	}
	cap->reach = r;
	return 0;
}

/* ---- rows, lines, labels ----------------------------------------------------------- */

notrace size_t ksim_reach_nmods(const struct kcov_sim_cover *cap)
{
	return cap->reach ? cap->reach->nmods : 0;
}

notrace struct smod *ksim_reach_mod(const struct kcov_sim_cover *cap, size_t i,
				    const struct ksim_code **code,
				    const struct ksim_lines **lines)
{
	const struct amod *a = &cap->reach->mods[i];

	*code = a->code;
	*lines = a->lines;
	return a->m;
}

notrace long ksim_reach_seg(const struct kcov_sim_cover *cap, size_t i, long seg)
{
	const struct amod *a = &cap->reach->mods[i];

	return a->code && seg >= 0 && (size_t)seg < a->code->nsegs ? (long)a->count[seg] : -1;
}

notrace long ksim_reach_row(const struct kcov_sim_cover *cap, size_t i,
			    const struct ksim_row *r, bool *maybe)
{
	const struct amod *a = &cap->reach->mods[i];
	const struct ksim_code *c = a->code;
	size_t lo = 0, hi;
	long best = -1;

	*maybe = false;
	if (!c)
		return -1;
	hi = c->nsegs;
	while (lo < hi) {	/* the first segment that ends after the row starts */
		size_t mid = (lo + hi) / 2;

		if (c->segs[mid].end <= r->addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->nsegs && (c->segs[lo].start < r->end ||
	     (r->end == r->addr && c->segs[lo].start <= r->addr)); lo++) {
		if ((long)a->count[lo] > best)
			best = a->count[lo];
		if (a->maybe[lo])
			*maybe = true;
		if (r->end == r->addr)
			break;
	}
	if (best > 0)
		*maybe = false;
	return best;
}

/*
 * Combined state of @line in file @file of module @i: adds to @st. The
 * line's own rows decide; the ranges of inlined calls made on the line
 * only when it has no row of its own (GCC scatters an inlined copy's
 * ranges over code it shares with other copies).
 */
static notrace void line_in(const struct kcov_sim_cover *cap, size_t i, uint32_t file,
			    int line, struct ksim_state *st)
{
	const struct ksim_lines *l = cap->reach->mods[i].lines;
	size_t first, n, k;
	bool maybe, own = false;
	int pass;

	n = ksim_lines_rows(l, file, line, &first);
	for (k = 0; k < n; k++)
		own |= !l->rows[first + k].call;
	for (pass = own ? 0 : 1; pass < 2; pass += 2)
		for (k = 0; k < n; k++) {
			const struct ksim_row *r = &l->rows[first + k];
			long hits;

			if (r->call != (pass == 1))
				continue;
			hits = ksim_reach_row(cap, i, r, &maybe);
			if (hits < 0)
				continue;
			st->found = true;
			if (hits > 0) {
				st->reach = KCOV_SIM_REACHED;
				if (hits > st->hits)
					st->hits = hits;
			} else if (maybe && st->reach != KCOV_SIM_REACHED) {
				st->reach = KCOV_SIM_MAYBE;
			}
		}
}

/* The state of @file:@line over every module; has_rows: any row at all. */
static notrace struct ksim_state line_state(const struct kcov_sim_cover *cap,
					    const char *file, int line,
					    bool *known, bool *has_rows)
{
	struct ksim_state st = { .reach = KCOV_SIM_NOT_REACHED };
	size_t i, f, first;

	*known = *has_rows = false;
	for (i = 0; i < cap->reach->nmods; i++) {
		const struct ksim_lines *l = cap->reach->mods[i].lines;

		for (f = 0; l && f < l->nfiles; f++) {
			if (!ksim_file_match(l->files[f], file))
				continue;
			*known = true;
			if (ksim_lines_rows(l, (uint32_t)f, line, &first))
				*has_rows = true;
			line_in(cap, i, (uint32_t)f, line, &st);
		}
	}
	return st;
}

/* Nearest lines below / above @line of @file with instrumented code, inside
 * the source function that holds @line. */
static notrace void neighbours(const struct kcov_sim_cover *cap, const char *file,
			       int line, int *before, int *after)
{
	size_t i, f, k;

	*before = *after = 0;
	for (i = 0; i < cap->reach->nmods; i++) {
		const struct ksim_lines *l = cap->reach->mods[i].lines;

		for (f = 0; l && f < l->nfiles; f++) {
			int lo = 0, hi = 1 << 30;

			if (!ksim_file_match(l->files[f], file))
				continue;
			for (k = 0; k < l->nfuncs; k++) {	/* the function's text */
				if (l->funcs[k].file != f)
					continue;
				if (l->funcs[k].line <= line && l->funcs[k].line > lo)
					lo = l->funcs[k].line;
				if (l->funcs[k].line > line && l->funcs[k].line < hi)
					hi = l->funcs[k].line;
			}
			for (k = 0; k < l->nrows; k++) {
				const struct ksim_row *r = &l->rows[k];
				bool maybe;

				if (r->file != f || r->line < lo || r->line >= hi ||
				    r->line == line || ksim_reach_row(cap, i, r, &maybe) < 0)
					continue;
				if (r->line < line && r->line > *before)
					*before = r->line;
				if (r->line > line && (!*after || r->line < *after))
					*after = r->line;
			}
		}
	}
}

/* ---- the source text (labels) ------------------------------------------------------- */

static notrace const struct srcfile *src_get(struct ksim_reach *r, const char *path)
{
	struct srcfile *s;
	FILE *f;
	size_t i, len = 0, cap = 0;
	char *p;
	int n;

	for (i = 0; i < r->nsrc; i++)
		if (!strcmp(r->src[i].path, path))
			return r->src[i].line ? &r->src[i] : NULL;
	s = realloc(r->src, (r->nsrc + 1) * sizeof(*s));
	if (!s)
		return NULL;
	r->src = s;
	s = &r->src[r->nsrc];
	memset(s, 0, sizeof(*s));
	if (!(s->path = strdup(path)))
		return NULL;
	r->nsrc++;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	for (;;) {
		if (!grow(&s->text, &cap, len + 4097, 1))
			break;
		n = (int)fread(s->text + len, 1, 4096, f);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	fclose(f);
	if (!s->text)
		return NULL;
	s->text[len] = '\0';
	for (n = 1, p = s->text; *p; p++)
		n += *p == '\n';
	s->line = calloc((size_t)n + 2, sizeof(*s->line));
	if (!s->line)
		return NULL;
	s->line[1] = s->text;
	for (n = 1, p = s->text; *p; p++)
		if (*p == '\n') {
			*p = '\0';
			s->line[++n] = p + 1;
		}
	s->n = n;
	return s;
}

/* A line that holds a statement: not blank, no comment, no lone brace. */
static notrace bool statement_line(const char *text)
{
	text += strspn(text, " \t");
	if (text[0] == '*' && (!text[1] || strchr(" \t/", text[1])))
		return false;	/* inside a block comment */
	return *text && strncmp(text, "/*", 2) && strncmp(text, "//", 2) &&
	       strcmp(text, "}") && strcmp(text, "{");
}

/* Appends to @buf the lines in [@lo, @hi) of @src that say "goto @label;". */
static notrace size_t goto_lines(const struct srcfile *src, const char *label, int lo,
				 int hi, char *buf, size_t len)
{
	size_t used = 0, ll = strlen(label);
	int i, n = 0;

	for (i = lo > 1 ? lo : 1; i < hi && i <= src->n; i++) {
		const char *p = strstr(src->line[i], "goto");

		if (!p)
			continue;
		p += 4;
		p += strspn(p, " \t");
		if (strncmp(p, label, ll) || (p[ll] != ';' && p[ll] != ' '))
			continue;
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 n++ ? ", " : "", i);
	}
	return n;
}

/* ---- labels without code: the jumps of their gotos ---------------------------------- */

static notrace void say(struct kcov_sim_where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static notrace int cmp_row_addr(const void *x, const void *y)
{
	const struct ksim_row *a = *(const struct ksim_row *const *)x;
	const struct ksim_row *b = *(const struct ksim_row *const *)y;

	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* The row (with code) that holds @addr in module @a, or NULL. */
static notrace const struct ksim_row *row_at(struct amod *a, uint64_t addr)
{
	const struct ksim_lines *l = a->lines;
	size_t k, lo = 0, hi;

	if (!a->byaddr) {
		a->byaddr = malloc((l->nrows + 1) * sizeof(*a->byaddr));
		if (!a->byaddr)
			return NULL;
		for (k = 0; k < l->nrows; k++)
			if (l->rows[k].end > l->rows[k].addr && !l->rows[k].call)
				a->byaddr[a->nbyaddr++] = &l->rows[k];
		qsort(a->byaddr, a->nbyaddr, sizeof(*a->byaddr), cmp_row_addr);
	}
	hi = a->nbyaddr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a->byaddr[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && a->byaddr[lo - 1]->end > addr ? a->byaddr[lo - 1] : NULL;
}

/* Whether row @r is a line of @file in [@lo, @hi). */
static notrace bool row_in(const struct ksim_row *r, uint32_t file, int lo, int hi)
{
	return r && r->file == file && r->line >= lo && r->line < hi;
}

/*
 * Was the jump @s -> @t (segments of module @a) taken? Over every
 * transition the run made in its function: REACHED when one of them
 * cannot have gone without it, MAYBE when one may have used it.
 */
static notrace int edge_taken(struct amod *a, uint32_t s, uint32_t t)
{
	uint32_t g = a->code->segs[s].group, sl = a->local[s], tl = a->local[t];
	uint32_t n = a->code->groups[g].nseg;
	int state = KCOV_SIM_NOT_REACHED;
	size_t k;

	for (k = 0; k < a->psize; k++) {
		uint64_t key = a->pairs[k].key - 1;
		uint32_t from = (uint32_t)(key >> 21) & 0x1fffff, to = (uint32_t)key & 0x1fffff;

		if (!a->pairs[k].key || (uint32_t)(key >> 42) != g)
			continue;
		if (!reach_to(a, g, from, to, false, UINT32_MAX, NULL))
			continue;
		/* On some path: @s reached from @from, @to reached from @t. */
		if (!(sl == from || a->mark[sl]))
			continue;
		if (tl != to && (!passable(a, g, tl) ||
				 !reach_to(a, g, tl, to, false, UINT32_MAX, NULL)))
			continue;
		if (from >= n && sl != a->local[a->code->groups[g].entry] && !a->mark[sl])
			continue;
		if (!reach_to_edge(a, g, from, to, false, UINT32_MAX, NULL, sl, tl))
			return KCOV_SIM_REACHED;
		state = KCOV_SIM_MAYBE;
	}
	return state;
}

/* The label called @name in lines [lo, hi) of @file, or NULL. */
static notrace const struct ksim_label *label_named(const struct ksim_lines *l,
						    uint32_t file, const char *name,
						    size_t len, int lo, int hi)
{
	size_t k;

	for (k = 0; k < l->nlabels; k++)
		if (l->labels[k].file == file && l->labels[k].line >= lo &&
		    l->labels[k].line < hi && strlen(l->labels[k].name) == len &&
		    !strncmp(l->labels[k].name, name, len))
			return &l->labels[k];
	return NULL;
}

/* A line that ends a simple statement (not a goto: checked before). */
static notrace bool ends_statement(const char *text)
{
	size_t n = strlen(text);

	while (n && strchr(" \t\r", text[n - 1]))
		n--;
	return n && text[n - 1] == ';';
}

/* The label declared at @file:@line, or NULL. */
static notrace const struct ksim_label *label_named_at(const struct ksim_lines *l,
						       uint32_t file, int line)
{
	size_t k;

	for (k = 0; k < l->nlabels; k++)
		if (l->labels[k].file == file && l->labels[k].line == line)
			return &l->labels[k];
	return NULL;
}

/* The label a "goto name;" on @text names: its name and length, or 0. */
static notrace size_t goto_name(const char *text, const char **name)
{
	const char *p = strstr(text, "goto");
	size_t len;

	if (!p || (p > text && (p[-1] == '_' || ((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z'))))
		return 0;
	p += 4;
	if (*p != ' ' && *p != '\t')
		return 0;
	p += strspn(p, " \t");
	len = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	*name = p;
	return len && p[len + strspn(p + len, " \t")] == ';' ? len : 0;
}

/*
 * Whether @line lies where label @lb's code goes: its statements, then
 * the label its last statement jumps to ("goto error;") or falls into.
 */
static notrace bool in_area(const struct ksim_lines *l, const struct srcfile *src,
			    const struct ksim_label *lb, int line, int lo, int hi)
{
	int depth, last;
	const char *name;
	size_t len;

	for (depth = 0; lb && depth < 8; depth++) {
		if (line >= lb->line && line < lb->end)
			return true;
		for (last = lb->end - 1; last > lb->line && last <= src->n &&
		     !statement_line(src->line[last]); last--)
			;
		if (last > src->n || last <= lb->line)
			return false;
		len = goto_name(src->line[last], &name);
		if (len)
			lb = label_named(l, lb->file, name, len, lo, hi);
		else	/* falls through into the next label */
			lb = label_named_at(l, lb->file, lb->end);
	}
	return false;
}

/*
 * The lines of file @file where a jump to segment @to lands: its rows and
 * those of the segments it runs straight into (merged tails carry the
 * line of one of their copies only). At most 8.
 */
static notrace void target_lines(struct amod *a, uint32_t to, uint32_t file, int *tl,
				 int *nt)
{
	const struct ksim_code *c = a->code;
	const struct ksim_row *r;
	uint64_t at;
	int hops;

	for (hops = 0; hops < 4 && *nt < 8; hops++) {
		const struct ksim_seg *seg = &c->segs[to];

		for (at = seg->start; at < seg->end && *nt < 8; at = r->end) {
			r = row_at(a, at);
			if (!r)
				break;
			if (r->file == file)
				tl[(*nt)++] = r->line;
		}
		if (seg->nsucc != 1 || (seg->flags & (SEG_EXIT | SEG_ANY)))
			break;
		to = c->edges[seg->succ];
	}
}

/*
 * A label without code of its own: its gotos are jumps from the lines of
 * "if (...) goto label;". A jump belongs to the first goto at or after its
 * line whose label's code holds the jump's target. The label ran if one
 * of its jumps did. Returns 0 when no such jump is found.
 */
static notrace int label_by_gotos(struct kcov_sim_cover *cap, size_t i,
				  const struct ksim_label *lb, const struct srcfile *src,
				  int lo, int hi, struct kcov_sim_where *w, const char *what)
{
	struct amod *a = &cap->reach->mods[i];
	const struct ksim_code *c = a->code;
	const struct ksim_lines *l = a->lines;
	int state = -1, jline = 0, ng = 0, line;
	size_t s, k;

	if (!c || !src)
		return 0;
	for (s = 0; s < c->nsegs && state != KCOV_SIM_REACHED; s++) {
		const struct ksim_seg *seg = &c->segs[s];
		const struct ksim_row *jr;
		uint32_t t = UINT32_MAX;
		int e;

		if (!(seg->flags & SEG_BRANCH) || !(jr = row_at(a, seg->end - 1)) ||
		    !row_in(jr, lb->file, lo, hi) || jr->line >= lb->line)
			continue;
		for (k = 0; k < seg->nsucc; k++) {
			uint32_t to = c->edges[seg->succ + k];
			const struct ksim_label *owner = NULL;
			int tl[8], nt = 0, j, depth;
			const char *name;
			size_t len;

			target_lines(a, to, lb->file, tl, &nt);
			if (!nt)
				continue;
			/* The gotos of this statement, not of blocks it opens. */
			for (line = jr->line, depth = 0; depth >= 0 && line < jr->line + 40 &&
			     line <= src->n; line++) {
				const char *p;

				len = depth ? 0 : goto_name(src->line[line], &name);
				if (!depth && !len && line > jr->line && ends_statement(src->line[line]))
					break;	/* another statement: no goto of this if */
				owner = len ? label_named(l, lb->file, name, len, lo, hi) : NULL;
				for (j = 0; owner && j < nt; j++)
					if (in_area(l, src, owner, tl[j], lo, hi))
						break;
				if (owner && j < nt)
					break;
				owner = NULL;
				if (len)
					break;	/* the goto of this if goes elsewhere */
				for (p = src->line[line]; *p; p++)
					depth += (*p == '{') - (*p == '}');
			}
			/* Its own goto, or one whose code flows into the label. */
			if (owner && (owner == lb || in_area(l, src, owner, lb->line, lo, hi)))
				t = t == UINT32_MAX ? to : UINT32_MAX - 1;
		}
		if (t >= UINT32_MAX - 1)
			continue;
		ng++;
		e = edge_taken(a, (uint32_t)s, t);
		if (state < 0 || e == KCOV_SIM_REACHED ||
		    (e == KCOV_SIM_MAYBE && state == KCOV_SIM_NOT_REACHED)) {
			state = e;
			jline = jr->line;
		}
	}
	if (state < 0)
		return 0;
	w->reach = state;
	if (state == KCOV_SIM_REACHED)
		say(w, "%s was reached: it has no code of its own in this build, and the "
		    "jump to it from line %d was taken", what, jline);
	else if (state == KCOV_SIM_MAYBE)
		say(w, "%s may have been reached: it has no code of its own in this "
		    "build, and the trace cannot tell whether the jump to it from "
		    "line %d was taken", what, jline);
	else
		say(w, "%s was not reached: it has no code of its own in this build, "
		    "and none of the %d jumps to it was taken", what, ng);
	return 1;
}

/* ---- answers ------------------------------------------------------------------------- */

static notrace void say(struct kcov_sim_where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static notrace void say(struct kcov_sim_where *w, const char *fmt, ...)
{
	size_t used = strlen(w->why);
	va_list ap;

	if (used + 1 >= sizeof(w->why))
		return;
	va_start(ap, fmt);
	vsnprintf(w->why + used, sizeof(w->why) - used, fmt, ap);
	va_end(ap);
}

static notrace void say_state(struct kcov_sim_where *w, const char *what,
			      const struct ksim_state *st, int line)
{
	w->reach = st->reach;
	w->hits = st->hits;
	if (st->reach == KCOV_SIM_REACHED)
		say(w, "%s was reached (its code, line %d, ran %ld time%s)", what, line,
		    st->hits, st->hits == 1 ? "" : "s");
	else if (st->reach == KCOV_SIM_MAYBE)
		say(w, "%s may have been reached: the code of line %d lies only on a "
		    "branch between two coverage PCs that the trace cannot tell "
		    "was taken", what, line);
	else
		say(w, "%s was not reached: none of the code of line %d ran", what, line);
}

/* The label @lb (module @i, file @f): its state, or NO_CODE with why. */
static notrace void label_state(struct kcov_sim_cover *cap, size_t i,
				const struct ksim_label *lb, const char *file,
				struct kcov_sim_where *w)
{
	const struct ksim_lines *l = cap->reach->mods[i].lines;
	const char *path = l->files[lb->file];
	const struct srcfile *src = src_get(cap->reach, path);
	struct ksim_state st;
	char what[300], gotos[160] = "";
	int line, last, lo = 0, hi = 1 << 30;
	bool known, rows, maybe = false;
	size_t k;

	snprintf(what, sizeof(what), "label %s (%s:%d)", lb->name, file, lb->line);
	w->line = lb->line;
	/* 1. Its own address, when the code there is its own statements'. */
	for (k = 0; k < lb->npcs; k++) {
		struct ksim_row r = { .addr = lb->pcs[k], .end = lb->pcs[k] };
		size_t j;
		long hits;

		for (j = 0; j < l->nrows; j++)	/* the row that holds the address */
			if (l->rows[j].addr <= r.addr && r.addr < l->rows[j].end &&
			    !l->rows[j].call)
				break;
		if (j == l->nrows || l->rows[j].file != lb->file ||
		    l->rows[j].line < lb->line || l->rows[j].line >= lb->end)
			continue;	/* the address of merged code, not its own */
		hits = ksim_reach_row(cap, i, &r, &maybe);
		if (hits < 0)
			continue;
		if (hits > 0) {
			say(w, "%s was reached (its address ran %ld time%s)", what, hits,
			    hits == 1 ? "" : "s");
			w->reach = KCOV_SIM_REACHED;
			w->hits = hits;
			return;
		}
		if (maybe)
			w->reach = KCOV_SIM_MAYBE;	/* unless its lines tell */
	}
	/*
	 * 2. Its first statement with code of its own, before the next label
	 * or function. (Not any later line: the code of a "return" is often
	 * the epilogue every path of the function shares.)
	 */
	last = lb->end;
	if (src && last > src->n + 1)
		last = src->n + 1;
	else if (!src && last > lb->line + 1000)
		last = lb->line + 1000;
	for (line = lb->line + 1; line < last; line++) {
		if (src && !statement_line(src->line[line]))
			continue;
		st = line_state(cap, file, line, &known, &rows);
		if (st.found) {
			say_state(w, what, &st, line);
			return;
		}
		if (rows)	/* code, but not instrumented */
			break;
	}
	if (w->reach == KCOV_SIM_MAYBE) {
		say(w, "%s may have been reached: its code lies only on a branch that "
		    "the trace cannot tell was taken", what);
		return;
	}
	/* 3. No code of its own: the jumps of its gotos, if they can be told. */
	for (k = 0; k < l->nfuncs; k++) {
		if (l->funcs[k].file != lb->file)
			continue;
		if (l->funcs[k].line <= lb->line && l->funcs[k].line > lo)
			lo = l->funcs[k].line;
		if (l->funcs[k].line > lb->line && l->funcs[k].line < hi)
			hi = l->funcs[k].line;
	}
	if (label_by_gotos(cap, i, lb, src, lo, hi, w, what))
		return;
	/* 4. Nothing to tell it by in this build. */
	w->reach = KCOV_SIM_NO_CODE;
	say(w, "%s has no code of its own in this build: the debug info keeps no "
	    "address of its own for it and the compiler merged its statements "
	    "(lines %d-%d) into other code", what, lb->line + 1,
	    lb->end < (1 << 30) ? lb->end - 1 : lb->line + 1);
	if (src && goto_lines(src, lb->name, lo, hi, gotos, sizeof(gotos)))
		say(w, "; the gotos to it are on lines %s", gotos);
	say(w, ". Assert on a line that keeps code (see kcov-sim-symbolize "
	    "--report), or build this file at -O0/-O1 for this assertion");
}

static notrace void fill(struct kcov_sim_where *out, const struct kcov_sim_where *w)
{
	size_t sz = out->sz && out->sz < sizeof(*w) ? out->sz : sizeof(*w);

	memcpy((char *)out + sizeof(out->sz), (const char *)w + sizeof(w->sz),
	       sz - sizeof(out->sz));
}

/* REACHED > MAYBE > NOT_REACHED > NO_CODE > NOT_FOUND. */
static notrace int rank(int reach)
{
	static const int r[] = {
		[KCOV_SIM_NOT_REACHED] = 2, [KCOV_SIM_REACHED] = 4, [KCOV_SIM_MAYBE] = 3,
		[KCOV_SIM_NO_CODE] = 1, [KCOV_SIM_NOT_FOUND] = 0,
	};

	return reach >= 0 && reach <= KCOV_SIM_NOT_FOUND ? r[reach] : 0;
}

notrace int ksim_reach_label(struct kcov_sim_cover *cap, const char *file,
			     const char *label, struct kcov_sim_where *out)
{
	struct kcov_sim_where w = { .reach = KCOV_SIM_NOT_FOUND }, best = w;
	size_t i, k;
	int err = ksim_reach_ready(cap);
	bool any = false;

	if (err)
		return err;
	for (i = 0; i < cap->reach->nmods; i++) {
		const struct ksim_lines *l = cap->reach->mods[i].lines;

		for (k = 0; l && k < l->nlabels; k++) {
			if (strcmp(l->labels[k].name, label) ||
			    !ksim_file_match(l->files[l->labels[k].file], file))
				continue;
			memset(&w, 0, sizeof(w));
			label_state(cap, i, &l->labels[k], file, &w);
			/* Several copies (or functions): the most that ran
			 * wins, then the best told (see rank()). */
			if (!any || rank(w.reach) > rank(best.reach))
				best = w;
			any = true;
		}
	}
	if (!any)
		snprintf(best.why, sizeof(best.why), "no label %s in %s: the debug info "
			 "of the modules this capture reached has none", label, file);
	fill(out, &best);
	return 0;
}

notrace int ksim_reach_line(struct kcov_sim_cover *cap, const char *file, int line,
			    struct kcov_sim_where *out)
{
	struct kcov_sim_where w = { .line = line };
	struct ksim_state st;
	char what[300];
	bool known, rows;
	size_t i, k;
	int err = ksim_reach_ready(cap);

	if (err)
		return err;
	snprintf(what, sizeof(what), "%s:%d", file, line);
	st = line_state(cap, file, line, &known, &rows);
	if (st.found) {
		say_state(&w, what, &st, line);
		fill(out, &w);
		return 0;
	}
	if (!known) {
		w.reach = KCOV_SIM_NOT_FOUND;
		say(&w, "%s: no code of %s is in the modules this capture reached", what,
		    file);
		fill(out, &w);
		return 0;
	}
	if (rows) {
		w.reach = KCOV_SIM_NOT_FOUND;
		say(&w, "%s has code, but none of it is instrumented (compiled without "
		    "-fsanitize-coverage=trace-pc)", what);
		fill(out, &w);
		return 0;
	}
	/* No code of its own: a label there answers for it. */
	for (i = 0; i < cap->reach->nmods; i++) {
		const struct ksim_lines *l = cap->reach->mods[i].lines;

		for (k = 0; l && k < l->nlabels; k++)
			if (l->labels[k].line == line &&
			    ksim_file_match(l->files[l->labels[k].file], file)) {
				err = ksim_reach_label(cap, file, l->labels[k].name, out);
				return err;
			}
	}
	w.reach = KCOV_SIM_NO_CODE;
	neighbours(cap, file, line, &w.before, &w.after);
	say(&w, "%s has no code of its own in this build: the compiler merged it "
	    "into the code of other lines", what);
	if (w.before && w.after)
		say(&w, " (nearest lines with code: %d and %d)", w.before, w.after);
	else if (w.before || w.after)
		say(&w, " (nearest line with code: %d)", w.before ? w.before : w.after);
	say(&w, "; assert on a line with code, or on a label");
	fill(out, &w);
	return 0;
}
