/* SPDX-License-Identifier: MIT */
/*
 * Real-client pattern: a fuzzer's executor (the shape of syzkaller's).
 * Per-thread fds moved to fixed high numbers; large buffers mapped
 * MAP_FIXED between PROT_NONE guard pages; a KCOV_TRACE_CMP probe; workers
 * that enable once and never disable, reset the count for each program,
 * and keep the buffer read-only while it runs; a remote device with a
 * common handle and a USB handle. Device calls go through t_* only.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"

#define PAGE		4096ul
#define COVER_WORDS	(512ul << 10)		/* 4 MiB, as executors use */
#define COVER_LEN	(COVER_WORDS * sizeof(unsigned long))
#define COVER_FD	240
#define NR_WORKERS	4
#define NR_PROGRAMS	3
#define PROCID		2
#define CODE_WINDOW	4096

struct cover {
	int		fd;
	unsigned long	*data;
	void		*reserve;	/* guard page, data, guard page */
};

/* open, move to @fd_no, INIT, map between two PROT_NONE guard pages. */
static void cover_open(struct cover *c, int fd_no, unsigned long words)
{
	size_t len = words * sizeof(unsigned long);
	int fd = t_open();

	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, fd_no), fd_no);
	assert_int_equal(t_close(fd), 0);
	c->fd = fd_no;
	assert_int_equal(t_ioctl(c->fd, KCOV_INIT_TRACE, words), 0);
	c->reserve = mmap(NULL, len + 2 * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(c->reserve != MAP_FAILED);
	c->data = t_mmap((char *)c->reserve + PAGE, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, c->fd, 0);
	assert_true(c->data == (void *)((char *)c->reserve + PAGE));
}

static void cover_close(struct cover *c, unsigned long words)
{
	size_t len = words * sizeof(unsigned long);

	assert_int_equal(t_munmap(c->data, len), 0);
	assert_int_equal(munmap(c->reserve, len + 2 * PAGE), 0);
	assert_int_equal(t_close(c->fd), 0);
}

static int in_kernel_code(unsigned long pc)
{
	static const uintptr_t fns[] = {
		(uintptr_t)kc_branch, (uintptr_t)kc_cmp,
		(uintptr_t)kc_switch, (uintptr_t)kc_loop,
	};

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (pc > fns[i] && pc < fns[i] + CODE_WINDOW)
			return 1;
	return 0;
}

/* ---- workers: enable once, one reset per program, never disable ------- */

struct worker {
	pthread_t	tid;
	struct cover	*cov;
	unsigned long	counts[NR_PROGRAMS];
	int		bad;	/* a step failed: which one, for the message */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long *data = w->cov->data, n;

	if (t_ioctl(w->cov->fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		w->bad = 1;
		return NULL;
	}
	for (int p = 0; p < NR_PROGRAMS; p++) {
		/* The executor's unprotect / reset / protect around a program. */
		if (mprotect(data, PAGE, PROT_READ | PROT_WRITE)) {
			w->bad = 2;
			return NULL;
		}
		__atomic_store_n(&data[0], 0, __ATOMIC_RELAXED);
		if (mprotect(data, COVER_LEN, PROT_READ)) {
			w->bad = 3;
			return NULL;
		}
		kc_loop(p + 2);
		kc_branch(p);
		n = __atomic_load_n(&data[0], __ATOMIC_RELAXED);
		w->counts[p] = n;
		for (unsigned long i = 1; i <= n && i < COVER_WORDS; i++)
			if (!in_kernel_code(data[i]))
				w->bad = 4;
	}
	return NULL;	/* exits enabled: the device goes back to INIT */
}

/* Every worker collects exactly its own programs, and more for longer
 * loops; after the workers exit every device is INIT again. */
static void test_executor_workers(void **state)
{
	struct cover cov[NR_WORKERS];
	struct worker w[NR_WORKERS];

	(void)state;
	for (int i = 0; i < NR_WORKERS; i++)
		cover_open(&cov[i], COVER_FD + i, COVER_WORDS);
	/* Comparison support probe, as executors do at start-up. */
	assert_int_equal(t_ioctl(cov[0].fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	assert_int_equal(t_ioctl(cov[0].fd, KCOV_DISABLE, 0), 0);

	memset(w, 0, sizeof(w));
	for (int i = 0; i < NR_WORKERS; i++) {
		w[i].cov = &cov[i];
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_main,
						&w[i]), 0);
	}
	for (int i = 0; i < NR_WORKERS; i++) {
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
		assert_int_equal(w[i].bad, 0);
		for (int p = 1; p < NR_PROGRAMS; p++) {
			assert_true(w[i].counts[p] > w[i].counts[p - 1]);
			assert_int_equal(w[i].counts[p], w[0].counts[p]);
		}
		assert_int_equal(t_dev(cov[i].fd).mode, KCOV_SIM_MODE_INIT);
	}
	for (int i = 0; i < NR_WORKERS; i++)
		cover_close(&cov[i], COVER_WORDS);
}

/* A worker in comparison mode: kc_cmp()'s operands arrive as records. */
static void *cmp_worker_main(void *arg)
{
	struct worker *w = arg;

	if (t_ioctl(w->cov->fd, KCOV_ENABLE, KCOV_TRACE_CMP)) {
		w->bad = 1;
		return NULL;
	}
	__atomic_store_n(&w->cov->data[0], 0, __ATOMIC_RELAXED);
	kc_cmp(0x1234, 0x5678abcdull);
	w->counts[0] = __atomic_load_n(&w->cov->data[0], __ATOMIC_RELAXED);
	return NULL;
}

static void test_executor_comparisons(void **state)
{
	struct cover cov;
	struct worker w = { .cov = &cov };
	int seen_a = 0, seen_b = 0;

	(void)state;
	cover_open(&cov, COVER_FD, COVER_WORDS);
	assert_int_equal(pthread_create(&w.tid, NULL, cmp_worker_main, &w), 0);
	assert_int_equal(pthread_join(w.tid, NULL), 0);
	assert_int_equal(w.bad, 0);
	assert_true(w.counts[0] >= 2);
	for (unsigned long i = 0; i < w.counts[0]; i++) {
		const unsigned long *rec = &cov.data[1 + 4 * i];

		assert_true(in_kernel_code(rec[3]));
		if ((rec[1] == 0x1234 || rec[2] == 0x1234) && (rec[0] & 6) == 4)
			seen_a = 1;	/* a 4-byte compare */
		if ((rec[1] == 0x5678abcd || rec[2] == 0x5678abcd) &&
		    (rec[0] & 6) == 6)
			seen_b = 1;	/* an 8-byte compare */
	}
	assert_true(seen_a && seen_b);
	cover_close(&cov, COVER_WORDS);
}

/* ---- remote: common handle inherited by workers, a USB bus thread ----- */

static void *common_worker(void *arg)
{
	(void)arg;
	/* A kthread-like worker serving the process that created it. */
	kcov_remote_start_common(kcov_common_handle());
	kc_loop(3);
	kcov_remote_stop();
	return NULL;
}

static void *usb_bus(void *arg)
{
	(void)arg;
	kcov_remote_start_usb(PROCID + 1);
	kc_loop(2);
	kcov_remote_stop();
	return NULL;
}

static unsigned long local_count(void)
{
	struct cover c;
	unsigned long n;

	cover_open(&c, COVER_FD + 8, COVER_WORDS);
	assert_int_equal(t_ioctl(c.fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	__atomic_store_n(&c.data[0], 0, __ATOMIC_RELAXED);
	kc_loop(3);
	kc_loop(2);
	assert_int_equal(t_ioctl(c.fd, KCOV_DISABLE, 0), 0);
	n = c.data[0];
	cover_close(&c, COVER_WORDS);
	return n;
}

static void test_executor_remote(void **state)
{
	const unsigned long words = 64ul << 10;
	unsigned long expect = local_count();
	uint64_t usb = kcov_remote_handle(KCOV_SUBSYSTEM_USB, PROCID + 1);
	uint64_t common = kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, PROCID + 1);
	struct cover c;
	pthread_t a, b;

	(void)state;
	cover_open(&c, COVER_FD + 9, words);
	assert_int_equal(t_ren(c.fd, KCOV_TRACE_PC, words, common, &usb, 1), 0);
	assert_int_equal(kcov_common_handle(), common);
	assert_int_equal(pthread_create(&a, NULL, common_worker, NULL), 0);
	assert_int_equal(pthread_join(a, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, usb_bus, NULL), 0);
	assert_int_equal(pthread_join(b, NULL), 0);
	/* The owner's own code records nothing: only the two sections. */
	kc_loop(5);
	assert_int_equal(__atomic_load_n(&c.data[0], __ATOMIC_ACQUIRE), expect);
	for (unsigned long i = 1; i <= expect; i++)
		assert_true(in_kernel_code(c.data[i]));
	assert_int_equal(t_ioctl(c.fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(kcov_common_handle(), 0);
	cover_close(&c, words);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_executor_workers),
		TEST(test_executor_comparisons),
		TEST(test_executor_remote),
	};

	return cmocka_run_group_tests_name("client_executor", tests, NULL, NULL);
}
