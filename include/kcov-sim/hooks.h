/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/hooks.h - the entry points that -fsanitize-coverage=trace-pc,
 * trace-cmp makes instrumented code call (spec section 4), with the
 * prototypes of the kernel's include/linux/kcov.h. Compilers declare them
 * themselves; include this to call a hook by hand (a test's "PC()") or to
 * check a definition of your own against the library's.
 */
#ifndef KCOV_SIM_HOOKS_H
#define KCOV_SIM_HOOKS_H

#include <stdint.h>
#include <kcov-sim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's kcov_u64: unsigned long on 64-bit, as the compilers' builtins. */
typedef unsigned long kcov_sim_u64;

/** @brief One basic block: records the return address in KCOV_TRACE_PC mode. */
KCOV_SIM_API void __sanitizer_cov_trace_pc(void);

/**
 * @brief One comparison of two operands of 1, 2, 4 or 8 bytes: a 4-word
 * record in KCOV_TRACE_CMP mode (type, @a, @b, PC). The const_ variants
 * say that @a is a compile-time constant.
 */
KCOV_SIM_API void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b);
KCOV_SIM_API void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b);
KCOV_SIM_API void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b);
KCOV_SIM_API void __sanitizer_cov_trace_cmp8(kcov_sim_u64 a, kcov_sim_u64 b);
KCOV_SIM_API void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b);
KCOV_SIM_API void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b);
KCOV_SIM_API void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b);
KCOV_SIM_API void __sanitizer_cov_trace_const_cmp8(kcov_sim_u64 a, kcov_sim_u64 b);

/**
 * @brief A switch on @val: one const record per case. @cases points at
 * u64s: the number of cases N, the operand width in bits, N constants.
 */
KCOV_SIM_API void __sanitizer_cov_trace_switch(kcov_sim_u64 val, void *cases);

/**
 * @brief Floating-point compares (GCC emits them under trace-cmp). The
 * kernel has no floating point and no such hooks: accepted and ignored.
 */
KCOV_SIM_API void __sanitizer_cov_trace_cmpf(float a, float b);
KCOV_SIM_API void __sanitizer_cov_trace_cmpd(double a, double b);

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_HOOKS_H */
