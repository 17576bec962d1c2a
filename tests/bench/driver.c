/* SPDX-License-Identifier: MIT */
/*
 * driver.c - one variant of the benchmark. Never instrumented: it links one
 * build of workload.c and whatever runtime the variant is about, and the
 * runner (runner.c) spawns it and collects what it prints.
 *
 *   time MODE ITERS RUNS	ns per workload call, one figure per run
 *   cg MODE ITERS		one untimed loop, for callgrind
 *   count ITERS		hook calls per workload call (counting hooks)
 *   remote ITERS RUNS TOTAL	remote start/stop pairs and section throughput
 *   cgremote KIND ITERS	one kind of pair (none, other, section, body),
 *				for callgrind
 *   fork ITERS RUNS		fork-server loop iterations per second
 *   body ITERS RUNS		wl_small() alone, as remote's section_body
 *
 * MODE is "none" for every variant but the libkcov-sim ones, which take
 * "disabled", "pc" or "cmp". Built with BENCH_KSIM when linked with
 * libkcov-sim and BENCH_COUNT_HOOKS with the counting hooks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef BENCH_KSIM
#include <kcov-sim/kcov.h>
#include <kcov-sim/kernel.h>
#include <kcov-sim/sim.h>
#endif

#include "bench.h"
#include "workload.h"

#define NR_MSGS		4		/* a power of two */
#define COVER_WORDS	(1ul << 16)	/* one call needs a few hundred */
#define REMOTE_WORDS	(1ul << 20)	/* every section of a throughput run */
#define SECTION_WORDS	1024u

struct msg {
	_Alignas(8) uint8_t	buf[256];
	size_t			len;
};

static struct msg msgs[NR_MSGS];
static volatile uint32_t sink;
/* Zeroed before each call, as a fuzzer resets the count per input. */
static unsigned long dummy_word;
static unsigned long *reset_word = &dummy_word;

static void die(const char *what)
{
	fprintf(stderr, "bench driver: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the requests ------------------------------------------------------- */

struct builder {
	uint8_t	*buf;
	size_t	len;
};

static void put(struct builder *b, uint16_t type, const void *data, uint16_t len)
{
	uint16_t hdr[2] = { (uint16_t)(4 + len), type };

	memcpy(b->buf + b->len, hdr, sizeof(hdr));
	if (len)
		memcpy(b->buf + b->len + 4, data, len);
	b->len += (4u + len + 3u) & ~3u;
}

static void put_u32(struct builder *b, uint16_t type, uint32_t v)
{
	put(b, type, &v, sizeof(v));
}

static void put_u16(struct builder *b, uint16_t type, uint16_t v)
{
	put(b, type, &v, sizeof(v));
}

static void put_str(struct builder *b, uint16_t type, const char *s)
{
	put(b, type, s, (uint16_t)(strlen(s) + 1));
}

static size_t nest_begin(struct builder *b, uint16_t type)
{
	size_t at = b->len;

	put(b, type | (1u << 15), NULL, 0);
	return at;
}

static void nest_end(struct builder *b, size_t at)
{
	uint16_t len = (uint16_t)(b->len - at);

	memcpy(b->buf + at, &len, sizeof(len));
}

static struct builder begin(struct msg *m, int32_t index, uint32_t flags)
{
	struct wl_hdr hdr = { .index = index, .flags = flags, .change = flags };
	struct builder b = { m->buf, sizeof(hdr) };

	memcpy(m->buf, &hdr, sizeof(hdr));
	return b;
}

/* Four requests: a VLAN, a reconfiguration, a rejected MTU, a dummy. */
static void build_msgs(void)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	struct builder b;
	size_t info, data;
	uint8_t oper;

	b = begin(&msgs[0], 3, 1);
	put_str(&b, WL_LINK_NAME, "vl5");
	put_u32(&b, WL_LINK_MTU, 1500);
	info = nest_begin(&b, WL_LINK_INFO);
	put_str(&b, WL_INFO_KIND, "vlan");
	data = nest_begin(&b, WL_INFO_DATA);
	put_u16(&b, WL_VLAN_ID, 5);
	put_u16(&b, WL_VLAN_PROTO, 0x8100);
	nest_end(&b, data);
	nest_end(&b, info);
	put(&b, WL_LINK_PROMISC, NULL, 0);
	msgs[0].len = b.len;

	b = begin(&msgs[1], 7, 0);
	put_str(&b, WL_LINK_NAME, "wl0");
	put_u32(&b, WL_LINK_MTU, 9000);
	put(&b, WL_LINK_ADDR, mac, sizeof(mac));
	oper = 6;
	put(&b, WL_LINK_OPER, &oper, 1);
	msgs[1].len = b.len;

	b = begin(&msgs[2], 1, 0);
	put_str(&b, WL_LINK_NAME, "lo");
	put_u32(&b, WL_LINK_MTU, 40);		/* below 68: -ERANGE */
	msgs[2].len = b.len;

	b = begin(&msgs[3], 9, 0x41);
	put_str(&b, WL_LINK_NAME, "dm0");
	put_u32(&b, WL_LINK_FLAGS, 0x41);
	info = nest_begin(&b, WL_LINK_INFO);
	put_str(&b, WL_INFO_KIND, "dummy");
	nest_end(&b, info);
	msgs[3].len = b.len;
}

/* The measured loop: @iters requests, cycling through msgs[]. */
static void run_loop(unsigned long iters)
{
	struct wl_result res = { 0 };
	uint32_t acc = 0;
	unsigned long i;

	for (i = 0; i < iters; i++) {
		const struct msg *m = &msgs[i & (NR_MSGS - 1)];

		__atomic_store_n(reset_word, 0, __ATOMIC_RELAXED);
		acc += (uint32_t)wl_link_request(m->buf, m->len, &res);
		acc += res.flags;
	}
	sink = acc + res.mtu + res.sum + res.vlan_id;
}

/* The same, for callgrind, which collects inside this function only. */
__attribute__((noinline)) void bench_loop(unsigned long iters);
__attribute__((noinline)) void bench_loop(unsigned long iters)
{
	run_loop(iters);
}

/* ---- modes ------------------------------------------------------------- */

#ifdef BENCH_KSIM
static unsigned long *cover_open(int *fdp, unsigned long words)
{
	unsigned long *area;
	int fd = kcov_sim_open();

	if (fd < 0)
		die("kcov_sim_open");
	if (kcov_sim_ioctl(fd, KCOV_INIT_TRACE, words))
		die("KCOV_INIT_TRACE");
	area = kcov_sim_mmap(NULL, words * sizeof(long), PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		die("mmap");
	*fdp = fd;
	return area;
}
#endif

/* Set the calling thread up for @mode; fails loudly on a mode it lacks. */
static void mode_setup(const char *mode)
{
	if (!strcmp(mode, "none"))
		return;
#ifdef BENCH_KSIM
	if (!strcmp(mode, "disabled"))
		return;
	if (!strcmp(mode, "pc") || !strcmp(mode, "cmp")) {
		int fd;
		unsigned long *area = cover_open(&fd, COVER_WORDS);

		if (kcov_sim_ioctl(fd, KCOV_ENABLE,
				   strcmp(mode, "pc") ? KCOV_TRACE_CMP : KCOV_TRACE_PC))
			die("KCOV_ENABLE");
		reset_word = area;
		/* The hooks must really record: else we time something else. */
		run_loop(1);
		if (__atomic_load_n(&area[0], __ATOMIC_RELAXED) == 0) {
			fprintf(stderr, "bench driver: mode %s recorded nothing\n", mode);
			exit(1);
		}
		return;
	}
#endif
	fprintf(stderr, "bench driver: mode %s not in this variant\n", mode);
	exit(2);
}

static void cmd_time(const char *mode, unsigned long iters, int runs)
{
	double t0;
	int r;

	mode_setup(mode);
	run_loop(iters / 8 + 1);	/* warm caches, branch predictors, PLT */
	printf("ns");
	for (r = 0; r < runs; r++) {
		t0 = now_ns();
		run_loop(iters);
		printf(" %.3f", (now_ns() - t0) / (double)iters);
	}
	printf("\n");
}

static void cmd_cg(const char *mode, unsigned long iters)
{
	mode_setup(mode);
	run_loop(NR_MSGS);	/* lazy binding and first touches: not counted */
	bench_loop(iters);
	printf("ok\n");
}

#ifdef BENCH_COUNT_HOOKS
static void cmd_count(unsigned long iters)
{
	double n;

	iters = (iters + NR_MSGS - 1) & ~(unsigned long)(NR_MSGS - 1);
	run_loop(iters);
	n = (double)iters;
	printf("hooks %.3f %.3f %.3f %.3f\n",
	       (double)(bench_hook_counts.pc + bench_hook_counts.cmp +
			bench_hook_counts.sw) / n,
	       (double)bench_hook_counts.pc / n, (double)bench_hook_counts.cmp / n,
	       (double)bench_hook_counts.sw / n);
}
#endif

/* ---- remote sections ---------------------------------------------------- */

/* @iters of kcov_remote_start(@handle) [+ wl_small()] + kcov_remote_stop();
 * @handle 0 (the only one without the library): the body alone. @area: the
 * owner's count, reset each time. */
static uint32_t pairs_loop(uint64_t handle, int body, unsigned long *area,
			   unsigned long iters)
{
	uint32_t acc = 0;
	unsigned long i;

	for (i = 0; i < iters; i++) {
#ifdef BENCH_KSIM
		if (handle)
			kcov_remote_start(handle);
#else
		(void)handle;
#endif
		if (body)
			acc += wl_small((unsigned int)i);
#ifdef BENCH_KSIM
		if (handle)
			kcov_remote_stop();
#endif
		if (area)
			__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	}
	return acc;
}

/* The same, for callgrind, which collects inside this function only. */
__attribute__((noinline)) uint32_t bench_remote_loop(uint64_t handle, int body,
		unsigned long *area, unsigned long iters);
__attribute__((noinline)) uint32_t bench_remote_loop(uint64_t handle, int body,
		unsigned long *area, unsigned long iters)
{
	return pairs_loop(handle, body, area, iters);
}

/* ns per pair (see pairs_loop()), one figure per run. */
static void time_pairs(const char *label, uint64_t handle, int body,
		       unsigned long *area, unsigned long iters, int runs)
{
	double t0;
	int r;

	printf("%s", label);
	sink = pairs_loop(handle, body, area, iters / 8 + 1);	/* warm up */
	for (r = 0; r < runs; r++) {
		t0 = now_ns();
		sink = pairs_loop(handle, body, area, iters);
		printf(" %.3f", (now_ns() - t0) / (double)iters);
	}
	printf("\n");
}

/* The section body alone (wl_small()), in every variant: the baseline of
 * a remote section pair. */
static void cmd_body(unsigned long iters, int runs)
{
	time_pairs("section_body", 0, 1, NULL, iters, runs);
}

#ifdef BENCH_KSIM
#define H_REG		kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1)
#define H_OTHER		kcov_remote_handle(KCOV_SUBSYSTEM_USB, 2)

/* The collecting task: owns the device, sleeps while others run sections. */
struct owner {
	pthread_mutex_t	lock;
	pthread_cond_t	cond;
	int		state;		/* 0 starting, 1 enabled, 2 stop, 3 gone */
	unsigned long	*area;
};

static void owner_set(struct owner *o, int state)
{
	pthread_mutex_lock(&o->lock);
	o->state = state;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

static void owner_wait(struct owner *o, int state)
{
	pthread_mutex_lock(&o->lock);
	while (o->state != state)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
}

static void *owner_fn(void *p)
{
	struct kcov_remote_arg *arg = calloc(1, sizeof(*arg) + sizeof(uint64_t));
	struct owner *o = p;
	int fd;

	if (!arg)
		die("calloc");
	o->area = cover_open(&fd, REMOTE_WORDS);
	arg->trace_mode = KCOV_TRACE_PC;
	arg->area_size = SECTION_WORDS;
	arg->num_handles = 1;
	arg->handles[0] = H_REG;
	if (kcov_sim_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)arg))
		die("KCOV_REMOTE_ENABLE");
	free(arg);
	owner_set(o, 1);
	owner_wait(o, 2);
	if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		die("KCOV_DISABLE");
	kcov_sim_munmap(o->area, REMOTE_WORDS * sizeof(long));
	kcov_sim_close(fd);
	owner_set(o, 3);
	return NULL;
}

struct worker {
	pthread_barrier_t	*go;
	unsigned long		sections;
	double			start, end;	/* ns, taken by the worker */
	uint32_t		acc;
};

static void *worker_fn(void *p)
{
	struct worker *w = p;
	unsigned long i;
	uint32_t acc = 0;

	pthread_barrier_wait(w->go);
	w->start = now_ns();
	for (i = 0; i < w->sections; i++) {
		kcov_remote_start(H_REG);
		acc += wl_small((unsigned int)i);
		kcov_remote_stop();
	}
	w->end = now_ns();
	w->acc = acc;
	return NULL;
}

/* Sections per second with @n threads sharing one device, @total in all. */
static double throughput(int n, unsigned long total, unsigned long *area)
{
	pthread_t tid[16];
	struct worker w[16];
	pthread_barrier_t go;
	double start, end;
	int i;

	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	pthread_barrier_init(&go, NULL, (unsigned int)n + 1);
	for (i = 0; i < n; i++) {
		w[i].go = &go;
		w[i].sections = total / (unsigned long)n;
		if (pthread_create(&tid[i], NULL, worker_fn, &w[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&go);
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&go);
	/* From the first worker's start to the last worker's end. */
	start = w[0].start;
	end = w[0].end;
	for (i = 1; i < n; i++) {
		start = w[i].start < start ? w[i].start : start;
		end = w[i].end > end ? w[i].end : end;
		sink += w[i].acc;
	}
	if (__atomic_load_n(&area[0], __ATOMIC_ACQUIRE) == 0) {
		fprintf(stderr, "bench driver: sections recorded nothing\n");
		exit(1);
	}
	return (double)(total / (unsigned long)n * (unsigned long)n) /
	       (end - start) * 1e9;
}

static void owner_start(struct owner *o, pthread_t *tid)
{
	if (pthread_create(tid, NULL, owner_fn, o))
		die("pthread_create");
	owner_wait(o, 1);
	/* One section must land in the owner's buffer. */
	pairs_loop(H_REG, 1, NULL, 1);
	if (__atomic_load_n(&o->area[0], __ATOMIC_ACQUIRE) == 0) {
		fprintf(stderr, "bench driver: a section recorded nothing\n");
		exit(1);
	}
}

static void owner_stop(struct owner *o, pthread_t tid)
{
	owner_set(o, 2);
	pthread_join(tid, NULL);
}

static void cmd_remote(unsigned long iters, int runs, unsigned long total)
{
	static const int threads[] = { 1, 2, 4, 8, 16 };
	struct owner o = { .lock = PTHREAD_MUTEX_INITIALIZER,
			   .cond = PTHREAD_COND_INITIALIZER };
	pthread_t tid;
	unsigned int t;
	int r;

	time_pairs("remote_none", H_OTHER, 0, NULL, iters, runs);
	owner_start(&o, &tid);
	time_pairs("remote_other", H_OTHER, 0, NULL, iters, runs);
	time_pairs("remote_section", H_REG, 1, o.area, iters, runs);
	time_pairs("section_body", 0, 1, NULL, iters, runs);
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		printf("threads %d", threads[t]);
		for (r = 0; r < runs; r++)
			printf(" %.0f", throughput(threads[t], total, o.area));
		printf("\n");
	}
	owner_stop(&o, tid);
}

/* One kind of pair (none, other, section, body) for callgrind. */
static void cmd_cg_remote(const char *which, unsigned long iters)
{
	struct owner o = { .lock = PTHREAD_MUTEX_INITIALIZER,
			   .cond = PTHREAD_COND_INITIALIZER };
	uint64_t handle = H_OTHER;
	unsigned long *area = NULL;
	int body = 0, owner = 1;
	pthread_t tid;

	if (!strcmp(which, "none")) {
		owner = 0;
	} else if (!strcmp(which, "section")) {
		handle = H_REG;
		body = 1;
	} else if (!strcmp(which, "body")) {
		handle = 0;
		body = 1;
	} else if (strcmp(which, "other")) {
		fprintf(stderr, "bench driver: no pair kind %s\n", which);
		exit(2);
	}
	if (owner) {
		owner_start(&o, &tid);
		if (body && handle)
			area = o.area;
	}
	sink = pairs_loop(handle, body, area, 16);	/* first touches */
	sink = bench_remote_loop(handle, body, area, iters);
	if (owner)
		owner_stop(&o, tid);
	printf("ok\n");
}
#endif

/* ---- fork-server loop --------------------------------------------------- */

/*
 * Fork, (ENABLE,) run one request, exit; the parent waits and reads what
 * the child left: its coverage, or without the library its result word.
 */
static void cmd_fork(unsigned long iters, int runs)
{
	struct rusage self0, child0, self1, child1;
	volatile uint32_t *shared;
	unsigned long i, *area = NULL;
	unsigned long n, j, acc = 0;
	double t0;
	pid_t pid;
	int r, fd = -1, status;

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		die("mmap");
	/*
	 * Parent and children on one CPU, as fuzzers bind their fork servers
	 * (AFL++ does by default): unpinned, where the child lands and the
	 * cross-CPU wake-ups swing the figures by 30 % on a 2-vCPU VM.
	 */
	{
		cpu_set_t one;
		int cpu = sched_getcpu();

		CPU_ZERO(&one);
		CPU_SET(cpu < 0 ? 0 : cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
#ifdef BENCH_KSIM
	area = cover_open(&fd, COVER_WORDS);
#endif
	printf("fork");
	for (r = -1; r < runs; r++) {
		fflush(stdout);		/* children must not inherit output */
		if (r == 0) {
			getrusage(RUSAGE_SELF, &self0);
			getrusage(RUSAGE_CHILDREN, &child0);
		}
		t0 = now_ns();
		for (i = 0; i < iters; i++) {
			if (area)
				__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
			pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				const struct msg *m = &msgs[i & (NR_MSGS - 1)];
				struct wl_result res = { 0 };
#ifdef BENCH_KSIM
				if (kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
					_exit(3);
#endif
				*shared = (uint32_t)wl_link_request(m->buf, m->len, &res);
				_exit(0);
			}
			if (waitpid(pid, &status, 0) != pid || status != 0) {
				fprintf(stderr, "bench driver: child failed\n");
				exit(1);
			}
			acc += *shared;
			if (area) {
				n = __atomic_load_n(&area[0], __ATOMIC_ACQUIRE);
				if (n == 0 || n >= COVER_WORDS) {
					fprintf(stderr, "bench driver: child recorded nothing\n");
					exit(1);
				}
				for (j = 1; j <= n; j++)
					acc += area[j];
			}
		}
		if (r >= 0)
			printf(" %.1f", (double)iters / (now_ns() - t0) * 1e9);
	}
	getrusage(RUSAGE_SELF, &self1);
	getrusage(RUSAGE_CHILDREN, &child1);
	/* Page faults per iteration: most of what a fork loop pays for. */
	printf("\nfork_faults %.2f %.2f\n",
	       (double)(self1.ru_minflt - self0.ru_minflt) / (double)(iters * runs),
	       (double)(child1.ru_minflt - child0.ru_minflt) / (double)(iters * runs));
	sink = (uint32_t)acc;
	(void)fd;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	build_msgs();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "time") && argc == 5)
		cmd_time(argv[2], strtoul(argv[3], NULL, 0), atoi(argv[4]));
	else if (!strcmp(cmd, "cg") && argc == 4)
		cmd_cg(argv[2], strtoul(argv[3], NULL, 0));
#ifdef BENCH_COUNT_HOOKS
	else if (!strcmp(cmd, "count") && argc == 3)
		cmd_count(strtoul(argv[2], NULL, 0));
#endif
#ifdef BENCH_KSIM
	else if (!strcmp(cmd, "remote") && argc == 5)
		cmd_remote(strtoul(argv[2], NULL, 0), atoi(argv[3]),
			   strtoul(argv[4], NULL, 0));
	else if (!strcmp(cmd, "cgremote") && argc == 4)
		cmd_cg_remote(argv[2], strtoul(argv[3], NULL, 0));
#endif
	else if (!strcmp(cmd, "body") && argc == 4)
		cmd_body(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	else if (!strcmp(cmd, "fork") && argc == 4)
		cmd_fork(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	else {
		fprintf(stderr, "usage: %s time MODE ITERS RUNS | cg MODE ITERS | "
			"count ITERS | remote ITERS RUNS TOTAL | cgremote KIND ITERS "
			"| fork ITERS RUNS | body ITERS RUNS\n", argv[0]);
		return 2;
	}
	return 0;
}
