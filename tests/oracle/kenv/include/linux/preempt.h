/* SPDX-License-Identifier: MIT */
/*
 * Stand-in: the preempt count and the context queries. The count is per
 * simulated task (host.c keeps it in TLS) and changes only through the
 * harness' context calls (kenv_ctx_* in vfs.c), laid out as on x86-64:
 * preempt bits 0-7, softirq 8-15, hardirq 16-19, NMI 20-23.
 */
#ifndef KENV_LINUX_PREEMPT_H
#define KENV_LINUX_PREEMPT_H

extern __thread unsigned long kenv_preempt_count;

#define PREEMPT_BITS		8
#define SOFTIRQ_BITS		8
#define HARDIRQ_BITS		4
#define NMI_BITS		4
#define SOFTIRQ_SHIFT		PREEMPT_BITS
#define HARDIRQ_SHIFT		(SOFTIRQ_SHIFT + SOFTIRQ_BITS)
#define NMI_SHIFT		(HARDIRQ_SHIFT + HARDIRQ_BITS)
#define SOFTIRQ_MASK		(((1UL << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT)
#define HARDIRQ_MASK		(((1UL << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT)
#define NMI_MASK		(((1UL << NMI_BITS) - 1) << NMI_SHIFT)
#define SOFTIRQ_OFFSET		(1UL << SOFTIRQ_SHIFT)
#define SOFTIRQ_DISABLE_OFFSET	(2 * SOFTIRQ_OFFSET)
#define HARDIRQ_OFFSET		(1UL << HARDIRQ_SHIFT)
#define NMI_OFFSET		(1UL << NMI_SHIFT)

#define preempt_count()		(kenv_preempt_count)
#define softirq_count()		(preempt_count() & SOFTIRQ_MASK)
#define hardirq_count()		(preempt_count() & HARDIRQ_MASK)
#define nmi_count()		(preempt_count() & NMI_MASK)
#define in_nmi()		(nmi_count())
#define in_hardirq()		(hardirq_count())
#define in_serving_softirq()	(softirq_count() & SOFTIRQ_OFFSET)
#define in_task() \
	(!(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)))

#endif /* KENV_LINUX_PREEMPT_H */
