/* SPDX-License-Identifier: MIT */
/*
 * sim.c - harness configuration, the WARN_ON channel, and the check that
 * the process really calls our comparison hooks (DESIGN 6).
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#ifndef KCOV_SIM_VERSION
#define KCOV_SIM_VERSION "0.0.0"
#endif

bool ksim_cmp_supported KSIM_HIDDEN = true;
size_t ksim_alloc_limit KSIM_HIDDEN;

static atomic_ulong warn_count;
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static kcov_sim_warn_fn warn_fn;	/* under warn_lock */
static void *warn_arg;			/* under warn_lock */

/* A kernel WARN_ON: counted, then reported to the handler or stderr. */
__cold notrace void ksim_warn(const char *file, int line, const char *what)
{
	kcov_sim_warn_fn fn;
	void *arg;

	atomic_fetch_add(&warn_count, 1);
	pthread_mutex_lock(&warn_lock);
	fn = warn_fn;
	arg = warn_arg;
	pthread_mutex_unlock(&warn_lock);
	if (fn)
		fn(file, line, what, arg);
	else
		fprintf(stderr, "kcov-sim: WARNING at %s:%d: %s\n", file, line, what);
}

KCOV_SIM_API notrace unsigned long kcov_sim_warn_count(void)
{
	return atomic_load(&warn_count);
}

KCOV_SIM_API notrace void kcov_sim_set_warn_handler(kcov_sim_warn_fn fn, void *arg)
{
	pthread_mutex_lock(&warn_lock);
	warn_fn = fn;
	warn_arg = arg;
	pthread_mutex_unlock(&warn_lock);
}

KCOV_SIM_API notrace void kcov_sim_set_cmp_support(int enabled)
{
	WRITE_ONCE(ksim_cmp_supported, enabled != 0);
}

KCOV_SIM_API notrace void kcov_sim_set_alloc_limit(size_t bytes)
{
	WRITE_ONCE(ksim_alloc_limit, bytes);
}

KCOV_SIM_API notrace void kcov_sim_set_pc_bias(uintptr_t bias)
{
	WRITE_ONCE(ksim_pc_bias, bias);
}

KCOV_SIM_API notrace const char *kcov_sim_version(void)
{
	return KCOV_SIM_VERSION;
}

/* ---- shadowed hooks ---------------------------------------------------- */

void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_cmp4(uint32_t, uint32_t);

/*
 * The definition instrumented code reaches: the first one in symbol lookup
 * order, unless our hook is linked into the executable itself, where the
 * executable's own calls bind to it at link time.
 */
static notrace const char *shadowed_by(const char *name, void *ours)
{
	void *seen = dlsym(RTLD_DEFAULT, name);
	struct link_map *map = NULL;
	Dl_info where;

	if (!seen || seen == ours)
		return NULL;
	/* The executable heads the link map list. */
	if (dladdr1(ours, &where, (void **)&map, RTLD_DL_LINKMAP) && map &&
	    !map->l_prev)
		return NULL;
	if (!dladdr(seen, &where) || !where.dli_fname || !*where.dli_fname)
		return "an unknown object";
	return where.dli_fname;
}

static notrace void shadow_report(const char *name, const char *who)
{
	fprintf(stderr,
		"kcov-sim: %s resolves to %s, not to libkcov-sim: coverage "
		"would be lost. Link libkcov-sim statically into sanitizer "
		"builds and pass -fsanitize-coverage only when compiling "
		"(kcov_sim_instrument() in CMake does both)\n", name, who);
}

/* Whether comparisons reach our hooks; reports once per process if not. */
notrace bool ksim_cmp_hooks_ours(void)
{
	static int verdict;	/* 0 unknown, 1 ours, -1 shadowed */
	const char *who;
	int v = __atomic_load_n(&verdict, __ATOMIC_RELAXED);

	if (v)
		return v > 0;
	who = shadowed_by("__sanitizer_cov_trace_cmp4",
			  (void *)__sanitizer_cov_trace_cmp4);
	if (who)
		shadow_report("__sanitizer_cov_trace_cmp4", who);
	v = who ? -1 : 1;
	__atomic_store_n(&verdict, v, __ATOMIC_RELAXED);
	return v > 0;
}

/* The same check for trace_pc: warn only, PCs still work elsewhere. */
__attribute__((constructor)) static notrace void check_pc_hook(void)
{
	const char *who = shadowed_by("__sanitizer_cov_trace_pc",
				      (void *)__sanitizer_cov_trace_pc);

	if (who)
		shadow_report("__sanitizer_cov_trace_pc", who);
}
