/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/sim.c through <kcov-sim/sim.h>: the WARN channel
 * (count, handler, default stderr line), the configuration knobs (CMP
 * support, allocation cap, PC bias), the version string, and the check
 * that the hooks instrumented code calls are ours (DESIGN 6).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"

#define PAGE		4096ul
#define RW		(PROT_READ | PROT_WRITE)
#define WORDS		512ul			/* one page */
#define CMP_REC		4			/* words per CMP record */

/* ---- helpers ------------------------------------------------------------ */

static unsigned long *init_map(int fd, unsigned long words)
{
	void *p;

	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, words), 0);
	p = kcov_sim_mmap(NULL, words * sizeof(unsigned long), RW, MAP_SHARED,
			  fd, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

/* A CMP record of @size comparing @x and @y, in either order, in @a. */
static bool has_cmp(const unsigned long *a, unsigned long size,
		    unsigned long x, unsigned long y)
{
	unsigned long i, n = a[0];

	for (i = 0; i < n && 1 + (i + 1) * CMP_REC <= WORDS; i++) {
		const unsigned long *r = &a[1 + i * CMP_REC];

		if ((r[0] & KCOV_CMP_MASK) == size &&
		    ((r[1] == x && r[2] == y) || (r[1] == y && r[2] == x)))
			return true;
	}
	return false;
}

/* What a WARN handler saw; filled on whatever thread the WARN ran. */
struct warn_log {
	pthread_mutex_t	lock;
	int		calls;
	char		file[256];
	int		line;
	char		what[256];
	void		*arg;
	pthread_t	thread;
};

static struct warn_log wlog = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void log_warn(const char *file, int line, const char *what, void *arg)
{
	pthread_mutex_lock(&wlog.lock);
	wlog.calls++;
	snprintf(wlog.file, sizeof(wlog.file), "%s", file ? file : "(null)");
	wlog.line = line;
	snprintf(wlog.what, sizeof(wlog.what), "%s", what ? what : "(null)");
	wlog.arg = arg;
	wlog.thread = pthread_self();
	pthread_mutex_unlock(&wlog.lock);
}

static void log_reset(void)
{
	pthread_mutex_lock(&wlog.lock);
	wlog.calls = 0;
	wlog.file[0] = wlog.what[0] = '\0';
	wlog.line = 0;
	wlog.arg = NULL;
	pthread_mutex_unlock(&wlog.lock);
}

static int log_calls(void)
{
	int n;

	pthread_mutex_lock(&wlog.lock);
	n = wlog.calls;
	pthread_mutex_unlock(&wlog.lock);
	return n;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);

	return ls >= lt && !strcmp(s + ls - lt, tail);
}

/* stderr into a pipe, from capture_start() to capture_end(). */
struct capture {
	int	saved;
	int	rd;
};

static void capture_start(struct capture *c)
{
	int p[2];

	fflush(stderr);
	assert_int_equal(pipe(p), 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(close(p[1]), 0);
	c->rd = p[0];
}

/* Puts stderr back and returns what was written, NUL-terminated. */
static size_t capture_end(struct capture *c, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	fflush(stderr);
	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(close(c->saved), 0);
	/* Every write end is closed now: read to EOF. */
	while (got + 1 < len && (n = read(c->rd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	assert_int_equal(close(c->rd), 0);
	return got;
}

/* ---- WARN channel ------------------------------------------------------- */

/* Every WARN adds one to kcov_sim_warn_count(). */
static void test_warn_count_increments_per_warn(void **state)
{
	unsigned long base = kcov_sim_warn_count();

	(void)state;
	kcov_sim_softirq_exit();		/* exit without enter */
	assert_int_equal(kcov_sim_warn_count(), base + 1);
	kcov_sim_softirq_exit();
	assert_int_equal(kcov_sim_warn_count(), base + 2);
	kcov_sim_hardirq_exit();
	assert_int_equal(kcov_sim_warn_count(), base + 3);
	/* Balanced pairs warn about nothing. */
	kcov_sim_softirq_enter();
	kcov_sim_softirq_exit();
	assert_int_equal(kcov_sim_warn_count(), base + 3);
	t_warn_expect(3);
}

/* The handler gets the WARN's file, line and message, and its own arg. */
static void test_warn_handler_gets_file_line_message(void **state)
{
	int cookie;

	(void)state;
	log_reset();
	kcov_sim_set_warn_handler(log_warn, &cookie);
	kcov_sim_softirq_exit();
	kcov_sim_set_warn_handler(NULL, NULL);
	t_warn_expect(1);
	assert_int_equal(log_calls(), 1);
	assert_ptr_equal(wlog.arg, &cookie);
	assert_true(ends_with(wlog.file, ".c"));
	assert_true(wlog.line > 0);
	assert_non_null(strstr(wlog.what, "softirq"));
	assert_non_null(strstr(wlog.what, "without enter"));
	assert_true(pthread_equal(wlog.thread, pthread_self()));
}

static long warn_in_thread(void *arg)
{
	(void)arg;
	kcov_sim_nmi_exit();
	return 0;
}

/* A WARN on another thread is counted and reaches the handler too. */
static void test_warn_on_other_thread_counted(void **state)
{
	unsigned long base = kcov_sim_warn_count();

	(void)state;
	log_reset();
	kcov_sim_set_warn_handler(log_warn, NULL);
	t_in_thread(warn_in_thread, NULL);
	kcov_sim_set_warn_handler(NULL, NULL);
	t_warn_expect(1);
	assert_int_equal(kcov_sim_warn_count(), base + 1);
	assert_int_equal(log_calls(), 1);
	assert_non_null(strstr(wlog.what, "nmi"));
	assert_false(pthread_equal(wlog.thread, pthread_self()));
}

/*
 * kcov_sim_set_warn_handler(NULL, NULL) restores the default: one line on
 * stderr, "kcov-sim: " first, naming the WARN's file, line and message.
 */
static void test_warn_handler_null_restores_stderr_line(void **state)
{
	char out[1024], where[300];
	struct capture cap;
	size_t len;

	(void)state;
	/* The same WARN site through a handler first, to know what to expect. */
	log_reset();
	kcov_sim_set_warn_handler(log_warn, NULL);
	kcov_sim_softirq_exit();
	assert_int_equal(log_calls(), 1);
	kcov_sim_set_warn_handler(NULL, NULL);
	capture_start(&cap);
	kcov_sim_softirq_exit();
	len = capture_end(&cap, out, sizeof(out));
	t_warn_expect(2);
	assert_int_equal(log_calls(), 1);		/* not called again */
	assert_true(len > 0);
	assert_int_equal(strncmp(out, "kcov-sim: ", 10), 0);
	assert_int_equal(out[len - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + len - 1);	/* one line */
	snprintf(where, sizeof(where), "%s:%d", wlog.file, wlog.line);
	assert_non_null(strstr(out, where));
	assert_non_null(strstr(out, wlog.what));
}

/* ---- configuration ------------------------------------------------------ */

/* Without CMP support ENABLE(CMP) is 524 and the device stays INIT. */
static void test_cmp_support_off_enotsupp(void **state)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);
	int fd = t_fd(state);
	unsigned long *a = init_map(fd, WORDS);

	kcov_sim_set_cmp_support(0);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP),
		       KCOV_SIM_ENOTSUPP);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).refcount, 1);
	kcov_sim_task_info(&ti);
	assert_int_equal(ti.attached, 0);
	t_cmp4_site(1, 2);
	assert_int_equal(a[0], 0);
	/* Back on: the same call works and records. */
	kcov_sim_set_cmp_support(1);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_TRACE_CMP);
	t_cmp4_site(1, 2);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1);
	assert_int_equal(a[1], KCOV_CMP_SIZE(2));
	assert_int_equal(a[2], 1);
	assert_int_equal(a[3], 2);
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
}

/* Without CMP support REMOTE_ENABLE with trace_mode CMP is 524 as well. */
static void test_cmp_support_off_remote_enotsupp(void **state)
{
	struct kcov_remote_arg ra = {
		.trace_mode = KCOV_TRACE_CMP, .area_size = 64,
	};
	int fd = t_fd(state);
	unsigned long *a = init_map(fd, WORDS);

	kcov_sim_set_cmp_support(0);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)&ra),
		       KCOV_SIM_ENOTSUPP);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_INIT);
	assert_int_equal(t_dev(fd).remote, 0);
	kcov_sim_set_cmp_support(1);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_REMOTE_ENABLE,
				    (unsigned long)&ra), 0);
	assert_int_equal(t_dev(fd).mode, KCOV_SIM_MODE_TRACE_CMP);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
}

/* INIT above the cap → ENOMEM and nothing changes; at or below it works. */
static void test_alloc_limit_init(void **state)
{
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_dev_info, d);

	kcov_sim_set_alloc_limit(2 * PAGE);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 2 * WORDS + 1), ENOMEM);
	d = t_dev(fd);
	assert_int_equal(d.mode, KCOV_SIM_MODE_DISABLED);
	assert_int_equal(d.size, 0);
	assert_null(d.area);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, 2 * WORDS), 0);
	assert_int_equal(t_dev(fd).size, 2 * WORDS);
	kcov_sim_set_alloc_limit(0);
}

/* A limit of 0 means none: the size refused under a cap then works. */
static void test_alloc_limit_zero_is_unlimited(void **state)
{
	const unsigned long big = 1ul << 20;	/* 8 MiB */
	int fd = t_fd(state), fd2;

	kcov_sim_set_alloc_limit(PAGE);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, big), ENOMEM);
	assert_sys_err(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, WORDS + 1), ENOMEM);
	kcov_sim_set_alloc_limit(0);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_INIT_TRACE, big), 0);
	assert_int_equal(t_dev(fd).size, big);
	/* The cap counts per buffer, and a new cap holds for new devices. */
	kcov_sim_set_alloc_limit(PAGE);
	fd2 = kcov_sim_open();
	assert_true(fd2 >= 0);
	assert_sys_err(kcov_sim_ioctl(fd2, KCOV_INIT_TRACE, WORDS + 1), ENOMEM);
	assert_int_equal(kcov_sim_ioctl(fd2, KCOV_INIT_TRACE, WORDS), 0);
	assert_int_equal(kcov_sim_close(fd2), 0);
	kcov_sim_set_alloc_limit(0);
}

/* ---- PC bias ------------------------------------------------------------ */

/* With bias B the same site is recorded exactly B lower (PC and CMP ip). */
static void test_pc_bias_shifts_pc_by_bias(void **state)
{
	const uintptr_t bias = 0x1000;
	int fd = t_fd(state);
	unsigned long *a = init_map(fd, WORDS);

	assert_int_equal(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	kcov_sim_set_pc_bias(bias);
	t_pc_x();
	kcov_sim_set_pc_bias(0);
	t_pc_x();
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 3);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_int_equal(a[1] - a[2], bias);
	assert_int_equal(a[3], a[1]);
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
}

/* The same for the ip of CMP records. */
static void test_pc_bias_shifts_cmp_ip_by_bias(void **state)
{
	const uintptr_t bias = 0x1000;
	int fd = t_fd(state);
	unsigned long *a = init_map(fd, WORDS);

	assert_int_equal(kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	t_cmp4_site(7, 8);
	kcov_sim_set_pc_bias(bias);
	t_cmp4_site(7, 8);
	kcov_sim_set_pc_bias(0);
	assert_int_equal(kcov_sim_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 2);
	assert_true(t_pc_is(a[1 + 3], (void (*)(void))t_cmp4_site));
	assert_int_equal(a[1 + 3] - a[1 + CMP_REC + 3], bias);
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
}

/* ---- version ------------------------------------------------------------ */

/* kcov_sim_version() is "MAJOR.MINOR.PATCH", the project's version. */
static void test_version_string(void **state)
{
	const char *v = kcov_sim_version();
	unsigned int maj, min, pat;
	int end = -1;

	(void)state;
	assert_non_null(v);
	assert_int_equal(sscanf(v, "%u.%u.%u%n", &maj, &min, &pat, &end), 3);
	assert_int_equal(end, (int)strlen(v));
	assert_int_equal(strspn(v, "0123456789."), strlen(v));
	assert_string_not_equal(v, "0.0.0");	/* the unset fallback */
#ifdef KSIM_EXPECT_VERSION
	assert_string_equal(v, KSIM_EXPECT_VERSION);
#endif
#ifdef KCOV_SIM_VERSION
	assert_string_equal(v, KCOV_SIM_VERSION);
#endif
	assert_string_equal(kcov_sim_version(), v);
}

/* ---- shadowed hooks ----------------------------------------------------- */

/*
 * Our own build reaches our hooks: ENABLE(CMP) succeeds, compiler-inserted
 * comparisons are recorded, and nothing is printed on stderr.
 */
static void test_shadow_check_cmp_enable_silent(void **state)
{
	int fd = t_fd(state), ret_cmp, ret_pc;
	unsigned long *a = init_map(fd, WORDS);
	struct capture cap;
	char out[1024];
	size_t len;

	capture_start(&cap);
	ret_cmp = kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP);
	kc_cmp(3, 4);
	kcov_sim_ioctl(fd, KCOV_DISABLE, 0);
	ret_pc = kcov_sim_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC);
	kcov_sim_ioctl(fd, KCOV_DISABLE, 0);
	len = capture_end(&cap, out, sizeof(out));
	assert_int_equal(ret_cmp, 0);
	assert_int_equal(ret_pc, 0);
	/* kc_cmp(): va == 0x1234 (4 bytes), vb > 77 (8 bytes). */
	assert_true(has_cmp(a, KCOV_CMP_SIZE(2), 0x1234, 3));
	assert_true(has_cmp(a, KCOV_CMP_SIZE(3), 77, 4));
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	assert_int_equal(kcov_sim_munmap(a, PAGE), 0);
}

/* ---- fixtures ----------------------------------------------------------- */

/* Raw PCs for the whole file: the bias applies only there. */
static int group_setup(void **state)
{
	(void)state;
	return kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW) ? -1 : 0;
}

/* Puts the bias back even when a test failed half-way. */
static int bias_teardown(void **state)
{
	kcov_sim_set_pc_bias(0);
	return t_fd_teardown(state);
}

#define TEST(f)		cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)
#define FD_TEST(f)	cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)
#define BIAS_TEST(f)	cmocka_unit_test_setup_teardown(f, t_fd_setup, bias_teardown)

/* NULL result pointers are refused, never written through. */
static void test_introspection_null_is_efault(void **state)
{
	int fd = t_open();

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_dev_info(fd, NULL), -EFAULT);
	assert_int_equal(kcov_sim_dev_info_id(1, NULL), -EFAULT);
	assert_int_equal(kcov_sim_pool_stats(NULL), -EFAULT);
	kcov_sim_task_info(NULL);
	assert_int_equal(t_close(fd), 0);
}

/* sim.h profiles: names, the default, and only while no device exists. */
static void test_profile_switch(void **state)
{
	const char *was = kcov_sim_get_profile();
	char saved[16];
	int fd;

	(void)state;
	snprintf(saved, sizeof(saved), "%s", was);
	assert_int_equal(kcov_sim_set_profile("P-2024"), -EINVAL);
	assert_int_equal(kcov_sim_set_profile(NULL), -EINVAL);
	assert_string_equal(kcov_sim_get_profile(), saved);
	assert_int_equal(kcov_sim_set_profile("P-2026"), 0);
	assert_string_equal(kcov_sim_get_profile(), "P-2026");
	assert_int_equal(kcov_sim_set_nr_cpus(0), -EINVAL);
	fd = kcov_sim_open();
	assert_true(fd >= 0);
	assert_int_equal(kcov_sim_set_profile("linux-6.1"), -EBUSY);
	assert_int_equal(kcov_sim_set_nr_cpus(2), -EBUSY);
	assert_string_equal(kcov_sim_get_profile(), "P-2026");
	assert_int_equal(kcov_sim_close(fd), 0);
	assert_int_equal(kcov_sim_set_profile(saved), 0);
	assert_string_equal(kcov_sim_get_profile(), saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: the first ENABLE(CMP) of the process is the one that
		 * would print the diagnostic. */
		FD_TEST(test_shadow_check_cmp_enable_silent),
		TEST(test_warn_count_increments_per_warn),
		TEST(test_introspection_null_is_efault),
		TEST(test_warn_handler_gets_file_line_message),
		TEST(test_warn_on_other_thread_counted),
		TEST(test_warn_handler_null_restores_stderr_line),
		FD_TEST(test_cmp_support_off_enotsupp),
		FD_TEST(test_cmp_support_off_remote_enotsupp),
		FD_TEST(test_alloc_limit_init),
		FD_TEST(test_alloc_limit_zero_is_unlimited),
		BIAS_TEST(test_pc_bias_shifts_pc_by_bias),
		BIAS_TEST(test_pc_bias_shifts_cmp_ip_by_bias),
		TEST(test_version_string),
		cmocka_unit_test(test_profile_switch),
	};

	return cmocka_run_group_tests_name("lib/sim.c", tests, group_setup, NULL);
}
