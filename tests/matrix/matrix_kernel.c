/* SPDX-License-Identifier: MIT */
/*
 * matrix_kernel.c - kernel-style code compiled with
 * -fsanitize-coverage=trace-pc,trace-cmp in every cell of the matrix.
 */
#include "matrix_kernel.h"

/* Two blocks: the empty asm keeps either compiler from merging them. */
__attribute__((noinline)) int mk_branch(int x)
{
	if (x > 10) {
		__asm__ volatile("" ::: "memory");
		return x * 3;
	}
	return x + 1;
}

/* Constant operands: __sanitizer_cov_trace_const_cmp4 and _cmp8. */
__attribute__((noinline)) int mk_cmp_const(uint32_t a, uint64_t b)
{
	volatile uint32_t va = a;
	volatile uint64_t vb = b;

	return (va == MK_CONST4) + (vb == MK_CONST8);
}

/* Two variables: __sanitizer_cov_trace_cmp4. */
__attribute__((noinline)) int mk_cmp_vars(uint32_t a, uint32_t b)
{
	volatile uint32_t va = a, vb = b;

	return va == vb;
}

/* __sanitizer_cov_trace_switch, or constant compares after lowering. */
__attribute__((noinline)) int mk_switch(uint32_t v)
{
	volatile uint32_t vv = v;

	switch (vv) {
	case 10: return 1;
	case 20: return 2;
	case 30000: return 3;
	default: return 0;
	}
}
