/* SPDX-License-Identifier: MIT */
/*
 * exec.c: a task's KCOV state survives execve() (spec 2.9), as a new image
 * with the library takes it back. The test execs itself (/proc/self/exe)
 * with an argument that runs the new image's half and reports by exit
 * status; the parent checks the shared buffer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define WORDS	512ul

/* New image, remote owner: the common handle and the device are back. */
static long section_main(void *p)
{
	(void)p;
	kcov_remote_start_common(kcov_common_handle() & KCOV_INSTANCE_MASK);
	t_pc_x();
	t_pc_y();
	kcov_remote_stop();
	return 0;
}

static int child_remote(void)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	if (kcov_sim_task_info(&ti) || ti.kcov_handle != 0x55)
		return 10;
	if (t_profile_split() ? !ti.attached_remote
			      : ti.kcov_mode != KCOV_SIM_MODE_REMOTE)
		return 11;
	if (kcov_sim_device_count() != 1)
		return 12;
	t_in_thread(section_main, NULL);	/* inherits 0x55 */
	return 0;
}

/* New image, local owner in CMP mode: it records. */
static int child_local_cmp(void)
{
	t_cmp4_site(7, 9);
	return t_task().kcov_mode == KCOV_SIM_MODE_TRACE_CMP ? 0 : 20;
}

/* The new image runs at another address (ASLR): its PCs in module form,
 * the same for the same code in every process. */
static void exec_self(const char *what)
{
	char *const argv[] = { "/proc/self/exe", (char *)what, NULL };

	setenv("KCOV_SIM_PC_MODE", "module", 1);
	execv("/proc/self/exe", argv);
	_exit(99);
}

static void test_exec_keeps_remote_owner_and_handle(void **state)
{
	struct kcov_sim_pc_loc loc;
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	pid_t pid;

	T_WRITE(a[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (t_ren(fd, KCOV_TRACE_PC, 64, 0x55, NULL, 0))
			_exit(98);
		exec_self("--child-remote");
	}
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 2);	/* the new image's section */
	assert_int_equal(kcov_sim_pc_decode(a[1], &loc), 0);
	assert_true(t_pc_is(loc.addr, t_pc_x));
	assert_int_equal(kcov_sim_pc_decode(a[2], &loc), 0);
	assert_true(t_pc_is(loc.addr, t_pc_y));
	t_munmap(a, WORDS * 8);
}

static void test_exec_keeps_local_cmp(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	pid_t pid;

	T_WRITE(a[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP))
			_exit(98);
		exec_self("--child-local-cmp");
	}
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 1);
	assert_int_equal(a[1], KCOV_CMP_SIZE(2));
	assert_int_equal(a[2], 7);
	assert_int_equal(a[3], 9);
	t_munmap(a, WORDS * 8);
}

/* A failed exec changes nothing: same device, same owner, no stray fd. */
static void test_failed_exec_changes_nothing(void **state)
{
	int fd = t_fd(state), before;
	unsigned long *a = t_init_map(fd, WORDS);
	char *const argv[] = { "nope", NULL };

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	before = dup(0);
	assert_true(before >= 0);
	close(before);
	assert_sys_err(execv("/nonexistent/kcov-sim-exec-test", argv), ENOENT);
	assert_null(getenv("KCOV_SIM_EXEC"));
	assert_int_equal(dup(0), before);	/* no fd left behind */
	close(before);
	T_WRITE(a[0], 0);
	t_pc_x();
	assert_int_equal(T_READ(a[0]), 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	t_munmap(a, WORDS * 8);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_exec_keeps_remote_owner_and_handle),
		FD_TEST(test_exec_keeps_local_cmp),
		FD_TEST(test_failed_exec_changes_nothing),
	};

	if (argc > 1 && !strcmp(argv[1], "--child-remote"))
		return child_remote();
	if (argc > 1 && !strcmp(argv[1], "--child-local-cmp"))
		return child_local_cmp();
	return cmocka_run_group_tests_name("exec.c", tests, NULL, NULL);
}
