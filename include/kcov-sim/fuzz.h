/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/fuzz.h - libkcov-sim-fuzz: the glue every fuzzing engine needs to
 * run ported kernel code under KCOV (pkg-config kcov-sim-fuzz, CMake
 * component "fuzz", target kcov-sim::fuzz).
 *
 * It sits on the public API of the core only (the explicit front door of
 * <kcov-sim/sim.h>, the uapi of <kcov-sim/kcov.h> and <kcov-sim/kernel.h>)
 * and is never instrumented.
 *
 * The model, and why it has threads of its own:
 *
 *  - A *lane* is one trace mode (KCOV_TRACE_PC or KCOV_TRACE_CMP) with two
 *    devices: a remote device, made by an *owner* thread with
 *    KCOV_REMOTE_ENABLE and a fresh common handle, and a local device of
 *    the *carrier* thread that runs the inputs. The owner creates the
 *    carrier, so the carrier inherits the common handle (as a task forked
 *    by the syscall thread does on Linux), and so do the worker threads the
 *    harness creates from the carrier: their
 *    kcov_remote_start_common(kcov_common_handle()) sections land in the
 *    remote device.
 *  - Why two threads: a thread owns at most one device (P-2025: local
 *    KCOV_ENABLE on a thread that owns a remote device is EBUSY), and
 *    KCOV_DISABLE clears the caller's common handle, as on Linux. So the
 *    owner never disables the remote device and the carrier never disables
 *    its local one: between inputs only the counters (area[0]) are reset.
 *  - One mode per thread: comparisons of an input take a second run, on the
 *    carrier of a second lane (kcov_sim_fuzz_runner_*), handed over and
 *    waited for. Engines do it once per new corpus entry (the built-in
 *    engine) or for a sample of inputs (the libFuzzer bridge).
 *  - Lazy after fork: the carrier's local device is set up on first use, and
 *    again in a forked child (a fork server forks before the first input;
 *    the child opens a device of its own). The remote device stays with
 *    its owner in the parent; sections of the child's threads reach it as
 *    long as that owner lives (a fork server parent).
 *  - A harness must wait for its remote sections (join its workers) before
 *    it returns, or their coverage lands in the next input's trace.
 *
 * Errors: every function returns 0 or a negative errno and leaves errno
 * alone (the core's convention); pointer results are NULL on error.
 */
#ifndef KCOV_SIM_FUZZ_H
#define KCOV_SIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <kcov-sim/kcov.h>

#ifndef KCOV_SIM_API
#define KCOV_SIM_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The libFuzzer signature of a harness. */
typedef int (*kcov_sim_fuzz_fn)(const uint8_t *data, size_t size);

/* No remote device: the lane collects the local thread only. */
#define KCOV_SIM_FUZZ_NO_REMOTE		(1u << 0)

#define KCOV_SIM_FUZZ_LOCAL_WORDS	(1ul << 18)	/* default buffer sizes */
#define KCOV_SIM_FUZZ_REMOTE_WORDS	(1ul << 16)

/* Options of a lane; set @sz to sizeof(struct kcov_sim_fuzz_opts). */
struct kcov_sim_fuzz_opts {
	size_t		sz;
	unsigned int	mode;		/* KCOV_TRACE_PC or KCOV_TRACE_CMP */
	unsigned int	flags;		/* KCOV_SIM_FUZZ_NO_REMOTE */
	unsigned long	local_words;	/* 0: KCOV_SIM_FUZZ_LOCAL_WORDS */
	unsigned long	remote_words;	/* 0: KCOV_SIM_FUZZ_REMOTE_WORDS; also
					 * each section's area_size */
};

/* A comparison record, as KCOV_TRACE_CMP lays it out (spec 4.4). */
struct kcov_sim_fuzz_cmp {
	unsigned long	type;		/* KCOV_CMP_CONST | KCOV_CMP_SIZE(n) */
	unsigned long	arg1;		/* the constant, for const records */
	unsigned long	arg2;
	unsigned long	pc;
};

/* Operand size in bytes (1, 2, 4 or 8) and constness of a record. */
#define KCOV_SIM_FUZZ_CMP_BYTES(type)	(1u << (((type) & KCOV_CMP_MASK) >> 1))
#define KCOV_SIM_FUZZ_CMP_IS_CONST(type)	(!!((type) & KCOV_CMP_CONST))

/*
 * What one input reached: views into the lane's buffers, valid until the
 * next input of the same thread (or runner). In TRACE_PC mode @local and
 * @remote hold PCs; in TRACE_CMP mode records (use kcov_sim_fuzz_cmps()).
 * @nr_* count entries (PCs or records), clamped to what the buffer holds;
 * @overflow says that a buffer filled up.
 */
struct kcov_sim_fuzz_trace {
	size_t			sz;	/* sizeof(struct kcov_sim_fuzz_trace) */
	unsigned int		mode;
	int			overflow;
	const unsigned long	*local;
	size_t			nr_local;
	const unsigned long	*remote;
	size_t			nr_remote;
};

static inline const struct kcov_sim_fuzz_cmp *
kcov_sim_fuzz_cmps(const unsigned long *entries)
{
	return (const struct kcov_sim_fuzz_cmp *)(const void *)entries;
}

/*
 * The edge between two consecutive PCs (AFL's idea on KCOV's sequence):
 * a 32-bit hash; take its low bits as a counter index. @prev is 0 for the
 * first PC of a sequence.
 */
static inline uint32_t kcov_sim_fuzz_edge(unsigned long prev, unsigned long pc)
{
	/* One multiply: the high half mixes every input bit. */
	uint64_t x = ((uint64_t)pc ^ ((uint64_t)prev << 7) ^ ((uint64_t)prev >> 3)) *
		     0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 32);
}

/* ---- lanes: the carrier thread ----------------------------------------- */

/**
 * @brief Run @fn(@arg) on a new carrier thread of a new lane and wait for it.
 * The calling thread blocks asynchronous signals (SIGALRM, SIGINT, ...)
 * while it waits, and so does the owner, so that they reach the carrier:
 * libFuzzer's timeout handler only acts on its own thread.
 * @param opts NULL for the defaults (TRACE_PC, with a remote device).
 * @return what @fn returned (>= 0 expected), or a negative errno if the
 * lane could not be set up (-EFAULT: @fn is NULL).
 */
KCOV_SIM_API int kcov_sim_fuzz_spawn(const struct kcov_sim_fuzz_opts *opts,
				     int (*fn)(void *arg), void *arg);

/**
 * @brief Begin an input on the calling thread: the first call (per thread,
 * and again after fork) opens and enables the local device in the lane's
 * mode (TRACE_PC outside a carrier); every call resets the counters of the
 * local and the remote buffer.
 * @return 0, or the negative errno of the failed setup step.
 */
KCOV_SIM_API int kcov_sim_fuzz_begin(void);

/**
 * @brief End an input: fill @t with what it reached (collection stays
 * enabled; nothing is disabled, ever).
 * @return 0, -EINVAL without a kcov_sim_fuzz_begin() on this thread, or
 * -EFAULT if @t is NULL.
 */
KCOV_SIM_API int kcov_sim_fuzz_end(struct kcov_sim_fuzz_trace *t);

/**
 * @brief Begin, call @fn(@data, @size), end: one input under KCOV.
 * @param ret what @fn returned (may be NULL).
 */
KCOV_SIM_API int kcov_sim_fuzz_run(kcov_sim_fuzz_fn fn, const uint8_t *data,
				   size_t size, struct kcov_sim_fuzz_trace *t,
				   int *ret);

/** @brief The common handle of the calling thread's lane, or 0. */
KCOV_SIM_API uint64_t kcov_sim_fuzz_handle(void);

/* ---- runners: a lane of another mode, driven from this thread ---------- */

struct kcov_sim_fuzz_runner;

/**
 * @brief Start a lane whose carrier waits for inputs (typically the
 * TRACE_CMP lane of an engine whose own carrier traces PCs).
 * @return 0 and *@out, or a negative errno.
 */
KCOV_SIM_API int kcov_sim_fuzz_runner_new(const struct kcov_sim_fuzz_opts *opts,
					  struct kcov_sim_fuzz_runner **out);

/**
 * @brief Run one input on the runner's carrier and wait for it. In a
 * forked child, the first call makes a new lane there (the parent's
 * threads do not exist in the child). @t views the runner's buffers until
 * its next run.
 */
KCOV_SIM_API int kcov_sim_fuzz_runner_run(struct kcov_sim_fuzz_runner *r,
					  kcov_sim_fuzz_fn fn,
					  const uint8_t *data, size_t size,
					  struct kcov_sim_fuzz_trace *t,
					  int *ret);

/** @brief Stop the runner's threads and free it (NULL is a no-op). */
KCOV_SIM_API void kcov_sim_fuzz_runner_free(struct kcov_sim_fuzz_runner *r);

/* ---- signal ----------------------------------------------------------- */

/**
 * @brief Count the edges of @t into @counters (@nr a power of two; 8-bit,
 * wrapping, as libFuzzer's and AFL's maps). Local and remote PCs are two
 * sequences. If @seen (a bitmap of @nr bits) is given, the edges never
 * seen before are set there and counted.
 * @return the number of new edges (0 without @seen), or -EINVAL.
 */
KCOV_SIM_API long kcov_sim_fuzz_count_edges(const struct kcov_sim_fuzz_trace *t,
					    uint8_t *counters, size_t nr,
					    uint64_t *seen);

/**
 * @brief How many call sites of __sanitizer_cov_trace_pc the loaded code
 * has (direct calls into a statically linked libkcov-sim; calls through a
 * PLT are not counted): the size of the instrumented code, for sizing
 * counter maps.
 * @return the count (0 if none was found).
 */
KCOV_SIM_API long kcov_sim_fuzz_pc_sites(void);

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_FUZZ_H */
