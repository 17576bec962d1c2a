/* SPDX-License-Identifier: MIT */
/*
 * kcov-sim/sim.h - the harness API: what tests and tools call around the
 * simulated kernel.
 *
 * Conventions, for every function of this header:
 *  - the syscall mirrors (kcov_sim_open/ioctl/mmap/munmap/close) behave like
 *    the syscalls they mirror and report errors as -1 (or MAP_FAILED) with
 *    errno set. Every other function returns 0 (or a count) or a negative
 *    errno value, like the kernel, and leaves errno alone.
 *  - a NULL pointer where the function writes a result is -EFAULT, as a bad
 *    user pointer is for the kernel.
 *  - structures the library fills begin with `size_t sz`, which the caller
 *    sets to the size of the structure it was compiled with (use
 *    KCOV_SIM_OUT()). The library fills what both know and zeroes the
 *    rest, so a structure can grow without a new symbol; an @sz smaller
 *    than the first release's structure is -EINVAL.
 */
#ifndef KCOV_SIM_SIM_H
#define KCOV_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kcov-sim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The errno a kernel without KCOV_TRACE_CMP support returns (not in libc). */
#define KCOV_SIM_ENOTSUPP	524

/* Declare @name, a struct @type to be filled, with its size set. */
#define KCOV_SIM_OUT(type, name)	struct type name = { .sz = sizeof(struct type) }

/* The mode of a device or a task: the kernel's enum kcov_mode. */
enum kcov_sim_mode {
	KCOV_SIM_MODE_DISABLED	= 0,	/* opened, not initialised */
	KCOV_SIM_MODE_INIT	= 1,	/* KCOV_INIT_TRACE done */
	KCOV_SIM_MODE_TRACE_PC	= 2,
	KCOV_SIM_MODE_TRACE_CMP	= 3,
	KCOV_SIM_MODE_REMOTE	= 4,	/* tasks only: owner of a remote device (P-2025) */
};

/* ---- Front door (a): the syscalls, one to one ------------------------- */

/**
 * @brief open("/sys/kernel/debug/kcov", O_RDWR): a new device.
 * @return the fd, or -1 with errno (ENOMEM, EMFILE, ...).
 */
KCOV_SIM_API int kcov_sim_open(void);
/**
 * @brief ioctl(2): KCOV_INIT_TRACE, KCOV_ENABLE, KCOV_DISABLE and
 * KCOV_REMOTE_ENABLE on a kcov fd; any other fd passes through to the kernel.
 * @param fd the kcov fd.
 * @param cmd the request; only its low 32 bits count, as for the syscall.
 * @param arg by value, except KCOV_REMOTE_ENABLE's struct kcov_remote_arg *.
 * @return 0, or -1 with errno as Linux gives it (spec 2.10).
 */
KCOV_SIM_API int kcov_sim_ioctl(int fd, unsigned long cmd, unsigned long arg);
/**
 * @brief mmap(2); on a kcov fd validated as kcov_mmap() does (after
 * KCOV_INIT_TRACE, offset 0, the buffer's page-rounded length), then made
 * for real with the caller's address, protection and flags.
 * @return the address, or MAP_FAILED with errno.
 */
KCOV_SIM_API void *kcov_sim_mmap(void *addr, size_t len, int prot, int flags,
				 int fd, off_t off);
/**
 * @brief munmap(2); a kcov file lives until its last fd and mapping go.
 * @return 0, or -1 with errno.
 */
KCOV_SIM_API int kcov_sim_munmap(void *addr, size_t len);
/**
 * @brief close(2); the device is released with the file's last fd and
 * mapping, unless a task or a remote section still holds it (spec 2.9).
 * @return 0, or -1 with errno.
 */
KCOV_SIM_API int kcov_sim_close(int fd);

/* ---- Simulated contexts of the calling thread ------------------------- */

/**
 * @brief Enter or leave a simulated interrupt context on the calling
 * thread. Hooks record only in task context, or in a softirq that runs a
 * remote section; contexts nest as on a CPU (a hardirq inside a softirq,
 * ...). An exit without its enter is a WARN and changes nothing.
 */
KCOV_SIM_API void kcov_sim_softirq_enter(void);
KCOV_SIM_API void kcov_sim_softirq_exit(void);
KCOV_SIM_API void kcov_sim_hardirq_enter(void);
KCOV_SIM_API void kcov_sim_hardirq_exit(void);
KCOV_SIM_API void kcov_sim_nmi_enter(void);
KCOV_SIM_API void kcov_sim_nmi_exit(void);
/** @brief local_bh_disable()/enable(): the thread stays in task context. */
KCOV_SIM_API void kcov_sim_bh_disable(void);
KCOV_SIM_API void kcov_sim_bh_enable(void);
/**
 * @brief Set / clear the KCOV_IN_CTXSW bit of the calling thread's mode
 * (kcov_prepare_switch()/kcov_finish_switch()): no hook records meanwhile.
 */
KCOV_SIM_API void kcov_sim_ctxsw_begin(void);
KCOV_SIM_API void kcov_sim_ctxsw_end(void);

/* ---- Configuration ----------------------------------------------------- */

/**
 * @brief Whether the simulated kernel has CONFIG_KCOV_ENABLE_COMPARISONS
 * (default yes); without, KCOV_TRACE_CMP fails with errno 524.
 */
KCOV_SIM_API void kcov_sim_set_cmp_support(int enabled);
/**
 * @brief Cap in bytes for one coverage buffer (0, the default: none);
 * KCOV_INIT_TRACE above it fails with ENOMEM, a remote section does not start.
 */
KCOV_SIM_API void kcov_sim_set_alloc_limit(size_t bytes);

/*
 * Profiles: which kernel the simulator behaves as, where kernels differ
 * (README, "Profiles", lists every rule; the spec marks them [P-2025] and
 * [P-2026]):
 *
 *  "P-2025"      mainline mid-2024 .. late 2025 (the default): a remote
 *                owner's task has mode KCOV_MODE_REMOTE, DISABLE forgets
 *                the common handle, one softirq buffer per CPU;
 *  "linux-6.1"   Debian's 6.1 (6.1.192): P-2025, but softirq buffers come
 *                from a pool of one per simulated CPU;
 *  "linux-6.12"  Debian's 6.12 (6.12.118): linux-6.1, and the CMP hook
 *                bounds a user-written count (case 57 writes nothing and
 *                warns nothing);
 *  "P-2026"      newest mainline: linux-6.12, and a task may own one local
 *                and one remote device (t->kcov_remote); DISABLE of a local
 *                device keeps the common handle.
 */
/**
 * @brief Choose the profile (also read from the environment at load time:
 * KCOV_SIM_PROFILE=<name>). Only while no device exists.
 * @return 0; -EINVAL for an unknown name (the profile stays); -EBUSY
 * while a device exists.
 */
KCOV_SIM_API int kcov_sim_set_profile(const char *name);
/** @brief The profile's name, as kcov_sim_set_profile() takes it. */
KCOV_SIM_API const char *kcov_sim_get_profile(void);
/**
 * @brief The number of simulated CPUs (default: the machine's): the
 * softirq buffers of the pool profiles (one per CPU, filled at first use;
 * spec 5.6). A softirq section that finds the pool empty collects nothing
 * (case 104). Only while no device exists.
 * @return 0; -EINVAL for 0; -EBUSY while a device exists.
 */
KCOV_SIM_API int kcov_sim_set_nr_cpus(unsigned int n);

/*
 * PC modes: what the hooks store as a PC (TRACE_PC entries and the ip of
 * CMP records). A "module" is an ELF object of the process (the executable,
 * a shared library); its "offset" is the PC's link-time address in the
 * file, i.e. run-time address - load base: what `addr2line -e FILE` wants.
 *
 *  raw     the return address minus the bias (kcov_sim_set_pc_bias, 0 by
 *          default): changes from run to run under ASLR.
 *  module  (id << 32) | offset, the analogue of the kernel subtracting its
 *          KASLR offset: the same code gives the same value in every run.
 *          id = FNV-1a-32 of the module's GNU build-id (of its file's base
 *          name if it has none) with bit 31 set, never 0xffffffff; the
 *          value is thus >= 2^63 and outside the kernel window. Offsets
 *          must fit in 32 bits.
 *  kernel  KERNEL_BASE + slot * 32 MiB + offset, inside the x86-64 kernel
 *          text window [0xffffffff80000000, 0xffffffffff000000) that tools
 *          such as syzkaller accept. On its first PC in this mode a module
 *          gets as many consecutive 32 MiB slots (of 63) as its text needs,
 *          from slot id % 63 or the next free run, so the same program
 *          gives the same values from run to run. PCs outside every module
 *          map to KERNEL_UNKNOWN + (ip & 0xffffff).
 *
 * The three forms do not overlap: raw < 2^63 <= module < KERNEL_BASE.
 * Code outside any module (JIT) keeps its raw value in module mode. In
 * modes other than raw the bias is ignored.
 */
enum kcov_sim_pc_mode {
	KCOV_SIM_PC_RAW = 0,		/* return addresses as they are */
	KCOV_SIM_PC_MODULE = 1,		/* module id + offset: ASLR-stable */
	KCOV_SIM_PC_KERNEL = 2,		/* inside the x86-64 kernel text window */
};

#define KCOV_SIM_PC_MODULE_TAG		0x80000000u
#define KCOV_SIM_PC_KERNEL_BASE		0xffffffff80000000ull
#define KCOV_SIM_PC_KERNEL_END		0xffffffffff000000ull
#define KCOV_SIM_PC_KERNEL_SLOT_SHIFT	25			/* 32 MiB */
#define KCOV_SIM_PC_KERNEL_SLOTS	63
#define KCOV_SIM_PC_KERNEL_UNKNOWN	0xfffffffffe000000ull	/* + low 24 bits */
/* Pack and unpack KCOV_SIM_PC_MODULE values. */
#define KCOV_SIM_PC_MODULE_PC(id, off)	(((uint64_t)(id) << 32) | (uint32_t)(off))
#define KCOV_SIM_PC_MODULE_ID(pc)	((uint32_t)((uint64_t)(pc) >> 32))
#define KCOV_SIM_PC_MODULE_OFF(pc)	((uint32_t)(pc))

/**
 * @brief Set the PC mode of the hooks for all threads (also read from the
 * environment at load time: KCOV_SIM_PC_MODE=raw|module|kernel).
 * The first switch away from raw builds the module table; later switches
 * are one store.
 * @return 0, or -EINVAL for an unknown mode.
 */
KCOV_SIM_API int kcov_sim_set_pc_mode(enum kcov_sim_pc_mode mode);
/** @brief The current PC mode. */
KCOV_SIM_API enum kcov_sim_pc_mode kcov_sim_get_pc_mode(void);
/** @brief In raw mode, subtract @bias from every PC (the kernel's KASLR offset). */
KCOV_SIM_API void kcov_sim_set_pc_bias(uintptr_t bias);

/* Where a PC value of this process comes from. */
struct kcov_sim_pc_loc {
	const char	*path;		/* module file; "" if unknown (e.g. vdso);
					 * owned by the library, never freed */
	uint64_t	offset;		/* link-time address in @path */
	uint64_t	module_pc;	/* the same PC in KCOV_SIM_PC_MODULE form */
	uintptr_t	addr;		/* run-time address in this process */
	uint32_t	module_id;	/* KCOV_SIM_PC_MODULE_ID(module_pc) */
	int		kernel_slot;	/* first kernel-range slot, or -1 */
	enum kcov_sim_pc_mode form;	/* which encoding @pc was in */
	unsigned int	build_id_len;	/* 0 if the module has no build-id */
	unsigned char	build_id[32];
};

/**
 * @brief Decode a PC of any mode, as collected in this process, to its
 * module and offset. Raw values are taken with the current bias.
 * @return 0, -ENOENT if no loaded module contains it, -EFAULT if @loc is
 * NULL, -EINVAL if the value is in none of the three forms.
 */
KCOV_SIM_API int kcov_sim_pc_decode(uint64_t pc, struct kcov_sim_pc_loc *loc);

/**
 * @brief Write the module map of this process to @fd: one line per loaded
 * module, "#kcov-sim module <id> <slot|-> <build-id|-> <path>" (hex id
 * and build-id, decimal kernel slot). kcov-sim-symbolize -m reads it to
 * decode module and kernel-range values in another process.
 * @return 0 or a negative errno from write(2).
 */
KCOV_SIM_API int kcov_sim_pc_map_write(int fd);

/* ---- Fault injection --------------------------------------------------- */

/*
 * Make the library's own calls fail, to test what a program (and the
 * library) does when memory or fds run out. Only calls the library makes
 * for itself count: its allocations, the mmap()s of its views and section
 * buffers, the memfd_create() of each device, its open()s and opendir()s
 * (of /proc/self/fd/N, for instance), and pthread_create() of threads of
 * its own. Calls it makes on the caller's behalf never count: an interposer
 * passing an open() of another file through, the mmap() that makes a
 * user's kcov mapping, the user's pthread_create().
 *
 * Each failure is what the kernel or libc gives when the resource runs out:
 * the call that needed it fails with ENOMEM (allocations, mmap), EMFILE
 * (memfd_create, open) or EAGAIN (pthread_create), and a front door
 * reports that errno (open() of the device, an ioctl, mmap); where the
 * kernel has no error to give (a remote section whose buffer cannot be
 * allocated) the section collects nothing, as under vmalloc() failure.
 */
#define KCOV_SIM_FAULT_ALLOC	(1u << 0)	/* malloc, calloc, realloc, strdup */
#define KCOV_SIM_FAULT_MMAP	(1u << 1)
#define KCOV_SIM_FAULT_MEMFD	(1u << 2)
#define KCOV_SIM_FAULT_OPEN	(1u << 3)	/* open, openat, opendir */
#define KCOV_SIM_FAULT_THREAD	(1u << 4)	/* pthread_create */
#define KCOV_SIM_FAULT_ALL	0x1fu
#define KCOV_SIM_FAULT_EVERY	(1u << 8)	/* flag: every @nth call, not one */

/**
 * @brief Arm fault injection (also read from the environment at load time:
 * KCOV_SIM_FAULT=<kinds>:<nth>, kinds by name - alloc, mmap, memfd, open,
 * thread, all, every - or number, comma-separated: "alloc,mmap:3").
 * Resets both counters below. Calls of every thread count.
 * @param kinds KCOV_SIM_FAULT_* bits of the calls to count (0: none,
 * which disarms), with KCOV_SIM_FAULT_EVERY to fail every @nth one.
 * @param nth the 1-based number of the counted call that fails; 0 counts
 * calls without failing any (run once so, then walk @nth from 1 to
 * kcov_sim_fault_calls()).
 * @return 0, or -EINVAL for an unknown bit in @kinds (nothing changes).
 */
KCOV_SIM_API int kcov_sim_fault_set(unsigned int kinds, unsigned long nth);
/**
 * @brief Calls of the armed kinds since the last kcov_sim_fault_set().
 * @return the count.
 */
KCOV_SIM_API unsigned long kcov_sim_fault_calls(void);
/**
 * @brief Failures injected since the last kcov_sim_fault_set(): the hit
 * indicator (0 or 1 without KCOV_SIM_FAULT_EVERY).
 * @return the count.
 */
KCOV_SIM_API unsigned long kcov_sim_fault_injected(void);

/* ---- Kernel WARN_ONs --------------------------------------------------- */

/* A kernel WARN_ON: where in the library, and what the kernel would say. */
typedef void (*kcov_sim_warn_fn)(const char *file, int line, const char *what,
				 void *arg);
/** @brief Number of WARNs since start, all threads. */
KCOV_SIM_API unsigned long kcov_sim_warn_count(void);
/**
 * @brief Replace the default report of a WARN (one "kcov-sim: WARNING"
 * line on stderr); NULL restores it. @fn may run on any thread, never with
 * a library lock held, and may call the library.
 */
KCOV_SIM_API void kcov_sim_set_warn_handler(kcov_sim_warn_fn fn, void *arg);

/* ---- Introspection ----------------------------------------------------- */

struct kcov_sim_dev_info {
	size_t		sz;		/* sizeof(struct kcov_sim_dev_info) */
	uint64_t	id;		/* stable while the device lives */
	int		refcount;	/* file + owner + running sections */
	enum kcov_sim_mode mode;	/* DISABLED, INIT, TRACE_PC or TRACE_CMP */
	unsigned long	size;		/* words, 0 before KCOV_INIT_TRACE */
	int		sequence;	/* bumped by every reset */
	int		remote;		/* KCOV_REMOTE_ENABLE succeeded */
	int		file_open;	/* an fd or user mapping still holds it */
	unsigned int	nr_handles;	/* registered remote handles (common too) */
	unsigned long	*area;		/* the library's view of the buffer; valid
					 * while the device lives */
};

/**
 * @brief The device behind a kcov fd, as this process sees it.
 * @return 0; -EBADF, -ENOTTY (not a kcov fd), -EFAULT (@info NULL) or
 * -EINVAL (@info->sz too small).
 */
KCOV_SIM_API int kcov_sim_dev_info(int fd, struct kcov_sim_dev_info *info);
/**
 * @brief The same by id, also after close().
 * @return 0; -ENOENT once the device is freed; -EFAULT, -EINVAL as above.
 */
KCOV_SIM_API int kcov_sim_dev_info_id(uint64_t id, struct kcov_sim_dev_info *info);
/**
 * @brief Live devices in this process (freed ones do not count; a forked
 * copy that only an owner in another process kept is dropped once that
 * owner has disabled or exited, before counting).
 */
KCOV_SIM_API int kcov_sim_device_count(void);

struct kcov_sim_pool_stats {
	size_t	sz;		/* sizeof(struct kcov_sim_pool_stats) */
	size_t	pooled;		/* task section buffers waiting in the pool */
	size_t	allocs;		/* task section buffers allocated so far */
	size_t	reuses;		/* task section buffers taken from the pool */
	size_t	handles;	/* entries in the global handle table */
	size_t	sections;	/* remote sections running now */
	size_t	irq_pooled;	/* softirq buffers in the IRQ pool (pool profiles) */
	size_t	irq_empty;	/* softirq sections that found it empty */
};
/**
 * @brief The remote-section buffer pool and handle table (spec 5.3, 5.6).
 * @return 0, -EFAULT or -EINVAL (see the conventions above).
 */
KCOV_SIM_API int kcov_sim_pool_stats(struct kcov_sim_pool_stats *st);

/* The calling thread's task state, for tests of the fake task. */
struct kcov_sim_task_info {
	size_t		sz;		/* sizeof(struct kcov_sim_task_info) */
	enum kcov_sim_mode kcov_mode;	/* without KCOV_IN_CTXSW */
	int		in_ctxsw;	/* KCOV_IN_CTXSW (1 << 30) is set */
	unsigned int	kcov_size;
	uint64_t	kcov_handle;
	int		attached;	/* t->kcov != NULL */
	int		kcov_softirq;
	int		in_task;
	int		attached_remote; /* P-2026: t->kcov_remote != NULL */
};
/**
 * @brief The calling thread's task fields (spec 3.1).
 * @return 0, -EFAULT or -EINVAL (see the conventions above).
 */
KCOV_SIM_API int kcov_sim_task_info(struct kcov_sim_task_info *ti);

/** @brief "MAJOR.MINOR.PATCH" of the library. */
KCOV_SIM_API const char *kcov_sim_version(void);

#ifdef __cplusplus
}
#endif

#endif /* KCOV_SIM_SIM_H */
