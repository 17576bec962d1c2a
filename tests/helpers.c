/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

static int door_shim;
static pthread_once_t door_once = PTHREAD_ONCE_INIT;

static void door_init(void)
{
	const char *d = getenv("KSIM_TEST_DOOR");

	door_shim = d && !strcmp(d, "shim");
}

static int use_shim(void)
{
	pthread_once(&door_once, door_init);
	return door_shim;
}

const char *t_door(void)
{
	return use_shim() ? "shim" : "api";
}

int t_open(void)
{
	return use_shim() ? open("/sys/kernel/debug/kcov", O_RDWR) : kcov_sim_open();
}

int t_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	return use_shim() ? ioctl(fd, cmd, arg) : kcov_sim_ioctl(fd, cmd, arg);
}

void *t_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return use_shim() ? mmap(addr, len, prot, flags, fd, off)
			  : kcov_sim_mmap(addr, len, prot, flags, fd, off);
}

int t_munmap(void *addr, size_t len)
{
	return use_shim() ? munmap(addr, len) : kcov_sim_munmap(addr, len);
}

int t_close(int fd)
{
	return use_shim() ? close(fd) : kcov_sim_close(fd);
}

unsigned long *t_init_map(int fd, unsigned long words)
{
	void *p;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, words), 0);
	p = t_mmap(NULL, words * sizeof(unsigned long), PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

__attribute__((noinline)) void t_pc_x(void)
{
	__sanitizer_cov_trace_pc();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void t_pc_y(void)
{
	__sanitizer_cov_trace_pc();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void t_pc_z(void)
{
	__sanitizer_cov_trace_pc();
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void t_cmp4_site(uint32_t a, uint32_t b)
{
	__sanitizer_cov_trace_cmp4(a, b);
	__asm__ volatile("" ::: "memory");
}

/*
 * The return address lies inside the site: after its start, within 256
 * bytes, and before the start of any other known site that follows it.
 */
int t_pc_is(unsigned long pc, void (*site)(void))
{
	static void (*const sites[])(void) = {
		t_pc_x, t_pc_y, t_pc_z, (void (*)(void))t_cmp4_site,
	};
	uintptr_t s = (uintptr_t)site;
	size_t i;

	if (!(pc > s && pc < s + 256))
		return 0;
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
		if ((uintptr_t)sites[i] > s && (uintptr_t)sites[i] < pc)
			return 0;
	return 1;
}

struct kcov_sim_dev_info t_dev(int fd)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	return info;
}

struct kcov_sim_pool_stats t_pool(void)
{
	KCOV_SIM_OUT(kcov_sim_pool_stats, st);

	assert_int_equal(kcov_sim_pool_stats(&st), 0);
	return st;
}

struct kcov_sim_task_info t_task(void)
{
	KCOV_SIM_OUT(kcov_sim_task_info, ti);

	kcov_sim_task_info(&ti);
	return ti;
}

int t_ren(int fd, uint32_t mode, uint32_t area_size, uint64_t common,
	  const uint64_t *handles, uint32_t n)
{
	struct kcov_remote_arg *arg;
	int ret, err;

	arg = calloc(1, sizeof(*arg) + n * sizeof(uint64_t));
	if (!arg)
		return -1;	/* errno is ENOMEM */
	arg->trace_mode = mode;
	arg->area_size = area_size;
	arg->num_handles = n;
	arg->common_handle = common;
	if (n)
		memcpy(arg->handles, handles, n * sizeof(uint64_t));
	ret = t_ioctl(fd, KCOV_REMOTE_ENABLE, (unsigned long)arg);
	err = errno;
	free(arg);
	errno = err;
	return ret;
}

/* ---- WARN accounting --------------------------------------------------- */

static unsigned long warn_expected;
static unsigned long warn_base;
static char warn_last[256];
static pthread_mutex_t warn_lock = PTHREAD_MUTEX_INITIALIZER;

static void t_warn_handler(const char *file, int line, const char *what, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&warn_lock);
	snprintf(warn_last, sizeof(warn_last), "%s:%d: %s", file, line, what);
	pthread_mutex_unlock(&warn_lock);
}

const char *t_warn_last(void)
{
	return warn_last;
}

void t_warn_expect(unsigned long n)
{
	warn_expected += n;
}

int t_setup(void **state)
{
	(void)state;
	kcov_sim_set_warn_handler(t_warn_handler, NULL);
	warn_base = kcov_sim_warn_count();
	warn_expected = 0;
	warn_last[0] = 0;
	return 0;
}

int t_teardown(void **state)
{
	unsigned long got = kcov_sim_warn_count() - warn_base;

	(void)state;
	kcov_sim_set_cmp_support(1);
	kcov_sim_set_alloc_limit(0);
	if (got != warn_expected) {
		fprintf(stderr, "unexpected WARN count %lu (expected %lu), last: %s\n",
			got, warn_expected, warn_last);
		return -1;
	}
	return 0;
}

int t_fd_setup(void **state)
{
	int fd;

	t_setup(state);
	fd = t_open();
	if (fd < 0)
		return -1;
	*state = (void *)(intptr_t)fd;
	return 0;
}

int t_fd_teardown(void **state)
{
	int fd = (int)(intptr_t)*state;
	KCOV_SIM_OUT(kcov_sim_dev_info, info);

	/* Leave no thread attached: a test that enabled and did not disable
	 * on this thread would poison the next one. */
	if (kcov_sim_dev_info(fd, &info) == 0 && info.mode >= 2)
		t_ioctl(fd, KCOV_DISABLE, 0);
	t_close(fd);
	return t_teardown(state);
}

int t_fd(void **state)
{
	return (int)(intptr_t)*state;
}

/* ---- threads ----------------------------------------------------------- */

struct t_thread {
	long (*fn)(void *);
	void *arg;
	long ret;
};

static void *t_thread_main(void *p)
{
	struct t_thread *th = p;

	th->ret = th->fn(th->arg);
	return NULL;
}

int t_child_exit(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

int t_run_cmocka_child(CMUnitTestFunction fn, char *out, size_t len)
{
	size_t used = 0;
	ssize_t got;
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct CMUnitTest one[] = { { "child", fn, NULL, NULL, NULL } };

		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		_exit(cmocka_run_group_tests_name("child", one, NULL, NULL) ? 1 : 0);
	}
	close(fds[1]);
	while (used + 1 < len && (got = read(fds[0], out + used, len - used - 1)) > 0)
		used += (size_t)got;
	out[used] = '\0';
	close(fds[0]);
	return t_child_exit(pid);
}

int t_pipe_send(int fd)
{
	return write(fd, "x", 1) == 1 ? 0 : -1;
}

int t_pipe_recv(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

long t_in_thread(long (*fn)(void *), void *arg)
{
	struct t_thread th = { fn, arg, 0 };
	pthread_t tid;

	assert_int_equal(pthread_create(&tid, NULL, t_thread_main, &th), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	return th.ret;
}

uint64_t t_hbase = 0x10000;

int t_remote_setup(void **state)
{
	t_hbase += 0x10;
	return t_setup(state);
}

int t_remote_fd_setup(void **state)
{
	t_hbase += 0x10;
	return t_fd_setup(state);
}

static __thread int kthread_step;	/* index of the site running now */

void t_cmp_step(void)
{
	t_cmp4_site((uint32_t)kthread_step, 0xc0);
}

long t_kthread_main(void *p)
{
	struct t_kthread *k = p;
	KCOV_SIM_OUT(kcov_sim_task_info, ti);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	KCOV_SIM_OUT(kcov_sim_pool_stats, pool);

	kcov_remote_start(k->handle);
	kcov_sim_task_info(&ti);
	k->mode_in = ti.kcov_mode;
	k->size_in = ti.kcov_size;
	kcov_sim_pool_stats(&pool);
	k->pool_in = pool;
	if (k->fd >= 0 && kcov_sim_dev_info(k->fd, &info) == 0)
		k->refcount_in = info.refcount;
	if (k->pause) {
		pthread_barrier_wait(k->pause);
		pthread_barrier_wait(k->pause);
	}
	for (kthread_step = 0; kthread_step < k->nr_sites; kthread_step++)
		k->sites[kthread_step]();
	kcov_remote_stop();
	return 0;
}

void t_kthread_run(struct t_kthread *k)
{
	t_in_thread(t_kthread_main, k);
}

bool t_profile_is(const char *name)
{
	return !strcmp(kcov_sim_get_profile(), name);
}

void t_profile_only(const char *name, ...)
{
	const char *n;
	va_list ap;
	bool match = false;

	va_start(ap, name);
	for (n = name; n && !match; n = va_arg(ap, const char *))
		match = t_profile_is(n);
	va_end(ap);
	if (!match)
		skip();
}

bool t_profile_split(void)
{
	return t_profile_is("P-2026");
}
