// SPDX-License-Identifier: MIT
/*
 * fault_test.c - fault injection (sim.h, kcov_sim_fault_set()), and the
 * walk of issue 13 item 3: a full client run - open, INIT_TRACE, mmap,
 * ENABLE, hooks, REMOTE_ENABLE with handles and a common handle, a thread
 * that inherits it, remote sections in task and softirq context, DISABLE,
 * munmap, dup, close - is run once to count the library's own calls, then
 * once more for every N with the Nth of them failing.
 *
 * Each N runs in a forked child (a fresh library: first-use paths such as
 * the hook checks and the IRQ pool are walked too). The call that hit the
 * fault must fail with a clean errno (ENOMEM, EMFILE, EAGAIN) and change
 * nothing the library shows (devices, refcounts, handles, buffers), or
 * absorb it and give the fault-free result; a remote section may lose its
 * coverage, as under vmalloc() failure, and nothing else. The step is then
 * retried and the run goes on; it must end as the fault-free run ended,
 * with every device released, no fd and no view left, and a second,
 * fault-free run in the same process must give the fault-free results.
 * Under the asan preset the child's exit runs LeakSanitizer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/* ---- the client run: steps on three threads ---------------------------- */

enum op {
	OP_OPEN, OP_INIT, OP_MMAP, OP_ENABLE, OP_REMOTE_ENABLE, OP_HOOKS,
	OP_DISABLE, OP_MUNMAP, OP_CLOSE, OP_DUP, OP_CLOSE_DUP, OP_SPAWN,
	OP_EXIT, OP_MMAP2, OP_MUNMAP_MID, OP_MREMAP_HEAD, OP_MUNMAP_HEAD,
	OP_MUNMAP_TAIL,
	OP_SECTION_COMMON, OP_SECTION_SOFTIRQ, OP_SECTION_USB,
};

static const char *const op_names[] = {
	"open", "INIT_TRACE", "mmap", "ENABLE", "REMOTE_ENABLE", "hooks",
	"DISABLE", "munmap", "close", "dup", "close(dup)", "pthread_create",
	"thread exit", "mmap(second)", "munmap(middle page)",
	"mremap(head page)", "munmap(moved head)", "munmap(tail page)",
	"section(common)", "section(softirq usb)", "section(usb)",
};

/* Which runs a step belongs to. */
#define R_API		(1 << 0)	/* the explicit door */
#define R_SHIM		(1 << 1)	/* libc's, the tail of a split mapping last */
#define R_SHIM_HEAD	(1 << 2)	/* libc's, its moved head last */
#define R_SHIM_FD	(1 << 3)	/* libc's, the dup last (close_range) */
#define R_LIBC		(R_SHIM | R_SHIM_HEAD | R_SHIM_FD)
#define R_ALL		(R_API | R_LIBC)

struct step {
	int	runs;		/* R_* */
	int	task;		/* 0 main, 1 owner (created by 0), 2 worker (by 1) */
	enum op	op;
	int	dev;		/* device slot, or the task to create */
};

#define WORDS		1536	/* three pages: a mapping with a middle */
#define REMOTE_WORDS	64
#define HANDLE_COMMON	kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, 0x4242)

static const struct step run[] = {
	{ R_ALL, 0, OP_OPEN, 0 }, { R_ALL, 0, OP_INIT, 0 },
	{ R_ALL, 0, OP_MMAP, 0 }, { R_ALL, 0, OP_ENABLE, 0 },
	{ R_ALL, 0, OP_HOOKS, 0 }, { R_ALL, 0, OP_DUP, 0 },
	/* libc's door: a second mapping, split, its head page moved */
	{ R_LIBC, 0, OP_MMAP2, 0 }, { R_LIBC, 0, OP_MUNMAP_MID, 0 },
	{ R_LIBC, 0, OP_MREMAP_HEAD, 0 },
	{ R_ALL, 0, OP_SPAWN, 1 },
	{ R_ALL, 1, OP_OPEN, 1 }, { R_ALL, 1, OP_INIT, 1 },
	{ R_ALL, 1, OP_MMAP, 1 }, { R_ALL, 1, OP_REMOTE_ENABLE, 1 },
	{ R_ALL, 1, OP_SPAWN, 2 },		/* inherits the common handle */
	{ R_ALL, 2, OP_SECTION_COMMON, 1 }, { R_ALL, 2, OP_SECTION_SOFTIRQ, 1 },
	{ R_ALL, 2, OP_SECTION_USB, 1 }, { R_ALL, 2, OP_EXIT, 2 },
	{ R_ALL, 0, OP_HOOKS, 0 }, { R_ALL, 0, OP_DISABLE, 0 },
	{ R_ALL, 0, OP_CLOSE, 0 }, { R_ALL, 0, OP_MUNMAP, 0 },
	/* The last reference: the dup (close_range in libc's door), the
	 * tail of the split mapping or its moved head. */
	{ R_ALL & ~R_SHIM_FD, 0, OP_CLOSE_DUP, 0 },
	{ R_SHIM | R_SHIM_FD, 0, OP_MUNMAP_HEAD, 0 },
	{ R_LIBC, 0, OP_MUNMAP_TAIL, 0 },
	{ R_SHIM_HEAD, 0, OP_MUNMAP_HEAD, 0 },
	{ R_SHIM_FD, 0, OP_CLOSE_DUP, 0 },
	{ R_ALL, 1, OP_DISABLE, 1 }, { R_ALL, 1, OP_CLOSE, 1 },
	{ R_ALL, 1, OP_MUNMAP, 1 }, { R_ALL, 1, OP_EXIT, 1 },
};
#define NR_STEPS	(int)(sizeof(run) / sizeof(run[0]))

/* What the library shows after a step. */
struct snap {
	struct {
		int		live, refcount, mode, remote, file_open;
		unsigned long	size;
		unsigned int	nr_handles;
		unsigned long	words[12];	/* the buffer's start */
	} dev[2];
	size_t	handles, sections;
	int	devices;
};

/* Shared with the parent: the fault-free run's results. */
struct reference {
	long		ret[NR_STEPS];
	struct snap	after[NR_STEPS];
	unsigned long	calls;
};

struct world {
	bool		shim;
	int		fd[2], dup_fd;
	uint64_t	id[2];
	unsigned long	*map[2];
	char		*map2, *head;	/* the second mapping; its moved head */
	void		*reserve;	/* where the head moves */
	int		runs;		/* R_* of this run */
	struct {
		pthread_t	th;
		sem_t		go, done;
		const struct step *step;
		long		ret;
	} task[3];
};

static struct world w;

static void site_a(void) { __sanitizer_cov_trace_pc(); }
static void site_b(void) { __sanitizer_cov_trace_pc(); }
static void site_c(void) { __sanitizer_cov_trace_pc(); }

static long sys(long r)
{
	return r < 0 ? -errno : r;
}

static long do_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return sys(w.shim ? ioctl(fd, cmd, arg) : kcov_sim_ioctl(fd, cmd, arg));
}

static void *task_main(void *arg);

static long spawn(int id)
{
	int err;

	sem_init(&w.task[id].go, 0, 0);
	sem_init(&w.task[id].done, 0, 0);
	err = pthread_create(&w.task[id].th, NULL, task_main,
			     (void *)(intptr_t)id);
	if (err) {
		sem_destroy(&w.task[id].go);
		sem_destroy(&w.task[id].done);
	}
	return -err;
}

static long section(uint64_t handle, bool softirq)
{
	if (softirq) {
		kcov_sim_softirq_enter();
		kcov_remote_start_usb_softirq(handle & KCOV_INSTANCE_MASK);
	} else {
		kcov_remote_start(handle);
	}
	site_a();
	site_c();
	if (softirq) {
		kcov_remote_stop_softirq();
		kcov_sim_softirq_exit();
	} else {
		kcov_remote_stop();
	}
	return 0;
}

/* One step, on its task's thread: >= 0 or -errno. */
static long exec_step(const struct step *s)
{
	int d = s->dev, fd = d < 2 ? w.fd[d] : -1;	/* @dev: a task for spawn, exit */
	size_t len = WORDS * sizeof(unsigned long);
	uint64_t rb[8] = { 0 };
	struct kcov_remote_arg *ra = (struct kcov_remote_arg *)rb;
	void *p;
	long r;

	switch (s->op) {
	case OP_OPEN:
		r = sys(w.shim ? open("/sys/kernel/debug/kcov", O_RDWR)
			       : kcov_sim_open());
		if (r >= 0)
			w.fd[d] = (int)r;
		return r;
	case OP_INIT:
		return do_ioctl(fd, KCOV_INIT_TRACE, WORDS);
	case OP_MMAP:
		p = w.shim ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
			   : kcov_sim_mmap(NULL, len, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		w.map[d] = p;
		return 0;
	case OP_ENABLE:
		return do_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC);
	case OP_REMOTE_ENABLE:
		ra->trace_mode = KCOV_TRACE_PC;
		ra->area_size = REMOTE_WORDS;
		ra->num_handles = 2;
		ra->common_handle = HANDLE_COMMON;
		ra->handles[0] = USB(1);
		ra->handles[1] = USB(2);
		return do_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)ra);
	case OP_HOOKS:
		site_a();
		site_b();
		site_c();
		return 0;
	case OP_DISABLE:
		return do_ioctl(fd, KCOV_DISABLE, 0);
	case OP_MUNMAP:
		r = sys(w.shim ? munmap(w.map[d], len) : kcov_sim_munmap(w.map[d], len));
		if (!r)
			w.map[d] = NULL;
		return r;
	case OP_CLOSE:
		r = sys(w.shim ? close(fd) : kcov_sim_close(fd));
		if (!r)
			w.fd[d] = -1;
		return r;
	case OP_DUP:
		r = sys(dup(fd));
		if (r >= 0)
			w.dup_fd = (int)r;
		return r;
	case OP_CLOSE_DUP:
		/* The shim door by close_range(), which scans the fds. */
		r = sys(w.shim ? close_range((unsigned int)w.dup_fd,
					     (unsigned int)w.dup_fd, 0)
			       : kcov_sim_close(w.dup_fd));
		if (!r)
			w.dup_fd = -1;
		return r;
	case OP_MMAP2:
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		w.map2 = p;
		return 0;
	case OP_MUNMAP_MID:
		return sys(munmap(w.map2 + 4096, 4096));
	case OP_MREMAP_HEAD:
		p = mremap(w.map2, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
			   w.reserve);
		if (p == MAP_FAILED)
			return -errno;
		w.head = p;
		return 0;
	case OP_MUNMAP_HEAD:
		return sys(munmap(w.head, 4096));
	case OP_MUNMAP_TAIL:
		return sys(munmap(w.map2 + 8192, 4096));
	case OP_SPAWN:
		return spawn(d);
	case OP_EXIT:
		return 0;
	case OP_SECTION_COMMON:
		return section(kcov_common_handle(), false);
	case OP_SECTION_SOFTIRQ:
		return section(USB(1), true);
	case OP_SECTION_USB:
		return section(USB(2), false);
	}
	return -ENOSYS;
}

static void *task_main(void *arg)
{
	int id = (int)(intptr_t)arg;
	bool exit_now;

	for (;;) {
		sem_wait(&w.task[id].go);
		w.task[id].ret = exec_step(w.task[id].step);
		exit_now = w.task[id].step->op == OP_EXIT;
		sem_post(&w.task[id].done);
		if (exit_now)
			return NULL;
	}
}

static long run_step(const struct step *s)
{
	long r;

	if (s->task == 0)
		return exec_step(s);
	w.task[s->task].step = s;
	sem_post(&w.task[s->task].go);
	sem_wait(&w.task[s->task].done);
	r = w.task[s->task].ret;
	if (s->op == OP_EXIT) {
		pthread_join(w.task[s->task].th, NULL);
		sem_destroy(&w.task[s->task].go);
		sem_destroy(&w.task[s->task].done);
	}
	return r;
}

static void take_snap(struct snap *sn)
{
	KCOV_SIM_OUT(kcov_sim_pool_stats, st);
	int d;

	memset(sn, 0, sizeof(*sn));
	for (d = 0; d < 2; d++) {
		KCOV_SIM_OUT(kcov_sim_dev_info, info);

		if (!w.id[d] && w.fd[d] >= 0 && !kcov_sim_dev_info(w.fd[d], &info))
			w.id[d] = info.id;
		if (!w.id[d] || kcov_sim_dev_info_id(w.id[d], &info))
			continue;
		sn->dev[d].live = 1;
		sn->dev[d].refcount = info.refcount;
		sn->dev[d].mode = info.mode;
		sn->dev[d].remote = info.remote;
		sn->dev[d].file_open = info.file_open;
		sn->dev[d].size = info.size;
		sn->dev[d].nr_handles = info.nr_handles;
		if (info.area)
			memcpy(sn->dev[d].words, info.area, sizeof(sn->dev[d].words));
	}
	if (!kcov_sim_pool_stats(&st)) {
		sn->handles = st.handles;
		sn->sections = st.sections;
	}
	sn->devices = kcov_sim_device_count();
}

static void world_reset(int runs)
{
	memset(&w, 0, sizeof(w));
	w.runs = runs;
	w.shim = runs != R_API;
	w.fd[0] = w.fd[1] = w.dup_fd = -1;
	/* The user's own reservation: forwarded, never counted. */
	w.reserve = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* ---- one run, in a child ----------------------------------------------- */

static struct reference *ref;	/* MAP_SHARED: the reference child fills it */
static char *report;		/* MAP_SHARED: a failing child's story */
#define REPORT_LEN	1024

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(report, REPORT_LEN, fmt, ap);
	va_end(ap);
	return 1;
}

static bool clean_errno(long r)
{
	return r == -ENOMEM || r == -EMFILE || r == -ENFILE || r == -EAGAIN;
}

/* The next free fd number: a leaked fd moves it. */
static int next_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static int views_left(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "/memfd:kcov") != NULL;
	fclose(f);
	return n;
}

static bool snap_equal(const struct snap *a, const struct snap *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Sections may lose their coverage to a fault, nothing else may change. */
static bool section_dropped(const struct snap *before, const struct snap *after)
{
	return snap_equal(before, after);
}

/*
 * The client run with the @nth counted call failing (0: none; @record:
 * this is the reference). 0, or 1 with the story in report.
 */
static int client_run(int runs, unsigned long nth, bool record)
{
	unsigned long warns = kcov_sim_warn_count();
	struct snap before, after;
	int i, fd0 = next_fd();
	long r;

	world_reset(runs);
	kcov_sim_fault_set(KCOV_SIM_FAULT_ALL, nth);
	for (i = 0; i < NR_STEPS; i++) {
		const struct step *s = &run[i];
		unsigned long hit = kcov_sim_fault_injected();

		if (!(s->runs & runs))
			continue;

		take_snap(&before);
		r = run_step(s);
		take_snap(&after);
		if (record) {
			ref->ret[i] = r;
			ref->after[i] = after;
			continue;
		}
		hit = kcov_sim_fault_injected() - hit;
		if (hit && getenv("KSIM_FAULT_VERBOSE"))
			fprintf(stderr, "  fault %lu: step %d (%s) on task %d: %ld%s\n",
				nth, i, op_names[s->op], s->task, r,
				r >= 0 && s->op >= OP_SECTION_COMMON &&
				snap_equal(&before, &after) ? " (section dropped)" : "");
		if (hit && (r < 0 || (s->op >= OP_SECTION_COMMON &&
				      !snap_equal(&after, &ref->after[i])))) {
			/* Failed at the call that hit: cleanly, changing nothing. */
			if (r < 0 && !clean_errno(r))
				return bad("step %d (%s): errno %ld after an injected "
					    "fault", i, op_names[s->op], -r);
			if (!section_dropped(&before, &after))
				return bad("step %d (%s) failed (%ld) but changed "
					    "the library's state", i,
					    op_names[s->op], r);
			r = run_step(s);	/* the fault was one-shot */
			take_snap(&after);
		}
		if (r != ref->ret[i])
			return bad("step %d (%s): %ld, fault-free %ld%s", i,
				    op_names[s->op], r, ref->ret[i],
				    hit ? " (after a retry)" : "");
		if (!snap_equal(&after, &ref->after[i]))
			return bad("step %d (%s): state differs from the "
				    "fault-free run's%s", i, op_names[s->op],
				    hit ? " (fault hit here)" : "");
	}
	if (record)
		ref->calls = kcov_sim_fault_calls();
	kcov_sim_fault_set(0, 0);
	if (kcov_sim_warn_count() != warns)
		return bad("%lu WARN(s)", kcov_sim_warn_count() - warns);
	if (kcov_sim_device_count())
		return bad("%d device(s) left", kcov_sim_device_count());
	if (next_fd() != fd0)
		return bad("an fd leaked (next fd %d, was %d)", next_fd(), fd0);
	if (views_left())
		return bad("%d mapping(s) of a device's memfd left", views_left());
	return 0;
}

struct walk {
	int		runs;		/* R_* */
	const char	*name;
	const char	*profile;	/* NULL: the default */
	unsigned int	cpus;		/* 0: the default */
};

/* The child: the faulty run, then a fault-free one. Exit status 0 if both
 * behaved, 1 or 2 if not. LeakSanitizer checks at exit under ASan. */
static int child(const struct walk *wk, unsigned long nth, bool record)
{
	if (wk->profile && kcov_sim_set_profile(wk->profile))
		return bad("profile %s", wk->profile);
	if (wk->cpus && kcov_sim_set_nr_cpus(wk->cpus))
		return bad("%u CPUs", wk->cpus);
	if (client_run(wk->runs, nth, record))
		return 1;
	if (!record && client_run(wk->runs, 0, false))
		return 2;
	return 0;
}

static int in_child(const struct walk *wk, unsigned long nth, bool record)
{
	pid_t pid;

	report[0] = '\0';
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		exit(child(wk, nth, record));
	return t_child_exit(pid);
}

static void walk(const struct walk *wk)
{
	static const char *const which[] = {
		"", "", "the next fault-free run: ", "",
	};
	unsigned long n, failed = 0;
	int st;

	assert_int_equal(in_child(wk, 0, true), 0);
	/* The run makes the library's own calls of every kind but threads. */
	assert_true(ref->calls >= 10);
	for (n = 1; n <= ref->calls; n++) {
		st = in_child(wk, n, false);
		if (st) {
			print_error("%s: fault at call %lu of %lu: exit %d: %s%s\n",
				    wk->name, n, ref->calls, st,
				    which[st < 3 ? st : 3], report[0] ? report :
				    "(a sanitizer's report above?)");
			failed++;
		}
	}
	print_message("%s: %lu calls walked, %lu failed\n", wk->name,
		      ref->calls, failed);
	assert_int_equal(failed, 0);
}

/* Every call of the client run through the explicit door. */
static void test_fault_walk_api(void **state)
{
	(void)state;
	walk(&(struct walk){ .runs = R_API, .name = "door api" });
}

/* The same through libc's door (open, ioctl, mmap, mremap, close_range),
 * the last reference the tail of a split mapping. */
static void test_fault_walk_shim(void **state)
{
	(void)state;
	walk(&(struct walk){ .runs = R_SHIM, .name = "door shim" });
}

/* The same, the last reference the moved head of that mapping. */
static void test_fault_walk_shim_moved_last(void **state)
{
	(void)state;
	walk(&(struct walk){ .runs = R_SHIM_HEAD,
			     .name = "door shim, moved mapping last" });
}

/* The same, the last reference a dup closed by close_range(). */
static void test_fault_walk_shim_fd_last(void **state)
{
	(void)state;
	walk(&(struct walk){ .runs = R_SHIM_FD,
			     .name = "door shim, close_range() last" });
}

/* A pool profile with one CPU: the IRQ pool is filled at the first open
 * and has no buffer to spare. */
static void test_fault_walk_linux61(void **state)
{
	(void)state;
	walk(&(struct walk){ .runs = R_API, .name = "door api, linux-6.1, 1 CPU",
			     .profile = "linux-6.1", .cpus = 1 });
}

/* ---- what the walks found: one regression test each --------------------- */

/* A device of 3 pages mapped through libc, its fd closed: the mapping is
 * the only reference. */
static char *mapped_only(uint64_t *id)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int fd = open("/sys/kernel/debug/kcov", O_RDWR);
	char *p;

	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, KCOV_INIT_TRACE, 1536), 0);
	p = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	*id = info.id;
	assert_int_equal(close(fd), 0);
	return p;
}

static bool dev_alive(uint64_t id)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	return kcov_sim_dev_info_id(id, &info) == 0 && info.file_open;
}

/* munmap() of a mapping's middle page, out of memory: ENOMEM and no
 * change, not a tail that no longer pins the device. */
static void test_fault_munmap_split_needs_memory(void **state)
{
	uint64_t id;
	char *p = mapped_only(&id);

	(void)state;
	kcov_sim_fault_set(KCOV_SIM_FAULT_ALLOC, 1);
	assert_sys_err(munmap(p + 4096, 4096), ENOMEM);
	kcov_sim_fault_set(0, 0);
	assert_int_equal(munmap(p + 4096, 4096), 0);
	assert_int_equal(munmap(p, 4096), 0);
	assert_true(dev_alive(id));		/* the tail still maps it */
	assert_int_equal(munmap(p + 8192, 4096), 0);
	assert_false(dev_alive(id));
	assert_int_equal(kcov_sim_device_count(), 0);
}

/* mremap() moving a kcov mapping, out of memory: ENOMEM and no change,
 * not a moved mapping that no longer pins the device. */
static void test_fault_mremap_move_needs_memory(void **state)
{
	void *to = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t id;
	char *p = mapped_only(&id), *q;

	(void)state;
	assert_true(to != MAP_FAILED);
	kcov_sim_fault_set(KCOV_SIM_FAULT_ALLOC, 1);
	errno = 0;
	q = mremap(p, 3 * 4096, 3 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	assert_true(q == MAP_FAILED && errno == ENOMEM);
	kcov_sim_fault_set(0, 0);
	assert_true(dev_alive(id));
	q = mremap(p, 3 * 4096, 3 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	assert_true(q == to);
	assert_true(dev_alive(id));		/* the moved mapping pins it */
	assert_int_equal(munmap(q, 3 * 4096), 0);
	assert_false(dev_alive(id));
}

/* close_range() over a device's last fd, out of memory to list the kcov
 * fds: ENOMEM and nothing closed, not a device that is never released. */
static void test_fault_close_range_needs_memory(void **state)
{
	int fd = open("/sys/kernel/debug/kcov", O_RDWR);

	(void)state;
	assert_true(fd >= 0);
	kcov_sim_fault_set(KCOV_SIM_FAULT_ALLOC, 1);
	assert_sys_err(close_range((unsigned int)fd, (unsigned int)fd, 0), ENOMEM);
	kcov_sim_fault_set(0, 0);
	assert_int_equal(kcov_sim_device_count(), 1);
	assert_int_equal(close_range((unsigned int)fd, (unsigned int)fd, 0), 0);
	assert_int_equal(kcov_sim_device_count(), 0);
}

/* In a child: linux-6.1 with one CPU, the Nth mmap failing from the
 * first open on; opens until one works. 0 if the IRQ pool is full. */
static int pool_child(unsigned long nth)
{
	KCOV_SIM_OUT(kcov_sim_pool_stats, st);
	int fd = -1, i;

	if (kcov_sim_set_profile("linux-6.1") || kcov_sim_set_nr_cpus(1))
		return 2;
	kcov_sim_fault_set(KCOV_SIM_FAULT_MMAP, nth);
	for (i = 0; i < 3 && fd < 0; i++)
		fd = kcov_sim_open();
	kcov_sim_fault_set(0, 0);
	if (fd < 0 || kcov_sim_pool_stats(&st))
		return 3;
	return st.irq_pooled == 1 ? 0 : 1;
}

/* The IRQ pool of a pool profile is filled at the first open: a buffer
 * that cannot be had fails that open, it does not leave the pool short
 * (with one CPU: no softirq section would ever collect again). */
static void test_fault_irq_pool_never_short(void **state)
{
	unsigned long nth;
	pid_t pid;

	(void)state;
	for (nth = 1; nth <= 4; nth++) {
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (!pid)
			exit(pool_child(nth));
		assert_int_equal(t_child_exit(pid), 0);
	}
}

/* ---- the API itself ---------------------------------------------------- */

/* An unknown kind bit is EINVAL and leaves the setting alone. */
static void test_fault_set_rejects_unknown_kind(void **state)
{
	(void)state;
	assert_int_equal(kcov_sim_fault_set(KCOV_SIM_FAULT_MEMFD, 1), 0);
	assert_int_equal(kcov_sim_fault_set(1u << 20, 1), -EINVAL);
	assert_sys_err(kcov_sim_open(), EMFILE);
	assert_int_equal(kcov_sim_fault_injected(), 1);
	assert_int_equal(kcov_sim_fault_set(0, 0), 0);
}

/* nth 0 counts without failing; the count restarts at every set. */
static void test_fault_counts_without_failing(void **state)
{
	int fd;

	(void)state;
	assert_int_equal(kcov_sim_fault_set(KCOV_SIM_FAULT_MEMFD, 0), 0);
	fd = kcov_sim_open();
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_fault_calls(), 1);
	assert_int_equal(kcov_sim_fault_injected(), 0);
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_int_equal(kcov_sim_fault_set(0, 0), 0);
	assert_int_equal(kcov_sim_fault_calls(), 0);
}

/* KCOV_SIM_FAULT_EVERY fails every nth call, not only the first. */
static void test_fault_every_nth(void **state)
{
	int i, ok = 0, fds[6];

	(void)state;
	assert_int_equal(kcov_sim_fault_set(KCOV_SIM_FAULT_MEMFD |
					    KCOV_SIM_FAULT_EVERY, 2), 0);
	for (i = 0; i < 6; i++) {
		fds[i] = kcov_sim_open();
		ok += fds[i] >= 0;
	}
	kcov_sim_fault_set(0, 0);
	assert_int_equal(ok, 3);
	for (i = 0; i < 6; i++)
		if (fds[i] >= 0)
			assert_int_equal(kcov_sim_close(fds[i]), 0);
	assert_int_equal(kcov_sim_device_count(), 0);
}

/* A user's own open() and mmap() passed through are never counted. */
static void test_fault_forwarded_calls_not_counted(void **state)
{
	void *p;
	int fd;

	(void)state;
	assert_int_equal(kcov_sim_fault_set(KCOV_SIM_FAULT_ALL, 1), 0);
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	munmap(p, 4096);
	assert_int_equal(kcov_sim_fault_calls(), 0);
	kcov_sim_fault_set(0, 0);
}

/* KCOV_SIM_FAULT=<kinds>:<nth> is read at load (a re-executed copy). */
static void test_fault_env_at_load(void **state)
{
	char *argv[] = { "fault_test", "--env-child", NULL };
	char *envp[] = { "KCOV_SIM_FAULT=alloc,memfd:1", NULL };
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		execve("/proc/self/exe", argv, envp);
		_exit(2);
	}
	assert_int_equal(t_child_exit(pid), 0);
}

static int env_child(void)
{
	/* The first counted call is the memfd_create of this open. */
	int fd = kcov_sim_open();

	return fd == -1 && errno == EMFILE && kcov_sim_fault_injected() == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		/* The walks first: their children fork a library that has
		 * run nothing yet, so first-use paths are walked too. */
		cmocka_unit_test(test_fault_walk_api),
		cmocka_unit_test(test_fault_walk_shim),
		cmocka_unit_test(test_fault_walk_shim_moved_last),
		cmocka_unit_test(test_fault_walk_shim_fd_last),
		cmocka_unit_test(test_fault_walk_linux61),
		cmocka_unit_test(test_fault_munmap_split_needs_memory),
		cmocka_unit_test(test_fault_mremap_move_needs_memory),
		cmocka_unit_test(test_fault_close_range_needs_memory),
		cmocka_unit_test(test_fault_irq_pool_never_short),
		cmocka_unit_test(test_fault_set_rejects_unknown_kind),
		cmocka_unit_test(test_fault_counts_without_failing),
		cmocka_unit_test(test_fault_every_nth),
		cmocka_unit_test(test_fault_forwarded_calls_not_counted),
		cmocka_unit_test(test_fault_env_at_load),
	};

	if (argc > 1 && !strcmp(argv[1], "--env-child"))
		return env_child();
	ref = mmap(NULL, sizeof(*ref) + REPORT_LEN, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ref == MAP_FAILED)
		return 1;
	report = (char *)(ref + 1);
	kcov_sim_set_warn_handler(NULL, NULL);
	return cmocka_run_group_tests_name("fault injection", tests, NULL, NULL);
}
