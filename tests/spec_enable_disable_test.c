/* SPDX-License-Identifier: MIT */
/* Spec 8.4: KCOV_ENABLE and KCOV_DISABLE. Every test gets a fresh fd. */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define PAGE	4096ul
#define RW	(PROT_READ | PROT_WRITE)
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static unsigned int dev_mode(int fd)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	return info.mode;
}

/* An ioctl on another thread; the result is kept for the main thread. */
struct call {
	int		fd;
	unsigned long	cmd, arg;
	int		ret, err;
	int		ret2, err2;	/* the DISABLE that follows, if asked */
	bool		then_disable;
	bool		then_pc;
};

static long call_main(void *p)
{
	struct call *c = p;

	errno = 0;
	c->ret = t_ioctl(c->fd, c->cmd, c->arg);
	c->err = errno;
	if (c->then_pc)
		t_pc_z();
	if (c->then_disable) {
		errno = 0;
		c->ret2 = t_ioctl(c->fd, KCOV_DISABLE, 0);
		c->err2 = errno;
	}
	return 0;
}

static void call_in_thread(struct call *c)
{
	t_in_thread(call_main, c);
}

/*
 * A thread that attaches to a device and stays attached until released, so
 * the main thread can act on a device "enabled by another thread".
 */
struct holder {
	pthread_barrier_t	sync;
	pthread_t		tid;
	int			fd;
	unsigned long		cmd, arg;
	int			ret, dis_ret;
};

static void *holder_main(void *p)
{
	struct holder *h = p;

	h->ret = t_ioctl(h->fd, h->cmd, h->arg);
	pthread_barrier_wait(&h->sync);		/* attached */
	pthread_barrier_wait(&h->sync);		/* released */
	h->dis_ret = t_ioctl(h->fd, KCOV_DISABLE, 0);
	return NULL;
}

static void holder_start(struct holder *h, int fd, unsigned long cmd,
			 unsigned long arg)
{
	h->fd = fd;
	h->cmd = cmd;
	h->arg = arg;
	assert_int_equal(pthread_barrier_init(&h->sync, NULL, 2), 0);
	assert_int_equal(pthread_create(&h->tid, NULL, holder_main, h), 0);
	pthread_barrier_wait(&h->sync);
	assert_int_equal(h->ret, 0);
}

static void holder_stop(struct holder *h)
{
	pthread_barrier_wait(&h->sync);
	assert_int_equal(pthread_join(h->tid, NULL), 0);
	pthread_barrier_destroy(&h->sync);
	assert_int_equal(h->dis_ret, 0);
}

/* 8.4 #20: ENABLE on an opened-only fd is EINVAL. */
static void test_c020_enable_not_inited(void **state)
{
	int fd = t_fd(state);

	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), EINVAL);
	assert_int_equal(dev_mode(fd), 0);
}

/* 8.4 #21: ENABLE needs no mmap; a later mapping shows the 3 PCs. */
static void test_c021_enable_without_mmap(void **state)
{
	int fd = t_fd(state);
	unsigned long *a;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	t_pc_y();
	t_pc_x();
	a = t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(T_READ(a[0]), 3);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_true(t_pc_is(a[3], t_pc_x));
	assert_int_equal(a[1], a[3]);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* 8.4 #22: ENABLE(2) and ENABLE(ULONG_MAX) are EINVAL; ENABLE(0) then ok. */
static void test_c022_enable_bad_mode(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, 2), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, ULONG_MAX), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, 1ul << 32), EINVAL);
	assert_int_equal(dev_mode(fd), 1);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(dev_mode(fd), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.4 #23: without CMP support ENABLE(1) is 524 and the device stays INIT. */
static void test_c023_enable_cmp_unsupported(void **state)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);
	int fd = t_fd(state);

	kcov_sim_set_cmp_support(0);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), KCOV_SIM_ENOTSUPP);
	assert_int_equal(dev_mode(fd), 1);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.attached, 0);
	assert_int_equal(ti.kcov_mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(dev_mode(fd), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	kcov_sim_set_cmp_support(1);
}

/* 8.4 #24: a second ENABLE(0) on the same fd, same thread, is EINVAL. */
static void test_c024_enable_twice(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), EINVAL);
	assert_int_equal(dev_mode(fd), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.4 #25: T1 enabled fd A; T2's ENABLE(0) on fd A is EINVAL. */
static void test_c025_enable_other_thread(void **state)
{
	int fd = t_fd(state);
	struct call c = { .fd = fd, .cmd = KCOV_ENABLE, .arg = KCOV_TRACE_PC };

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	call_in_thread(&c);
	assert_int_equal(c.ret, -1);
	assert_int_equal(c.err, EINVAL);
	assert_int_equal(dev_mode(fd), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.4 #26: T1 on fd A; T1's ENABLE(0) on fd B is EBUSY; T2 can enable B. */
static void test_c026_enable_second_fd_ebusy(void **state)
{
	int a = t_fd(state), b = t_open();
	struct call c = { .cmd = KCOV_ENABLE, .arg = KCOV_TRACE_PC,
			  .then_disable = true };

	assert_true(b >= 0);
	assert_int_equal(t_ioctl(a, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(b, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(a, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_sys_err(t_ioctl(b, KCOV_ENABLE, KCOV_TRACE_PC), EBUSY);
	assert_int_equal(dev_mode(b), 1);
	c.fd = b;
	call_in_thread(&c);
	assert_int_equal(c.ret, 0);
	assert_int_equal(c.ret2, 0);
	assert_int_equal(t_ioctl(a, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_close(b), 0);
}

/* 8.4 #27: after T1's DISABLE(0), T2's ENABLE(0) on fd A is ok. */
static void test_c027_enable_after_other_disabled(void **state)
{
	int fd = t_fd(state);
	struct call c = { .fd = fd, .cmd = KCOV_ENABLE, .arg = KCOV_TRACE_PC,
			  .then_pc = true, .then_disable = true };
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	call_in_thread(&c);
	assert_int_equal(c.ret, 0);
	assert_int_equal(c.ret2, 0);
	/* The second owner's PC follows the first owner's. */
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_z));
	assert_int_equal(dev_mode(fd), 1);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* 8.4 #28: DISABLE(1) by the owner is EINVAL and coverage goes on. */
static void test_c028_disable_nonzero_arg(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	T_WRITE(a[0], 0);
	assert_sys_err(t_ioctl(fd, KCOV_DISABLE, 1), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_DISABLE, ULONG_MAX), EINVAL);
	t_pc_y();
	assert_int_equal(T_READ(a[0]), 1);
	assert_true(t_pc_is(a[1], t_pc_y));
	assert_int_equal(dev_mode(fd), 2);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* 8.4 #29: DISABLE(0) from a thread that is not the owner is EINVAL. */
static void test_c029_disable_non_owner(void **state)
{
	int fd = t_fd(state);
	struct call c = { .fd = fd, .cmd = KCOV_DISABLE, .arg = 0 };
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	call_in_thread(&c);
	assert_int_equal(c.ret, -1);
	assert_int_equal(c.err, EINVAL);
	assert_int_equal(dev_mode(fd), 2);
	/* Still the owner's: it records and can disable. */
	T_WRITE(a[0], 0);
	t_pc_x();
	assert_int_equal(T_READ(a[0]), 1);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* 8.4 #30: DISABLE(0) on opened-only, inited-only, or the wrong fd: EINVAL. */
static void test_c030_disable_not_enabled(void **state)
{
	int a = t_fd(state), b = t_open();

	assert_true(b >= 0);
	assert_sys_err(t_ioctl(a, KCOV_DISABLE, 0), EINVAL);
	assert_int_equal(t_ioctl(a, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ioctl(a, KCOV_DISABLE, 0), EINVAL);
	assert_int_equal(t_ioctl(b, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(a, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_sys_err(t_ioctl(b, KCOV_DISABLE, 0), EINVAL);
	assert_int_equal(dev_mode(a), 2);
	assert_int_equal(dev_mode(b), 1);
	assert_int_equal(t_ioctl(a, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_close(b), 0);
}

static const unsigned long unknown_cmds[] = {
	_IO('c', 105),
	0x40086367ul,	/* KCOV_UNIQUE_ENABLE, proposed only */
	0x80086367ul,	/* its v1 spelling */
	0x6368ul,	/* KCOV_RESET_TRACE, proposed only */
	0x80046301ul,	/* KCOV_INIT_TRACE of a 32-bit unsigned long */
	_IO('c', 1),	/* INIT_TRACE's number without its dir/size bits */
	_IOW('c', 100, unsigned long),	/* ENABLE with size bits */
	0x6366ul,	/* REMOTE_ENABLE without dir/size bits */
};

static void assert_unknown_enotty(int fd)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, before);
	KCOV_SIM_OUT(kcov_sim_dev_info, after);
	size_t i;

	assert_int_equal(kcov_sim_dev_info(fd, &before), 0);
	for (i = 0; i < ARRAY_LEN(unknown_cmds); i++) {
		assert_sys_err(t_ioctl(fd, unknown_cmds[i], 0), ENOTTY);
		assert_sys_err(t_ioctl(fd, unknown_cmds[i], 512), ENOTTY);
	}
	assert_int_equal(kcov_sim_dev_info(fd, &after), 0);
	assert_int_equal(after.mode, before.mode);
	assert_int_equal(after.size, before.size);
	assert_int_equal(after.sequence, before.sequence);
}

/* 8.4 #31: unknown commands are ENOTTY in every state. */
static void test_c031_unknown_ioctls(void **state)
{
	struct kcov_remote_arg ra = { .trace_mode = KCOV_TRACE_PC,
				      .area_size = 64 };
	int fd = t_fd(state);
	struct holder h;

	assert_unknown_enotty(fd);			/* S0 */
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_unknown_enotty(fd);			/* S1 */
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_unknown_enotty(fd);			/* S2, caller */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	holder_start(&h, fd, KCOV_ENABLE, KCOV_TRACE_PC);
	assert_unknown_enotty(fd);			/* S2, other thread */
	holder_stop(&h);
	assert_int_equal(t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)&ra), 0);
	assert_unknown_enotty(fd);			/* S3, caller */
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	holder_start(&h, fd, KCOV_REMOTE_ENABLE, (unsigned long)&ra);
	assert_unknown_enotty(fd);			/* S3, other thread */
	holder_stop(&h);
	assert_int_equal(dev_mode(fd), 1);
}

/* 8.4 #32: ENABLE keeps a stale A[0]=7: one PC makes it 8, entry in A[8]. */
static void test_c032_enable_keeps_counter(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);

	T_WRITE(a[0], 7);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(T_READ(a[0]), 7);
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 8);
	assert_true(t_pc_is(a[8], t_pc_y));
	assert_int_equal(a[1], 0);
	assert_int_equal(a[7], 0);
	assert_int_equal(a[9], 0);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* 8.4 #33: after DISABLE(0) the buffer is unchanged and PCs change nothing. */
static void test_c033_disable_freezes_buffer(void **state)
{
	static unsigned long snap[512];
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	t_pc_y();
	memcpy(snap, a, sizeof(snap));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_memory_equal(a, snap, sizeof(snap));
	t_pc_x();
	t_pc_z();
	__sanitizer_cov_trace_cmp4(1, 2);
	assert_memory_equal(a, snap, sizeof(snap));
	assert_int_equal(a[0], 2);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/*
 * 8.4 #34: read()/write() are EINVAL and lseek() is ESPIPE, and a write
 * changes nothing (libc's calls, interposed for both front doors).
 */
static void test_c034_read_write_lseek(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = t_init_map(fd, 512);
	unsigned long w = 0;

	T_WRITE(a[0], 5);
	assert_sys_err(read(fd, &w, sizeof(w)), EINVAL);
	assert_sys_err(lseek(fd, 0, SEEK_SET), ESPIPE);
	w = 7;
	assert_sys_err(write(fd, &w, sizeof(w)), EINVAL);
	assert_int_equal(T_READ(a[0]), 5);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c020_enable_not_inited),
		FD_TEST(test_c021_enable_without_mmap),
		FD_TEST(test_c022_enable_bad_mode),
		FD_TEST(test_c023_enable_cmp_unsupported),
		FD_TEST(test_c024_enable_twice),
		FD_TEST(test_c025_enable_other_thread),
		FD_TEST(test_c026_enable_second_fd_ebusy),
		FD_TEST(test_c027_enable_after_other_disabled),
		FD_TEST(test_c028_disable_nonzero_arg),
		FD_TEST(test_c029_disable_non_owner),
		FD_TEST(test_c030_disable_not_enabled),
		FD_TEST(test_c031_unknown_ioctls),
		FD_TEST(test_c032_enable_keeps_counter),
		FD_TEST(test_c033_disable_freezes_buffer),
		FD_TEST(test_c034_read_write_lseek),
	};

	return cmocka_run_group_tests_name("spec 8.4 ENABLE/DISABLE", tests,
					   NULL, NULL);
}
