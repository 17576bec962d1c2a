/* SPDX-License-Identifier: MIT */
/* Spec 8.2: KCOV_INIT_TRACE. Every test gets a fresh fd from t_fd_setup(). */
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>

#include "helpers.h"

#define PAGE	4096ul

static void assert_dev(int fd, unsigned int mode, unsigned long size)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	assert_int_equal(info.mode, mode);
	assert_int_equal(info.size, size);
}

/* 8.2 #5: INIT(512) is ok and the mapped buffer is all zero. */
static void test_c005_init_zeroed(void **state)
{
	int fd = t_fd(state);
	unsigned long *a;
	int i;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	a = t_mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	for (i = 0; i < 512; i++)
		assert_int_equal(a[i], 0);
	assert_dev(fd, 1, 512);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* Open a fresh fd, INIT(@words) on it, and return what INIT returned. */
static int init_fresh(unsigned long words, int *err, unsigned int *mode)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int fd = t_open(), ret;

	assert_true(fd >= 0);
	errno = 0;
	ret = t_ioctl(fd, KCOV_INIT_TRACE, words);
	*err = errno;
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	*mode = info.mode;
	assert_int_equal(t_close(fd), 0);
	return ret;
}

/* 8.2 #6: INIT(0) and INIT(1) are EINVAL, INIT(2) is ok (fresh fds). */
static void test_c006_init_minimum(void **state)
{
	unsigned int mode;
	int err;

	(void)state;
	assert_int_equal(init_fresh(0, &err, &mode), -1);
	assert_int_equal(err, EINVAL);
	assert_int_equal(mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(init_fresh(1, &err, &mode), -1);
	assert_int_equal(err, EINVAL);
	assert_int_equal(mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(init_fresh(2, &err, &mode), 0);
	assert_int_equal(mode, KCOV_SIM_MODE_INIT);
}

/* 8.2 #7: INIT(268435456) and INIT(ULONG_MAX) are EINVAL. */
static void test_c007_init_above_max(void **state)
{
	int fd = t_fd(state);

	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 268435456ul), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, ULONG_MAX), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 1ul << 32), EINVAL);
	assert_dev(fd, 0, 0);
}

/* 8.2 #7: INIT(268435455), the largest size, is ok or ENOMEM. */
static void test_c007_init_max_ok_or_enomem(void **state)
{
	int fd = t_fd(state), ret, err;

	errno = 0;
	ret = t_ioctl(fd, KCOV_INIT_TRACE, 268435455ul);
	err = errno;
	if (ret == 0) {
		assert_dev(fd, 1, 268435455ul);
		/* size*8 is not a page multiple: no mapping can succeed. */
		assert_sys_err(t_mmap(NULL, 268435456ul * 8, PROT_READ,
				      MAP_SHARED, fd, 0), EINVAL);
	} else {
		assert_int_equal(ret, -1);
		assert_int_equal(err, ENOMEM);
		assert_dev(fd, 0, 0);
	}
}

/* 8.2 #7: above the allocation cap INIT is ENOMEM and changes nothing. */
static void test_c007_init_alloc_limit_enomem(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, before);
	KCOV_SIM_OUT(kcov_sim_dev_info, after);
	int fd = t_fd(state);

	kcov_sim_set_alloc_limit(PAGE);
	assert_int_equal(kcov_sim_dev_info(fd, &before), 0);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 513), ENOMEM);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 268435455ul), ENOMEM);
	assert_int_equal(kcov_sim_dev_info(fd, &after), 0);
	assert_int_equal(after.mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(after.size, 0);
	assert_int_equal(after.sequence, before.sequence);
	assert_int_equal(after.refcount, before.refcount);
	assert_null(after.area);
	/* Still S0: no mapping, and an INIT within the cap works. */
	assert_sys_err(t_mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_dev(fd, 1, 512);
	kcov_sim_set_alloc_limit(0);
}

/* 8.2 #8: a second INIT is EBUSY, a bad size EINVAL; the size stays 512. */
static void test_c008_init_twice(void **state)
{
	int fd = t_fd(state);
	void *p;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 1024), EBUSY);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 512), EBUSY);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 1), EINVAL);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, ULONG_MAX), EINVAL);
	assert_dev(fd, 1, 512);
	assert_sys_err(t_mmap(NULL, 1024 * 8, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd, 0), EINVAL);
	p = t_mmap(NULL, 512 * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(t_munmap(p, 512 * 8), 0);
}

/* 8.2 #9: after ENABLE and DISABLE the state is INIT, so INIT is EBUSY. */
static void test_c009_init_after_disable(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 512), EBUSY);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_sys_err(t_ioctl(fd, KCOV_INIT_TRACE, 512), EBUSY);
	assert_dev(fd, 1, 512);
}

struct init_race {
	pthread_barrier_t	go;
	int			fd;
	int			ret[2];
	int			err[2];
};

struct init_racer {
	struct init_race	*race;
	int			idx;
};

static void *init_racer_main(void *p)
{
	struct init_racer *r = p;
	struct init_race *race = r->race;

	pthread_barrier_wait(&race->go);
	errno = 0;
	race->ret[r->idx] = t_ioctl(race->fd, KCOV_INIT_TRACE, 512);
	race->err[r->idx] = errno;
	return NULL;
}

/* 8.2 #10: two threads INIT(512) one fd at once: one ok, the other EBUSY. */
static void test_c010_init_race(void **state)
{
	struct init_racer racer[2];
	struct init_race race;
	pthread_t tid[2];
	int round, i, ok, busy;

	(void)state;
	for (round = 0; round < 50; round++) {
		race.fd = t_open();
		assert_true(race.fd >= 0);
		assert_int_equal(pthread_barrier_init(&race.go, NULL, 2), 0);
		for (i = 0; i < 2; i++) {
			racer[i].race = &race;
			racer[i].idx = i;
			assert_int_equal(pthread_create(&tid[i], NULL,
					 init_racer_main, &racer[i]), 0);
		}
		for (i = 0; i < 2; i++)
			assert_int_equal(pthread_join(tid[i], NULL), 0);
		pthread_barrier_destroy(&race.go);
		ok = busy = 0;
		for (i = 0; i < 2; i++) {
			if (race.ret[i] == 0) {
				ok++;
			} else {
				assert_int_equal(race.ret[i], -1);
				assert_int_equal(race.err[i], EBUSY);
				busy++;
			}
		}
		assert_int_equal(ok, 1);
		assert_int_equal(busy, 1);
		assert_dev(race.fd, 1, 512);
		assert_int_equal(t_close(race.fd), 0);
	}
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)
#define T_TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c005_init_zeroed),
		T_TEST(test_c006_init_minimum),
		FD_TEST(test_c007_init_above_max),
		FD_TEST(test_c007_init_max_ok_or_enomem),
		FD_TEST(test_c007_init_alloc_limit_enomem),
		FD_TEST(test_c008_init_twice),
		FD_TEST(test_c009_init_after_disable),
		T_TEST(test_c010_init_race),
	};

	return cmocka_run_group_tests_name("spec 8.2 INIT_TRACE", tests, NULL, NULL);
}
