/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what the benchmark's pieces share: the counting hooks' tallies
 * and the sizes the driver and the runner agree on.
 */
#ifndef KSIM_BENCH_H
#define KSIM_BENCH_H

/* Hook calls seen by the counting variant (empty_hooks.c). */
struct bench_hook_counts {
	unsigned long	pc;
	unsigned long	cmp;	/* trace_cmp* and trace_const_cmp* */
	unsigned long	sw;	/* trace_switch */
};
extern struct bench_hook_counts bench_hook_counts;

/* The callgrind runs collect inside these driver functions only. */
#define BENCH_CG_FUNCTION	"bench_loop"
#define BENCH_CG_REMOTE_FUNCTION "bench_remote_loop"

#endif /* KSIM_BENCH_H */
