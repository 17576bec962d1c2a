/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/kernel.h - what ported kernel code calls, with the kernel's names
 * (include/linux/kcov.h plus the context queries of <linux/preempt.h>).
 */
#ifndef KCOV_SIM_KERNEL_H
#define KCOV_SIM_KERNEL_H

#include <stdint.h>
#include <kcov-sim/kcov.h>

#ifndef KCOV_SIM_API
#define KCOV_SIM_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Remote coverage sections (spec 5.5, 5.8). */
KCOV_SIM_API void kcov_remote_start(uint64_t handle);
KCOV_SIM_API void kcov_remote_stop(void);
/* The calling task's common handle in task context, else 0 (spec 5.4). */
KCOV_SIM_API uint64_t kcov_common_handle(void);

KCOV_SIM_API void kcov_remote_start_common(uint64_t id);
KCOV_SIM_API void kcov_remote_start_usb(uint64_t id);
/* Only in a real softirq (serving, not in a nested hardirq); else no-op. */
KCOV_SIM_API void kcov_remote_start_usb_softirq(uint64_t id);
KCOV_SIM_API void kcov_remote_stop_softirq(void);

/* Context queries of the calling thread. */
KCOV_SIM_API int kcov_sim_in_task(void);
KCOV_SIM_API int kcov_sim_in_serving_softirq(void);
KCOV_SIM_API int kcov_sim_in_hardirq(void);
KCOV_SIM_API int kcov_sim_in_nmi(void);

/* Context switch bit (KCOV_IN_CTXSW), on the calling thread. */
KCOV_SIM_API void kcov_sim_ctxsw_begin(void);
KCOV_SIM_API void kcov_sim_ctxsw_end(void);

/*
 * The kernel passes a task; in the simulator the task switched out (prev)
 * and the task switched in are the calling thread, so the argument, if
 * any, is ignored.
 */
#define kcov_prepare_switch(...)	kcov_sim_ctxsw_begin()
#define kcov_finish_switch(...)		kcov_sim_ctxsw_end()

/* Kernel spellings, unless the ported code brings its own. */
#ifndef in_task
#define in_task()		kcov_sim_in_task()
#endif
#ifndef in_serving_softirq
#define in_serving_softirq()	kcov_sim_in_serving_softirq()
#endif
#ifndef in_hardirq
#define in_hardirq()		kcov_sim_in_hardirq()
#endif
#ifndef in_nmi
#define in_nmi()		kcov_sim_in_nmi()
#endif

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_KERNEL_H */
