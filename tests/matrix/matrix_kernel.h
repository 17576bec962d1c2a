/* SPDX-License-Identifier: MIT */
/* matrix_kernel.h - the instrumented "kernel" of the toolchain matrix. */
#ifndef MATRIX_KERNEL_H
#define MATRIX_KERNEL_H

#include <stdint.h>

#define MK_CONST4	0x1234abcdu
#define MK_CONST8	0x1122334455667788ull

int mk_branch(int x);
int mk_cmp_const(uint32_t a, uint64_t b);
int mk_cmp_vars(uint32_t a, uint32_t b);
int mk_switch(uint32_t v);

#endif
