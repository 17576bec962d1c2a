/* SPDX-License-Identifier: MIT */
/*
 * ctx.c - current and its simulated contexts: the per-thread fake
 * task_struct in TLS, and the preempt_count parts (softirq, hardirq, NMI,
 * bottom halves) and the context-switch bit that the harness drives.
 */
#include "internal.h"

__thread struct kcov_task ksim_current
	__attribute__((tls_model("initial-exec"))) KSIM_HIDDEN;

/*
 * Fold the context half of the gate (spec 4.1 #1) into ctx_block so a hook
 * needs one compare. Called whenever a context or kcov_softirq changes.
 */
notrace void ksim_ctx_update(struct kcov_task *t)
{
	bool ok = ksim_in_task(t) ||
		  (ksim_in_softirq_really(t) && t->kcov_softirq);

	WRITE_ONCE(t->ctx_block, ok ? 0 : 1);
}

#define DEFINE_CTX(name, field)						\
KCOV_SIM_API notrace void kcov_sim_##name##_enter(void)			\
{									\
	struct kcov_task *t = &ksim_current;				\
									\
	if (WARN_ON(t->field == UINT8_MAX))				\
		return;							\
	t->field++;							\
	ksim_ctx_update(t);						\
}									\
KCOV_SIM_API notrace void kcov_sim_##name##_exit(void)			\
{									\
	struct kcov_task *t = &ksim_current;				\
									\
	if (WARN(t->field == 0, #name " exit without enter"))		\
		return;							\
	t->field--;							\
	ksim_ctx_update(t);						\
}

DEFINE_CTX(softirq, softirq_cnt)
DEFINE_CTX(hardirq, hardirq_cnt)
DEFINE_CTX(nmi, nmi_cnt)

/* local_bh_disable() leaves the thread in task context (spec 4.1, case 42). */
KCOV_SIM_API notrace void kcov_sim_bh_disable(void)
{
	ksim_current.bh_cnt++;
}

KCOV_SIM_API notrace void kcov_sim_bh_enable(void)
{
	struct kcov_task *t = &ksim_current;

	if (!WARN(t->bh_cnt == 0, "bh enable without disable"))
		t->bh_cnt--;
}

/* Exact-equality gates then see a mode that matches nothing (spec 3.4). */
KCOV_SIM_API notrace void kcov_sim_ctxsw_begin(void)
{
	struct kcov_task *t = &ksim_current;

	WRITE_ONCE(t->kcov_mode, t->kcov_mode | KCOV_IN_CTXSW);
}

KCOV_SIM_API notrace void kcov_sim_ctxsw_end(void)
{
	struct kcov_task *t = &ksim_current;

	WRITE_ONCE(t->kcov_mode, t->kcov_mode & ~KCOV_IN_CTXSW);
}

KCOV_SIM_API notrace int kcov_sim_in_task(void)
{
	return ksim_in_task(&ksim_current);
}

KCOV_SIM_API notrace int kcov_sim_in_serving_softirq(void)
{
	return ksim_current.softirq_cnt != 0;
}

KCOV_SIM_API notrace int kcov_sim_in_hardirq(void)
{
	return ksim_current.hardirq_cnt != 0;
}

KCOV_SIM_API notrace int kcov_sim_in_nmi(void)
{
	return ksim_current.nmi_cnt != 0;
}

/* The first release of sim.h with sizes: 0.2. */
#define TASK_INFO_SIZE_0_2	(offsetof(struct kcov_sim_task_info, attached_remote) + \
				 sizeof(int))

KCOV_SIM_API notrace int kcov_sim_task_info(struct kcov_sim_task_info *ti)
{
	struct kcov_task *t = &ksim_current;
	struct kcov_sim_task_info ours = {
		.sz = sizeof(ours),
		.kcov_mode = (enum kcov_sim_mode)(t->kcov_mode & ~KCOV_IN_CTXSW),
		.in_ctxsw = !!(t->kcov_mode & KCOV_IN_CTXSW),
		.kcov_size = t->kcov_size,
		.kcov_handle = t->kcov_handle,
		.attached = t->kcov != NULL,
		.kcov_softirq = (int)t->kcov_softirq,
		.in_task = ksim_in_task(t),
		.attached_remote = t->kcov_remote != NULL,
	};

	return ksim_out_struct(ti, &ours, sizeof(ours), TASK_INFO_SIZE_0_2);
}
