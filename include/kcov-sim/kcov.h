/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/kcov.h - the KCOV uapi, value for value as <linux/kcov.h>.
 *
 * Programs written against the kernel header compile unchanged against this
 * one; it defines nothing that the kernel header does not. The two can be
 * included together, in either order, as C or C++: included first, this
 * one takes the kernel header's include guard (_LINUX_KCOV_IOCTLS_H), so a
 * later <linux/kcov.h> adds nothing; included second, it adds only what an
 * older system header lacks (KCOV_TRACE_CMP came in Linux 4.16, the remote
 * ioctl in 5.5). It never includes the system header itself: ported kernel
 * code often brings a stand-in <linux/types.h> of its own.
 */
#ifndef KCOV_SIM_KCOV_H
#define KCOV_SIM_KCOV_H

#include <stdint.h>
#include <sys/ioctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _LINUX_KCOV_IOCTLS_H
#define _LINUX_KCOV_IOCTLS_H	/* no system header yet: this is the uapi */
#define KCOV_INIT_TRACE		_IOR('c', 1, unsigned long)
#define KCOV_ENABLE		_IO('c', 100)
#define KCOV_DISABLE		_IO('c', 101)
#endif

#ifndef KCOV_CMP_CONST
enum {
	/* Record PCs; 0 so that callers that passed 0 before modes existed work. */
	KCOV_TRACE_PC = 0,
	/* Record comparison operands, 4 words per record. */
	KCOV_TRACE_CMP = 1,
};

/* Type word of a comparison record. */
#define KCOV_CMP_CONST		(1 << 0)
#define KCOV_CMP_SIZE(n)	((n) << 1)
#define KCOV_CMP_MASK		KCOV_CMP_SIZE(3)
#endif

#ifndef KCOV_REMOTE_ENABLE
/* Argument of KCOV_REMOTE_ENABLE: 24 bytes, 8-aligned on every ABI. */
struct kcov_remote_arg {
	uint32_t trace_mode;	/* KCOV_TRACE_PC or KCOV_TRACE_CMP */
	uint32_t area_size;	/* words in each remote section's buffer */
	uint32_t num_handles;	/* entries in handles[], at most 256 */
	uint64_t common_handle __attribute__((aligned(8)));	/* 0: none */
	uint64_t handles[] __attribute__((aligned(8)));
};

#define KCOV_REMOTE_MAX_HANDLES	0x100
#define KCOV_REMOTE_ENABLE	_IOW('c', 102, struct kcov_remote_arg)

#define KCOV_SUBSYSTEM_COMMON	(0x00ull << 56)
#define KCOV_SUBSYSTEM_USB	(0x01ull << 56)

#define KCOV_SUBSYSTEM_MASK	(0xffull << 56)
#define KCOV_INSTANCE_MASK	(0xffffffffull)

static inline uint64_t kcov_remote_handle(uint64_t subsys, uint64_t inst)
{
	if (subsys & ~KCOV_SUBSYSTEM_MASK || inst & ~KCOV_INSTANCE_MASK)
		return 0;
	return subsys | inst;
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_KCOV_H */
