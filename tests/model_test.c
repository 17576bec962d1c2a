// SPDX-License-Identifier: MIT
/*
 * model_test.c - regression tests for what tests/model (ksim-model, the
 * model-based random-sequence tester) found, each reduced to the few steps
 * that show it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

/*
 * fork() with a pipe each way; each side closes the end it does not use
 * (a failed parent then cannot hang its child on a read).
 */
static pid_t fork_with_pipes(int to_child[2], int to_parent[2])
{
	pid_t pid;

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	pid = fork();
	assert_true(pid >= 0);
	close(pid ? to_child[0] : to_child[1]);
	return pid;
}

static int remote_fd;
static pthread_barrier_t enabled, disable;

static long owner_main(void *arg)
{
	uint64_t rb[4] = { 0 };
	struct kcov_remote_arg *ra = (struct kcov_remote_arg *)rb;
	long ret;

	(void)arg;
	ra->trace_mode = KCOV_TRACE_PC;
	ra->area_size = 64;
	ra->num_handles = 1;
	ra->handles[0] = HU(1);
	ret = kcov_sim_ioctl(remote_fd, KCOV_REMOTE_ENABLE, (unsigned long)rb);
	pthread_barrier_wait(&enabled);
	pthread_barrier_wait(&disable);
	return ret ? ret : kcov_sim_ioctl(remote_fd, KCOV_DISABLE, 0);
}

static void *owner_thread(void *arg)
{
	return (void *)owner_main(arg);
}

/* In the child: the device is held by the parent's owner alone, until it
 * disables; then the lookup by id must say it is gone (no dangling area). */
static int child_main(uint64_t id, int go, int done, bool count_first)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	close(remote_fd);			/* only the owner holds it now */
	if (kcov_sim_dev_info_id(id, &info) || info.refcount != 1)
		return 1;
	t_pipe_send(done);
	t_pipe_recv(go);			/* the owner has disabled */
	if (count_first && kcov_sim_device_count() != 0)
		return 4;
	if (kcov_sim_dev_info_id(id, &info) != -ENOENT)
		return 2;
	return kcov_sim_device_count() == 0 ? 0 : 3;
}

/*
 * seed 34: a forked copy held only by the parent's owner. The lookup by id
 * that forgot the gone owner dropped the last reference itself and still
 * returned 0, refcount 0 and the area it had just unmapped.
 */
static void forked_copy(bool count_first)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int to_child[2], to_parent[2];
	pthread_t th;
	void *ret;
	pid_t pid;

	remote_fd = kcov_sim_open();
	assert_true(remote_fd >= 0);
	assert_int_equal(kcov_sim_ioctl(remote_fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(kcov_sim_dev_info(remote_fd, &info), 0);
	pthread_barrier_init(&enabled, NULL, 2);
	pthread_barrier_init(&disable, NULL, 2);
	assert_int_equal(pthread_create(&th, NULL, owner_thread, NULL), 0);
	pthread_barrier_wait(&enabled);
	pid = fork_with_pipes(to_child, to_parent);
	if (!pid) {
		_exit(child_main(info.id, to_child[0], to_parent[1], count_first));
	}
	assert_int_equal(t_pipe_recv(to_parent[0]), 0);
	pthread_barrier_wait(&disable);
	pthread_join(th, &ret);
	assert_int_equal((long)ret, 0);
	assert_int_equal(t_pipe_send(to_child[1]), 0);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(kcov_sim_close(remote_fd), 0);
}

static void test_forked_copy_freed_by_lookup_is_enoent(void **state)
{
	(void)state;
	forked_copy(false);
}

/*
 * seed 1000939 (a soak): the same copy still counted by
 * kcov_sim_device_count() until something looked it up by id.
 */
static void test_forked_copy_of_gone_owner_not_counted(void **state)
{
	(void)state;
	forked_copy(true);
}

static int shared_fd, own_fd;

static long enable_other(void *arg)
{
	(void)arg;
	if (kcov_sim_ioctl(own_fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return -100;
	errno = 0;
	if (kcov_sim_ioctl(shared_fd, KCOV_ENABLE, KCOV_TRACE_PC) != -1)
		return -101;
	return errno;
}

/*
 * seed 80: a device a child has enabled is not INIT on Linux, whose one
 * struct kcov every process shares: ENABLE by a task that holds another
 * device is EINVAL (mode checked first), not EBUSY.
 */
static void test_enabled_by_child_einval_before_ebusy(void **state)
{
	int to_child[2], to_parent[2];
	pid_t pid;

	(void)state;
	shared_fd = kcov_sim_open();
	own_fd = kcov_sim_open();
	assert_true(shared_fd >= 0 && own_fd >= 0);
	assert_int_equal(kcov_sim_ioctl(shared_fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(kcov_sim_ioctl(own_fd, KCOV_INIT_TRACE, 512), 0);
	pid = fork_with_pipes(to_child, to_parent);
	if (!pid) {
		if (kcov_sim_ioctl(shared_fd, KCOV_ENABLE, KCOV_TRACE_PC))
			_exit(1);
		t_pipe_send(to_parent[1]);
		t_pipe_recv(to_child[0]);
		_exit(kcov_sim_ioctl(shared_fd, KCOV_DISABLE, 0) ? 2 : 0);
	}
	assert_int_equal(t_pipe_recv(to_parent[0]), 0);
	assert_int_equal(t_in_thread(enable_other, NULL), EINVAL);
	assert_int_equal(t_pipe_send(to_child[1]), 0);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(kcov_sim_close(shared_fd), 0);
	assert_int_equal(kcov_sim_close(own_fd), 0);
}

/* One mmap of the adopted device with the @nth library call failing. */
static int adopt_try(int fd, unsigned long nth)
{
	void *p;

	kcov_sim_fault_set(KCOV_SIM_FAULT_ALL, nth);
	p = kcov_sim_mmap(NULL, 512 * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return kcov_sim_fault_injected() && (errno == ENOMEM || errno == EMFILE) ?
			1 : 10;
	kcov_sim_fault_set(0, 0);
	return kcov_sim_munmap(p, 512 * 8) ? 11 : 0;
}

/* Each call of the first mmap fails once, in a fresh copy (a child). */
static int adopt_walk(int fd)
{
	unsigned long nth;
	int st;

	for (nth = 1; nth <= 16; nth++) {
		pid_t pid = fork();

		if (!pid)
			_exit(adopt_try(fd, nth));
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			return 20;
		if (WEXITSTATUS(st) == 0)
			return 0;	/* past the last call: the walk is done */
		if (WEXITSTATUS(st) != 1)
			return WEXITSTATUS(st);
	}
	return 21;
}

/*
 * seed 2000500 (a soak with faults): a child maps a device its parent sized
 * after the fork. Out of memory for the child's own view of the buffer,
 * mmap said EINVAL (the device looked DISABLED), not ENOMEM. Every call of
 * that mmap made to fail must give ENOMEM or EMFILE.
 */
static void test_adopt_out_of_memory_is_enomem(void **state)
{
	int to_child[2], to_parent[2], fd;
	pid_t pid;

	(void)state;
	fd = kcov_sim_open();
	assert_true(fd >= 0);
	pid = fork_with_pipes(to_child, to_parent);
	if (!pid) {
		if (t_pipe_recv(to_child[0]))
			_exit(1);
		_exit(adopt_walk(fd));
	}
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_pipe_send(to_child[1]), 0);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(kcov_sim_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_REMOTE_TEST(test_forked_copy_freed_by_lookup_is_enoent),
		T_REMOTE_TEST(test_forked_copy_of_gone_owner_not_counted),
		cmocka_unit_test_setup_teardown(test_enabled_by_child_einval_before_ebusy,
						t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_out_of_memory_is_enomem,
						t_setup, t_teardown),
	};

	return cmocka_run_group_tests_name("ksim-model's findings", tests, NULL, NULL);
}
