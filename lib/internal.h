/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of lib/ share; never installed.
 *
 * The files form layers and call only downwards (tests/graph_check.cmake
 * checks it from the objects' symbol tables):
 *
 *   shim.c                  front doors: kcov_sim_* and the libc interposers
 *   fork.c  exec.c          fork and execve of the whole process
 *   vfs.c                   the kcov file: fds, mappings, release
 *   kcov.c                  kernel/kcov.c: devices, tasks, ioctls, remote
 *   hooks.c                 the __sanitizer_cov_* entry points
 *   buf.c record.c pc.c     the memfd buffer; golden recording; PC modes
 *   shadow.c                does instrumented code reach our hooks?
 *   path.c                  which path names reach the device (namei)
 *   ctx.c sim.c libc.c      current and its contexts; config and WARN;
 *                           the raw libc calls (and fault injection)
 *
 * Inside lib/ errors are negative errno values; only the front doors turn
 * them into -1 and errno (sys_result()).
 */
#ifndef KSIM_INTERNAL_H
#define KSIM_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
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

/* The kernel's enum kcov_mode: the public enum kcov_sim_mode, same values. */
enum kcov_mode {
	KCOV_MODE_DISABLED	= KCOV_SIM_MODE_DISABLED,
	KCOV_MODE_INIT		= KCOV_SIM_MODE_INIT,
	KCOV_MODE_TRACE_PC	= KCOV_SIM_MODE_TRACE_PC,
	KCOV_MODE_TRACE_CMP	= KCOV_SIM_MODE_TRACE_CMP,
	KCOV_MODE_REMOTE	= KCOV_SIM_MODE_REMOTE,	/* P-2025: remote owner */
};

struct kcov;

/* ---- ctx.c: current and its simulated contexts ------------------------- */

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
	struct kcov	*kcov_remote;	/* P-2026: the remote device it owns */
	int		kcov_sequence;	/* device sequence seen at start */
	unsigned int	kcov_softirq;	/* a softirq section runs on top */
	uint64_t	kcov_handle;	/* common handle, inherited by children */

	uint8_t		softirq_cnt;	/* simulated preempt_count parts */
	uint8_t		hardirq_cnt;
	uint8_t		nmi_cnt;
	uint8_t		bh_cnt;
	bool		in_section;	/* a task-context remote section runs */
	bool		armed;		/* kcov_task_exit() will run at exit */

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

void ksim_ctx_update(struct kcov_task *t) KSIM_HIDDEN;

/* ---- libc.c: the raw libc calls ----------------------------------------
 * libc's own functions (or a sanitizer's interceptor), never our
 * interposers. Kernel convention: 0 or a result, else -errno; mmap and
 * mremap return an address or a value IS_ERR_VALUE() recognises.
 * ksim_libc_open/openat/opendir/mmap/memfd_create/pthread_create and the
 * allocations are the library's own calls: kcov_sim_fault_set() can make
 * them fail. ksim_fwd_*() make the same calls for the library's caller
 * (an interposer passing a call through, the real mmap of a user's
 * mapping): they are the caller's, and never fail on purpose.
 */
#define IS_ERR_VALUE(p)	((uintptr_t)(p) >= (uintptr_t)-4095)
#define PTR_ERR(p)	((int)(intptr_t)(p))
#define ERR_PTR(e)	((void *)(intptr_t)(e))

int ksim_libc_open(const char *path, int flags, mode_t mode) KSIM_HIDDEN;
int ksim_libc_openat(int dirfd, const char *path, int flags, mode_t mode) KSIM_HIDDEN;
int ksim_libc_close(int fd) KSIM_HIDDEN;
int ksim_libc_ioctl(int fd, unsigned long cmd, unsigned long arg) KSIM_HIDDEN;
void *ksim_libc_mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off) KSIM_HIDDEN;
int ksim_libc_munmap(void *addr, size_t len) KSIM_HIDDEN;
void *ksim_libc_mremap(void *old, size_t old_len, size_t new_len, int flags,
		       void *new_addr) KSIM_HIDDEN;
int ksim_libc_dup(int fd) KSIM_HIDDEN;
int ksim_libc_dup2(int oldfd, int newfd) KSIM_HIDDEN;
int ksim_libc_dup3(int oldfd, int newfd, int flags) KSIM_HIDDEN;
int ksim_libc_close_range(unsigned int first, unsigned int last, int flags) KSIM_HIDDEN;
int ksim_libc_fcntl(int fd, int cmd, unsigned long arg) KSIM_HIDDEN;
int ksim_next_fcntl(int fd, int cmd, unsigned long arg) KSIM_HIDDEN;	/* libc-style */
ssize_t ksim_libc_read(int fd, void *buf, size_t len) KSIM_HIDDEN;
ssize_t ksim_libc_write(int fd, const void *buf, size_t len) KSIM_HIDDEN;
ssize_t ksim_libc_pread(int fd, void *buf, size_t len, off_t off) KSIM_HIDDEN;
ssize_t ksim_libc_pwrite(int fd, const void *buf, size_t len, off_t off) KSIM_HIDDEN;
ssize_t ksim_libc_readv(int fd, const void *iov, int n) KSIM_HIDDEN;
ssize_t ksim_libc_writev(int fd, const void *iov, int n) KSIM_HIDDEN;
off_t ksim_libc_lseek(int fd, off_t off, int whence) KSIM_HIDDEN;
int ksim_libc_fstat(int fd, struct stat *st) KSIM_HIDDEN;
int ksim_libc_ftruncate(int fd, off_t len) KSIM_HIDDEN;
int ksim_libc_memfd_create(const char *name, unsigned int flags) KSIM_HIDDEN;
int ksim_libc_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			     void *(*fn)(void *), void *arg) KSIM_HIDDEN;
int ksim_libc_execve(const char *path, char *const argv[], char *const envp[]) KSIM_HIDDEN;
int ksim_libc_execvpe(const char *file, char *const argv[], char *const envp[]) KSIM_HIDDEN;
int ksim_libc_execveat(int dirfd, const char *path, char *const argv[],
		       char *const envp[], int flags) KSIM_HIDDEN;
DIR *ksim_libc_opendir(const char *path) KSIM_HIDDEN;
int ksim_fwd_open(const char *path, int flags, mode_t mode) KSIM_HIDDEN;
int ksim_fwd_openat(int dirfd, const char *path, int flags, mode_t mode) KSIM_HIDDEN;
void *ksim_fwd_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off) KSIM_HIDDEN;
int ksim_fwd_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			    void *(*fn)(void *), void *arg) KSIM_HIDDEN;
/* The library's own allocations, all here (the fault-injection point). */
void *ksim_malloc(size_t size) KSIM_HIDDEN;
void *ksim_calloc(size_t n, size_t size) KSIM_HIDDEN;
void *ksim_realloc(void *p, size_t size) KSIM_HIDDEN;
char *ksim_strdup(const char *s) KSIM_HIDDEN;
/* copy_from_user(): -EFAULT instead of a crash when @src is unreadable. */
int ksim_copy_from_user(void *dst, unsigned long src, size_t len) KSIM_HIDDEN;
long ksim_strncpy_from_user(char *dst, unsigned long src, size_t size) KSIM_HIDDEN;
/* The kernel's own verdict on open flags, before any path (NULL-path call). */
int ksim_libc_open_check(int flags, mode_t mode) KSIM_HIDDEN;
int ksim_libc_openat2_check(unsigned long how, size_t size) KSIM_HIDDEN;
int ksim_libc_readlink(const char *path, char *buf, size_t size) KSIM_HIDDEN;
int ksim_libc_getcwd(char *buf, size_t size) KSIM_HIDDEN;
/* libc's own syscall(), fopen(), freopen(): they return as libc does. */
long ksim_next_syscall(long nr, long a, long b, long c, long d, long e,
		       long f) KSIM_HIDDEN;
struct _IO_FILE;
struct _IO_FILE *ksim_next_fopen(const char *path, const char *mode,
				 bool is64) KSIM_HIDDEN;
int ksim_next_fclose(struct _IO_FILE *f) KSIM_HIDDEN;
struct _IO_FILE *ksim_next_freopen(const char *path, const char *mode,
				   struct _IO_FILE *f, bool is64,
				   bool *none) KSIM_HIDDEN;

/* ---- path.c: which names reach the device ------------------------------ */

#define KSIM_DEV_PATH	"/sys/kernel/debug/kcov"

enum ksim_path_kind {
	KSIM_PATH_OTHER,	/* not the device: the kernel's business */
	KSIM_PATH_KCOV,		/* /sys/kernel/debug/kcov, however spelt */
	KSIM_PATH_FD,		/* an fd's magic link: a kcov file if fd @fd is */
};

struct ksim_path {
	int	kind;		/* enum ksim_path_kind */
	int	fd;		/* KSIM_PATH_FD: which fd */
	int	err;		/* -errno the open gets if the target is kcov */
	bool	dir;		/* trailing slash: only a directory will do */
	bool	through;	/* names below the file: -ENOTDIR in @err */
};

void ksim_path_lookup(int dirfd, const char *path, unsigned long resolve,
		      bool fds, struct ksim_path *p) KSIM_HIDDEN;

/* ---- sim.c: configuration and the WARN channel ------------------------- */

extern bool ksim_cmp_supported KSIM_HIDDEN;

/*
 * The rules of the profile (sim.h) where kernels differ; set only while no
 * device exists (kcov.c), read anywhere.
 */
#define KSIM_P_IRQ_POOL		(1u << 0)	/* softirq buffers: a pool of one per
						 * CPU (linux-6.1, linux-6.12, P-2026) */
#define KSIM_P_CMP_BOUND	(1u << 1)	/* the CMP hook bounds the user's
						 * count (linux-6.12, P-2026) */
#define KSIM_P_REMOTE_SPLIT	(1u << 2)	/* t->kcov_remote, and a local
						 * DISABLE keeps the handle (P-2026) */
extern unsigned int ksim_profile KSIM_HIDDEN;
extern unsigned int ksim_nr_cpus KSIM_HIDDEN;	/* simulated CPUs */
extern size_t ksim_alloc_limit KSIM_HIDDEN;
void ksim_warn(const char *file, int line, const char *what) KSIM_HIDDEN;
void ksim_sim_fork(int when) KSIM_HIDDEN;

#define WARN(cond, what) ({						\
	bool __c = !!(cond);						\
	if (unlikely(__c))						\
		ksim_warn(__FILE__, __LINE__, (what));			\
	__c;								\
})
#define WARN_ON(cond)	WARN(cond, #cond)

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

/* The three pthread_atfork() moments (fork.c runs every file's). */
enum ksim_fork { KSIM_FORK_PREPARE, KSIM_FORK_PARENT, KSIM_FORK_CHILD };

/*
 * Take (prepare) or release (parent, child) @lock. The child's only thread
 * is the one that took it, so it may unlock it; re-creating a held mutex
 * instead looks to TSan like the same thread locking it twice.
 */
static inline notrace void ksim_fork_lock(pthread_mutex_t *lock, int when)
{
	if (when == KSIM_FORK_PREPARE)
		pthread_mutex_lock(lock);
	else
		pthread_mutex_unlock(lock);
}

/* ---- shadow.c: do instrumented calls reach our hooks? (DESIGN 6) -------- */

bool ksim_cmp_hooks_ours(void) KSIM_HIDDEN;
bool ksim_pc_hook_ours(void) KSIM_HIDDEN;
void ksim_hooks_warm(void) KSIM_HIDDEN;
void ksim_shadow_fork(int when) KSIM_HIDDEN;

/* ---- pc.c: PC modes ----------------------------------------------------- */

extern int ksim_pc_mode KSIM_HIDDEN;	/* enum kcov_sim_pc_mode | PC_RECORD */
extern uintptr_t ksim_pc_bias KSIM_HIDDEN;
uint64_t ksim_pc_xlate(uintptr_t ip) KSIM_HIDDEN;
void ksim_pc_fork(int when) KSIM_HIDDEN;

/* ---- record.c: golden recording (KCOV_SIM_RECORD) ----------------------- */

/*
 * While recording, ksim_pc_mode carries this bit: the hooks' "PC mode is
 * not raw" test sends every PC through their cold path, which records it.
 */
#define KSIM_PC_RECORD	0x100
void ksim_record_pc(uintptr_t ip) KSIM_HIDDEN;
void ksim_record_flush(void) KSIM_HIDDEN;
void ksim_record_fork(int when) KSIM_HIDDEN;

/* ---- buf.c: the memfd buffer and what processes share -------------------
 *
 * A device's memfd: page 0 is struct kcov_shared, the part of the kernel's
 * one struct kcov that every process holding the file reaches (forked
 * children, a new image after execve, a receiver of the fd); the coverage
 * buffer follows at KSIM_BUF_OFFSET, where every mapping of it starts.
 */
#define KSIM_BUF_OFFSET		KSIM_PAGE_SIZE
#define KSIM_SHARED_MAGIC	0x6b73696d6b636f76ull	/* "ksimkcov", layout 1 */

struct kcov_shared {
	uint64_t	magic;		/* KSIM_SHARED_MAGIC once initialised */
	/* kcov->lock: robust and process-shared, so the appends of a forked
	 * child's sections and the owner's DISABLE take the same lock, as
	 * on Linux. Serialises @sequence and each process's device state. */
	pthread_mutex_t	lock;
	int		sequence;	/* under @lock; starts at 1 */
	/* Held by the owning task while enabled (see owner_claim()). */
	pthread_mutex_t	owner;
	uint32_t	size;		/* INIT_TRACE's size once done, or the
					 * INIT_BUSY bit while one runs; atomic */
	/*
	 * What the owner enabled, for a new image of the owner's process
	 * after execve() (exec.c): set under @lock by (REMOTE_)ENABLE,
	 * cleared by kcov_reset().
	 */
	uint32_t	owner_mode;	/* TRACE_PC or TRACE_CMP; 0 if none */
	bool		owner_remote;
	uint32_t	remote_size;
	uint32_t	nr_handles;
	uint64_t	common_handle;
	uint64_t	handles[KCOV_REMOTE_MAX_HANDLES];
};

int ksim_buf_create(int open_flags) KSIM_HIDDEN;
struct kcov_shared *ksim_shared_map(int fd, bool create) KSIM_HIDDEN;
void ksim_shared_unmap(struct kcov_shared *sh) KSIM_HIDDEN;
void ksim_shared_lock(struct kcov_shared *sh) KSIM_HIDDEN;
void ksim_shared_unlock(struct kcov_shared *sh) KSIM_HIDDEN;
void ksim_shared_fork_child(struct kcov_shared *sh) KSIM_HIDDEN;
int ksim_shared_claim(struct kcov_shared *sh) KSIM_HIDDEN;
void ksim_shared_unclaim(struct kcov_shared *sh) KSIM_HIDDEN;
bool ksim_shared_init_begin(struct kcov_shared *sh) KSIM_HIDDEN;
void ksim_shared_init_end(struct kcov_shared *sh, uint32_t size) KSIM_HIDDEN;
uint32_t ksim_shared_size(struct kcov_shared *sh) KSIM_HIDDEN;
void ksim_shared_warm(struct kcov_shared *sh) KSIM_HIDDEN;
int ksim_buf_alloc(int fd, uint32_t size, unsigned long **area,
		   size_t *map_len) KSIM_HIDDEN;
int ksim_buf_map(int fd, uint32_t size, unsigned long **area,
		 size_t *map_len) KSIM_HIDDEN;
void ksim_buf_free(unsigned long *area, size_t map_len) KSIM_HIDDEN;
/* A remote section's private buffer: fails cleanly where vmalloc() would. */
unsigned long *ksim_section_alloc(size_t words) KSIM_HIDDEN;

/* ---- kcov.c: the kernel's kernel/kcov.c --------------------------------- */

void kcov_task_init(struct kcov_task *t) KSIM_HIDDEN;
void kcov_get(struct kcov *kcov) KSIM_HIDDEN;
void kcov_put(struct kcov *kcov) KSIM_HIDDEN;
/* The file operations: open (of the memfd @fd), mmap check, ioctl, release. */
int kcov_open(int fd, struct kcov **out) KSIM_HIDDEN;
int kcov_mmap(struct kcov *kcov, int fd, size_t len, off_t off) KSIM_HIDDEN;
int kcov_ioctl(struct kcov *kcov, int fd, unsigned int cmd, unsigned long arg) KSIM_HIDDEN;
void kcov_close(struct kcov *kcov) KSIM_HIDDEN;
/* (simulator) execve(): a file of this device that survived into this
 * image (kcov_open's twin), and the current task attached to it again. */
int ksim_kcov_adopt(int fd, struct kcov **out) KSIM_HIDDEN;
int ksim_kcov_exec_attach(struct kcov *kcov, uint64_t handle) KSIM_HIDDEN;
/* The devices the current task owns, local and remote, or NULL. */
void ksim_kcov_task_devices(struct kcov **local, struct kcov **remote) KSIM_HIDDEN;
/* Simulator additions: every live device, by id, for sim.h; fork. */
struct kcov *ksim_kcov_get_id(uint64_t id) KSIM_HIDDEN;
void ksim_kcov_info(struct kcov *kcov, int ours, struct kcov_sim_dev_info *info) KSIM_HIDDEN;
void ksim_kcov_fork(int when) KSIM_HIDDEN;

/* ---- vfs.c: the kcov file (spec 2.9) ------------------------------------
 * The system calls on kcov files, kernel style (-errno, or ERR_PTR() for
 * mmap/mremap); any other fd or mapping goes to libc untouched.
 */
bool ksim_vfs_active(void) KSIM_HIDDEN;
int ksim_vfs_open(int flags) KSIM_HIDDEN;
int ksim_vfs_open_file(int flags, bool dir) KSIM_HIDDEN;
bool ksim_vfs_any(void) KSIM_HIDDEN;
bool ksim_vfs_fd_is_kcov(int fd) KSIM_HIDDEN;
int ksim_vfs_ioctl(int fd, unsigned long cmd, unsigned long arg) KSIM_HIDDEN;
void *ksim_vfs_mmap(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off) KSIM_HIDDEN;
int ksim_vfs_munmap(void *addr, size_t len) KSIM_HIDDEN;
void *ksim_vfs_mremap(void *old, size_t old_len, size_t new_len, int flags,
		      void *new_addr) KSIM_HIDDEN;
int ksim_vfs_close(int fd) KSIM_HIDDEN;
int ksim_vfs_dup(int fd) KSIM_HIDDEN;
int ksim_vfs_dup3(int oldfd, int newfd, int flags, bool is_dup3) KSIM_HIDDEN;
int ksim_vfs_close_range(unsigned int first, unsigned int last, int flags) KSIM_HIDDEN;
void ksim_vfs_dupfd(int fd, int newfd) KSIM_HIDDEN;
bool ksim_vfs_is_kcov(int fd) KSIM_HIDDEN;
void ksim_vfs_fork(int when) KSIM_HIDDEN;
struct kcov *ksim_vfs_adopt(int fd) KSIM_HIDDEN;
int ksim_vfs_exec_fds(int *fds, struct kcov **devs, bool *cloexec, int max) KSIM_HIDDEN;

/* sim.h's growable out-structs (libbpf's opts, STYLE 4): the caller's
 * leading size_t says how much of @ours it knows. NULL is -EFAULT. */
static inline notrace int ksim_out_struct(void *dst, const void *ours,
					  size_t ours_size, size_t min_size)
{
	size_t sz;

	if (!dst)
		return -EFAULT;
	sz = *(const size_t *)dst;
	if (sz < min_size)
		return -EINVAL;
	if (sz > ours_size) {
		memset((char *)dst + ours_size, 0, sz - ours_size);
		sz = ours_size;
	}
	memcpy((char *)dst + sizeof(size_t), (const char *)ours + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}

/* ---- exec.c: execve() of a process that holds devices (spec 2.9) --------- */

struct ksim_exec {
	char	**envp;		/* the new image's environment, or the caller's */
	char	*entry;		/* KCOV_SIM_EXEC=..., malloc'd */
	int	dups[8];	/* fds made to survive the exec */
	int	nr_dups;
};
int ksim_exec_prepare(const char *path, bool search, char *const envp[],
		      struct ksim_exec *x) KSIM_HIDDEN;
void ksim_exec_abort(struct ksim_exec *x) KSIM_HIDDEN;

/* ---- fork.c ---------------------------------------------------------- */

void ksim_fork_init(void) KSIM_HIDDEN;

/* The only kernel-to-libc error conversions (STYLE 6.4). */
static inline notrace long sys_result(long ret)
{
	if (ret >= 0)
		return ret;
	errno = (int)-ret;
	return -1;
}

static inline notrace void *sys_result_ptr(void *p)
{
	if (!IS_ERR_VALUE(p))
		return p;
	errno = -PTR_ERR(p);
	return (void *)-1;	/* MAP_FAILED */
}

#endif /* KSIM_INTERNAL_H */
