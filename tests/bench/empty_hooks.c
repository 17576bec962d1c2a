/* SPDX-License-Identifier: MIT */
/*
 * empty_hooks.c - the floor: every hook libkcov-sim provides, doing
 * nothing. Built static and shared, so the cost of the call itself (direct,
 * or through the PLT) is measured apart from what any runtime does in it.
 *
 * With BENCH_COUNT_HOOKS the same file counts the calls instead: the
 * benchmark learns how many hook calls one workload call makes.
 */
#include <stdint.h>

#include "bench.h"

#if defined(__clang__)
#define notrace __attribute__((no_sanitize("coverage")))
#elif defined(__GNUC__) && __GNUC__ >= 12
#define notrace __attribute__((no_sanitize_coverage))
#else
#define notrace
#endif
#define HOOK	__attribute__((visibility("default"))) notrace

#ifdef BENCH_COUNT_HOOKS
struct bench_hook_counts bench_hook_counts;
#define COUNT(field)	(bench_hook_counts.field++)
#else
#define COUNT(field)	((void)0)
#endif

HOOK void __sanitizer_cov_trace_pc(void)
{
	COUNT(pc);
}

#define EMPTY_CMP(name, type)						\
HOOK void __sanitizer_cov_trace_##name(type a, type b)			\
{									\
	(void)a;							\
	(void)b;							\
	COUNT(cmp);							\
}

EMPTY_CMP(cmp1, uint8_t)
EMPTY_CMP(cmp2, uint16_t)
EMPTY_CMP(cmp4, uint32_t)
EMPTY_CMP(cmp8, unsigned long)
EMPTY_CMP(const_cmp1, uint8_t)
EMPTY_CMP(const_cmp2, uint16_t)
EMPTY_CMP(const_cmp4, uint32_t)
EMPTY_CMP(const_cmp8, unsigned long)
EMPTY_CMP(cmpf, float)
EMPTY_CMP(cmpd, double)

HOOK void __sanitizer_cov_trace_switch(unsigned long val, void *cases)
{
	(void)val;
	(void)cases;
	COUNT(sw);
}
