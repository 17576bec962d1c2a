/* SPDX-License-Identifier: MIT */
/*
 * Real-client pattern: a fork server. The parent opens, initialises and
 * maps the device once; every child enables it, resets the counter, runs
 * instrumented code and exits without KCOV_DISABLE; the parent reads the
 * shared buffer after waitpid(). Device calls go through t_* only.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"

#define WORDS		4096ul
#define LEN		(WORDS * sizeof(unsigned long))
#define ITERATIONS	100
#define MAX_LOOP	7
#define CODE_WINDOW	4096

/* The child: enable, reset, run, exit without DISABLE. Never returns. */
static void child(int fd, unsigned long *area, int i)
{
	if (t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
		_exit(1);
	__atomic_store_n(&area[0], 0, __ATOMIC_RELAXED);
	kc_loop(i % MAX_LOOP + 1);
	if (i & 1)
		_exit(0);
	syscall(SYS_exit_group, 0);
	_exit(2);
}

static int in_kc_loop(unsigned long pc)
{
	uintptr_t f = (uintptr_t)kc_loop;

	return pc > f && pc < f + CODE_WINDOW;
}

/* 100 children of one initialised device each deliver kc_loop()'s PCs,
 * as many as its loop count asks for, the same for the same count. */
static void test_forkserver_children_collect(void **state)
{
	unsigned long count_for[MAX_LOOP + 1] = { 0 }, *area;
	int fd = t_open(), status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	area = t_mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(area != MAP_FAILED);

	for (int i = 0; i < ITERATIONS; i++) {
		int n = i % MAX_LOOP + 1;
		unsigned long count;

		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child(fd, area, i);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		count = __atomic_load_n(&area[0], __ATOMIC_ACQUIRE);
		assert_true(count > 0);
		assert_true(count < WORDS);
		for (unsigned long k = 1; k <= count; k++)
			assert_true(in_kc_loop(area[k]));
		if (!count_for[n])
			count_for[n] = count;
		assert_int_equal(count, count_for[n]);
	}
	for (int n = 2; n <= MAX_LOOP; n++)
		assert_true(count_for[n] > count_for[n - 1]);

	/* The parent never enabled: its device is still free for it. */
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(area, LEN), 0);
	assert_int_equal(t_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forkserver_children_collect,
						t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("client fork server", tests, NULL, NULL);
}
