/* SPDX-License-Identifier: MIT */
/*
 * hints.c - CMP hints, as syzkaller makes them from KCOV_TRACE_CMP: every
 * comparison an input made and did not satisfy gives a pair (operand the
 * input may hold -> the other operand). Where the input holds one operand,
 * in 1, 2, 4 or 8 bytes and either byte order (zero- or sign-extended to
 * the comparison's size), a mutant gets the other one instead; then the
 * same with the other operand +-1, for < and > comparisons.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_compiler.h"
#include "hints.h"

#define PAIRS_MAX	4096

static inline notrace uint64_t mask_of(unsigned int bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* @v (@from bytes) sign-extended to @to bytes. */
static inline notrace uint64_t sext(uint64_t v, unsigned int from,
				    unsigned int to)
{
	uint64_t sign = 1ull << (8 * from - 1);

	if (from >= 8)
		return v & mask_of(to);
	v &= mask_of(from);
	if (v & sign)
		v |= ~mask_of(from);
	return v & mask_of(to);
}

notrace bool pairs_has(const struct pairs *ps, const struct hint_pair *p)
{
	size_t i;

	if (!ps)
		return false;
	for (i = 0; i < ps->nr; i++)
		if (ps->p[i].from == p->from && ps->p[i].to == p->to &&
		    ps->p[i].size == p->size)
			return true;
	return false;
}

static notrace void pairs_add(struct pairs *ps, uint64_t from, uint64_t to,
			      unsigned int size)
{
	struct hint_pair p = { from & mask_of(size), to & mask_of(size),
			       (uint8_t)size };
	size_t i, lo;

	if (ps->nr >= PAIRS_MAX)
		return;
	/* Recent pairs repeat (loops): look back a little, not everywhere. */
	lo = ps->nr > 64 ? ps->nr - 64 : 0;
	for (i = lo; i < ps->nr; i++)
		if (ps->p[i].from == p.from && ps->p[i].to == p.to &&
		    ps->p[i].size == p.size)
			return;
	if (ps->nr == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		struct hint_pair *n = realloc(ps->p, cap * sizeof(*n));

		if (!n)
			return;
		ps->p = n;
		ps->cap = cap;
	}
	ps->p[ps->nr++] = p;
}

static notrace void collect(struct pairs *ps, const unsigned long *e, size_t n)
{
	const struct kcov_sim_fuzz_cmp *c = kcov_sim_fuzz_cmps(e);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int size = KCOV_SIM_FUZZ_CMP_BYTES(c[i].type);
		uint64_t m = mask_of(size);
		uint64_t a1 = c[i].arg1 & m, a2 = c[i].arg2 & m;

		if (a1 == a2)
			continue;	/* satisfied already */
		/* A constant is arg1: only arg2 can come from the input. */
		pairs_add(ps, a2, a1, size);
		if (!KCOV_SIM_FUZZ_CMP_IS_CONST(c[i].type))
			pairs_add(ps, a1, a2, size);
	}
}

notrace void pairs_collect(struct pairs *ps, const struct kcov_sim_fuzz_trace *t)
{
	if (t->mode != KCOV_TRACE_CMP)
		return;
	collect(ps, t->local, t->nr_local);
	collect(ps, t->remote, t->nr_remote);
}

notrace void pairs_free(struct pairs *ps)
{
	free(ps->p);
	memset(ps, 0, sizeof(*ps));
}

/* ---- mutants ----------------------------------------------------------- */

struct seen_set {
	uint64_t	*slot;
	size_t		mask;
};

/* True if @key was not in the set (and adds it). */
static notrace bool seen_add(struct seen_set *s, uint64_t key)
{
	size_t i;

	key |= 1;	/* 0 marks an empty slot */
	for (i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & s->mask;;
	     i = (i + 1) & s->mask) {
		if (s->slot[i] == key)
			return false;
		if (!s->slot[i]) {
			s->slot[i] = key;
			return true;
		}
	}
}

static notrace uint64_t read_at(const uint8_t *p, unsigned int w, bool be)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < w; i++)
		v |= (uint64_t)p[be ? w - 1 - i : i] << (8 * i);
	return v;
}

/* Does @to (of a comparison of @size bytes) fit in @w bytes? */
static notrace bool fits(uint64_t to, unsigned int size, unsigned int w)
{
	return w >= size || (to & ~mask_of(w)) == 0 ||
	       sext(to, w, size) == (to & mask_of(size));
}

struct gen {
	const uint8_t	*data;
	size_t		len;
	uint8_t		*buf;
	const struct pairs *ps, *skip;
	struct seen_set	seen;
	size_t		made, max;
	int		(*fn)(const uint8_t *m, size_t len, void *arg);
	void		*arg;
	struct hint_mut	*list;		/* hints_list(): descriptors only */
	bool		stop;
	uint64_t	bloom[1024];	/* 64 Ki bits over the pairs' @from */
};

static inline notrace uint32_t bloom_bit(uint64_t v)
{
	return (uint32_t)((v * 0x9e3779b97f4a7c15ull) >> 48);
}

static inline notrace bool bloom_has(const struct gen *g, uint64_t v)
{
	uint32_t b = bloom_bit(v);

	return g->bloom[b >> 6] & (1ull << (b & 63));
}

/* Could any pair's @from be @v read as @w bytes? */
static notrace bool maybe_from(const struct gen *g, uint64_t v, unsigned int w)
{
	unsigned int s;

	if (bloom_has(g, v))
		return true;
	for (s = w * 2; s <= 8; s *= 2)
		if (bloom_has(g, sext(v, w, s)))
			return true;
	return false;
}

static notrace void emit(struct gen *g, size_t pos, unsigned int w, bool be,
			 uint64_t v)
{
	uint64_t key;
	unsigned int i;

	v &= mask_of(w);
	if (read_at(g->data + pos, w, be) == v)
		return;
	key = ((uint64_t)pos << 36) ^ ((uint64_t)w << 32) ^ ((uint64_t)be << 35) ^
	      v * 0xff51afd7ed558ccdull;
	if (!seen_add(&g->seen, key))
		return;
	if (g->list) {
		g->list[g->made] = (struct hint_mut){ (uint32_t)pos, (uint8_t)w,
						      (uint8_t)be, v };
		if (++g->made >= g->max)
			g->stop = true;
		return;
	}
	memcpy(g->buf, g->data, g->len);
	for (i = 0; i < w; i++)
		g->buf[pos + (be ? w - 1 - i : i)] = (uint8_t)(v >> (8 * i));
	g->made++;
	if (g->fn(g->buf, g->len, g->arg) || g->made >= g->max)
		g->stop = true;
}

/* One pass over the input: @delta 0 (exact), else +1 and -1. */
static notrace void pass(struct gen *g, int delta)
{
	static const unsigned int widths[] = { 8, 4, 2, 1 };
	size_t wi, pos, k;

	for (wi = 0; wi < ARRAY_SIZE(widths) && !g->stop; wi++) {
		unsigned int w = widths[wi];

		for (pos = 0; pos + w <= g->len && !g->stop; pos++) {
			int be;

			for (be = 0; be < (w > 1 ? 2 : 1) && !g->stop; be++) {
				uint64_t v = read_at(g->data + pos, w, be);

				if (!maybe_from(g, v, w))
					continue;
				for (k = 0; k < g->ps->nr && !g->stop; k++) {
					const struct hint_pair *p = &g->ps->p[k];
					uint64_t to;

					if (p->size < w ||
					    (p->from != v &&
					     p->from != sext(v, w, p->size)))
						continue;
					if (g->skip && pairs_has(g->skip, p))
						continue;
					if (!delta) {
						if (fits(p->to, p->size, w))
							emit(g, pos, w, be, p->to);
						continue;
					}
					for (to = p->to - 1; to != p->to + 3; to += 2) {
						if (fits(to & mask_of(p->size), p->size, w))
							emit(g, pos, w, be, to);
						if (g->stop)
							break;
					}
				}
			}
		}
	}
}

static notrace size_t generate(struct gen *gp);

notrace size_t hints_generate(const uint8_t *data, size_t len,
			      const struct pairs *ps, const struct pairs *skip,
			      size_t max,
			      int (*fn)(const uint8_t *m, size_t len, void *arg),
			      void *arg)
{
	struct gen g = { data, len, NULL, ps, skip, { NULL, 0 }, 0, max, fn,
			 arg, NULL, false, { 0 } };

	return generate(&g);
}

notrace size_t hints_list(const uint8_t *data, size_t len,
			  const struct pairs *ps, size_t max,
			  struct hint_mut *out)
{
	struct gen g = { data, len, NULL, ps, NULL, { NULL, 0 }, 0, max, NULL,
			 NULL, out, false, { 0 } };

	return generate(&g);
}

notrace void hint_apply(uint8_t *data, const struct hint_mut *m)
{
	unsigned int i;

	for (i = 0; i < m->w; i++)
		data[m->pos + (m->be ? m->w - 1 - i : i)] = (uint8_t)(m->v >> (8 * i));
}

static notrace size_t generate(struct gen *gp)
{
	struct gen g = *gp;
	size_t slots = 64, k;
	const struct pairs *ps = g.ps;
	size_t len = g.len, max = g.max;

	if (!ps->nr || !len || !max)
		return 0;
	for (k = 0; k < ps->nr; k++) {
		uint32_t b = bloom_bit(ps->p[k].from);

		g.bloom[b >> 6] |= 1ull << (b & 63);
	}
	while (slots < 4 * max)
		slots *= 2;
	g.seen.slot = calloc(slots, sizeof(uint64_t));
	g.seen.mask = slots - 1;
	g.buf = g.list ? NULL : malloc(len);
	if (g.seen.slot && (g.buf || g.list)) {
		pass(&g, 0);
		if (!g.stop)
			pass(&g, 1);
	}
	free(g.buf);
	free(g.seen.slot);
	return g.made;
}
