/* SPDX-License-Identifier: MIT */
#include "kernel_code.h"

__attribute__((noinline)) int kc_branch(int x)
{
	if (x > 10)
		return x * 3;
	return x + 1;
}

__attribute__((noinline)) int kc_cmp(uint32_t a, uint64_t b)
{
	volatile uint32_t va = a;
	volatile uint64_t vb = b;

	return (va == 0x1234u) + (vb > 77u);
}

__attribute__((noinline)) int kc_switch(uint32_t v)
{
	volatile uint32_t vv = v;

	switch (vv) {
	case 10: return 1;
	case 20: return 2;
	case 30000: return 3;
	default: return 0;
	}
}

__attribute__((noinline)) int kc_loop(int n)
{
	volatile int acc = 0;

	for (int i = 0; i < n; i++)
		acc += i;
	return acc;
}
