/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/kernel.h - what ported kernel code calls, with the kernel's names
 * (include/linux/kcov.h plus the context queries of <linux/preempt.h>).
 */
#ifndef KCOV_SIM_KERNEL_H
#define KCOV_SIM_KERNEL_H

#include <stdint.h>
#include <kcov-sim/export.h>
#include <kcov-sim/kcov.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Begin a remote coverage section on the calling thread (spec 5.5):
 * if a device registered @handle, what the thread runs until
 * kcov_remote_stop() goes to that device's buffer. In task context or a
 * real softirq only; an invalid handle or a nested section is a WARN.
 */
KCOV_SIM_API void kcov_remote_start(uint64_t handle);
/** @brief End the section: append its coverage to the device (spec 5.8). */
KCOV_SIM_API void kcov_remote_stop(void);
/** @brief The calling task's common handle in task context, else 0 (spec 5.4). */
KCOV_SIM_API uint64_t kcov_common_handle(void);

/** @brief kcov_remote_start() of the common handle with instance @id. */
KCOV_SIM_API void kcov_remote_start_common(uint64_t id);
/** @brief kcov_remote_start() of the USB handle of bus @id. */
KCOV_SIM_API void kcov_remote_start_usb(uint64_t id);
/** @brief Only in a real softirq (serving, not in a nested hardirq); else no-op. */
KCOV_SIM_API void kcov_remote_start_usb_softirq(uint64_t id);
/** @brief The stop of kcov_remote_start_usb_softirq(), under the same rule. */
KCOV_SIM_API void kcov_remote_stop_softirq(void);

/** @brief Context queries of the calling thread: 1 or 0. */
KCOV_SIM_API int kcov_sim_in_task(void);
KCOV_SIM_API int kcov_sim_in_serving_softirq(void);
KCOV_SIM_API int kcov_sim_in_hardirq(void);
KCOV_SIM_API int kcov_sim_in_nmi(void);

/** @brief Context switch bit (KCOV_IN_CTXSW) of the calling thread. */
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
