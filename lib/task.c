/* SPDX-License-Identifier: MIT */
/*
 * task.c - the fake task_struct (spec section 3): per-thread state in TLS,
 * simulated contexts, start/stop publication order, thread exit as
 * kcov_task_exit(), and re-initialisation in a forked child.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

__thread struct kcov_task ksim_current
	__attribute__((tls_model("initial-exec"))) KSIM_HIDDEN;

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

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

/* Publish buffer, size, device and sequence, then the mode (spec 3.5). */
notrace void kcov_start(struct kcov_task *t, struct kcov *kcov, uint32_t size,
			unsigned long *area, enum kcov_mode mode, int sequence)
{
	t->kcov_size = size;
	t->kcov_cmp_room = size ? (size - 1) / KCOV_WORDS_PER_CMP : 0;
	t->kcov_area = area;
	t->kcov_sequence = sequence;
	t->kcov = kcov;
	/* Pairs with the barrier after the gate load in the hooks. */
	barrier();
	WRITE_ONCE(t->kcov_mode, mode);
}

/* The mode goes first, so a hook never sees a cleared area with a mode. */
notrace void kcov_stop(struct kcov_task *t)
{
	WRITE_ONCE(t->kcov_mode, KCOV_MODE_DISABLED);
	barrier();
	t->kcov = NULL;
	t->kcov_size = 0;
	t->kcov_cmp_room = 0;
	t->kcov_area = NULL;
}

/* P-2025 also forgets the common handle (spec 2.8). */
notrace void kcov_task_reset(struct kcov_task *t)
{
	kcov_stop(t);
	t->kcov_sequence = 0;
	t->kcov_handle = 0;
}

/*
 * kcov_task_exit() (spec 3.3): the thread's exit detaches it from its device
 * like KCOV_DISABLE. A device that is not owned by this task means the
 * thread exits inside a remote section: WARN and leak the reference, as the
 * kernel does. The WARN comes after the unlock: the handler may call back
 * into the library (sim.h promises no lock is held).
 */
static notrace void kcov_task_exit(struct kcov_task *t)
{
	struct kcov *kcov = t->kcov;
	bool owner;

	if (kcov) {
		pthread_mutex_lock(&kcov->lock);
		owner = kcov->t == t;
		if (owner)
			kcov_disable(t, kcov);
		pthread_mutex_unlock(&kcov->lock);
		if (owner)
			kcov_put(kcov);		/* taken at (REMOTE_)ENABLE */
		else
			WARN(1, "task exits inside a remote section");
	}
	/* Ends a section left open; frees this "CPU"'s softirq buffer. */
	ksim_task_exit_remote(t);
}

static notrace void exit_destructor(void *arg)
{
	struct kcov_task *t = arg;

	t->armed = false;
	kcov_task_exit(t);
}

static notrace void exit_key_create(void)
{
	if (pthread_key_create(&exit_key, exit_destructor))
		abort();	/* PTHREAD_KEYS_MAX used up at load time */
}

/*
 * At KCOV_INIT_TRACE (device.c): arm the thread that initialises now. A
 * fork-server child inherits the armed task and the key's value, so its
 * ENABLE calls no pthread_setspecific(), a libc page it has not touched.
 * Armed early, the exit destructor finds nothing to do.
 */
notrace void ksim_task_warm(void)
{
	ksim_task_arm(&ksim_current);
}

/* Make sure kcov_task_exit() runs when this thread exits. */
notrace void ksim_task_arm(struct kcov_task *t)
{
	if (t->armed)
		return;
	pthread_once(&exit_key_once, exit_key_create);
	pthread_setspecific(exit_key, t);
	t->armed = true;
}

/* kcov_task_init() for the child's only thread (spec 3.2, DESIGN 4). */
static notrace void fork_child(void)
{
	struct kcov_task *t = &ksim_current;
	uint64_t handle = t->kcov_handle;
	bool armed = t->armed;

	t->pid = 0;		/* a page the kernel has just written */
	ksim_dev_fork_child();
	/* A disabled task in task context is what kcov_task_init() makes:
	 * leave its page alone (the fork-server parent never enables). */
	if (!t->gate && !t->kcov && !t->kcov_softirq && !t->in_section &&
	    !t->bh_cnt && !t->saved.kcov)
		return;
	memset(t, 0, offsetof(struct kcov_task, irq_area));
	t->kcov_handle = handle;	/* inherited, as dup_task_struct() does */
	t->armed = armed;		/* fork() keeps the thread's key values */
	ksim_ctx_update(t);
}

__attribute__((constructor)) static notrace void task_init(void)
{
	/* Now, not in each fork-server child's first KCOV_ENABLE. */
	pthread_once(&exit_key_once, exit_key_create);
	pthread_atfork(ksim_dev_fork_prepare, ksim_dev_fork_parent, fork_child);
}

/* ---- simulated contexts ------------------------------------------------ */

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

KCOV_SIM_API notrace void kcov_sim_task_info(struct kcov_sim_task_info *ti)
{
	struct kcov_task *t = &ksim_current;

	if (!ti)
		return;
	ti->kcov_mode = t->kcov_mode;
	ti->kcov_size = t->kcov_size;
	ti->kcov_handle = t->kcov_handle;
	ti->attached = t->kcov != NULL;
	ti->kcov_softirq = (int)t->kcov_softirq;
	ti->in_task = ksim_in_task(t);
}
