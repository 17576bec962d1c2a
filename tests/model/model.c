// SPDX-License-Identifier: MIT
/*
 * model.c - ksim-model, the model-based random-sequence tester (issue 13
 * item 2): random operations on several processes and threads, each
 * checked after it ran against a reference model of the spec's state
 * machine - its result and errno, and every device as the process that ran
 * it sees it (mode, size, refcount, remote, handles, file pinned, every
 * word of the buffer and of the page slack behind it) - with user
 * mappings between PROT_NONE guard pages and canary words written by the
 * user around what the hooks append.
 *
 * It covers what the kernel oracle (tests/oracle) cannot show, the oracle
 * being one process with threads: fork (from the main thread and from
 * worker threads), devices shared by processes without exec (a child's
 * local ENABLE, sections of a child on handles registered before the
 * fork, the owner's DISABLE while a child's section runs), two processes
 * racing sections into one device, threads that exit inside task and
 * softirq sections or with a device of their own, the release of a file
 * at the fd limit, hostile mmap arguments (against a real memfd: the
 * kernel itself is the reference for do_mmap()'s checks), huge remote
 * buffers and open flags. Single-process behaviour in depth - CMP records,
 * switch records, nested contexts, counter arithmetic - is the oracle's:
 * its random sequences compare the library with the real kernel/kcov.c,
 * and this model stays small there (TRACE_PC hooks and sections only).
 *
 * Where the library documents a difference from Linux across processes
 * (README, "Known differences": per-process handle tables, each process's
 * own copy of the device state), the model follows the library's rule or
 * the generator avoids the case; it never excuses a result after the fact.
 *
 *   ksim-model [--seed S] [--count N] [--ops K] [--seconds T] [--door api|shim]
 *              [--faults] [-v]
 *
 * Each sequence starts from a fresh process tree (a child of the tester);
 * a failure prints the sequence's seed, the failing step and the command
 * that replays it, and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/kernel.h>
#include <kcov-sim/sim.h>

#include "../oracle/gen.h"	/* the oracle's PRNG */

#define MP		3	/* processes: the root and two children */
#define MT		4	/* tasks (threads) per process */
#define MD		3	/* devices */
#define WMAX		8192	/* words of the largest buffer */
#define PAGE		4096ul
#define NSITES		4
#define IRQ_WORDS	0x40000u	/* CONFIG_KCOV_IRQ_AREA_SIZE */
#define CANARY(i)	(0xc0ffee0000000000ul | (unsigned long)(i))

void __sanitizer_cov_trace_pc(void);

/* ---- what runs: commands, results, observations (shared memory) --------- */

enum cmd_op {
	X_OPEN, X_OPEN_FLAGS, X_IOCTL, X_REMOTE_ENABLE, X_MMAP, X_MMAP_HOSTILE,
	X_MUNMAP, X_CLOSE, X_POKE, X_FILL, X_HOOKS, X_SECTION, X_SOFTIRQ,
	X_SPAWN, X_EXIT, X_JOIN, X_FORK, X_PROC_EXIT, X_FDLIMIT, X_RACE,
	X_OBSERVE,
};

/* X_SECTION phases */
enum { SEC_FULL, SEC_START, SEC_STOP };

struct cmd {
	enum cmd_op	op;
	long		a[8];
	uint64_t	h[4];
	int		sites[8];
	int		nsites;
	uint64_t	ids[MD];	/* this process's device ids, 0: none */
	int		faults;		/* arm a fault for this op */
	unsigned long	fault_nth;
};

struct obs_dev {
	int		rc;		/* kcov_sim_dev_info_id() */
	int		mode, refcount, remote, file_open;
	unsigned long	size;
	unsigned int	nr_handles;
	unsigned long	words[WMAX];
};

struct res {
	long		ret, ret2, ret3;
	void		*addr;
	uint64_t	id;
	int		devices;
	unsigned long	warns, injected;
	struct obs_dev	dev[MD];
};

struct slot {
	sem_t		go, done;
	struct cmd	cmd;
	struct res	res;
};

struct figures {
	unsigned long ops, seqs, forks, threads, races, race_entries, faults,
		      sections, delivered, exits_in_section, fdlimit, hostile;
};

struct arena {
	struct slot	slot[MP][MT];
	sem_t		ready;		/* a forked child is up */
	int		door_shim;
	unsigned long	site_pc[NSITES];
	struct figures	fig;		/* summed over sequences */
};

static struct arena *A;
static int self_p;		/* the process this copy of the tester is */
static pthread_t threads[MT];	/* this process's tasks, to join their exit */

/* ---- the executing side ------------------------------------------------- */

/* Four call sites (no tail call: the PC is the return address). */
#define SITE(n) static __attribute__((noinline)) void site##n(void)	\
	{ __sanitizer_cov_trace_pc(); __asm__ volatile("" ::: "memory"); }
SITE(0)
SITE(1)
SITE(2)
SITE(3)
static void (*const sites[NSITES])(void) = { site0, site1, site2, site3 };

static long sysr(long r)
{
	return r < 0 ? -errno : r;
}

static int x_open(void)
{
	return (int)sysr(A->door_shim ? open("/sys/kernel/debug/kcov", O_RDWR)
				      : kcov_sim_open());
}

static long x_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return sysr(A->door_shim ? ioctl(fd, cmd, arg) : kcov_sim_ioctl(fd, cmd, arg));
}

static void *x_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return A->door_shim ? mmap(addr, len, prot, flags, fd, off)
			    : kcov_sim_mmap(addr, len, prot, flags, fd, off);
}

static long x_munmap(void *addr, size_t len)
{
	return sysr(A->door_shim ? munmap(addr, len) : kcov_sim_munmap(addr, len));
}

static long x_close(int fd)
{
	return sysr(A->door_shim ? close(fd) : kcov_sim_close(fd));
}

static void run_sites(const int *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sites[s[i] % NSITES]();
}

static void section(uint64_t h, bool softirq, int phase, const int *s, int n)
{
	if (phase != SEC_STOP) {
		if (softirq)
			kcov_remote_start_usb_softirq(h & KCOV_INSTANCE_MASK);
		else
			kcov_remote_start(h);
	}
	run_sites(s, n);
	if (phase != SEC_START) {
		if (softirq)
			kcov_remote_stop_softirq();
		else
			kcov_remote_stop();
	}
}

/*
 * mmap() with the same arguments of a real memfd: what do_mmap()'s own
 * checks say (the kernel is the reference, issue 13 #6). Without PROT_EXEC
 * (debugfs is noexec), away from any fixed address.
 */
static long mmap_reference(size_t len, int prot, int flags, off_t off)
{
	int fd = memfd_create("ksim-model-ref", MFD_CLOEXEC);
	void *p;
	long r;

	if (fd < 0 || ftruncate(fd, 8 * PAGE))
		return -999;
	p = mmap(NULL, len, prot & ~PROT_EXEC, flags & ~MAP_FIXED, fd, off);
	r = p == MAP_FAILED ? -errno : 0;
	if (p != MAP_FAILED)
		munmap(p, len);
	close(fd);
	return r;
}

static void *task_main(void *arg);

/*
 * Posted by a new thread once its start-up (the sanitizer's and the
 * library's, which allocate) is done: a fork while another thread is inside
 * the allocator leaves the child a locked allocator. glibc's malloc guards
 * against that; GCC 12's ASan allocator does not (LLVM 18 added it).
 */
static sem_t started;

static long spawn(int t)
{
	int ret = pthread_create(&threads[t], NULL, task_main, (void *)(intptr_t)t);

	if (ret)
		return -ret;
	while (sem_wait(&started) && errno == EINTR)
		;
	return 0;
}

/* The release of a file's last reference at the fd limit (issue 13 #4):
 * every fd number below the limit is taken, then @fd is replaced by
 * dup2() (or @map unmapped, @fd < 0). */
static long fdlimit(int fd, void *map, size_t len)
{
	struct rlimit old, rl;
	int fillers[256], n = 0, f, top = 0;
	long r;

	for (f = 0; f < 256; f++)
		if (fcntl(f, F_GETFD) >= 0)
			top = f;
	if (getrlimit(RLIMIT_NOFILE, &old))
		return -999;
	rl = old;
	rl.rlim_cur = (rlim_t)top + 1;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -998;
	while (n < 256 && (f = dup(2)) >= 0)
		fillers[n++] = f;
	if (fd >= 0)
		r = sysr(dup2(n ? fillers[0] : 2, fd));
	else
		r = x_munmap(map, len);
	while (n--)
		close(fillers[n]);
	if (fd >= 0)
		close(fd);		/* now a copy of stderr */
	setrlimit(RLIMIT_NOFILE, &old);
	return r;
}

/* The open flags of issue 13 #7: each variant's two results. */
static void open_flags(int variant, int fd, struct res *r)
{
	static const char *const dev = "/sys/kernel/debug/kcov";
	char path[64];
	int f;

	r->ret2 = r->ret3 = 0;
	switch (variant) {
	case 0:		/* O_PATH: an fd that ioctl refuses */
		f = open(dev, O_RDWR | O_PATH);
		r->ret = f < 0 ? -errno : 0;
		if (f >= 0) {
			r->ret2 = sysr(ioctl(f, KCOV_INIT_TRACE, 64));
			r->ret3 = sysr(close(f));
		}
		break;
	case 1:
		f = open(dev, O_RDWR | O_DIRECTORY);
		r->ret = f < 0 ? -errno : 0;
		if (f >= 0)
			close(f);
		break;
	case 2:
		f = open(dev, O_RDWR | O_CREAT | O_EXCL, 0600);
		r->ret = f < 0 ? -errno : 0;
		if (f >= 0)
			close(f);
		break;
	default:	/* /proc/self/fd/N of a kcov fd: a fresh device */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		f = open(path, O_RDWR);
		r->ret = f < 0 ? -errno : 0;
		if (f >= 0) {
			KCOV_SIM_OUT(kcov_sim_dev_info, a);
			KCOV_SIM_OUT(kcov_sim_dev_info, b);

			r->ret2 = !kcov_sim_dev_info(f, &a) && !kcov_sim_dev_info(fd, &b) &&
				  a.id != b.id && a.mode == KCOV_SIM_MODE_DISABLED;
			r->ret3 = kcov_sim_device_count();
			close(f);
		}
		break;
	}
}

static void observe(const struct cmd *c, struct res *r)
{
	int d;

	for (d = 0; d < MD; d++) {
		KCOV_SIM_OUT(kcov_sim_dev_info, info);
		struct obs_dev *o = &r->dev[d];
		size_t words, w;

		o->rc = -ENOENT;
		if (!c->ids[d])
			continue;
		o->rc = kcov_sim_dev_info_id(c->ids[d], &info);
		if (o->rc)
			continue;
		o->mode = info.mode;
		o->refcount = info.refcount;
		o->remote = info.remote;
		o->file_open = info.file_open;
		o->size = info.size;
		o->nr_handles = info.nr_handles;
		words = ((info.size * 8 + PAGE - 1) & ~(PAGE - 1)) / 8;
		/* Word by word, atomically: the hooks of other threads and
		 * processes store into it (TSan cannot see a fork's order). */
		if (info.area && words <= WMAX)
			for (w = 0; w < words; w++)
				o->words[w] = __atomic_load_n(&info.area[w], __ATOMIC_RELAXED);
	}
	r->devices = kcov_sim_device_count();
	r->warns = kcov_sim_warn_count();
}

static void run_child(int p);

static void exec_cmd(int p, int t, struct cmd *c, struct res *r)
{
	(void)p;
	uint64_t rb[8] = { 0 };
	struct kcov_remote_arg *ra = (struct kcov_remote_arg *)rb;
	char *g;
	void *q;
	pid_t pid;
	int i;

	(void)t;
	r->ret = r->ret2 = r->ret3 = 0;
	r->id = 0;
	if (c->faults)
		kcov_sim_fault_set(KCOV_SIM_FAULT_ALL, c->fault_nth);
	switch (c->op) {
	case X_OPEN:
		r->ret = x_open();
		if (r->ret >= 0) {
			KCOV_SIM_OUT(kcov_sim_dev_info, info);

			if (!kcov_sim_dev_info((int)r->ret, &info))
				r->id = info.id;
		}
		break;
	case X_OPEN_FLAGS:
		open_flags((int)c->a[0], (int)c->a[1], r);
		break;
	case X_IOCTL:
		r->ret = x_ioctl((int)c->a[0], (unsigned long)c->a[1], (unsigned long)c->a[2]);
		break;
	case X_REMOTE_ENABLE:
		ra->trace_mode = (uint32_t)c->a[1];
		ra->area_size = (uint32_t)c->a[2];
		ra->common_handle = c->h[3];
		ra->num_handles = (uint32_t)c->a[3];
		for (i = 0; i < (int)c->a[3] && i < 3; i++)
			ra->handles[i] = c->h[i];
		r->ret = x_ioctl((int)c->a[0], KCOV_REMOTE_ENABLE, (unsigned long)ra);
		break;
	case X_MMAP:
		/* Between two PROT_NONE guard pages (the user's own mapping). */
		g = mmap(NULL, (size_t)c->a[1] + 2 * PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (g == MAP_FAILED) {
			r->ret = -999;
			break;
		}
		q = x_mmap(g + PAGE, (size_t)c->a[1], (int)c->a[2],
			   MAP_SHARED | MAP_FIXED, (int)c->a[0], (off_t)c->a[3]);
		if (q == MAP_FAILED) {
			r->ret = -errno;
			munmap(g, (size_t)c->a[1] + 2 * PAGE);
		} else {
			r->addr = q;
		}
		break;
	case X_MMAP_HOSTILE:
		q = x_mmap(NULL, (size_t)c->a[1], (int)c->a[2], (int)c->a[4],
			   (int)c->a[0], (off_t)c->a[3]);
		r->ret = q == MAP_FAILED ? -errno : 0;
		if (q != MAP_FAILED)
			x_munmap(q, (size_t)c->a[1]);
		r->ret2 = mmap_reference((size_t)c->a[1], (int)c->a[2],
					 (int)c->a[4], (off_t)c->a[3]);
		break;
	case X_MUNMAP:
		r->ret = x_munmap((void *)c->a[0], (size_t)c->a[1]);
		if (!r->ret) {	/* and the guards */
			munmap((char *)c->a[0] - PAGE, PAGE);
			munmap((char *)c->a[0] + c->a[1], PAGE);
		}
		break;
	case X_CLOSE:
		r->ret = x_close((int)c->a[0]);
		break;
	case X_POKE:
		__atomic_store_n((unsigned long *)c->a[0], (unsigned long)c->a[1],
				 __ATOMIC_RELAXED);
		break;
	case X_FILL:
		for (i = 1; i < c->a[1]; i++)
			((unsigned long *)c->a[0])[i] = CANARY(i);
		break;
	case X_HOOKS:
		run_sites(c->sites, c->nsites);
		break;
	case X_SECTION:
		section(c->h[0], c->a[0], (int)c->a[1], c->sites, c->nsites);
		break;
	case X_SOFTIRQ:
		if (c->a[0])
			kcov_sim_softirq_enter();
		else
			kcov_sim_softirq_exit();
		break;
	case X_SPAWN:
		r->ret = spawn((int)c->a[0]);
		break;
	case X_FORK:
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			self_p = (int)c->a[0];
			kcov_sim_fault_set(0, 0);
			run_child(self_p);	/* never returns */
		}
		r->ret = pid < 0 ? -errno : pid;
		break;
	case X_FDLIMIT:
		r->ret = fdlimit((int)c->a[0], (void *)c->a[1], (size_t)c->a[2]);
		break;
	case X_RACE:
		for (i = 0; i < c->a[0]; i++) {
			KCOV_SIM_OUT(kcov_sim_task_info, ti);

			kcov_remote_start(c->h[0]);
			kcov_sim_task_info(&ti);
			r->ret2 += ti.attached;		/* sections that started */
			run_sites(c->sites, c->nsites);
			kcov_remote_stop();
		}
		break;
	case X_JOIN:	/* after its exit: the thread's destructors ran */
		pthread_join(threads[c->a[0]], NULL);
		break;
	case X_EXIT:
		return;		/* no result: the task is gone */
	case X_PROC_EXIT:
	case X_OBSERVE:
		break;
	}
	r->injected = c->faults ? kcov_sim_fault_injected() : 0;
	if (c->faults)
		kcov_sim_fault_set(0, 0);
	observe(c, r);
}

/* A task's command loop: one command at a time, until its exit. */
static void task_loop(int p, int t)
{
	struct slot *s = &A->slot[p][t];
	enum cmd_op op;

	for (;;) {
		while (sem_wait(&s->go) && errno == EINTR)
			;
		exec_cmd(p, t, &s->cmd, &s->res);
		op = s->cmd.op;
		if (op == X_EXIT)
			return;		/* X_JOIN on another task waits for it */
		if (op == X_PROC_EXIT) {
			sem_post(&s->done);
			exit(0);	/* LeakSanitizer runs here under ASan */
		}
		sem_post(&s->done);
	}
}

static void *task_main(void *arg)
{
	sem_post(&started);
	task_loop(self_p, (int)(intptr_t)arg);
	return NULL;
}

/* A crash in a child: where, on stderr (a sanitizer reports its own). */
static void crash(int sig)
{
	void *bt[32];
	int n = backtrace(bt, 32);

	dprintf(2, "ksim-model: process %d: signal %d\n", self_p, sig);
	backtrace_symbols_fd(bt, n, 2);
	_exit(128 + sig);
}

/* A forked child: the forking thread is its task 0. */
static void run_child(int p)
{
	signal(SIGSEGV, crash);
	signal(SIGBUS, crash);
	sem_post(&A->ready);
	task_loop(p, 0);
	exit(0);
}

/* ---- the reference model (the controller's) ----------------------------- */

enum { M_DISABLED, M_INIT, M_PC };

struct m_task {
	bool		alive;
	int		local, remote;	/* device owned, or -1 */
	uint64_t	handle;		/* kcov_handle */
	bool		softirq;
	int		sec;		/* 0, 1 task section, 2 softirq section */
	int		sec_dev;	/* -1: the start found nothing */
	int		sec_epoch, sec_n;
	unsigned int	sec_cap;	/* words of the section's buffer */
	int		sec_sites[512];	/* what its buffer holds */
};

struct m_copy {			/* a process's copy of a device */
	bool		live;
	uint64_t	id;
	int		fd;
	unsigned long	*map;
	bool		adopted;	/* has the INIT size */
	bool		foreign;	/* names an owner of another process */
	int		f_remote, f_nh, f_epoch;	/* at fork */
	uint64_t	f_handles[4];
	int		f_nhandles;
	int		running;	/* sections of this process on it */
	int		leaked;		/* references never put here */
};

struct m_proc {
	bool		alive;
	pid_t		pid;
	struct m_task	t[MT];
	struct m_copy	c[MD];
	unsigned long	warns;		/* expected WARN count */
	bool		warn_known;
};

struct m_dev {
	bool		used;
	unsigned long	size;		/* words; 0 before INIT */
	int		owner_p, owner_t;	/* -1: none */
	bool		remote;
	unsigned int	area_size;
	uint64_t	handles[4];
	int		nh;
	int		epoch;		/* the kernel's sequence */
	unsigned long	words[WMAX];
};

static struct m_proc P[MP];
static struct m_dev D[MD];
static struct gen_rng rng;
static uint64_t seed;
static unsigned long step_no, phys_pages;
static bool verbose, faults_on;
static char step_desc[256];

#define fig	(A->fig)

#define USBH(i)		(KCOV_SUBSYSTEM_USB | (i))
#define COMMONH(i)	(KCOV_SUBSYSTEM_COMMON | (i))
static const uint64_t handle_pool[] = { USBH(1), USBH(2), USBH(3), USBH(4) };
static const uint64_t common_pool[] = { COMMONH(0x42), COMMONH(0x43) };

static unsigned long page_words(unsigned long size)
{
	return ((size * 8 + PAGE - 1) & ~(PAGE - 1)) / 8;
}

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The sequence's controller runs in a child of the tester: exit 1. */
static void failf(const char *fmt, ...)
{
	va_list ap;

	printf("ksim-model: FAIL seed %" PRIu64 " step %lu (%s): ", seed, step_no,
	       step_desc);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	for (int p = 1; p < MP; p++)
		if (P[p].alive)
			kill(P[p].pid, SIGKILL);
	exit(1);
}

static int dev_registered(uint64_t h)
{
	int d, k;

	for (d = 0; d < MD; d++)
		if (D[d].used && D[d].remote)
			for (k = 0; k < D[d].nh; k++)
				if (D[d].handles[k] == h)
					return d;
	return -1;
}

static void dev_reset(int d)
{
	D[d].owner_p = D[d].owner_t = -1;
	D[d].remote = false;
	D[d].nh = 0;
	D[d].epoch++;
}

/* Task (p, t) detaches from what it owns (DISABLE, exit). */
static void owner_gone(int p, int t)
{
	struct m_task *k = &P[p].t[t];

	if (k->local >= 0)
		dev_reset(k->local);
	if (k->remote >= 0)
		dev_reset(k->remote);
	k->local = k->remote = -1;
}

/* Append @n entries of site ids @s to device @d as the kernel's
 * kcov_move_area() or the PC hook would. */
static void append(int d, const int *s, int n)
{
	struct m_dev *v = &D[d];
	unsigned long pos;
	int i;

	for (i = 0; i < n; i++) {
		pos = v->words[0] + 1;
		if (pos >= v->size)
			return;
		v->words[pos] = A->site_pc[s[i] % NSITES];
		v->words[0] = pos;
	}
}

/* kcov_move_area() of a section that collected @n entries of @s. */
static void move_area(int d, const int *s, int n)
{
	struct m_dev *v = &D[d];
	unsigned long count = v->words[0], room;

	if (count > v->size - 1)
		return;
	room = v->size - 1 - count;
	if ((unsigned long)n > room)
		n = (int)room;
	append(d, s, n);
}

/* Refcount of process @p's copy of @d, as the library keeps it. */
static int copy_refs(int p, int d)
{
	struct m_copy *c = &P[p].c[d];
	int r = (c->fd >= 0 || c->map) + c->foreign + c->running + c->leaked;

	r += D[d].owner_p == p;
	return r;
}

/* At each op of @p, the library forgets a foreign owner that is gone. */
static void release_check(int p)
{
	int d;

	for (d = 0; d < MD; d++)
		if (P[p].c[d].live && copy_refs(p, d) == 0)
			P[p].c[d].live = false;
}

static void forget_foreign(int p)
{
	int d;

	for (d = 0; d < MD; d++)
		if (P[p].c[d].live && P[p].c[d].foreign && D[d].owner_p < 0)
			P[p].c[d].foreign = false;
	release_check(p);
}

static int live_copies(int p)
{
	int d, n = 0;

	for (d = 0; d < MD; d++)
		n += P[p].c[d].live;
	return n;
}

/* Compare what task (p, t) observed with the model. */
static void check_obs(int p, const struct res *r)
{
	int d;
	unsigned long i, w;

	for (d = 0; d < MD; d++) {
		const struct obs_dev *o = &r->dev[d];
		struct m_copy *c = &P[p].c[d];
		bool here = D[d].owner_p == p;
		int mode, remote, nh;
		unsigned long size;

		if (!c->id)
			continue;
		if (!c->live) {
			if (o->rc != -ENOENT)
				failf("process %d: d%d should be freed (rc %d, refcount %d)",
				      p, d, o->rc, o->refcount);
			continue;
		}
		if (o->rc)
			failf("process %d: d%d freed (rc %d), model refcount %d (pinned "
			      "%d, foreign %d, running %d, leaked %d, owner %d.%d)", p, d,
			      o->rc, copy_refs(p, d), c->fd >= 0 || c->map != NULL,
			      c->foreign, c->running, c->leaked, D[d].owner_p, D[d].owner_t);
		size = c->adopted ? D[d].size : 0;
		if (here) {
			mode = M_PC;
			remote = D[d].remote;
			nh = D[d].nh;
		} else if (c->foreign) {
			mode = M_PC;
			remote = c->f_remote;
			nh = c->f_nh;
		} else {
			mode = size ? M_INIT : M_DISABLED;
			remote = 0;
			nh = 0;
		}
		if (o->mode != mode || o->size != size || o->remote != remote ||
		    (int)o->nr_handles != nh || o->refcount != copy_refs(p, d) ||
		    o->file_open != (c->fd >= 0 || c->map != NULL))
			failf("process %d: d%d is mode %d size %lu remote %d handles %u "
			      "refcount %d file_open %d; model %d %lu %d %d %d %d", p, d,
			      o->mode, o->size, o->remote, o->nr_handles, o->refcount,
			      o->file_open, mode, size, remote, nh, copy_refs(p, d),
			      c->fd >= 0 || c->map != NULL);
		if (!size)
			continue;
		w = page_words(size);
		for (i = 0; i < w && i < WMAX; i++)
			if (o->words[i] != D[d].words[i])
				failf("process %d: d%d word %lu is %#lx, model %#lx "
				      "(count %lu, model %lu, size %lu)", p, d, i,
				      o->words[i], D[d].words[i], o->words[0],
				      D[d].words[0], size);
	}
	if (r->devices != live_copies(p))
		failf("process %d: %d live devices, model %d", p, r->devices,
		      live_copies(p));
	if (P[p].warn_known && r->warns != P[p].warns)
		failf("process %d: %lu WARNs, model %lu", p, r->warns, P[p].warns);
}

/* ---- the controller: run a command on a task, check it ------------------ */

static bool ran[MP];	/* a command ran in the process in this step */

static struct res *run(int p, int t, struct cmd *c)
{
	struct slot *s = &A->slot[p][t];
	struct timespec ts;
	int d;

	ran[p] = true;
	for (d = 0; d < MD; d++)
		c->ids[d] = P[p].c[d].id;
	s->cmd = *c;
	fig.ops++;
	if (p == 0 && t == 0) {		/* the controller's own thread */
		exec_cmd(0, 0, &s->cmd, &s->res);
		return &s->res;
	}
	sem_post(&s->go);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	while (sem_timedwait(&s->done, &ts))
		if (errno != EINTR) {
			int st = 0;

			if (p && waitpid(P[p].pid, &st, WNOHANG) == P[p].pid) {
				P[p].alive = false;
				failf("process %d died: %s %d", p,
				      WIFSIGNALED(st) ? "signal" : "exit status",
				      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			}
			failf("task %d.%d hangs", p, t);
		}
	return &s->res;
}

static void desc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void desc(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(step_desc, sizeof(step_desc), fmt, ap);
	va_end(ap);
	if (verbose)
		printf("  %lu: %s\n", step_no, step_desc);
}

static void expect_ret(long got, long want)
{
	if (got != want)
		failf("returned %ld, model %ld", got, want);
}

static unsigned int below(unsigned int n)
{
	return gen_below(&rng, n);
}

static bool chance(unsigned int pct)
{
	return gen_chance(&rng, pct);
}

/* A task in task context, not in a section (syscalls come from there). */
static bool task_ctx(int p, int t)
{
	return P[p].alive && P[p].t[t].alive && !P[p].t[t].softirq && !P[p].t[t].sec;
}

/* A task that may start a task-context section: no coverage of its own. */
static bool section_ready(int p, int t)
{
	return task_ctx(p, t) && P[p].t[t].local < 0 && P[p].t[t].remote < 0;
}

/*
 * Would a section of process @p on @h start, and on which device (-1:
 * none)? *@ok false: a case where the library documents a difference
 * (a child on a handle registered after its fork): not generated.
 */
static int section_target(int p, uint64_t h, bool *ok)
{
	int d = dev_registered(h), e;

	*ok = true;
	if (p == 0)
		return d;
	/* A child's table is the root's at the fork, while its owner holds. */
	for (e = 0; e < MD; e++) {
		struct m_copy *c = &P[p].c[e];
		int k;

		if (!c->live || !c->foreign || !c->f_remote)
			continue;
		for (k = 0; k < c->f_nhandles; k++)
			if (c->f_handles[k] == h) {
				if (D[e].owner_p < 0)
					return -1;	/* gone: forgotten, as on Linux */
				if (D[e].epoch != c->f_epoch)
					*ok = false;	/* re-registered since */
				return e;
			}
	}
	if (d >= 0)
		*ok = false;	/* registered after the fork */
	return -1;
}

static void pick_sites(struct cmd *c, int n)
{
	int i;

	c->nsites = n;
	for (i = 0; i < n; i++)
		c->sites[i] = (int)below(NSITES);
}

/* Section buffer words of a start on @d (0: none is allocated). */
static unsigned int section_cap(int d, bool softirq)
{
	unsigned int a = softirq ? IRQ_WORDS : D[d].area_size;

	if (!softirq && (!a || (unsigned long)a * 8 / PAGE >= phys_pages))
		return 0;	/* vmalloc() fails: no section */
	return a;
}

/* ---- the operations ------------------------------------------------------ */

static int free_dev(void)
{
	int d;

	for (d = 0; d < MD; d++) {
		bool held = false;
		int p;

		for (p = 0; p < MP; p++)
			held |= P[p].alive && P[p].c[d].live;
		if (!held)
			return d;
	}
	return -1;
}

/* --faults: one step in eight of the kinds below fails one of the
 * library's own calls (sim.h, kcov_sim_fault_set()). */
static void arm(struct cmd *c)
{
	if (faults_on && step_no && chance(12)) {	/* not in the setup */
		c->faults = 1;
		c->fault_nth = 1 + below(4);
	}
}

/* Did the step hit an injected fault and fail of it? Then it must have
 * failed cleanly and changed nothing (the caller skips its model update). */
static bool faulted(int p, const struct res *r)
{
	if (!r->injected)
		return false;
	fig.faults++;
	if (r->ret >= 0)
		return false;	/* absorbed */
	if (r->ret != -ENOMEM && r->ret != -EMFILE && r->ret != -EAGAIN)
		failf("errno %ld after an injected fault", -r->ret);
	check_obs(p, r);
	return true;
}

static void op_open(int p, int t)
{
	struct cmd c = { .op = X_OPEN };
	int d = free_dev();
	struct res *r;

	if (d < 0)
		return;
	desc("%d.%d open -> d%d", p, t, d);
	arm(&c);
	r = run(p, t, &c);
	if (faulted(p, r))
		return;
	if (r->ret < 0)
		failf("open: errno %ld", -r->ret);
	memset(&D[d], 0, sizeof(D[d]));
	D[d].used = true;
	D[d].owner_p = D[d].owner_t = -1;
	D[d].epoch = 1;
	/* Other processes' stale ids of a slot in reuse are gone. */
	for (int q = 0; q < MP; q++)
		memset(&P[q].c[d], 0, sizeof(P[q].c[d])), P[q].c[d].fd = -1;
	P[p].c[d] = (struct m_copy){ .live = true, .id = r->id, .fd = (int)r->ret };
	check_obs(p, run(p, t, &(struct cmd){ .op = X_OBSERVE }));
}

static int held_dev(int p, bool need_fd)
{
	int live[MD], n = 0, d;

	for (d = 0; d < MD; d++)
		if (P[p].c[d].live && (!need_fd || P[p].c[d].fd >= 0))
			live[n++] = d;
	return n ? live[below(n)] : -1;
}

static void init_size(int p, int t, int d, unsigned long size)
{
	struct cmd c = { .op = X_IOCTL, .a = { P[p].c[d].fd, KCOV_INIT_TRACE, (long)size } };
	struct res *r;
	long want;

	desc("%d.%d INIT_TRACE(d%d, %lu)", p, t, d, size);
	if (size < 2)
		want = -EINVAL;
	else if (D[d].size)
		want = -EBUSY;
	else
		want = 0;
	if (size >= 2)
		P[p].c[d].adopted = D[d].size != 0;
	arm(&c);
	r = run(p, t, &c);
	/* Out of memory for this process's view of another process's INIT:
	 * not adopted yet (as in op_mmap()). */
	if (r->injected && r->ret < 0 && !r->dev[d].rc)
		P[p].c[d].adopted = r->dev[d].size != 0;
	if (faulted(p, r))
		return;
	expect_ret(A->slot[p][t].res.ret, want);
	if (!want) {
		D[d].size = size;
		memset(D[d].words, 0, sizeof(D[d].words));
		P[p].c[d].adopted = true;
	}
	check_obs(p, &A->slot[p][t].res);
}

static void op_init(int p, int t, int d)
{
	static const unsigned long sizes[] = { 512, 1024, 513, 8192, 1, 512 };

	init_size(p, t, d, sizes[below(6)]);
}

static void op_mmap(int p, int t, int d)
{
	struct m_copy *c = &P[p].c[d];
	unsigned long size = D[d].size, len = size * 8;
	struct cmd cm = { .op = X_MMAP };
	int v = step_no ? (int)below(10) : 9;	/* the setup's are good */
	long want = 0, off = 0;
	int prot = PROT_READ | PROT_WRITE;
	struct res *r;

	if (c->map)
		return;
	if (!len || v == 0)
		len = 2 * PAGE;
	else if (v == 1)
		off = PAGE;
	else if (v == 2)
		prot |= PROT_EXEC;
	len = (len + PAGE - 1) & ~(PAGE - 1);
	if (len > WMAX * 8)
		len = WMAX * 8;
	cm.a[0] = c->fd;
	cm.a[1] = (long)len;
	cm.a[2] = prot;
	cm.a[3] = off;
	desc("%d.%d mmap(d%d, %lu, prot %d, off %ld)", p, t, d, len, prot, off);
	/* kcov_mmap() adopts another process's INIT: after the noexec check. */
	if (D[d].size && !(prot & PROT_EXEC))
		c->adopted = true;
	if (prot & PROT_EXEC)
		want = -EPERM;
	else if (!D[d].size || off || len != size * 8)
		want = -EINVAL;
	arm(&cm);
	r = run(p, t, &cm);
	/* A fault before kcov_mmap() leaves another process's INIT not yet
	 * adopted here, one after it (the mapping's node) adopted: this
	 * process's cache, which the ABI does not show. */
	if (r->injected && r->ret < 0 && !r->dev[d].rc)
		c->adopted = r->dev[d].size != 0;
	if (faulted(p, r))
		return;
	expect_ret(r->ret, want);
	if (!want)
		c->map = r->addr;
	check_obs(p, r);
	/* The user writes canaries past the count: the hooks must leave them. */
	if (!want && chance(70)) {
		struct cmd f = { .op = X_FILL, .a = { (long)c->map, (long)page_words(size) } };
		unsigned long i;

		desc("%d.%d canaries into d%d", p, t, d);
		for (i = 1; i < page_words(size); i++)
			D[d].words[i] = CANARY(i);
		check_obs(p, run(p, t, &f));
	}
}

/* Hostile arguments: do_mmap()'s checks first, as on Linux (issue 13 #6). */
static void op_mmap_hostile(int p, int t, int d)
{
	static const struct { long len, off; int flags; } v[] = {
		{ 2 * PAGE, -(long)PAGE, MAP_SHARED },
		{ 2 * PAGE, 0, MAP_SHARED_VALIDATE | MAP_SYNC },
		{ 1l << 47, 0, MAP_SHARED },
		{ 0, 0, MAP_SHARED },
		{ 2 * PAGE, 0, MAP_SHARED | MAP_PRIVATE },
	};
	int i = (int)below(5), prot = PROT_READ | (chance(50) ? PROT_EXEC : 0);
	struct cmd c = { .op = X_MMAP_HOSTILE, .a = { P[p].c[d].fd, v[i].len, prot,
						      v[i].off, v[i].flags } };
	struct res *r;
	long want;

	desc("%d.%d hostile mmap %d of d%d, prot %d", p, t, i, d, prot);
	r = run(p, t, &c);
	if (r->ret2 == -999)
		failf("no reference memfd");
	if (D[d].size && !r->ret2 && !(prot & PROT_EXEC))
		P[p].c[d].adopted = true;	/* kcov_mmap() ran */
	if (r->ret2)
		want = r->ret2;		/* do_mmap() said no, as on Linux */
	else if (prot & PROT_EXEC)
		want = -EPERM;
	else if (!D[d].size || v[i].off || (unsigned long)v[i].len != D[d].size * 8)
		want = -EINVAL;
	else
		want = 0;		/* a valid mapping after all */
	expect_ret(r->ret, want);
	fig.hostile++;
	check_obs(p, r);
}

static void op_munmap(int p, int t, int d)
{
	struct m_copy *c = &P[p].c[d];
	struct cmd cm = { .op = X_MUNMAP, .a = { (long)c->map, (long)(D[d].size * 8) } };

	desc("%d.%d munmap(d%d)", p, t, d);
	expect_ret(run(p, t, &cm)->ret, 0);
	c->map = NULL;
	release_check(p);
	check_obs(p, &A->slot[p][t].res);
}

static void op_close(int p, int t, int d)
{
	struct m_copy *c = &P[p].c[d];
	struct cmd cm = { .op = X_CLOSE, .a = { c->fd } };

	desc("%d.%d close(d%d)", p, t, d);
	expect_ret(run(p, t, &cm)->ret, 0);
	c->fd = -1;
	release_check(p);
	check_obs(p, &A->slot[p][t].res);
}

/*
 * What ENABLE or REMOTE_ENABLE of d by (p, t) in @mode gives before the
 * handles are looked at: the mode is checked first (a device enabled in
 * any process is not INIT), then the task, then the trace mode. Both
 * adopt another process's INIT.
 */
static long enable_want(int p, int t, int d, long mode)
{
	struct m_task *k = &P[p].t[t];

	forget_foreign(p);
	if (D[d].size)
		P[p].c[d].adopted = true;
	if (!D[d].size || D[d].owner_p >= 0)
		return -EINVAL;
	if (k->local >= 0 || k->remote >= 0)
		return -EBUSY;
	return mode != KCOV_TRACE_PC ? -EINVAL : 0;
}

static void op_enable(int p, int t, int d)
{
	struct m_task *k = &P[p].t[t];
	long mode = chance(90) ? KCOV_TRACE_PC : 5, want;
	struct cmd c = { .op = X_IOCTL, .a = { P[p].c[d].fd, KCOV_ENABLE, mode } };

	desc("%d.%d ENABLE(d%d, %ld)", p, t, d, mode);
	want = enable_want(p, t, d, mode);
	expect_ret(run(p, t, &c)->ret, want);
	if (!want) {
		D[d].owner_p = p;
		D[d].owner_t = t;
		k->local = d;
	}
	check_obs(p, &A->slot[p][t].res);
}

static void op_disable(int p, int t, int d)
{
	struct m_task *k = &P[p].t[t];
	struct cmd c = { .op = X_IOCTL, .a = { P[p].c[d].fd, KCOV_DISABLE, 0 } };
	long want = k->local == d || k->remote == d ? 0 : -EINVAL;

	desc("%d.%d DISABLE(d%d)", p, t, d);
	forget_foreign(p);
	if (D[d].size)
		P[p].c[d].adopted = true;
	expect_ret(run(p, t, &c)->ret, want);
	if (!want) {
		dev_reset(d);
		if (k->local == d)
			k->local = -1;
		else
			k->remote = -1;
		k->handle = 0;		/* P-2025: DISABLE forgets it */
	}
	release_check(p);
	check_obs(p, &A->slot[p][t].res);
}

/* @n handles @hs (USB), @common, buffers of @area words (issue 13 #5:
 * 0xffffffff, 32 GiB, is valid and fails at each section's start). */
static void remote_enable(int p, int t, int d, long mode, unsigned int area,
			  int n, const uint64_t *hs, uint64_t common)
{
	struct m_task *k = &P[p].t[t];
	struct cmd c = { .op = X_REMOTE_ENABLE };
	int i, j, reg = 0;
	long want = 0;
	uint64_t added[4];

	c.a[0] = P[p].c[d].fd;
	c.a[1] = mode;
	c.a[2] = area;
	c.a[3] = n;
	for (i = 0; i < n; i++)
		c.h[i] = hs[i];
	c.h[3] = common;
	desc("%d.%d REMOTE_ENABLE(d%d, area %u, n %d [%#" PRIx64 " %#" PRIx64 "] common %#"
	     PRIx64 ")", p, t, d, area, n, c.h[0], c.h[1], common);
	want = enable_want(p, t, d, mode);
	if (!want) {
		/* Registered in order; the first clash rolls everything back. */
		for (i = 0; i < n + (common != 0) && !want; i++) {
			uint64_t h = i < n ? c.h[i] : common;

			if (dev_registered(h) >= 0)
				want = -EEXIST;
			for (j = 0; j < reg; j++)
				if (added[j] == h)
					want = -EEXIST;
			if (!want)
				added[reg++] = h;
		}
		if (want) {
			D[d].epoch++;	/* kcov_disable() of the rollback */
			k->handle = 0;
		}
	}
	expect_ret(run(p, t, &c)->ret, want);
	if (!want) {
		D[d].owner_p = p;
		D[d].owner_t = t;
		D[d].remote = true;
		D[d].area_size = area;
		D[d].nh = reg;
		memcpy(D[d].handles, added, sizeof(added));
		k->remote = d;
		if (common)
			k->handle = common;
	}
	check_obs(p, &A->slot[p][t].res);
}

static void op_remote_enable(int p, int t, int d)
{
	static const unsigned int areas[] = { 64, 64, 512, 64, 0xffffffffu, 1 };
	uint64_t hs[2] = { handle_pool[below(4)], handle_pool[below(4)] };

	remote_enable(p, t, d, chance(95) ? KCOV_TRACE_PC : 2, areas[below(6)],
		      (int)below(3), hs, chance(35) ? common_pool[below(2)] : 0);
}

/* Sites that ran on task @k: into its section's buffer (room for
 * sec_cap - 1 entries), else its own coverage in task context. */
static void record(int p, int t, const int *s, int n)
{
	struct m_task *k = &P[p].t[t];
	int i;

	if (k->sec) {
		if (k->sec_dev < 0)
			return;
		for (i = 0; i < n; i++)
			if ((unsigned int)k->sec_n + 1 < k->sec_cap && k->sec_n < 512)
				k->sec_sites[k->sec_n++] = s[i];
	} else if (!k->softirq && k->local >= 0) {
		append(k->local, s, n);
	}
}

static void op_hooks(int p, int t)
{
	struct cmd c = { .op = X_HOOKS };

	pick_sites(&c, 1 + (int)below(6));

	desc("%d.%d hooks x%d", p, t, c.nsites);
	record(p, t, c.sites, c.nsites);
	check_obs(p, run(p, t, &c));
}

/* A section's start, as the model sees it (the caller checked it may). */
static void section_begin(int p, int t, int d, bool softirq)
{
	struct m_task *k = &P[p].t[t];

	k->sec = softirq ? 2 : 1;
	k->sec_dev = d;
	k->sec_n = 0;
	if (d < 0)
		return;
	k->sec_cap = section_cap(d, softirq);
	if (!k->sec_cap) {
		k->sec_dev = -1;
		return;
	}
	k->sec_epoch = D[d].epoch;
	P[p].c[d].running++;
	fig.sections++;
}

/* Its stop: the entries land unless a reset came in between (5.10). */
static void section_end(int p, int t)
{
	struct m_task *k = &P[p].t[t];
	int d = k->sec_dev;

	k->sec = 0;
	if (d < 0)
		return;
	if (D[d].epoch == k->sec_epoch && D[d].remote) {
		unsigned long before = D[d].words[0];

		move_area(d, k->sec_sites, k->sec_n);
		fig.delivered += D[d].words[0] != before;
	}
	P[p].c[d].running--;
	release_check(p);
}

static uint64_t pick_handle(int p, int t)
{
	uint64_t regs[16];
	int n = 0, d, k;

	if (chance(15) && P[p].t[t].handle)
		return P[p].t[t].handle;
	for (d = 0; d < MD; d++)
		if (D[d].used && D[d].remote)
			for (k = 0; k < D[d].nh; k++)
				regs[n++] = D[d].handles[k];
	if (n && chance(85))
		return regs[below(n)];
	return handle_pool[below(4)];
}

/* A remote section in task context or in a softirq: whole, or its start
 * (hooks and the stop come as later steps). */
static void op_section(int p, int t, bool softirq, int phase)
{
	struct m_task *k = &P[p].t[t];
	struct cmd c = { .op = X_SECTION, .a = { softirq, phase } };
	uint64_t h = pick_handle(p, t);
	struct res *r;
	bool ok;
	int d;

	if (softirq && (h >> 56) != 1)
		h = handle_pool[below(4)];	/* the softirq helper is USB's */
	d = section_target(p, h, &ok);
	if (!ok)
		return;
	c.h[0] = h;
	pick_sites(&c, phase == SEC_FULL ? 1 + (int)below(6) : (int)below(3));
	desc("%d.%d %s section %s on %#" PRIx64 " (d%d) x%d", p, t,
	     softirq ? "softirq" : "task", phase == SEC_FULL ? "whole" : "start",
	     h, d, c.nsites);
	forget_foreign(p);
	if (softirq && !k->softirq)
		failf("generator: softirq section outside a softirq");
	arm(&c);
	r = run(p, t, &c);
	section_begin(p, t, d, softirq);
	if (r->injected && k->sec_dev >= 0) {
		/* Its buffer could not be had: no section (vmalloc()). */
		fig.faults++;
		P[p].c[k->sec_dev].running--;
		fig.sections--;
		k->sec_dev = -1;
	}
	record(p, t, c.sites, c.nsites);
	if (phase == SEC_FULL)
		section_end(p, t);
	check_obs(p, r);
}

static void op_section_stop(int p, int t)
{
	struct m_task *k = &P[p].t[t];
	struct cmd c = { .op = X_SECTION, .a = { k->sec == 2, SEC_STOP } };

	pick_sites(&c, (int)below(3));
	desc("%d.%d section stop x%d", p, t, c.nsites);
	record(p, t, c.sites, c.nsites);
	section_end(p, t);
	check_obs(p, run(p, t, &c));
}

static void op_softirq(int p, int t, bool enter)
{
	struct cmd c = { .op = X_SOFTIRQ, .a = { enter } };

	desc("%d.%d softirq %s", p, t, enter ? "enter" : "exit");
	P[p].t[t].softirq = enter;
	check_obs(p, run(p, t, &c));
}

static int free_task(int p)
{
	int t;

	for (t = 1; t < MT; t++)
		if (!P[p].t[t].alive)
			return t;
	return -1;
}

static void op_spawn(int p, int t)
{
	int n = free_task(p);
	struct cmd c = { .op = X_SPAWN };

	if (n < 0)
		return;
	c.a[0] = n;
	desc("%d.%d creates task %d.%d", p, t, p, n);
	expect_ret(run(p, t, &c)->ret, 0);
	memset(&P[p].t[n], 0, sizeof(P[p].t[n]));
	P[p].t[n].alive = true;
	P[p].t[n].local = P[p].t[n].remote = -1;
	P[p].t[n].handle = P[p].t[t].handle;	/* as clone() copies it */
	fig.threads++;
	check_obs(p, &A->slot[p][t].res);
}

/*
 * Thread exit, in whatever context and section it is (spec 3.3): each
 * section it is inside is a WARN and keeps its device reference; then
 * what it owns is detached as DISABLE would (issue 13 #1).
 */
static void op_exit(int p, int t)
{
	struct m_task *k = &P[p].t[t];
	struct cmd c = { .op = X_EXIT };
	struct res *r;
	int d;

	desc("%d.%d exits%s%s", p, t, k->softirq ? " in a softirq" : "",
	     k->sec ? " inside a section" : "");
	/* Only a section that started is one (its buffer was found). */
	if (k->sec && k->sec_dev >= 0) {
		d = k->sec_dev;
		P[p].warns++;
		fig.exits_in_section++;
		P[p].c[d].running--;
		P[p].c[d].leaked++;
	}
	owner_gone(p, t);
	k->alive = false;
	A->slot[p][t].cmd = c;
	sem_post(&A->slot[p][t].go);
	/* Task 0 of the process sees it gone, its TLS destructors run. */
	r = run(p, 0, &(struct cmd){ .op = X_JOIN, .a = { t } });
	release_check(p);
	check_obs(p, r);
}

static int free_proc(void)
{
	int p;

	for (p = 1; p < MP; p++)
		if (!P[p].alive)
			return p;
	return -1;
}

/* fork() of the root from any of its tasks: the child's task 0 is the
 * forking thread, re-initialised (kcov_handle kept); its copies of the
 * devices are the root's. */
static void op_fork(int t)
{
	int n = free_proc(), d, u;
	struct cmd c = { .op = X_FORK };
	struct res *r;

	if (n < 0)
		return;
	c.a[0] = n;
	desc("0.%d forks process %d", t, n);
	for (u = 0; u < MT; u++) {
		struct slot *s = &A->slot[n][u];

		sem_destroy(&s->go);
		sem_destroy(&s->done);
		sem_init(&s->go, 1, 0);
		sem_init(&s->done, 1, 0);
	}
	r = run(0, t, &c);
	if (r->ret <= 0)
		failf("fork: %ld", r->ret);
	while (sem_wait(&A->ready) && errno == EINTR)
		;
	memset(&P[n], 0, sizeof(P[n]));
	P[n].alive = true;
	P[n].pid = (pid_t)r->ret;
	P[n].warn_known = false;	/* learnt at its first step */
	for (u = 0; u < MT; u++)
		P[n].t[u].local = P[n].t[u].remote = -1;
	P[n].t[0].alive = true;
	P[n].t[0].handle = P[0].t[t].handle;
	for (d = 0; d < MD; d++) {
		struct m_copy *pc = &P[0].c[d], *cc = &P[n].c[d];
		int k;

		*cc = *pc;
		cc->running = 0;
		cc->leaked = pc->leaked + pc->running;
		if (!pc->live) {
			cc->id = 0;
			cc->fd = -1;
			continue;
		}
		cc->foreign = D[d].owner_p == 0;
		cc->f_remote = D[d].remote;
		cc->f_nh = D[d].nh;
		cc->f_epoch = D[d].epoch;
		cc->f_nhandles = D[d].nh;
		for (k = 0; k < D[d].nh; k++)
			cc->f_handles[k] = D[d].handles[k];
	}
	fig.forks++;
	check_obs(0, r);
	/* The child's first observation: its WARN count starts here. */
	r = run(n, 0, &(struct cmd){ .op = X_OBSERVE });
	P[n].warns = r->warns;
	P[n].warn_known = true;
	check_obs(n, r);
}

/* A child ends (its other tasks have exited): what its tasks owned is
 * INIT again for everyone (the robust owner mutex). */
static void op_proc_exit(int p)
{
	struct cmd c = { .op = X_PROC_EXIT };
	int status, t;

	desc("process %d exits", p);
	for (t = 0; t < MT; t++)
		if (P[p].t[t].alive)
			owner_gone(p, t);
	run(p, 0, &c);
	if (waitpid(P[p].pid, &status, 0) != P[p].pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		failf("process %d ended with status %#x", p, status);
	P[p].alive = false;
}

static void op_poke(int p, int t, int d)
{
	unsigned long v = chance(80) ? 0 : chance(50) ? D[d].size - 1 : D[d].size + 3;
	struct cmd c = { .op = X_POKE, .a = { (long)P[p].c[d].map, (long)v } };

	desc("%d.%d d%d area[0] = %lu", p, t, d, v);
	D[d].words[0] = v;
	check_obs(p, run(p, t, &c));
}

/* The last reference of @p's copy goes at the fd limit (issue 13 #4). */
static void op_fdlimit(int p, int t, int d)
{
	struct m_copy *c = &P[p].c[d];
	struct cmd cm = { .op = X_FDLIMIT, .a = { -1, 0, 0 } };

	if (c->fd >= 0 && !c->map) {
		cm.a[0] = c->fd;
		desc("%d.%d at the fd limit: dup2() over d%d's last fd", p, t, d);
		c->fd = -1;
	} else if (c->fd < 0 && c->map) {
		cm.a[1] = (long)c->map;
		cm.a[2] = (long)(D[d].size * 8);
		desc("%d.%d at the fd limit: munmap() of d%d's last mapping", p, t, d);
		c->map = NULL;
	} else {
		return;
	}
	expect_ret(run(p, t, &cm)->ret, cm.a[0] >= 0 ? cm.a[0] : 0);
	fig.fdlimit++;
	release_check(p);
	check_obs(p, &A->slot[p][t].res);
}

static void op_open_flags(int p, int t, int d)
{
	struct cmd c = { .op = X_OPEN_FLAGS, .a = { (long)below(4), P[p].c[d].fd } };
	struct res *r;

	if (!A->door_shim || (c.a[0] == 3 && c.a[1] < 0))
		return;
	desc("%d.%d open flags variant %ld", p, t, c.a[0]);
	r = run(p, t, &c);
	switch (c.a[0]) {
	case 0:
		if (r->ret || r->ret2 != -EBADF || r->ret3)
			failf("O_PATH: open %ld, ioctl %ld, close %ld; want 0, EBADF, 0",
			      r->ret, r->ret2, r->ret3);
		break;
	case 1:
		expect_ret(r->ret, -ENOTDIR);
		break;
	case 2:
		expect_ret(r->ret, -EEXIST);
		break;
	default:
		if (r->ret || r->ret2 != 1 || r->ret3 != live_copies(p) + 1)
			failf("reopen by /proc/self/fd: %ld, fresh %ld, devices %ld",
			      r->ret, r->ret2, r->ret3);
	}
	check_obs(p, r);
}

/*
 * Two processes race sections into one device: a root task and a child's,
 * each @n sections of the same sites on a handle the child inherited; no
 * entry may be lost (issue 13 #2).
 */
static void op_race(int q)
{
	int a = -1, b = -1, t, d = -1, i, n, e;
	struct cmd c = { .op = X_RACE };
	uint64_t h = 0;
	bool ok;

	for (t = 0; t < MT; t++) {
		if (a < 0 && t && section_ready(0, t))
			a = t;		/* a thread: the controller waits */
		if (b < 0 && section_ready(q, t))
			b = t;
	}
	for (e = 0; e < MD && d < 0; e++)
		if (D[e].remote && D[e].nh && P[q].c[e].live) {
			h = D[e].handles[below(D[e].nh)];
			if (section_target(q, h, &ok) == e && ok &&
			    section_target(0, h, &ok) == e && section_cap(e, false) > 8)
				d = e;
		}
	if (a < 0 || b < 0 || d < 0)
		return;
	c.h[0] = h;
	pick_sites(&c, 1 + (int)below(6));
	n = 20 + (int)below(200);
	c.a[0] = n;
	desc("race: 0.%d and %d.%d, %d sections x%d each into d%d", a, q, b, n,
	     c.nsites, d);
	for (i = 0; i < 2 * n; i++)
		move_area(d, c.sites, c.nsites);
	fig.races++;
	fig.race_entries += 2ul * n * c.nsites;
	A->slot[0][a].cmd = c;
	A->slot[q][b].cmd = c;
	for (e = 0; e < MD; e++) {
		A->slot[0][a].cmd.ids[e] = P[0].c[e].id;
		A->slot[q][b].cmd.ids[e] = P[q].c[e].id;
	}
	sem_post(&A->slot[0][a].go);
	sem_post(&A->slot[q][b].go);
	sem_wait(&A->slot[0][a].done);
	sem_wait(&A->slot[q][b].done);
	fig.ops += 2;
	if (A->slot[0][a].res.ret2 != n || A->slot[q][b].res.ret2 != n)
		failf("race: %ld and %ld of %d sections started", A->slot[0][a].res.ret2,
		      A->slot[q][b].res.ret2, n);
	/* Each side observed when it was done: look again now both are. */
	check_obs(0, run(0, a, &(struct cmd){ .op = X_OBSERVE }));
	check_obs(q, run(q, b, &(struct cmd){ .op = X_OBSERVE }));
}

/* ---- the generator ------------------------------------------------------- */

static int pick_proc(void)
{
	int live[MP], n = 0, p;

	for (p = 0; p < MP; p++)
		if (P[p].alive)
			live[n++] = p;
	return live[below(n)];
}

static int pick_task(int p)
{
	int live[MT], busy[MT], n = 0, nb = 0, t;

	for (t = 0; t < MT; t++) {
		if (!P[p].t[t].alive)
			continue;
		live[n++] = t;
		if (P[p].t[t].sec || P[p].t[t].softirq)
			busy[nb++] = t;
	}
	if (nb && chance(50))
		return busy[below(nb)];
	return live[below(n)];
}

/* A step of task (p, t) in a softirq or a section: what may run there. */
static void step_busy(int p, int t)
{
	struct m_task *k = &P[p].t[t];
	unsigned int r = below(100);

	if (k->sec && k->sec_n > 400) {
		op_section_stop(p, t);
	} else if (r < 45) {
		op_hooks(p, t);
	} else if (r < 55 && t) {
		op_exit(p, t);
	} else if (k->sec) {
		op_section_stop(p, t);
	} else if (r < 85) {
		op_section(p, t, true, chance(70) ? SEC_FULL : SEC_START);
	} else {
		op_softirq(p, t, false);
	}
}

static void step_task(int p, int t);

/*
 * One step of a random task. The model forgets a gone foreign owner at the
 * start of the step, as the library does during any call in that process
 * (the observation after each command at the latest): a step must then
 * run a command there, if only an observation.
 */
static void step(void)
{
	int p = pick_proc(), t = pick_task(p);

	step_no++;
	memset(ran, 0, sizeof(ran));
	forget_foreign(p);
	if (P[p].t[t].softirq || P[p].t[t].sec)
		step_busy(p, t);
	else
		step_task(p, t);
	if (!ran[p] && P[p].alive) {
		desc("%d.%d observes", p, t);
		check_obs(p, run(p, P[p].t[t].alive ? t : 0,
				 &(struct cmd){ .op = X_OBSERVE }));
	}
}

static void step_task(int p, int t)
{
	struct m_task *k = &P[p].t[t];
	unsigned int r = below(1000);
	int d;

	d = held_dev(p, false);
	if (r < 60) {
		op_open(p, t);
	} else if (r < 120 && d >= 0 && P[p].c[d].fd >= 0) {
		op_init(p, t, d);
	} else if (r < 190 && d >= 0 && P[p].c[d].fd >= 0) {
		op_mmap(p, t, d);
	} else if (r < 205 && d >= 0 && P[p].c[d].fd >= 0) {
		op_mmap_hostile(p, t, d);
	} else if (r < 270 && d >= 0 && P[p].c[d].fd >= 0) {
		op_enable(p, t, d);
	} else if (r < 320 && d >= 0 && P[p].c[d].fd >= 0) {
		/* mostly the owner's own device */
		if (k->local >= 0 && P[p].c[k->local].fd >= 0 && chance(80))
			d = k->local;
		else if (k->remote >= 0 && P[p].c[k->remote].fd >= 0 && chance(80))
			d = k->remote;
		op_disable(p, t, d);
	} else if (r < 390 && p == 0 && d >= 0 && P[p].c[d].fd >= 0) {
		op_remote_enable(p, t, d);
	} else if (r < 500) {
		op_hooks(p, t);
	} else if (r < 600 && section_ready(p, t)) {
		op_section(p, t, false, chance(60) ? SEC_FULL : SEC_START);
	} else if (r < 650) {
		op_softirq(p, t, true);
	} else if (r < 690 && d >= 0 && P[p].c[d].map) {
		op_poke(p, t, d);
	} else if (r < 720 && d >= 0 && P[p].c[d].map && chance(60)) {
		op_munmap(p, t, d);
	} else if (r < 750 && d >= 0 && P[p].c[d].fd >= 0) {
		op_close(p, t, d);
	} else if (r < 790) {
		op_spawn(p, t);
	} else if (r < 820 && t) {
		op_exit(p, t);
	} else if (r < 850 && p == 0) {
		op_fork(t);
	} else if (r < 870 && p) {
		for (t = 1; t < MT; t++)
			if (P[p].t[t].alive)
				op_exit(p, t);
		if (!P[p].t[0].sec && !P[p].t[0].softirq)
			op_proc_exit(p);
	} else if (r < 900 && d >= 0) {
		op_fdlimit(p, t, d);
	} else if (r < 920 && d >= 0) {
		op_open_flags(p, t, d);
	} else if (r < 960 && p) {
		op_race(p);
	} else {
		op_hooks(p, t);
	}
}

/* End of a sequence: every child exits; the root's tasks too. */
static void teardown(void)
{
	int p, t;

	for (p = MP - 1; p >= 0; p--) {
		if (!P[p].alive)
			continue;
		for (t = 1; t < MT; t++)
			if (P[p].t[t].alive) {
				step_no++;
				forget_foreign(p);
				op_exit(p, t);
			}
		if (p && !P[p].t[0].sec && !P[p].t[0].softirq)
			op_proc_exit(p);
	}
}

/*
 * Most sequences start where the interesting paths are: a remote device
 * with two USB handles and a common one, owned by a thread (so that
 * children inherit them), and a local device, both mapped.
 */
static void setup(void)
{
	uint64_t hs[2] = { USBH(1), USBH(2) };

	if (chance(10))
		return;
	op_open(0, 0);
	init_size(0, 0, 0, chance(50) ? 8192 : 1024);
	op_mmap(0, 0, 0);
	op_open(0, 0);
	init_size(0, 0, 1, 512);
	op_mmap(0, 0, 1);
	op_spawn(0, 0);
	remote_enable(0, 1, 0, KCOV_TRACE_PC, chance(80) ? 64 : 512, 2, hs,
		      chance(70) ? COMMONH(0x42) : 0);
	op_spawn(0, 1);			/* inherits the common handle */
	if (chance(50))
		op_enable(0, 0, 1);
}

/* One sequence, in a fresh process: 0 or exit(1) with the story. */
static int sequence(unsigned long ops)
{
	unsigned long i;
	int t;

	memset(P, 0, sizeof(P));
	memset(D, 0, sizeof(D));
	for (t = 0; t < MT; t++)
		P[0].t[t].local = P[0].t[t].remote = -1;
	for (t = 0; t < MD; t++)
		for (int p = 0; p < MP; p++)
			P[p].c[t].fd = -1;
	P[0].alive = true;
	P[0].t[0].alive = true;
	P[0].warns = kcov_sim_warn_count();
	P[0].warn_known = true;
	rng.s = seed;
	step_no = 0;
	setup();
	for (i = 0; i < ops; i++)
		step();
	teardown();
	return 0;
}

/* ---- the tester ----------------------------------------------------------- */

static void quiet_warn(const char *file, int line, const char *what, void *arg)
{
	(void)arg;
	if (verbose)
		printf("  WARN %s:%d %s\n", file, line, what);
}

/* The PC each site records: learnt once, on a device of its own. */
static int learn_sites(void)
{
	unsigned long *a;
	int fd = kcov_sim_open(), i;

	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512))
		return -1;
	a = kcov_sim_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return -1;
	a[0] = 0;
	for (i = 0; i < NSITES; i++)
		sites[i]();
	kcov_sim_ioctl(fd, KCOV_DISABLE, 0);
	if (a[0] != NSITES)
		return -1;
	for (i = 0; i < NSITES; i++)
		A->site_pc[i] = a[1 + i];
	kcov_sim_munmap(a, 4096);
	kcov_sim_close(fd);
	return kcov_sim_device_count() ? -1 : 0;
}

/* One sequence in a process group of its own: the controller is its main
 * thread and task 0.0. Its exit status: 0 passed, 1 failed. */
static int run_sequence(unsigned long ops)
{
	pid_t pid;
	int status, t;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		setpgid(0, 0);
		self_p = 0;
		for (t = 0; t < MT; t++) {
			sem_init(&A->slot[0][t].go, 1, 0);
			sem_init(&A->slot[0][t].done, 1, 0);
		}
		alarm(600);
		sequence(ops);
		fflush(stdout);
		exit(0);	/* LeakSanitizer checks the root here */
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL);	/* whatever a failed sequence left */
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFSIGNALED(status))
		printf("ksim-model: seed %" PRIu64 ": killed by signal %d\n", seed,
		       WTERMSIG(status));
	else if (WEXITSTATUS(status) != 1)
		printf("ksim-model: seed %" PRIu64 ": exit status %d (a sanitizer?)\n",
		       seed, WEXITSTATUS(status));
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long count = 20, ops = 150, n = 0, failed = 0;
	const char *door = "both", *prog = argv[0];
	double seconds = 0, start = now();
	uint64_t first = 1;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			first = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--ops") && i + 1 < argc)
			ops = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--door") && i + 1 < argc)
			door = argv[++i];
		else if (!strcmp(argv[i], "--faults"))
			faults_on = true;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else {
			fprintf(stderr, "usage: %s [--seed S] [--count N] [--ops K] "
				"[--seconds T] [--door api|shim|both] [--faults] [-v]\n",
				prog);
			return 2;
		}
	}
	A = mmap(NULL, sizeof(*A), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (A == MAP_FAILED)
		return 2;
	sem_init(&A->ready, 1, 0);
	sem_init(&started, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* The rules of P-2025 (the model's); WARNs are counted, not printed. */
	if (kcov_sim_set_profile("P-2025") || learn_sites()) {
		fprintf(stderr, "ksim-model: cannot set up\n");
		return 2;
	}
	kcov_sim_set_warn_handler(quiet_warn, NULL);
	phys_pages = (unsigned long)sysconf(_SC_PHYS_PAGES);
	for (seed = first; seconds ? now() - start < seconds : n < count; seed++, n++) {
		A->door_shim = !strcmp(door, "shim") ||
			       (!strcmp(door, "both") && (seed & 1));
		if (verbose)
			printf("seed %" PRIu64 " (door %s)\n", seed,
			       A->door_shim ? "shim" : "api");
		fig.seqs++;
		if (run_sequence(ops)) {
			failed++;
			printf("ksim-model: replay: %s --seed %" PRIu64 " --count 1 "
			       "--ops %lu --door %s%s -v\n", prog, seed, ops,
			       A->door_shim ? "shim" : "api", faults_on ? " --faults" : "");
			break;
		}
	}
	printf("ksim-model: %lu sequences (seeds %" PRIu64 "..%" PRIu64 "), %lu steps, "
	       "%lu forks, %lu threads, %lu sections (%lu delivered), %lu races "
	       "(%lu entries), %lu exits inside sections, %lu fd-limit releases, "
	       "%lu hostile mmaps, %lu faults injected, %lu failed, %.1f s\n",
	       fig.seqs, first, first + n - (failed ? 0 : 1), fig.ops, fig.forks,
	       fig.threads, fig.sections, fig.delivered, fig.races, fig.race_entries,
	       fig.exits_in_section, fig.fdlimit, fig.hostile, fig.faults, failed,
	       now() - start);
	return failed ? 1 : 0;
}
