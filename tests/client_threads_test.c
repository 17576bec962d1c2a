/* SPDX-License-Identifier: MIT */
/*
 * Real-client patterns with threads: one device per thread, all collecting
 * at once; another thread resetting an owner's counter; a client that
 * moves its fd with dup2(). Workers record results; the main thread
 * asserts.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"

#define NTHREADS	32
#define WORDS		1024ul
#define LEN		(WORDS * sizeof(unsigned long))
#define CODE_WINDOW	4096

static int in_kc_loop(unsigned long pc)
{
	uintptr_t f = (uintptr_t)kc_loop;

	return pc > f && pc < f + CODE_WINDOW;
}

struct worker {
	pthread_barrier_t *start;
	int loops;
	/* results */
	int setup_ok, disable_ret, munmap_ret, close_ret, pcs_ok;
	unsigned long count;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long *area = MAP_FAILED;
	int fd = t_open();

	w->setup_ok = fd >= 0 && !t_ioctl(fd, KCOV_INIT_TRACE, WORDS);
	if (w->setup_ok)
		area = t_mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	w->setup_ok = w->setup_ok && area != MAP_FAILED &&
		      !t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC);
	pthread_barrier_wait(w->start);		/* everyone collects at once */
	if (!w->setup_ok)
		return NULL;
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	kc_loop(w->loops);
	w->disable_ret = t_ioctl(fd, KCOV_DISABLE, 0);
	w->count = __atomic_load_n(&area[0], __ATOMIC_ACQUIRE);
	w->pcs_ok = w->count > 0 && w->count < WORDS;
	for (unsigned long k = 1; w->pcs_ok && k <= w->count; k++)
		w->pcs_ok = in_kc_loop(area[k]);
	w->munmap_ret = t_munmap(area, LEN);
	w->close_ret = t_close(fd);
	return NULL;
}

/* 32 threads with a device each collect in parallel; each buffer holds
 * exactly its own thread's kc_loop() PCs. */
static void test_threads_own_devices(void **state)
{
	static struct worker w[NTHREADS];
	pthread_barrier_t start;
	pthread_t tid[NTHREADS];
	unsigned long step;

	(void)state;
	t_door();	/* helpers.c caches the door unlocked: settle it first */
	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (int i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].start = &start;
		w[i].loops = i + 1;
		assert_int_equal(pthread_create(&tid[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);

	for (int i = 0; i < NTHREADS; i++) {
		assert_true(w[i].setup_ok);
		assert_int_equal(w[i].disable_ret, 0);
		assert_true(w[i].pcs_ok);
		assert_int_equal(w[i].munmap_ret, 0);
		assert_int_equal(w[i].close_ret, 0);
	}
	/* One more loop iteration, the same number of PCs more: nothing
	 * leaked between the threads' buffers. */
	step = w[1].count - w[0].count;
	assert_true(step > 0);
	for (int i = 1; i < NTHREADS; i++)
		assert_int_equal(w[i].count, w[0].count + (unsigned long)i * step);
}

static long reset_counter(void *arg)
{
	unsigned long *area = arg;

	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	return 0;
}

/* Another thread zeroes an enabled owner's counter: the owner's next PC
 * lands in area[1] again, older entries stay. */
static void test_other_thread_resets_counter(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS), x_pc;

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	t_pc_x();
	t_pc_x();
	assert_int_equal(a[0], 3);
	x_pc = a[1];
	t_in_thread(reset_counter, a);
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_y));
	assert_int_not_equal(a[1], x_pc);
	assert_int_equal(a[2], x_pc);
	assert_int_equal(a[3], x_pc);
	assert_int_equal(a[4], 0);
	assert_int_equal(t_munmap(a, LEN), 0);
}

#define FAR_FD	1000

/* A client moves its device to fd 1000 with dup2(): ioctls and mmap work
 * through it, and closing the original fd keeps the device alive. */
static void test_dup2_far_fd(void **state)
{
	struct rlimit rl;
	unsigned long *a;
	int fd;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur <= FAR_FD ||
	    fcntl(FAR_FD, F_GETFD) != -1)
		skip();
	fd = t_open();
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, FAR_FD), FAR_FD);
	assert_int_equal(t_ioctl(FAR_FD, KCOV_INIT_TRACE, WORDS), 0);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), EBUSY);	/* same device */
	a = t_mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, FAR_FD, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(t_ioctl(FAR_FD, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	assert_int_equal(t_close(fd), 0);
	t_pc_y();
	assert_int_equal(t_ioctl(FAR_FD, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_not_equal(a[1], a[2]);
	/* Still a kcov device behind fd 1000, and still the same buffer. */
	assert_int_equal(t_ioctl(FAR_FD, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_z();
	assert_int_equal(t_ioctl(FAR_FD, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 3);
	assert_sys_err(t_ioctl(FAR_FD, KCOV_DISABLE, 0), EINVAL);
	assert_int_equal(t_munmap(a, LEN), 0);
	assert_int_equal(t_close(FAR_FD), 0);
	assert_sys_err(t_ioctl(FAR_FD, KCOV_DISABLE, 0), EBADF);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)
#define TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_threads_own_devices),
		FD_TEST(test_other_thread_resets_counter),
		TEST(test_dup2_far_fd),
	};

	return cmocka_run_group_tests_name("client threads", tests, NULL, NULL);
}
