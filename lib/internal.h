/* SPDX-License-Identifier: MIT */
/* internal.h - shared between the parts of lib/; never installed. */
#ifndef KSIM_INTERNAL_H
#define KSIM_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>
#include <bsd/sys/queue.h>

#include "compiler.h"
#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

#define ENOTSUPP		524	/* kernel-internal, no libc name */
#define KCOV_WORDS_PER_CMP	4
#define KCOV_IN_CTXSW		(1u << 30)
#define KCOV_IRQ_AREA_SIZE	0x40000u	/* words, CONFIG_KCOV_IRQ_AREA_SIZE */
#define KCOV_INIT_MAX		(INT32_MAX / 8)	/* INT_MAX / sizeof(long) */
#define KSIM_PAGE_SIZE		4096ul

enum kcov_mode {
	KCOV_MODE_DISABLED	= 0,
	KCOV_MODE_INIT		= 1,
	KCOV_MODE_TRACE_PC	= 2,
	KCOV_MODE_TRACE_CMP	= 3,
	KCOV_MODE_REMOTE	= 4,	/* P-2025: the remote owner's task */
};

struct kcov;

/*
 * The fake task_struct: one per thread, in initial-exec TLS (a hook pays one
 * %fs-relative load, not a __tls_get_addr call). All zero means "disabled",
 * so instrumented code that runs before any constructor records nothing.
 * Only the thread itself writes these fields (a forked child re-initialises
 * its copy), so the ordering between them needs compiler barriers only.
 */
struct kcov_task {
	union {
		struct {
			uint32_t kcov_mode;	/* enum kcov_mode | KCOV_IN_CTXSW */
			uint32_t ctx_block;	/* 0 iff the context may record */
		};
		uint64_t gate;		/* both, for the hooks' single compare */
	};
	uint32_t	kcov_size;	/* words in kcov_area */
	uint32_t	kcov_cmp_room;	/* whole CMP records kcov_area holds */
	unsigned long	*kcov_area;	/* where hooks write (library's view) */
	struct kcov	*kcov;		/* device this task is wired to */
	int		kcov_sequence;	/* device sequence seen at start */
	unsigned int	kcov_softirq;	/* a softirq section runs on top */
	uint64_t	kcov_handle;	/* common handle, inherited by children */

	uint8_t		softirq_cnt;	/* simulated preempt_count parts */
	uint8_t		hardirq_cnt;
	uint8_t		nmi_cnt;
	uint8_t		bh_cnt;
	bool		in_section;	/* a task-context remote section runs */
	bool		armed;		/* exit destructor registered */

	/* P-2025 keeps these per CPU; a simulated CPU is one thread. */
	struct {
		uint32_t	mode;
		uint32_t	size;
		unsigned long	*area;
		struct kcov	*kcov;
		int		sequence;
	} saved;
	unsigned long	*irq_area;	/* this "CPU"'s softirq section buffer */
	pid_t		pid;		/* getpid() cache, 0 again after fork */
};

extern __thread struct kcov_task ksim_current
	__attribute__((tls_model("initial-exec"))) KSIM_HIDDEN;

/*
 * This process's pid without a syscall per use. Cached in the task, whose
 * page a forked child has already written (the kernel stores the child's
 * tid next to it), rather than in a global, whose page it has not.
 */
static inline notrace pid_t ksim_getpid(void)
{
	struct kcov_task *t = &ksim_current;

	if (unlikely(!t->pid))
		t->pid = getpid();
	return t->pid;
}

/* Task context: not serving a softirq, not in a hardirq, not in an NMI. */
static __always_inline notrace bool ksim_in_task(const struct kcov_task *t)
{
	return !(t->softirq_cnt | t->hardirq_cnt | t->nmi_cnt);
}

/* Serving a softirq and not in a hardirq or NMI on top of it (spec 4.1). */
static __always_inline notrace bool ksim_in_softirq_really(const struct kcov_task *t)
{
	return t->softirq_cnt && !t->hardirq_cnt && !t->nmi_cnt;
}

/* The value of kcov_task.gate for @mode in a context that may record. */
static __always_inline uint64_t ksim_gate(uint32_t mode)
{
	struct kcov_task t = { .kcov_mode = mode, .ctx_block = 0 };

	return t.gate;
}

/*
 * struct kcov: see the state diagram in device.c. Identity is the memfd's
 * inode: every fd and mapping of one open file description reaches it.
 */
struct kcov {
	atomic_int	refcount;	/* file + owner task + running sections */
	pthread_mutex_t	lock;		/* serialises the fields below; never in a hook */
	enum kcov_mode	mode;		/* DISABLED, INIT, TRACE_PC or TRACE_CMP */
	uint32_t	size;		/* words, set once by KCOV_INIT_TRACE */
	unsigned long	*area;		/* library's MAP_SHARED view of the memfd */
	size_t		map_len;	/* page-rounded bytes of @area */
	struct kcov_task *t;		/* owner (local or remote) or NULL */
	pid_t		owner_pid;	/* the process of @t; atomic, read unlocked */
	struct kcov_shared *shared;	/* what forked processes share (device.c) */
	bool		remote;
	uint32_t	remote_size;	/* words per remote section buffer */
	int		sequence;	/* starts at 1, bumped by kcov_reset() */

	/* Under devices_lock (device.c): */
	dev_t		st_dev;
	ino_t		st_ino;
	uint64_t	id;
	LIST_ENTRY(kcov) link;

	/* Under umap_lock (file.c): */
	bool		file_open;	/* an fd or a user mapping pins the file */

	/* Under remote_lock (remote.c): */
	unsigned int	nr_handles;
};

/* The three pthread_atfork() moments; device.c runs every part's. */
enum ksim_fork { KSIM_FORK_PREPARE, KSIM_FORK_PARENT, KSIM_FORK_CHILD };

/* Take (prepare), release (parent) or re-create (child) @lock. */
static inline notrace void ksim_fork_lock(pthread_mutex_t *lock, enum ksim_fork when)
{
	if (when == KSIM_FORK_PREPARE)
		pthread_mutex_lock(lock);
	else if (when == KSIM_FORK_PARENT)
		pthread_mutex_unlock(lock);
	else
		pthread_mutex_init(lock, NULL);
}

/* hooks.c / pc.c */
extern int ksim_pc_mode KSIM_HIDDEN;
extern uintptr_t ksim_pc_bias KSIM_HIDDEN;
uint64_t ksim_pc_xlate(uintptr_t ip) KSIM_HIDDEN;
void ksim_pc_fork(enum ksim_fork when) KSIM_HIDDEN;

/* task.c */
void kcov_start(struct kcov_task *t, struct kcov *kcov, uint32_t size,
		unsigned long *area, enum kcov_mode mode, int sequence) KSIM_HIDDEN;
void kcov_stop(struct kcov_task *t) KSIM_HIDDEN;
void kcov_task_reset(struct kcov_task *t) KSIM_HIDDEN;
void ksim_task_arm(struct kcov_task *t) KSIM_HIDDEN;
void ksim_ctx_update(struct kcov_task *t) KSIM_HIDDEN;

/* device.c */
void kcov_get(struct kcov *kcov) KSIM_HIDDEN;
void kcov_put(struct kcov *kcov) KSIM_HIDDEN;
void kcov_reset(struct kcov *kcov) KSIM_HIDDEN;
void kcov_disable(struct kcov_task *t, struct kcov *kcov) KSIM_HIDDEN;
void kcov_sync_owner(struct kcov *kcov) KSIM_HIDDEN;
void kcov_sync_init(struct kcov *kcov, int fd) KSIM_HIDDEN;
int kcov_claim(struct kcov *kcov) KSIM_HIDDEN;
void kcov_unclaim(struct kcov *kcov) KSIM_HIDDEN;
bool ksim_hooks_ours(unsigned long arg) KSIM_HIDDEN;
int ksim_trace_mode(unsigned long arg, bool hooks_ours, enum kcov_mode *mode) KSIM_HIDDEN;
struct kcov *ksim_dev_get_fd(int fd, int *err) KSIM_HIDDEN;
bool ksim_devices_exist(void) KSIM_HIDDEN;
int ksim_dev_open(int flags) KSIM_HIDDEN;
int ksim_dev_ioctl(int fd, unsigned long cmd, unsigned long arg) KSIM_HIDDEN;
bool kcov_tryget(struct kcov *kcov) KSIM_HIDDEN;
struct kcov *ksim_dev_get_inode(dev_t dev, ino_t ino) KSIM_HIDDEN;
void ksim_dev_fork_prepare(void) KSIM_HIDDEN;
void ksim_dev_fork_parent(void) KSIM_HIDDEN;
void ksim_dev_fork_child(void) KSIM_HIDDEN;

/* record.c: golden-coverage recording (KCOV_SIM_RECORD); caller holds
 * kcov->lock; called before a device's coverage is detached. */
void ksim_record(struct kcov *kcov) KSIM_HIDDEN;
/* device.c: call @fn on every live device, with a reference held. */
void ksim_dev_foreach(void (*fn)(struct kcov *kcov, void *arg), void *arg) KSIM_HIDDEN;

/* file.c: fds and user mappings of kcov files; syscalls return like libc */
void *ksim_file_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) KSIM_HIDDEN;
int ksim_file_munmap(void *addr, size_t len) KSIM_HIDDEN;
void *ksim_file_mremap(void *old, size_t old_len, size_t new_len, int flags,
		       void *new_addr) KSIM_HIDDEN;
int ksim_file_close(int fd) KSIM_HIDDEN;
int ksim_file_dup3(int oldfd, int newfd, int flags, bool is_dup3) KSIM_HIDDEN;
int ksim_file_close_range(unsigned int first, unsigned int last, int flags) KSIM_HIDDEN;
void ksim_file_check(struct kcov *kcov) KSIM_HIDDEN;
bool ksim_file_open(struct kcov *kcov) KSIM_HIDDEN;
void ksim_fd_mark(int fd, bool kcov) KSIM_HIDDEN;
bool ksim_fd_is_kcov(int fd) KSIM_HIDDEN;
void ksim_file_lock(void) KSIM_HIDDEN;
void ksim_file_unlock(void) KSIM_HIDDEN;
void ksim_file_fork_child(void) KSIM_HIDDEN;

/* remote.c */
int ksim_remote_enable_ioctl(struct kcov *kcov, unsigned long uarg) KSIM_HIDDEN;
void kcov_remote_reset(struct kcov *kcov) KSIM_HIDDEN;
void ksim_remote_lock(void) KSIM_HIDDEN;
void ksim_remote_unlock(void) KSIM_HIDDEN;
void ksim_remote_fork_child(void) KSIM_HIDDEN;
void ksim_task_exit_remote(struct kcov_task *t) KSIM_HIDDEN;

/* shim.c: libc's own functions, never our interposers */
int ksim_real_close(int fd) KSIM_HIDDEN;
void *ksim_real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) KSIM_HIDDEN;
int ksim_real_munmap(void *addr, size_t len) KSIM_HIDDEN;
int ksim_real_ioctl(int fd, unsigned long cmd, unsigned long arg) KSIM_HIDDEN;
int ksim_real_dup2(int oldfd, int newfd) KSIM_HIDDEN;
int ksim_real_dup3(int oldfd, int newfd, int flags) KSIM_HIDDEN;
int ksim_real_close_range(unsigned int first, unsigned int last, int flags) KSIM_HIDDEN;
void *ksim_real_mremap(void *old, size_t old_len, size_t new_len, int flags,
		       void *new_addr) KSIM_HIDDEN;

/* sim.c */
extern bool ksim_cmp_supported KSIM_HIDDEN;
extern size_t ksim_alloc_limit KSIM_HIDDEN;
void ksim_warn(const char *file, int line, const char *what) KSIM_HIDDEN;

/* shadow.c */
bool ksim_cmp_hooks_ours(void) KSIM_HIDDEN;
bool ksim_pc_hook_ours(void) KSIM_HIDDEN;
void ksim_hooks_warm(void) KSIM_HIDDEN;
void ksim_task_warm(void) KSIM_HIDDEN;
void ksim_shadow_fork(enum ksim_fork when) KSIM_HIDDEN;
void ksim_sim_fork(enum ksim_fork when) KSIM_HIDDEN;

#define WARN(cond, what) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c))						\
		ksim_warn(__FILE__, __LINE__, (what));			\
	__c;								\
})
#define WARN_ON(cond)	WARN(cond, #cond)

/* The only kernel-to-libc error conversion (STYLE 6.4). */
static inline notrace int sys_result(int ret)
{
	if (ret >= 0)
		return ret;
	errno = -ret;
	return -1;
}

/* Coverage memory above the configured cap fails like a full kernel. */
static inline notrace bool over_alloc_limit(size_t bytes)
{
	size_t limit = READ_ONCE(ksim_alloc_limit);

	return limit && bytes > limit;
}

static inline notrace size_t page_round(size_t bytes)
{
	return (bytes + KSIM_PAGE_SIZE - 1) & ~(KSIM_PAGE_SIZE - 1);
}

#endif /* KSIM_INTERNAL_H */
