/* SPDX-License-Identifier: MIT */
/*
 * gen.h - the random operation generator, reusable beyond the oracle: a
 * seeded PRNG and the bookkeeping of what a sequence has set up (tasks,
 * files, registered handles, contexts), fed only by the results the
 * backend returns. Two backends that agree therefore see the same
 * sequence; at the first disagreement the transcripts differ anyway.
 */
#ifndef KSIM_ORACLE_GEN_H
#define KSIM_ORACLE_GEN_H

#include <stdint.h>

struct gen_rng {
	uint64_t s;
};

/* splitmix64: small, fast, and the same sequence everywhere. */
static inline uint64_t gen_next(struct gen_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned int gen_below(struct gen_rng *r, unsigned int n)
{
	return n ? (unsigned int)(gen_next(r) % n) : 0;
}

/* True with probability pct/100. */
static inline int gen_chance(struct gen_rng *r, unsigned int pct)
{
	return gen_below(r, 100) < pct;
}

#endif /* KSIM_ORACLE_GEN_H */
