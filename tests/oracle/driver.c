// SPDX-License-Identifier: MIT
/*
 * driver.c - runs the scenario language of driver.h against one backend:
 * simulated tasks as persistent threads that execute one call at a time
 * (so every interleaving is the one the scenario wrote), the tables of
 * files, mappings and devices, and the normalised transcript.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "driver.h"
#include "sites.h"

enum op {
	OP_OPEN, OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_CLOSE, OP_DUP, OP_PC, OP_CMP,
	OP_SW, OP_RSTART, OP_RSTOP, OP_RSTART_COMMON, OP_RSTART_USB,
	OP_RSTART_USB_SIRQ, OP_RSTOP_SIRQ, OP_COMMON_HANDLE, OP_CTX,
	OP_TASK_NEW, OP_EXIT,
};

struct call {
	enum op		op;
	long		a, b, c, d;
	uint64_t	u, v;
	void		*p;
	long		ret;
	uint64_t	uret;
};

struct task {
	int		used;
	pthread_t	th;
	void		*cookie;
	sem_t		go, done;
	struct call	*call;
};

static struct task tasks[D_MAX_TASKS];
static int files[D_MAX_FILES];		/* backend fd, or -1 */
static int nr_files;
static struct map {
	unsigned long	*addr;
	size_t		len, words;
	unsigned long	*shadow;	/* what d_diff_maps() saw last */
	size_t		shadow_words;
	int		live;
} maps[D_MAX_MAPS];
static int nr_maps;
static uint64_t devs[D_MAX_DEVS];
static int nr_devs;
struct d_stats d_stats;

/* ---- transcript ---- */

static const char *errname(long e)
{
	static char buf[32];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ESPIPE: return "ESPIPE";
	case 524: return "ENOTSUPP";
	}
	snprintf(buf, sizeof(buf), "E%ld", e);
	return buf;
}

static const char *res(long r)
{
	static char buf[48];

	if (r >= 0)
		snprintf(buf, sizeof(buf), "%ld", r);
	else
		snprintf(buf, sizeof(buf), "-1 %s", errname(-r));
	return buf;
}

static void fmt_word(char *buf, size_t len, unsigned long v)
{
	const char *s = site_name(v);

	if (s)
		snprintf(buf, len, "%s", s);
	else if (be_is_kptr(v))
		snprintf(buf, len, "kptr");
	else if (v <= 0xffffffffUL)
		snprintf(buf, len, "%lu", v);
	else
		snprintf(buf, len, "%#lx", v);
}

static unsigned long warn_mark;

/* Print @line plus what happened while the operation ran. */
static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
	char where[64] = "";
	unsigned long w = be_warn_count(), oob;
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (w != warn_mark)
		printf("  [WARN x%lu]", w - warn_mark);
	d_stats.warns += w - warn_mark;
	warn_mark = w;
	oob = be_oob_check(where, sizeof(where));
	if (oob)
		printf("  [OOB: %lu bytes next to %s]", oob, where);
	putchar('\n');
	fflush(stdout);		/* a crash must not eat the lines before it */
}

void d_note(const char *fmt, ...)
{
	va_list ap;

	fputs("-- ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void d_comment(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- tasks ---- */

static void exec_call(struct call *c);

static void *worker(void *arg)
{
	struct task *t = arg;

	be_task_enter(t->cookie);
	sem_post(&t->done);		/* ready */
	for (;;) {
		sem_wait(&t->go);
		exec_call(t->call);
		if (t->call->op == OP_EXIT) {
			sem_post(&t->done);
			return NULL;
		}
		sem_post(&t->done);
	}
}

static void run_on(int t, struct call *c)
{
	if (t < 0 || t >= D_MAX_TASKS || !tasks[t].used) {
		fprintf(stderr, "oracle: no task t%d\n", t);
		exit(2);
	}
	if (t == 0) {
		exec_call(c);
		return;
	}
	tasks[t].call = c;
	sem_post(&tasks[t].go);
	sem_wait(&tasks[t].done);
}

/* On the parent's thread: the new task is created from there. */
static void task_spawn(int id)
{
	struct task *t = &tasks[id];

	t->cookie = be_task_new(id);
	if (pthread_create(&t->th, NULL, worker, t)) {
		perror("oracle: pthread_create");
		exit(2);
	}
	sem_wait(&t->done);
}

int d_task(int parent)
{
	struct call c = { .op = OP_TASK_NEW };
	int id;

	for (id = 1; id < D_MAX_TASKS && tasks[id].used; id++)
		;
	if (id == D_MAX_TASKS) {
		fprintf(stderr, "oracle: too many tasks\n");
		exit(2);
	}
	tasks[id].used = 1;
	sem_init(&tasks[id].go, 0, 0);
	sem_init(&tasks[id].done, 0, 0);
	c.a = id;
	run_on(parent, &c);
	emit("t%d = task(t%d)", id, parent);
	return id;
}

void d_exit(int t)
{
	struct call c = { .op = OP_EXIT };

	run_on(t, &c);
	pthread_join(tasks[t].th, NULL);
	sem_destroy(&tasks[t].go);
	sem_destroy(&tasks[t].done);
	tasks[t].used = 0;
	emit("exit(t%d)", t);
}

/* ---- the calls, on the task's thread ---- */

static void exec_call(struct call *c)
{
	switch (c->op) {
	case OP_OPEN:
		c->ret = be_open();
		break;
	case OP_IOCTL:
		c->ret = be_ioctl(c->a, c->u, c->v);
		break;
	case OP_MMAP:
		c->ret = be_mmap(c->a, c->b, c->c, c->d, &c->p);
		break;
	case OP_MUNMAP:
		c->ret = be_munmap(c->p, c->b);
		break;
	case OP_CLOSE:
		c->ret = be_close(c->a);
		break;
	case OP_DUP:
		c->ret = be_dup(c->a);
		break;
	case OP_PC:
		site_pc(c->a);
		break;
	case OP_CMP:
		site_cmp(c->a, c->u, c->v);
		break;
	case OP_SW:
		site_sw(c->u, c->p);
		break;
	case OP_RSTART:
		be_remote_start(c->u);
		break;
	case OP_RSTOP:
		be_remote_stop();
		break;
	case OP_RSTART_COMMON:
		be_remote_start_common(c->u);
		break;
	case OP_RSTART_USB:
		be_remote_start_usb(c->u);
		break;
	case OP_RSTART_USB_SIRQ:
		be_remote_start_usb_softirq(c->u);
		break;
	case OP_RSTOP_SIRQ:
		be_remote_stop_softirq();
		break;
	case OP_COMMON_HANDLE:
		c->uret = be_common_handle();
		break;
	case OP_CTX:
		switch ((enum d_ctx)c->a) {
		case D_SOFTIRQ_IN: be_softirq_enter(); break;
		case D_SOFTIRQ_OUT: be_softirq_exit(); break;
		case D_HARDIRQ_IN: be_hardirq_enter(); break;
		case D_HARDIRQ_OUT: be_hardirq_exit(); break;
		case D_NMI_IN: be_nmi_enter(); break;
		case D_NMI_OUT: be_nmi_exit(); break;
		case D_BH_OFF: be_bh_disable(); break;
		case D_BH_ON: be_bh_enable(); break;
		case D_CTXSW_IN: be_ctxsw_begin(); break;
		case D_CTXSW_OUT: be_ctxsw_end(); break;
		}
		break;
	case OP_TASK_NEW:
		task_spawn(c->a);
		break;
	case OP_EXIT:
		be_task_exit();
		break;
	}
}

/* ---- files ---- */

static int fd_of(int f)
{
	if (f < 0 || f >= nr_files) {
		fprintf(stderr, "oracle: no file f%d\n", f);
		exit(2);
	}
	return files[f];
}

int d_open(int t)
{
	struct call c = { .op = OP_OPEN };

	run_on(t, &c);
	if (c.ret < 0) {
		emit("t%d: open() = %s", t, res(c.ret));
		return -1;
	}
	files[nr_files] = c.ret;
	emit("t%d: open() = f%d", t, nr_files);
	return nr_files++;
}

static const char *cmdname(unsigned long cmd)
{
	static char buf[32];

	switch (cmd) {
	case KCOV_INIT_TRACE: return "INIT_TRACE";
	case KCOV_ENABLE: return "ENABLE";
	case KCOV_DISABLE: return "DISABLE";
	case KCOV_REMOTE_ENABLE: return "REMOTE_ENABLE";
	}
	snprintf(buf, sizeof(buf), "%#lx", cmd);
	return buf;
}

static long ioctl_raw(int t, int f, unsigned long cmd, unsigned long arg)
{
	struct call c = { .op = OP_IOCTL, .a = fd_of(f), .u = cmd, .v = arg };

	run_on(t, &c);
	d_stats.ops++;
	return c.ret;
}

long d_ioctl(int t, int f, unsigned long cmd, unsigned long arg)
{
	long r = ioctl_raw(t, f, cmd, arg);
	char a[32];

	fmt_word(a, sizeof(a), arg);
	emit("t%d: ioctl(f%d, %s, %s) = %s", t, f, cmdname(cmd), a, res(r));
	return r;
}

long d_init(int t, int f, unsigned long words)
{
	return d_ioctl(t, f, KCOV_INIT_TRACE, words);
}

long d_enable(int t, int f, unsigned long mode)
{
	return d_ioctl(t, f, KCOV_ENABLE, mode);
}

long d_disable(int t, int f)
{
	return d_ioctl(t, f, KCOV_DISABLE, 0);
}

long d_remote_enable(int t, int f, unsigned int mode, unsigned int area_size,
		     uint64_t common, unsigned int n, const uint64_t *handles)
{
	/* The header and room for more handles than the kernel accepts. */
	static uint64_t rb[3 + KCOV_REMOTE_MAX_HANDLES + 8];
	struct kcov_remote_arg *arg = (struct kcov_remote_arg *)rb;
	char hs[160] = "";
	size_t len = 0;
	unsigned int i;
	long r;

	memset(rb, 0, sizeof(rb));
	arg->trace_mode = mode;
	arg->area_size = area_size;
	arg->num_handles = n;
	arg->common_handle = common;
	for (i = 0; i < n && i < KCOV_REMOTE_MAX_HANDLES + 8; i++)
		arg->handles[i] = handles[i];
	r = ioctl_raw(t, f, KCOV_REMOTE_ENABLE, (unsigned long)arg);
	for (i = 0; i < n && i < 4; i++)
		len += snprintf(hs + len, sizeof(hs) - len, "%s%#llx",
				i ? "," : "", (unsigned long long)handles[i]);
	if (n > 4)
		snprintf(hs + len, sizeof(hs) - len, ",...");
	emit("t%d: ioctl(f%d, REMOTE_ENABLE, {mode=%u size=%u common=%#llx n=%u [%s]}) = %s",
	     t, f, mode, area_size, (unsigned long long)common, n, hs, res(r));
	return r;
}

long d_remote_enable_ptr(int t, int f, const void *arg, const char *what)
{
	long r = ioctl_raw(t, f, KCOV_REMOTE_ENABLE, (unsigned long)arg);

	emit("t%d: ioctl(f%d, REMOTE_ENABLE, %s) = %s", t, f, what, res(r));
	return r;
}

int d_mmap(int t, int f, size_t len, int prot, off_t off)
{
	struct call c = { .op = OP_MMAP, .a = fd_of(f), .b = len, .c = prot, .d = off };
	struct map *m;

	run_on(t, &c);
	d_stats.ops++;
	if (c.ret < 0) {
		emit("t%d: mmap(f%d, %zu, %s, %lld) = %s", t, f, len,
		     prot & PROT_WRITE ? "rw" : "r", (long long)off, res(c.ret));
		return -1;
	}
	m = &maps[nr_maps];
	m->addr = c.p;
	m->len = len;
	m->words = ((len + 4095) & ~4095ul) / sizeof(unsigned long);
	m->live = 1;
	m->shadow_words = m->words < 4096 ? m->words : 4096;
	m->shadow = calloc(m->shadow_words, sizeof(unsigned long));
	memcpy(m->shadow, m->addr, m->shadow_words * sizeof(unsigned long));
	emit("t%d: mmap(f%d, %zu, %s, %lld) = m%d", t, f, len,
	     prot & PROT_WRITE ? "rw" : "r", (long long)off, nr_maps);
	return nr_maps++;
}

static struct map *map_of(int m)
{
	if (m < 0 || m >= nr_maps || !maps[m].live) {
		fprintf(stderr, "oracle: no mapping m%d\n", m);
		exit(2);
	}
	return &maps[m];
}

long d_munmap(int t, int m)
{
	struct map *mp = map_of(m);
	struct call c = { .op = OP_MUNMAP, .p = mp->addr, .b = mp->len };

	run_on(t, &c);
	mp->live = 0;
	free(mp->shadow);
	emit("t%d: munmap(m%d) = %s", t, m, res(c.ret));
	return c.ret;
}

long d_close(int t, int f)
{
	struct call c = { .op = OP_CLOSE, .a = fd_of(f) };

	run_on(t, &c);
	d_stats.ops++;
	emit("t%d: close(f%d) = %s", t, f, res(c.ret));
	return c.ret;
}

int d_dup(int t, int f)
{
	struct call c = { .op = OP_DUP, .a = fd_of(f) };

	run_on(t, &c);
	if (c.ret < 0) {
		emit("t%d: dup(f%d) = %s", t, f, res(c.ret));
		return -1;
	}
	files[nr_files] = c.ret;
	emit("t%d: dup(f%d) = f%d", t, f, nr_files);
	return nr_files++;
}

/* ---- buffers ---- */

unsigned long *d_map_addr(int m)
{
	return map_of(m)->addr;
}

unsigned long d_peek(int m, size_t i)
{
	return __atomic_load_n(&map_of(m)->addr[i], __ATOMIC_RELAXED);
}

void d_poke(int m, size_t i, unsigned long v)
{
	struct map *mp = map_of(m);
	char w[32];

	__atomic_store_n(&mp->addr[i], v, __ATOMIC_RELAXED);
	if (i < mp->shadow_words)
		mp->shadow[i] = v;
	fmt_word(w, sizeof(w), v);
	emit("m%d[%zu] := %s", m, i, w);
}

static void dump_words(const char *who, const unsigned long *a, size_t from,
		       size_t n)
{
	char line[4096], w[32];
	size_t len, i;

	len = snprintf(line, sizeof(line), "%s[%zu..%zu] =", who, from, from + n);
	for (i = from; i < from + n && len < sizeof(line) - 40; i++) {
		fmt_word(w, sizeof(w), __atomic_load_n(&a[i], __ATOMIC_RELAXED));
		len += snprintf(line + len, sizeof(line) - len, " %s", w);
	}
	emit("%s", line);
}

void d_dump(int m, size_t from, size_t n)
{
	char who[16];

	snprintf(who, sizeof(who), "m%d", m);
	dump_words(who, map_of(m)->addr, from, n);
}

int d_dev(int f)
{
	uint64_t id = be_dev_of(fd_of(f));
	int d;

	if (!id)
		return -1;
	for (d = 0; d < nr_devs; d++)
		if (devs[d] == id)
			return d;
	devs[nr_devs] = id;
	return nr_devs++;
}

void d_dump_dev(int d, size_t from, size_t n)
{
	unsigned long *a = be_dev_area(devs[d]);
	char who[16];

	if (!a) {
		emit("d%d: no buffer", d);
		return;
	}
	snprintf(who, sizeof(who), "d%d", d);
	dump_words(who, a, from, n);
}

void d_poke_dev(int d, size_t i, unsigned long v)
{
	unsigned long *a = be_dev_area(devs[d]);
	char w[32];

	if (a)
		__atomic_store_n(&a[i], v, __ATOMIC_RELAXED);
	fmt_word(w, sizeof(w), v);
	emit("d%d[%zu] := %s%s", d, i, w, a ? "" : " (no buffer)");
}

void d_devinfo(int d)
{
	int r = be_dev_refcount(devs[d]);

	if (r < 0)
		emit("d%d: freed", d);
	else
		emit("d%d: refcount %d", d, r);
}

void d_allocs(void)
{
	emit("section buffers allocated: %lu", be_section_allocs());
}

int d_diff_maps(void)
{
	char line[4096], w[32];
	int changed = 0, m;
	size_t i, len;

	for (m = 0; m < nr_maps; m++) {
		struct map *mp = &maps[m];

		if (!mp->live)
			continue;
		len = snprintf(line, sizeof(line), "m%d:", m);
		for (i = 0; i < mp->shadow_words; i++) {
			unsigned long v = __atomic_load_n(&mp->addr[i], __ATOMIC_RELAXED);

			if (v == mp->shadow[i])
				continue;
			mp->shadow[i] = v;
			changed++;
			if (len < sizeof(line) - 48) {
				fmt_word(w, sizeof(w), v);
				len += snprintf(line + len, sizeof(line) - len,
						" [%zu]=%s", i, w);
			}
		}
		if (len > (size_t)snprintf(NULL, 0, "m%d:", m))
			emit("%s", line);
	}
	return changed;
}

/* ---- hooks ---- */

void d_pc(int t, int site)
{
	struct call c = { .op = OP_PC, .a = site };

	run_on(t, &c);
	d_stats.ops++;
	emit("t%d: pc(S%d)", t, site % SITE_PCS);
}

void d_cmp(int t, int kind, uint64_t a, uint64_t b)
{
	static const char *const names[8] = {
		"cmp1", "cmp2", "cmp4", "cmp8", "ccmp1", "ccmp2", "ccmp4", "ccmp8",
	};
	struct call c = { .op = OP_CMP, .a = kind, .u = a, .v = b };

	run_on(t, &c);
	d_stats.ops++;
	emit("t%d: %s(%#llx, %#llx)", t, names[kind & 7], (unsigned long long)a,
	     (unsigned long long)b);
}

void d_switch(int t, uint64_t val, const uint64_t *cases)
{
	struct call c = { .op = OP_SW, .u = val, .p = (void *)cases };

	run_on(t, &c);
	d_stats.ops++;
	emit("t%d: switch(%#llx, n=%llu w=%llu)", t, (unsigned long long)val,
	     (unsigned long long)cases[0], (unsigned long long)cases[1]);
}

/* ---- kernel side ---- */

static void kcall(int t, enum op op, uint64_t u, const char *name, int has_arg)
{
	struct call c = { .op = op, .u = u };

	run_on(t, &c);
	d_stats.ops++;
	if (has_arg)
		emit("t%d: %s(%#llx)", t, name, (unsigned long long)u);
	else
		emit("t%d: %s()", t, name);
}

void d_rstart(int t, uint64_t h)	{ kcall(t, OP_RSTART, h, "remote_start", 1); }
void d_rstop(int t)			{ kcall(t, OP_RSTOP, 0, "remote_stop", 0); }
void d_rstart_common(int t, uint64_t id) { kcall(t, OP_RSTART_COMMON, id, "remote_start_common", 1); }
void d_rstart_usb(int t, uint64_t id)	{ kcall(t, OP_RSTART_USB, id, "remote_start_usb", 1); }
void d_rstart_usb_softirq(int t, uint64_t id)
{
	kcall(t, OP_RSTART_USB_SIRQ, id, "remote_start_usb_softirq", 1);
}
void d_rstop_softirq(int t)		{ kcall(t, OP_RSTOP_SIRQ, 0, "remote_stop_softirq", 0); }

uint64_t d_common_handle(int t)
{
	struct call c = { .op = OP_COMMON_HANDLE };

	run_on(t, &c);
	emit("t%d: common_handle() = %#llx", t, (unsigned long long)c.uret);
	return c.uret;
}

void d_ctx(int t, enum d_ctx x)
{
	static const char *const names[] = {
		"softirq_enter", "softirq_exit", "hardirq_enter", "hardirq_exit",
		"nmi_enter", "nmi_exit", "bh_disable", "bh_enable",
		"ctxsw_begin", "ctxsw_end",
	};
	struct call c = { .op = OP_CTX, .a = x };

	run_on(t, &c);
	d_stats.ops++;
	emit("t%d: %s()", t, names[x]);
}

/* ---- uapi ---- */

void d_uapi(void)
{
	struct be_uapi u;

	be_uapi(&u);
	emit("ioctl INIT_TRACE=%#lx ENABLE=%#lx DISABLE=%#lx REMOTE_ENABLE=%#lx",
	     u.init_trace, u.enable, u.disable, u.remote_enable);
	emit("kcov_remote_arg size=%lu align=%lu offsets=%lu/%lu/%lu/%lu/%lu",
	     u.arg_size, u.arg_align, u.off_trace_mode, u.off_area_size,
	     u.off_num_handles, u.off_common_handle, u.off_handles);
	emit("kcov_remote_handle (USB,1)=%#llx (COMMON,0x42)=%#llx (1,1)=%#llx (USB,1<<32)=%#llx",
	     u.h_usb1, u.h_common42, u.h_bad_subsys, u.h_bad_inst);
	emit("KCOV_CMP_SIZE(0..3)=%lu,%lu,%lu,%lu MASK=%lu CONST=%lu MAX_HANDLES=%lu",
	     u.cmp_size[0], u.cmp_size[1], u.cmp_size[2], u.cmp_size[3],
	     u.cmp_mask, u.cmp_const, u.max_handles);
}

/* ---- isolation: one child process per scenario or sequence ---- */

int d_run_isolated(const char *title, d_body_fn body, void *arg,
		   unsigned int nr_cpus, int no_cmp, unsigned int timeout_s)
{
	struct be_config cfg = { .nr_cpus = nr_cpus, .no_cmp = no_cmp };
	static int blocks;
	int status, ret;
	pid_t pid;

	printf("== %s\n", title);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("oracle: fork");
		return -1;
	}
	if (pid == 0) {
		alarm(timeout_s);
		ret = be_boot(&cfg);
		if (ret) {
			printf("!! boot failed: %s\n", res(ret));
			fflush(stdout);
			_exit(3);
		}
		if (!blocks) {
			/* What runs, once per transcript; comments, never compared. */
			printf("# backend: %s\n# profile-honoured: %d\n",
			       be_describe(), be_profile_honoured());
			fflush(stdout);
		}
		be_task_first(0);
		tasks[0].used = 1;
		warn_mark = be_warn_count();
		body(arg);
		fflush(stdout);
		_exit(0);
	}
	blocks++;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM)
			printf("!! timeout after %us\n", timeout_s);
		else
			printf("!! killed by signal %d (%s)\n", WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
		return 1;
	}
	if (WEXITSTATUS(status)) {
		printf("!! exit status %d\n", WEXITSTATUS(status));
		return 1;
	}
	return 0;
}
