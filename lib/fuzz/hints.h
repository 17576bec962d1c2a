/* SPDX-License-Identifier: MIT */
/*
 * hints.h - CMP hints (hints.c), shared by the built-in engine and the
 * libFuzzer bridge. Not installed.
 */
#ifndef KSIM_FUZZ_HINTS_H
#define KSIM_FUZZ_HINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kcov-sim/fuzz.h>

/* A comparison an input made that it did not satisfy: @from -> @to. */
struct hint_pair {
	uint64_t	from, to;
	uint8_t		size;		/* operand bytes: 1, 2, 4 or 8 */
};

struct pairs {
	struct hint_pair *p;
	size_t		nr, cap;
};

/* Adds the unsatisfied comparisons of a TRACE_CMP trace to @ps. */
void pairs_collect(struct pairs *ps, const struct kcov_sim_fuzz_trace *t);
void pairs_free(struct pairs *ps);
bool pairs_has(const struct pairs *ps, const struct hint_pair *p);
/*
 * Calls @fn for every mutant of @data that puts a pair's @to where its
 * @from is (1/2/4/8 bytes, both byte orders; then +-1), widest first,
 * at most @max mutants; skips pairs also in @skip. Stops when @fn
 * returns non-zero. Returns the number of mutants made.
 */
size_t hints_generate(const uint8_t *data, size_t len, const struct pairs *ps,
		      const struct pairs *skip, size_t max,
		      int (*fn)(const uint8_t *m, size_t len, void *arg),
		      void *arg);

/* One hint mutant: @w bytes of @v at @pos, big-endian if @be. */
struct hint_mut {
	uint32_t	pos;
	uint8_t		w, be;
	uint64_t	v;
};

/* The same mutants as descriptors, in @out (room for @max). */
size_t hints_list(const uint8_t *data, size_t len, const struct pairs *ps,
		  size_t max, struct hint_mut *out);
/* Applies @m to @data (which must be at least @m->pos + @m->w long). */
void hint_apply(uint8_t *data, const struct hint_mut *m);

#endif /* KSIM_FUZZ_HINTS_H */
