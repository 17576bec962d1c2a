/* SPDX-License-Identifier: MIT */
/*
 * fuzz_compiler.h - the vocabulary of libkcov-sim-fuzz's own code: a copy of
 * what it needs from the core's lib/compiler.h (it includes no private
 * header of the core).
 */
#ifndef KSIM_FUZZ_COMPILER_H
#define KSIM_FUZZ_COMPILER_H

/*
 * Never instrument the fuzzing libraries: their code runs between the
 * inputs, and a hook in it would land in the coverage of the next input
 * (or recurse). GCC 12 honours only no_sanitize_coverage, Clang 14 only
 * no_sanitize("coverage"); the build also passes -fno-sanitize-coverage=...
 */
#if defined(__clang__)
#define notrace __attribute__((no_sanitize("coverage")))
#elif defined(__GNUC__) && __GNUC__ >= 12
#define notrace __attribute__((no_sanitize_coverage))
#else
#define notrace
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __cold		__attribute__((cold, noinline))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#endif /* KSIM_FUZZ_COMPILER_H */
