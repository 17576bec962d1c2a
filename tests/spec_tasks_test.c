/* SPDX-License-Identifier: MIT */
/*
 * Spec 8.7: fork, threads, exit and close, cases 58-63.
 *
 * One process is one simulated kernel (DESIGN 4): a forked child gets a
 * copy of the simulated kernel while the coverage pages, and who owns the
 * device, stay shared (device.c).
 * Children report through their exit status; threads record results for
 * the main thread, which alone asserts.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define WORDS	512ul
#define LEN	(WORDS * sizeof(unsigned long))
/* kcov_sim_dev_info.mode values (sim.h) */
#define DEV_INIT	1
#define DEV_TRACE_PC	2

/* 8.7 #58: the child of an enabled parent records nothing into the
 * parent's buffer, and EN(0) on the inherited fd is EINVAL. */
static void test_c058_child_of_enabled_parent(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	pid_t pid;

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int code = 0;

		t_pc_x();
		t_pc_y();
		errno = 0;
		if (t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC) != -1 || errno != EINVAL)
			code |= 1;
		/* Nor does the child own it. */
		errno = 0;
		if (t_ioctl(fd, KCOV_DISABLE, 0) != -1 || errno != EINVAL)
			code |= 2;
		t_pc_z();
		_exit(code);
	}
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(a[2], 0);
	/* The parent is still the owner and still records. */
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 2);
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_equal(t_munmap(a, LEN), 0);
}

/*
 * 8.7 #58, second half: one device, two processes. While the parent owns
 * it the child's EN is EINVAL; after the parent's DIS the child's EN works
 * and its PCs land in the shared mapping; while the child owns it the
 * parent's EN is EINVAL; after the child's DIS the parent may enable.
 */
static void test_c058_parent_disables_child_enables(void **state)
{
	int fd = t_fd(state), to_child[2], to_parent[2];
	unsigned long *a = t_init_map(fd, WORDS);
	pid_t pid;

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int code = 0;

		alarm(30);	/* a failed parent never answers */
		errno = 0;
		if (t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC) != -1 || errno != EINVAL)
			code |= 1;
		if (t_pipe_send(to_parent[1]) || t_pipe_recv(to_child[0]))
			_exit(64);
		/* The parent has disabled and reset A[0]. */
		if (t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
			code |= 2;
		t_pc_x();
		t_pc_y();
		if (t_pipe_send(to_parent[1]) || t_pipe_recv(to_child[0]))
			_exit(64);
		if (t_ioctl(fd, KCOV_DISABLE, 0))
			code |= 4;
		_exit(code);
	}
	assert_int_equal(t_pipe_recv(to_parent[0]), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	T_WRITE(a[0], 0);
	assert_int_equal(t_pipe_send(to_child[1]), 0);
	assert_int_equal(t_pipe_recv(to_parent[0]), 0);
	/* The child owns the device now. */
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(t_pipe_send(to_child[1]), 0);
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	assert_int_equal(t_munmap(a, LEN), 0);
}

/*
 * 8.7 #58 with a remote owner: the child of a process that holds the
 * device by KCOV_REMOTE_ENABLE gets EINVAL; once the parent exits without
 * DIS (a grandchild plays the parent here), the device is INIT again.
 */
static void test_c058_remote_owner_exits(void **state)
{
	const uint64_t handle = kcov_remote_handle(KCOV_SUBSYSTEM_USB, 0x58);
	int fd = t_fd(state), to_owner[2], to_test[2];
	pid_t owner;

	(void)t_init_map(fd, WORDS);
	assert_int_equal(pipe(to_owner), 0);
	assert_int_equal(pipe(to_test), 0);
	owner = fork();
	assert_true(owner >= 0);
	if (owner == 0) {
		alarm(30);	/* a failed parent never answers */
		if (t_ren(fd, KCOV_TRACE_PC, 64, 0, &handle, 1))
			_exit(1);
		if (t_pipe_send(to_test[1]) || t_pipe_recv(to_owner[0]))
			_exit(64);
		_exit(0);	/* no DISABLE */
	}
	assert_int_equal(t_pipe_recv(to_test[0]), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0, &handle, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(t_pipe_send(to_owner[1]), 0);
	assert_int_equal(t_child_exit(owner), 0);
	assert_int_equal(t_ren(fd, KCOV_TRACE_PC, 64, 0, &handle, 1), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	close(to_owner[0]);
	close(to_owner[1]);
	close(to_test[0]);
	close(to_test[1]);
}

/*
 * 8.7 #58, the fork-server shape: a child enables an fd the parent
 * initialised but never enabled, and exits without DIS; its PCs are in the
 * parent's mapping and the device is INIT again for the parent.
 */
static void test_c058_child_enables_inherited_fd(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC))
			_exit(1);
		T_WRITE(a[0], 0);
		t_pc_x();
		t_pc_y();
		_exit(0);	/* no DISABLE: exit detaches */
	}
	assert_int_equal(t_child_exit(pid), 0);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	/* The parent's device is still INIT: it can enable it itself. */
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_z();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 3);
	assert_true(t_pc_is(a[3], t_pc_z));
	assert_int_equal(t_munmap(a, LEN), 0);
}

struct task_seen {
	struct kcov_sim_task_info ti;
};

static long new_thread_body(void *arg)
{
	struct task_seen *seen = arg;

	seen->ti = t_task();
	t_pc_x();
	t_pc_y();
	return 0;
}

/* 8.7 #59: a new pthread of an enabled thread starts with coverage off. */
static void test_c059_new_thread_starts_disabled(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, WORDS);
	struct task_seen seen;

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	t_in_thread(new_thread_body, &seen);
	assert_int_equal(a[0], 0);
	assert_int_equal(seen.ti.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(seen.ti.attached, 0);
	assert_int_equal(seen.ti.kcov_size, 0);
	/* The creator is still enabled. */
	t_pc_z();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_z));
	assert_int_equal(t_munmap(a, LEN), 0);
}

struct exit_enabled {
	int fd;
	unsigned long *a;
};

static long exit_enabled_body(void *arg)
{
	struct exit_enabled *e = arg;

	if (t_ioctl(e->fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return -1;
	T_WRITE(e->a[0], 0);
	t_pc_x();
	t_pc_y();
	return 0;		/* exits still enabled */
}

/* 8.7 #60: an enabled thread exits without DIS -> device back to INIT,
 * another thread's EN(0) is ok, the buffer is kept. */
static void test_c060_exit_without_disable(void **state)
{
	struct exit_enabled e = { .fd = t_fd(state) };
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	e.a = t_init_map(e.fd, WORDS);
	assert_int_equal(t_in_thread(exit_enabled_body, &e), 0);
	assert_int_equal(kcov_sim_dev_info(e.fd, &info), 0);
	assert_int_equal(info.mode, DEV_INIT);
	assert_int_equal(info.refcount, 1);	/* the file's only */
	assert_int_equal(e.a[0], 2);
	assert_true(t_pc_is(e.a[1], t_pc_x));
	assert_true(t_pc_is(e.a[2], t_pc_y));

	assert_int_equal(t_ioctl(e.fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_z();
	assert_int_equal(t_ioctl(e.fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(e.a[0], 3);
	assert_true(t_pc_is(e.a[3], t_pc_z));
	assert_int_equal(t_munmap(e.a, LEN), 0);
}

/* Steps of case 61; the worker parks on @bar between them. */
static struct c061 {
	pthread_barrier_t bar;
	uint64_t id;
	int setup_ok;
	int close_ret;
	int init2_ret;
	int en2_ret, en2_errno;
} c061;

static void *c061_worker(void *arg)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	struct c061 *s = arg;
	int fd = t_open(), fd2;

	s->setup_ok = fd >= 0 && !t_ioctl(fd, KCOV_INIT_TRACE, WORDS) &&
		      !t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC) &&
		      !kcov_sim_dev_info(fd, &info);
	if (s->setup_ok) {
		s->id = info.id;
		info.area[0] = 0;
	}
	s->close_ret = t_close(fd);
	t_pc_x();
	t_pc_y();
	t_pc_z();
	pthread_barrier_wait(&s->bar);		/* 1: main looks */
	pthread_barrier_wait(&s->bar);		/* 2 */
	t_pc_x();
	t_pc_y();
	fd2 = t_open();
	s->init2_ret = t_ioctl(fd2, KCOV_INIT_TRACE, WORDS);
	errno = 0;
	s->en2_ret = t_ioctl(fd2, KCOV_ENABLE, KCOV_TRACE_PC);
	s->en2_errno = errno;
	t_close(fd2);
	pthread_barrier_wait(&s->bar);		/* 3: main looks */
	pthread_barrier_wait(&s->bar);		/* 4: exit */
	return NULL;
}

/* 8.7 #61: close(fd) while enabled and unmapped: the thread keeps
 * recording, a new fd's EN(0) is EBUSY, its exit frees the device. */
static void test_c061_close_while_enabled(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	pthread_t tid;

	(void)state;
	memset(&c061, 0, sizeof(c061));
	assert_int_equal(pthread_barrier_init(&c061.bar, NULL, 2), 0);
	assert_int_equal(pthread_create(&tid, NULL, c061_worker, &c061), 0);
	pthread_barrier_wait(&c061.bar);	/* 1 */
	assert_true(c061.setup_ok);
	assert_int_equal(c061.close_ret, 0);
	assert_int_equal(kcov_sim_dev_info_id(c061.id, &info), 0);
	assert_int_equal(info.refcount, 1);	/* the owner's only */
	assert_int_equal(info.file_open, 0);
	assert_int_equal(info.mode, DEV_TRACE_PC);
	assert_int_equal(info.area[0], 3);
	assert_true(t_pc_is(info.area[1], t_pc_x));
	assert_true(t_pc_is(info.area[2], t_pc_y));
	assert_true(t_pc_is(info.area[3], t_pc_z));
	pthread_barrier_wait(&c061.bar);	/* 2 */
	pthread_barrier_wait(&c061.bar);	/* 3 */
	assert_int_equal(c061.init2_ret, 0);
	assert_int_equal(c061.en2_ret, -1);
	assert_int_equal(c061.en2_errno, EBUSY);
	assert_int_equal(kcov_sim_dev_info_id(c061.id, &info), 0);
	assert_int_equal(info.area[0], 5);
	assert_true(t_pc_is(info.area[4], t_pc_x));
	assert_true(t_pc_is(info.area[5], t_pc_y));
	pthread_barrier_wait(&c061.bar);	/* 4 */
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(kcov_sim_dev_info_id(c061.id, &info), -ENOENT);
	pthread_barrier_destroy(&c061.bar);
}

/* 8.7 #62: close(fd) with a mapping and no owner: released at munmap. */
static void test_c062_mapping_pins_device(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int fd = t_open();
	unsigned long *a;
	uint64_t id;

	(void)state;
	assert_true(fd >= 0);
	a = t_init_map(fd, WORDS);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	id = info.id;
	assert_int_equal(t_close(fd), 0);
	assert_int_equal(kcov_sim_dev_info_id(id, &info), 0);
	assert_int_equal(info.file_open, 1);
	assert_int_equal(info.refcount, 1);	/* the file's, held by the map */
	assert_int_equal(info.mode, DEV_INIT);
	/* Still the device's pages. */
	a[7] = 0x77;
	assert_int_equal(info.area[7], 0x77);
	assert_int_equal(t_munmap(a, LEN), 0);
	assert_int_equal(kcov_sim_dev_info_id(id, &info), -ENOENT);
}

/* 8.7 #63: dup(fd), close the original: the device lives on, the dup's
 * ioctls and mmap work. */
static void test_c063_dup_then_close(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int fd = t_open(), d;
	unsigned long *a;
	uint64_t id;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	d = dup(fd);
	assert_true(d >= 0);
	assert_int_equal(t_close(fd), 0);
	assert_int_equal(kcov_sim_dev_info(d, &info), 0);
	id = info.id;
	assert_int_equal(info.mode, DEV_INIT);
	assert_int_equal(info.file_open, 1);
	a = t_mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, d, 0);
	assert_true(a != MAP_FAILED);
	assert_sys_err(t_ioctl(d, KCOV_INIT_TRACE, WORDS), EBUSY);
	assert_int_equal(t_ioctl(d, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	t_pc_x();
	assert_int_equal(t_ioctl(d, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(t_munmap(a, LEN), 0);
	assert_int_equal(t_close(d), 0);
	assert_int_equal(kcov_sim_dev_info_id(id, &info), -ENOENT);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)
#define TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c058_child_of_enabled_parent),
		FD_TEST(test_c058_child_enables_inherited_fd),
		FD_TEST(test_c058_parent_disables_child_enables),
		FD_TEST(test_c058_remote_owner_exits),
		FD_TEST(test_c059_new_thread_starts_disabled),
		FD_TEST(test_c060_exit_without_disable),
		TEST(test_c061_close_while_enabled),
		TEST(test_c062_mapping_pins_device),
		TEST(test_c063_dup_then_close),
	};

	return cmocka_run_group_tests_name("spec 8.7 tasks", tests, NULL, NULL);
}
