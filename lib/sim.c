/* SPDX-License-Identifier: MIT */
/*
 * sim.c - harness configuration, the WARN_ON channel and the version.
 */
#include <stdio.h>
#include <unistd.h>

#include "internal.h"

#ifndef KCOV_SIM_VERSION
#define KCOV_SIM_VERSION "0.0.0"
#endif

bool ksim_cmp_supported KSIM_HIDDEN = true;
unsigned int ksim_profile KSIM_HIDDEN;		/* P-2025: none of KSIM_P_* */
unsigned int ksim_nr_cpus KSIM_HIDDEN = 1;	/* the machine's, at load */
size_t ksim_alloc_limit KSIM_HIDDEN;

static unsigned long warn_count;	/* atomic */
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;
static kcov_sim_warn_fn warn_fn;	/* under warn_lock */
static void *warn_arg;			/* under warn_lock */

/* A kernel WARN_ON: counted, then reported to the handler or stderr. */
__cold notrace void ksim_warn(const char *file, int line, const char *what)
{
	kcov_sim_warn_fn fn;
	void *arg;

	atomic_inc(&warn_count);
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
	return READ_ONCE(warn_count);
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

/* Before exec.c's adoption, which needs the profile. */
__attribute__((constructor(101))) static notrace void sim_init(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	if (n > 0)
		ksim_nr_cpus = (unsigned int)n;
}

KCOV_SIM_API notrace const char *kcov_sim_version(void)
{
	return KCOV_SIM_VERSION;
}

/* Called by fork.c's handlers when other threads may exist. */
notrace void ksim_sim_fork(int when)
{
	ksim_fork_lock(&warn_lock, when);
}
