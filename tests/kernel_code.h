/* SPDX-License-Identifier: MIT */
/* kernel_code.h - small kernel-style functions compiled with
 * -fsanitize-coverage=trace-pc,trace-cmp, for tests that need real
 * compiler-inserted callbacks. */
#ifndef KSIM_TEST_KERNEL_CODE_H
#define KSIM_TEST_KERNEL_CODE_H

#include <stdint.h>

int kc_branch(int x);			/* a couple of basic blocks */
int kc_cmp(uint32_t a, uint64_t b);	/* 4- and 8-byte compares */
int kc_switch(uint32_t v);		/* a switch with 3 cases */
int kc_loop(int n);			/* n iterations, one PC each */

#endif
