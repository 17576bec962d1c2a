/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: a task_struct with only the KCOV fields (their names and types
 * are the kernel's, 6.1 and 6.12 alike) and `current` in TLS. A simulated
 * task is one host thread; host.c sets kenv_current when the thread starts.
 */
#ifndef KENV_LINUX_SCHED_H
#define KENV_LINUX_SCHED_H

#include <linux/preempt.h>

struct kcov;

struct task_struct {
	unsigned int	kcov_mode;
	unsigned int	kcov_size;
	void		*kcov_area;
	struct kcov	*kcov;
	u64		kcov_handle;
	int		kcov_sequence;
	unsigned int	kcov_softirq;
	unsigned int	kcov_saved_mode;
	unsigned int	kcov_saved_size;
	void		*kcov_saved_area;
	struct kcov	*kcov_saved_kcov;
	int		kcov_saved_sequence;
	int		kenv_id;	/* the harness' task number */
};

extern __thread struct task_struct *kenv_current;
#define current		kenv_current

/* <linux/cpumask.h>: simulated CPUs (the harness sets them before boot). */
unsigned int kenv_nr_cpus(void);
#define num_possible_cpus()	kenv_nr_cpus()

#endif /* KENV_LINUX_SCHED_H */
