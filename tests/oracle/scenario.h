/* SPDX-License-Identifier: MIT */
/* scenario.h - the registry of conformance scenarios and the generator. */
#ifndef KSIM_ORACLE_SCENARIO_H
#define KSIM_ORACLE_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#define SC_NO_CMP	0x1	/* needs a kernel without comparisons */

struct scenario {
	const char	*name;		/* cNNN_what (spec case) or x_what */
	void		(*fn)(void);
	unsigned int	nr_cpus;	/* 0: 1 */
	unsigned int	flags;
};

extern const struct scenario scenarios[];
extern const size_t nr_scenarios;

/* The random generator (gen.c). */
struct gen_config {
	uint64_t	seed;
	unsigned int	ops;		/* operations per sequence */
	unsigned int	nr_cpus;
	/* Tasks allowed in a softirq at once; 0: nr_cpus (a non-RT kernel,
	 * where the IRQ buffer pool never runs dry). More oversubscribes
	 * the pool, as a PREEMPT_RT kernel or a one-CPU pool would. */
	unsigned int	irq_tasks;
};
void gen_sequence(const struct gen_config *cfg);

#endif /* KSIM_ORACLE_SCENARIO_H */
