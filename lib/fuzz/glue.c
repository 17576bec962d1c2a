/* SPDX-License-Identifier: MIT */
/*
 * glue.c - lanes (an owner thread with a remote device, a carrier thread
 * with a local one), one input under KCOV, runners, edges.
 *
 * Only the core's public API is used: the explicit front door
 * (kcov_sim_open/ioctl/mmap/munmap/close), so that the glue works the same
 * whether or not the libc interposers are linked.
 */
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/fuzz.h>
#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

#include "fuzz_compiler.h"

/* The core's PC hook: its call sites measure the instrumented code. */
extern void __sanitizer_cov_trace_pc(void);

/*
 * A lane: one mode, a remote device owned by @owner, and the carrier that
 * owner creates. Written by the owner before the carrier starts, read-only
 * afterwards (pthread_create orders the two).
 */
struct lane {
	unsigned int	mode;
	unsigned int	flags;
	unsigned long	local_words;
	unsigned long	remote_words;
	int		remote_fd;
	unsigned long	*remote_area;	/* NULL with KCOV_SIM_FUZZ_NO_REMOTE */
	uint64_t	handle;		/* the common handle, 0 without remote */
	int		err;		/* setup failure, negative errno */
	int		(*fn)(void *arg);	/* what the carrier runs */
	void		*arg;
	int		ret;		/* what @fn returned */
	pthread_t	owner;
	sigset_t	mask;		/* the spawner's: the carrier's own */
};

/* The calling thread's local device: set up lazily, again after fork. */
struct local {
	const struct lane *lane;	/* NULL outside a carrier */
	unsigned long	*area;		/* NULL: not set up */
	unsigned long	words;
	unsigned int	mode;
	int		fd;
	unsigned int	gen;		/* fork_gen when set up */
};

static __thread struct local self
	__attribute__((tls_model("initial-exec"))) = { .fd = -1 };

/* Bumped in every forked child: a device set up before is the parent's. */
static unsigned int fork_gen;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
/* Instances of the common handles this process made; retried on EEXIST. */
static unsigned int next_instance;

static notrace void after_fork_child(void)
{
	WRITE_ONCE(fork_gen, READ_ONCE(fork_gen) + 1);
}

static notrace void atfork_register(void)
{
	pthread_atfork(NULL, NULL, after_fork_child);
}

/* The front door reports like the syscalls; we report like the kernel. */
static notrace int sys_err(void)
{
	return errno ? -errno : -EIO;
}

static notrace void opts_read(const struct kcov_sim_fuzz_opts *o,
			      struct lane *l)
{
	memset(l, 0, sizeof(*l));
	l->mode = KCOV_TRACE_PC;
	l->remote_fd = -1;
	/* Honour what the caller's size covers (STYLE 7, growable opts). */
	if (o && o->sz >= offsetof(struct kcov_sim_fuzz_opts, flags) +
			  sizeof(o->flags)) {
		l->mode = o->mode;
		l->flags = o->flags;
	}
	if (o && o->sz >= offsetof(struct kcov_sim_fuzz_opts, remote_words) +
			  sizeof(o->remote_words)) {
		l->local_words = o->local_words;
		l->remote_words = o->remote_words;
	}
	if (!l->local_words)
		l->local_words = KCOV_SIM_FUZZ_LOCAL_WORDS;
	if (!l->remote_words)
		l->remote_words = KCOV_SIM_FUZZ_REMOTE_WORDS;
}

/* open + INIT_TRACE + mmap: a device in INIT state and its buffer. */
static notrace int dev_init(unsigned long words, int *fdp, unsigned long **area)
{
	void *p;
	int fd, err;

	fd = kcov_sim_open();
	if (fd < 0)
		return sys_err();
	if (kcov_sim_ioctl(fd, KCOV_INIT_TRACE, words))
		goto fail;
	p = kcov_sim_mmap(NULL, words * sizeof(unsigned long),
			  PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	*fdp = fd;
	*area = p;
	return 0;
fail:
	err = sys_err();
	kcov_sim_close(fd);
	return err;
}

static notrace void dev_release(int fd, unsigned long *area,
				unsigned long words)
{
	if (area)
		kcov_sim_munmap(area, words * sizeof(unsigned long));
	if (fd >= 0)
		kcov_sim_close(fd);
}

/*
 * The owner's half: a remote device with a fresh common handle. Runs on
 * the owner thread, which thereby owns the device; it never disables it
 * (KCOV_DISABLE would clear the owner's common handle, and the carrier
 * inherits that handle when the owner creates it).
 */
static notrace int remote_setup(struct lane *l)
{
	struct kcov_remote_arg arg = { 0 };
	int tries, err;

	if (l->flags & KCOV_SIM_FUZZ_NO_REMOTE)
		return 0;
	err = dev_init(l->remote_words, &l->remote_fd, &l->remote_area);
	if (err)
		return err;
	arg.trace_mode = l->mode;
	arg.area_size = (uint32_t)l->remote_words;
	for (tries = 0; tries < 64; tries++) {
		unsigned int inst = __atomic_add_fetch(&next_instance, 1,
						       __ATOMIC_RELAXED);

		/* "ks" in the high half: unlikely to meet a harness's own. */
		arg.common_handle = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON,
				0x6b730000u | ((inst ^ (unsigned int)getpid()) & 0xffff));
		if (!kcov_sim_ioctl(l->remote_fd, KCOV_REMOTE_ENABLE,
				    (unsigned long)&arg)) {
			l->handle = arg.common_handle;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	err = sys_err();
	dev_release(l->remote_fd, l->remote_area, l->remote_words);
	l->remote_fd = -1;
	l->remote_area = NULL;
	return err;
}

/* Signals that must reach the carrier, never its owner or the spawner. */
static notrace void async_signals(sigset_t *set)
{
	static const int sigs[] = { SIGALRM, SIGVTALRM, SIGPROF, SIGINT,
				    SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
				    SIGXFSZ, SIGXCPU, SIGCHLD };
	size_t i;

	sigemptyset(set);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(set, sigs[i]);
}

static notrace void *carrier_main(void *p)
{
	struct lane *l = p;

	/* Created with the async signals blocked, so none lands elsewhere. */
	pthread_sigmask(SIG_SETMASK, &l->mask, NULL);
	self.lane = l;
	l->ret = l->fn(l->arg);
	return NULL;
}

static notrace void *owner_main(void *p)
{
	struct lane *l = p;
	pthread_t carrier;
	int err;

	/* Our mask, inherited from the spawner, blocks the async signals. */
	err = remote_setup(l);
	if (!err)
		err = -pthread_create(&carrier, NULL, carrier_main, l);
	if (err) {
		__atomic_store_n(&l->err, err, __ATOMIC_RELEASE);
		return NULL;
	}
	pthread_join(carrier, NULL);
	/* Our thread's exit detaches the device; no DISABLE (see above). */
	dev_release(l->remote_fd, l->remote_area, l->remote_words);
	return NULL;
}

static notrace int lane_start(struct lane *l)
{
	pthread_once(&atfork_once, atfork_register);
	return -pthread_create(&l->owner, NULL, owner_main, l);
}

notrace int kcov_sim_fuzz_spawn(const struct kcov_sim_fuzz_opts *opts,
				int (*fn)(void *arg), void *arg)
{
	struct lane l;
	sigset_t set;
	int err;

	if (!fn)
		return -EFAULT;
	opts_read(opts, &l);
	if (l.mode != KCOV_TRACE_PC && l.mode != KCOV_TRACE_CMP)
		return -EINVAL;
	l.fn = fn;
	l.arg = arg;
	/*
	 * Block before the owner exists: threads inherit the mask, and a
	 * signal sent between a thread's creation and its own sigmask call
	 * would run its handler on the wrong thread.
	 */
	async_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, &l.mask);
	err = lane_start(&l);
	if (!err)
		pthread_join(l.owner, NULL);
	pthread_sigmask(SIG_SETMASK, &l.mask, NULL);
	if (err)
		return err;
	return l.err ? l.err : l.ret;
}

/* ---- one input --------------------------------------------------------- */

static __cold notrace int local_setup(void)
{
	const struct lane *l = self.lane;
	unsigned long words = l ? l->local_words : KCOV_SIM_FUZZ_LOCAL_WORDS;
	unsigned int mode = l ? l->mode : KCOV_TRACE_PC;
	unsigned long *area;
	int fd, err;

	pthread_once(&atfork_once, atfork_register);
	/*
	 * After fork the old device is the parent's, enabled by the parent's
	 * thread: ENABLE on it would fail (spec case 58). Let go of our copy
	 * (close, never DISABLE) and open one of our own.
	 */
	if (self.area) {
		dev_release(self.fd, self.area, self.words);
		self.area = NULL;
		self.fd = -1;
	}
	err = dev_init(words, &fd, &area);
	if (err)
		return err;
	if (kcov_sim_ioctl(fd, KCOV_ENABLE, mode)) {
		err = sys_err();
		dev_release(fd, area, words);
		return err;
	}
	self.fd = fd;
	self.area = area;
	self.words = words;
	self.mode = mode;
	self.gen = READ_ONCE(fork_gen);
	return 0;
}

notrace int kcov_sim_fuzz_begin(void)
{
	const struct lane *l = self.lane;

	if (unlikely(!self.area || self.gen != READ_ONCE(fork_gen))) {
		int err = local_setup();

		if (err)
			return err;
	}
	if (l && l->remote_area)
		__atomic_store_n(&l->remote_area[0], 0, __ATOMIC_RELAXED);
	/* Last: nothing of ours runs between this store and the input. */
	__atomic_store_n(&self.area[0], 0, __ATOMIC_RELAXED);
	return 0;
}

/* Entries in @area, clamped to what @words words hold in @mode. */
static notrace size_t entries(const unsigned long *area, unsigned long words,
			      unsigned int mode, int *overflow)
{
	size_t cap = mode == KCOV_TRACE_CMP ? (words - 1) / 4 : words - 1;
	size_t n = __atomic_load_n(&area[0], __ATOMIC_RELAXED);

	if (n >= cap) {
		*overflow = 1;
		n = cap;
	}
	return n;
}

notrace int kcov_sim_fuzz_end(struct kcov_sim_fuzz_trace *t)
{
	const struct lane *l = self.lane;

	if (!t)
		return -EFAULT;
	if (!self.area || self.gen != READ_ONCE(fork_gen))
		return -EINVAL;
	t->sz = sizeof(*t);
	t->mode = self.mode;
	t->overflow = 0;
	t->local = self.area + 1;
	t->nr_local = entries(self.area, self.words, self.mode, &t->overflow);
	t->remote = NULL;
	t->nr_remote = 0;
	if (l && l->remote_area) {
		t->remote = l->remote_area + 1;
		t->nr_remote = entries(l->remote_area, l->remote_words,
				       l->mode, &t->overflow);
	}
	return 0;
}

notrace int kcov_sim_fuzz_run(kcov_sim_fuzz_fn fn, const uint8_t *data,
			      size_t size, struct kcov_sim_fuzz_trace *t,
			      int *ret)
{
	int err, r;

	if (!fn || !t)
		return -EFAULT;
	err = kcov_sim_fuzz_begin();
	if (err)
		return err;
	r = fn(data, size);
	err = kcov_sim_fuzz_end(t);
	if (ret)
		*ret = r;
	return err;
}

notrace uint64_t kcov_sim_fuzz_handle(void)
{
	return self.lane ? self.lane->handle : 0;
}

/* ---- runners ----------------------------------------------------------- */

struct kcov_sim_fuzz_runner {
	struct kcov_sim_fuzz_opts opts;
	struct lane	lane;
	pid_t		pid;		/* the process whose threads these are */
	sem_t		ready, go, done;
	/* The job: written before posting @go, read after waiting @done. */
	kcov_sim_fuzz_fn fn;
	const uint8_t	*data;
	size_t		size;
	int		ret;
	int		err;
	bool		stop;
	struct kcov_sim_fuzz_trace trace;
};

static notrace int runner_loop(void *p)
{
	struct kcov_sim_fuzz_runner *r = p;

	sem_post(&r->ready);
	for (;;) {
		while (sem_wait(&r->go) && errno == EINTR)
			;
		if (r->stop)
			break;
		r->err = kcov_sim_fuzz_run(r->fn, r->data, r->size, &r->trace,
					   &r->ret);
		sem_post(&r->done);
	}
	return 0;
}

/* Starts the runner's lane in this process; caller holds @r exclusively. */
static notrace int runner_start(struct kcov_sim_fuzz_runner *r)
{
	sigset_t set, old;
	int err;

	opts_read(&r->opts, &r->lane);
	r->lane.fn = runner_loop;
	r->lane.arg = r;
	r->stop = false;
	r->pid = getpid();
	sem_init(&r->ready, 0, 0);
	sem_init(&r->go, 0, 0);
	sem_init(&r->done, 0, 0);
	/* The runner's threads take no asynchronous signal. */
	async_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	pthread_sigmask(SIG_BLOCK, NULL, &r->lane.mask);
	err = lane_start(&r->lane);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return err;
	/* Either the carrier is ready or the owner gave up. */
	while (sem_trywait(&r->ready)) {
		struct timespec ts = { 0, 200000 };

		if (__atomic_load_n(&r->lane.err, __ATOMIC_ACQUIRE)) {
			pthread_join(r->lane.owner, NULL);
			return r->lane.err;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

notrace int kcov_sim_fuzz_runner_new(const struct kcov_sim_fuzz_opts *opts,
				     struct kcov_sim_fuzz_runner **out)
{
	struct kcov_sim_fuzz_runner *r;
	int err;

	if (!out)
		return -EFAULT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts.sz = sizeof(r->opts);
	r->opts.mode = KCOV_TRACE_CMP;
	if (opts)
		memcpy(&r->opts, opts, opts->sz < sizeof(r->opts) ?
					opts->sz : sizeof(r->opts));
	r->opts.sz = opts && opts->sz < sizeof(r->opts) ? opts->sz
						       : sizeof(r->opts);
	if (r->opts.mode != KCOV_TRACE_PC && r->opts.mode != KCOV_TRACE_CMP) {
		free(r);
		return -EINVAL;
	}
	err = runner_start(r);
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

notrace int kcov_sim_fuzz_runner_run(struct kcov_sim_fuzz_runner *r,
				     kcov_sim_fuzz_fn fn, const uint8_t *data,
				     size_t size, struct kcov_sim_fuzz_trace *t,
				     int *ret)
{
	int err;

	if (!r || !fn || !t)
		return -EFAULT;
	/* A forked child has none of the parent's threads: start anew. */
	if (unlikely(r->pid != getpid())) {
		err = runner_start(r);
		if (err)
			return err;
	}
	r->fn = fn;
	r->data = data;
	r->size = size;
	sem_post(&r->go);
	while (sem_wait(&r->done) && errno == EINTR)
		;
	if (r->err)
		return r->err;
	*t = r->trace;
	if (ret)
		*ret = r->ret;
	return 0;
}

notrace void kcov_sim_fuzz_runner_free(struct kcov_sim_fuzz_runner *r)
{
	if (!r)
		return;
	if (r->pid == getpid()) {
		r->stop = true;
		sem_post(&r->go);
		pthread_join(r->lane.owner, NULL);
	}
	sem_destroy(&r->ready);
	sem_destroy(&r->go);
	sem_destroy(&r->done);
	free(r);
}

/* ---- signal ------------------------------------------------------------ */

static inline notrace long count_seq(const unsigned long *pc, size_t n,
				     uint8_t *counters, size_t mask,
				     uint64_t *seen)
{
	unsigned long prev = 0;
	long fresh = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t e = kcov_sim_fuzz_edge(prev, pc[i]) & (uint32_t)mask;

		counters[e]++;
		if (seen && !(seen[e >> 6] & (1ull << (e & 63)))) {
			seen[e >> 6] |= 1ull << (e & 63);
			fresh++;
		}
		prev = pc[i];
	}
	return fresh;
}

notrace long kcov_sim_fuzz_count_edges(const struct kcov_sim_fuzz_trace *t,
				       uint8_t *counters, size_t nr,
				       uint64_t *seen)
{
	if (!t || !counters || !nr || (nr & (nr - 1)) ||
	    t->mode != KCOV_TRACE_PC)
		return -EINVAL;
	return count_seq(t->local, t->nr_local, counters, nr - 1, seen) +
	       count_seq(t->remote, t->nr_remote, counters, nr - 1, seen);
}

struct site_scan {
	uintptr_t	target;
	long		sites;
};

/* Counts "call rel32" instructions to the hook in executable segments. */
static notrace int scan_sites(struct dl_phdr_info *info, size_t size,
			      void *arg)
{
	struct site_scan *s = arg;
	ElfW(Half) i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p, *end;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
		    !(ph->p_flags & PF_R) || ph->p_filesz < 5)
			continue;
		p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_filesz - 4;
		for (; p < end; p++) {
			int32_t rel;

			if (*p != 0xe8)
				continue;
			memcpy(&rel, p + 1, sizeof(rel));
			if ((uintptr_t)(p + 5) + (intptr_t)rel == s->target)
				s->sites++;
		}
	}
	return 0;
}

notrace long kcov_sim_fuzz_pc_sites(void)
{
#if defined(__x86_64__) || defined(__i386__)
	struct site_scan s = { (uintptr_t)&__sanitizer_cov_trace_pc, 0 };

	dl_iterate_phdr(scan_sites, &s);
	return s.sites;
#else
	return 0;
#endif
}
