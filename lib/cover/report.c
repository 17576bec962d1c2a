/* SPDX-License-Identifier: MIT */
/*
 * report.c - a capture's coverage as a whole: an lcov tracefile (genhtml's
 * input) and a text report of what was not reached, per function and per
 * line (cover.h). Lines are those with instrumented code (reach.c): a line
 * whose code ran has its count, one whose code did not has 0, and one
 * without code of its own is not listed at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "cover_int.h"

/* One line of a file: its count, -1 when none of its code is instrumented. */
struct lstat {
	int	line;
	long	hits;
	bool	maybe;
};

/* The instrumented lines of file @f of module @i, in order. As in
 * reach.c, an inlined call's ranges count only for a line without rows of
 * its own. */
static notrace struct lstat *file_lines(const struct kcov_sim_cover *cap, size_t i,
					const struct ksim_lines *l, uint32_t f, size_t *n)
{
	struct lstat *v = NULL;
	size_t k, j, max = 0, cnt;
	bool own;

	*n = 0;
	for (k = 0; k < l->nrows; k += cnt ? cnt : 1) {
		const struct ksim_row *r = &l->rows[k];
		struct lstat st = { r->line, -1, false };

		cnt = 0;
		if (r->file != f)
			continue;
		cnt = ksim_lines_rows(l, f, r->line, &j);
		for (j = k, own = false; j < k + cnt; j++)
			own |= !l->rows[j].call;
		for (j = k; j < k + cnt; j++) {
			bool maybe;
			long hits;

			if (l->rows[j].call == own)
				continue;
			hits = ksim_reach_row(cap, i, &l->rows[j], &maybe);
			if (hits > st.hits)
				st.hits = hits;
			st.maybe |= maybe;
		}
		if (st.hits < 0)
			continue;
		if (st.hits > 0)
			st.maybe = false;
		if (*n == max) {
			struct lstat *p;

			max = max ? 2 * max : 64;
			p = realloc(v, max * sizeof(*v));
			if (!p) {
				free(v);
				*n = 0;
				return NULL;
			}
			v = p;
		}
		v[(*n)++] = st;
	}
	return v;
}

/* Times function @fn was entered (its instrumented entries), -1 if none is. */
static notrace long func_calls(const struct kcov_sim_cover *cap, size_t i,
			       const struct ksim_code *c, const struct ksim_func *fn)
{
	long calls = -1, n;
	size_t k;

	for (k = 0; c && k < fn->nentries; k++) {
		n = ksim_reach_seg(cap, i, ksim_code_seg(c, fn->entries[k]));
		if (n >= 0)
			calls = (calls < 0 ? 0 : calls) + n;
	}
	return calls;
}

static notrace void lcov_file(const struct kcov_sim_cover *cap, size_t i,
			      const struct ksim_code *c, const struct ksim_lines *l,
			      uint32_t f, const struct lstat *v, size_t n, FILE *out)
{
	size_t k, fnf = 0, fnh = 0, lh = 0;

	fprintf(out, "SF:%s\n", l->files[f]);
	for (k = 0; k < l->nfuncs; k++)
		if (l->funcs[k].file == f && func_calls(cap, i, c, &l->funcs[k]) >= 0)
			fprintf(out, "FN:%d,%s\n", l->funcs[k].line, l->funcs[k].name);
	for (k = 0; k < l->nfuncs; k++) {
		long calls;

		if (l->funcs[k].file != f || (calls = func_calls(cap, i, c, &l->funcs[k])) < 0)
			continue;
		fprintf(out, "FNDA:%ld,%s\n", calls, l->funcs[k].name);
		fnf++;
		fnh += calls > 0;
	}
	fprintf(out, "FNF:%zu\nFNH:%zu\n", fnf, fnh);
	for (k = 0; k < n; k++) {
		fprintf(out, "DA:%d,%ld\n", v[k].line, v[k].hits);
		lh += v[k].hits > 0;
	}
	fprintf(out, "LF:%zu\nLH:%zu\nend_of_record\n", n, lh);
}

KCOV_SIM_API notrace int kcov_sim_cover_write_lcov(struct kcov_sim_cover *cap, FILE *out,
						   const char *test_name)
{
	const struct ksim_code *c;
	const struct ksim_lines *l;
	size_t i, n;
	uint32_t f;
	int err;

	if (!cap || !out)
		return -EINVAL;
	err = ksim_reach_ready(cap);
	if (err)
		return err;
	if (test_name)
		fprintf(out, "TN:%s\n", test_name);
	for (i = 0; i < ksim_reach_nmods(cap); i++) {
		ksim_reach_mod(cap, i, &c, &l);
		for (f = 0; c && l && f < l->nfiles; f++) {
			struct lstat *v = file_lines(cap, i, l, f, &n);

			if (n)
				lcov_file(cap, i, c, l, f, v, n, out);
			free(v);
		}
	}
	return ferror(out) ? -EIO : 0;
}

/* ---- what was not reached, per function ----------------------------------------- */

static notrace const char *show(const char *path, const char *prefix)
{
	size_t lp;

	if (!prefix || !*prefix)
		return path;
	for (lp = strlen(prefix); lp && prefix[lp - 1] == '/'; lp--)
		;
	if (!strncmp(path, prefix, lp) && path[lp] == '/')
		return path + lp + 1;
	return path;
}

/* "52-58, 64, 82" of the lines of @v[lo..hi) that @want says. */
static notrace void print_ranges(FILE *out, const struct lstat *v, size_t lo, size_t hi,
				 int want)
{
	size_t k, run;
	bool first = true;

	for (k = lo; k < hi; k = run) {
		int kind = v[k].hits > 0 ? 1 : v[k].maybe ? 2 : 0;

		for (run = k + 1; run < hi; run++) {
			int next = v[run].hits > 0 ? 1 : v[run].maybe ? 2 : 0;

			if (next != kind)
				break;
		}
		if (kind != want)
			continue;
		fprintf(out, "%s%d", first ? " " : ", ", v[k].line);
		if (run - k > 1)
			fprintf(out, "-%d", v[run - 1].line);
		first = false;
	}
}

/* Where each site's hook call is: the file and line of its row. */
struct siteline {
	uint32_t	file;
	int		line;
	bool		hit;
};

static notrace int cmp_row_addr(const void *a, const void *b)
{
	const struct ksim_row *x = *(const struct ksim_row *const *)a;
	const struct ksim_row *y = *(const struct ksim_row *const *)b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static notrace struct siteline *site_lines(const struct kcov_sim_cover *cap, size_t i,
					   const struct ksim_code *c,
					   const struct ksim_lines *l)
{
	const struct ksim_row **by = malloc((l->nrows + 1) * sizeof(*by));
	struct siteline *v = calloc(c->nsites + 1, sizeof(*v));
	size_t k, n = 0;

	if (!by || !v) {
		free(by);
		free(v);
		return NULL;
	}
	for (k = 0; k < l->nrows; k++)
		if (l->rows[k].end > l->rows[k].addr && !l->rows[k].call)
			by[n++] = &l->rows[k];
	qsort(by, n, sizeof(*by), cmp_row_addr);
	for (k = 0; k < c->nsites; k++) {
		uint64_t at = c->segs[c->site_seg[k]].start;
		size_t lo = 0, hi = n;

		while (lo < hi) {	/* the last row starting at or before @at */
			size_t mid = (lo + hi) / 2;

			if (by[mid]->addr <= at)
				lo = mid + 1;
			else
				hi = mid;
		}
		v[k].line = -1;
		if (lo && by[lo - 1]->end > at) {
			v[k].file = by[lo - 1]->file;
			v[k].line = by[lo - 1]->line;
		}
		v[k].hit = ksim_reach_seg(cap, i, c->site_seg[k]) > 0;
	}
	free(by);
	return v;
}

/* Sites whose hook call lies on a line of file @f in [lo, hi). */
static notrace void count_sites(const struct ksim_code *c, const struct siteline *sl,
				uint32_t f, int lo, int hi, size_t *total, size_t *hit)
{
	size_t k;

	*total = *hit = 0;
	for (k = 0; sl && k < c->nsites; k++)
		if (sl[k].file == f && sl[k].line >= lo && sl[k].line < hi) {
			(*total)++;
			*hit += sl[k].hit;
		}
}

static notrace void report_file(const struct ksim_code *c, const struct ksim_lines *l,
				const struct siteline *sl, uint32_t f,
				const struct lstat *v, size_t n, FILE *out,
				const char *prefix, unsigned int flags)
{
	size_t k, j, a, b, hit, maybe, sites, sites_hit;
	bool header = false;

	for (k = 0; k < l->nfuncs; k++) {
		const struct ksim_func *fn = &l->funcs[k];
		int hi = 1 << 30;

		if (fn->file != f)
			continue;
		for (j = k + 1; j < l->nfuncs && l->funcs[j].file == f; j++)
			if (l->funcs[j].line > fn->line) {
				hi = l->funcs[j].line;
				break;
			}
		for (a = 0; a < n && v[a].line < fn->line; a++)
			;
		for (b = a; b < n && v[b].line < hi; b++)
			;
		if (a == b)
			continue;
		for (j = a, hit = maybe = 0; j < b; j++) {
			hit += v[j].hits > 0;
			maybe += v[j].maybe;
		}
		if (hit == b - a && !(flags & KCOV_SIM_REPORT_ALL))
			continue;
		count_sites(c, sl, f, fn->line, hi, &sites, &sites_hit);
		if (!header) {
			fprintf(out, "%s\n", show(l->files[f], prefix));
			header = true;
		}
		fprintf(out, "  %s() line %d: %zu of %zu sites, %zu of %zu lines reached\n",
			fn->name, fn->line, sites_hit, sites, hit, b - a);
		if (hit + maybe < b - a) {
			fprintf(out, "    not reached:");
			print_ranges(out, v, a, b, 0);
			fputc('\n', out);
		}
		if (maybe) {
			fprintf(out, "    may have run (untold branch):");
			print_ranges(out, v, a, b, 2);
			fputc('\n', out);
		}
	}
}

KCOV_SIM_API notrace int kcov_sim_cover_write_report(struct kcov_sim_cover *cap, FILE *out,
						     const char *prefix, unsigned int flags)
{
	const struct ksim_code *c;
	const struct ksim_lines *l;
	struct siteline *sl;
	size_t i, n;
	uint32_t f;
	int err;

	if (!cap || !out)
		return -EINVAL;
	err = ksim_reach_ready(cap);
	if (err)
		return err;
	for (i = 0; i < ksim_reach_nmods(cap); i++) {
		struct smod *m = ksim_reach_mod(cap, i, &c, &l);

		if (!c || !c->nsites) {
			fprintf(out, "%s: no calls to __sanitizer_cov_trace_pc: not "
				"instrumented%s\n", ksim_smod_path(m),
				c && c->hook_found ? "" : ", or the hooks were inlined "
				"(LTO); no coverable sites to report");
			continue;
		}
		sl = l ? site_lines(cap, i, c, l) : NULL;
		for (f = 0; l && f < l->nfiles; f++) {
			struct lstat *v = file_lines(cap, i, l, f, &n);

			if (n)
				report_file(c, l, sl, f, v, n, out, prefix, flags);
			free(v);
		}
		free(sl);
	}
	return ferror(out) ? -EIO : 0;
}
