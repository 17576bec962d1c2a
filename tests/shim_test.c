/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/shim.c: the libc interposers. Everything here calls
 * open/openat/ioctl/mmap/munmap/close/pthread_create directly, as an
 * unmodified program does; only the kcov path and kcov fds may change
 * behaviour, everything else must pass through untouched.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

#define PAGE		4096ul
#define RW		(PROT_READ | PROT_WRITE)
#define KCOV_PATH	"/sys/kernel/debug/kcov"

/* glibc's _FORTIFY_SOURCE entry points, interposed too. */
int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

static bool is_kcov(int fd)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, d);

	return kcov_sim_dev_info(fd, &d) == 0;
}

static uint64_t dev_id(int fd)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, d);

	assert_int_equal(kcov_sim_dev_info(fd, &d), 0);
	return d.id;
}

/* A scratch directory, removed with its files by tmp_done(). */
static char tmp_dir[64];

static void tmp_init(void)
{
	strcpy(tmp_dir, "/tmp/ksim-shim-XXXXXX");
	assert_non_null(mkdtemp(tmp_dir));
}

static const char *tmp_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	return path;
}

static void tmp_done(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		unlink(tmp_path(names[i]));
	assert_int_equal(rmdir(tmp_dir), 0);
}

/* open() of another path reaches libc: /dev/null is /dev/null. */
static void test_open_other_path_passes_through(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	struct stat st;
	int fd, kfd;

	(void)state;
	kfd = open(KCOV_PATH, O_RDWR);	/* take the path with devices around */
	assert_true(kfd >= 0);
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(kcov_sim_dev_info(fd, &d), -ENOTTY);
	assert_int_equal(close(fd), 0);
	assert_sys_err(open("/nonexistent/ksim", O_RDONLY), ENOENT);
	/* Near misses of the kcov path are other paths. */
	assert_sys_err(open("/sys/kernel/debug/kcov2", O_RDONLY), ENOENT);
	assert_int_equal(close(kfd), 0);
}

/* O_CREAT and O_TMPFILE get their mode argument through open and openat. */
static void test_open_creat_mode(void **state)
{
	static const char *const names[] = { "a", "b", "c" };
	mode_t old = umask(0);
	struct stat st;
	int fd, dfd;

	(void)state;
	tmp_init();
	fd = open(tmp_path("a"), O_CREAT | O_EXCL | O_WRONLY, 0640);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(close(fd), 0);

	fd = openat(AT_FDCWD, tmp_path("b"), O_CREAT | O_RDWR, 0604);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(close(fd), 0);

	dfd = open(tmp_dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = openat(dfd, "c", O_CREAT | O_EXCL | O_RDWR, 0710);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0710);
	assert_int_equal(close(fd), 0);
	/* An existing file with O_CREAT | O_EXCL: the kernel's EEXIST. */
	assert_sys_err(openat(dfd, "c", O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);

	fd = open(tmp_dir, O_TMPFILE | O_RDWR, 0620);
	if (fd >= 0) {
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0620);
		assert_int_equal(close(fd), 0);
	} else {
		/* The file system may lack O_TMPFILE; the errno is its own. */
		assert_true(errno == EOPNOTSUPP || errno == EISDIR);
	}
	assert_int_equal(close(dfd), 0);
	umask(old);
	tmp_done(names, 3);
}

/* openat() of the kcov path gives a device whatever dirfd is. */
static void test_openat_kcov_path(void **state)
{
	int fd[4], dfd, i;

	(void)state;
	dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd[0] = openat(AT_FDCWD, KCOV_PATH, O_RDWR);
	fd[1] = openat(dfd, KCOV_PATH, O_RDWR);
	fd[2] = openat(987654, KCOV_PATH, O_RDWR);	/* ignored: absolute path */
	fd[3] = __openat_2(dfd, KCOV_PATH, O_RDWR);
	for (i = 0; i < 4; i++) {
		assert_true(fd[i] >= 0);
		assert_true(is_kcov(fd[i]));
	}
	/* Each open is a new device. */
	assert_int_not_equal(dev_id(fd[0]), dev_id(fd[1]));
	assert_int_not_equal(dev_id(fd[1]), dev_id(fd[2]));
	assert_int_not_equal(dev_id(fd[2]), dev_id(fd[3]));
	assert_int_equal(ioctl(fd[2], KCOV_INIT_TRACE, 512), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(close(fd[i]), 0);
	assert_int_equal(close(dfd), 0);
}

/* open64() and the fortified __open_2() are the same front door. */
static void test_open_aliases_kcov_path(void **state)
{
	int a, b;

	(void)state;
	a = open64(KCOV_PATH, O_RDWR);
	b = __open_2(KCOV_PATH, O_RDWR);
	assert_true(a >= 0 && b >= 0);
	assert_true(is_kcov(a));
	assert_true(is_kcov(b));
	assert_int_equal(close(a), 0);
	assert_int_equal(close(b), 0);
}

static bool cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	assert_true(fl >= 0);
	return fl & FD_CLOEXEC;
}

/* O_CLOEXEC on the kcov path sets FD_CLOEXEC, its absence leaves it clear. */
static void test_kcov_open_cloexec(void **state)
{
	static const int acc[] = { O_RDWR, O_RDONLY, O_WRONLY };
	int fd, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fd = open(KCOV_PATH, acc[i] | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_true(cloexec(fd));
		assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, acc[i]);
		assert_int_equal(close(fd), 0);
		fd = openat(AT_FDCWD, KCOV_PATH, acc[i] | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_true(cloexec(fd));
		assert_int_equal(close(fd), 0);
		fd = open(KCOV_PATH, acc[i]);
		assert_true(fd >= 0);
		assert_false(cloexec(fd));
		assert_int_equal(close(fd), 0);
	}
}

/* FIOCLEX/FIONCLEX reach a kcov fd before kcov does, as in the VFS. */
static void test_kcov_fd_fioclex(void **state)
{
	int fd;

	(void)state;
	fd = open(KCOV_PATH, O_RDWR);
	assert_true(fd >= 0);
	assert_false(cloexec(fd));
	assert_int_equal(ioctl(fd, FIOCLEX), 0);
	assert_true(cloexec(fd));
	assert_int_equal(ioctl(fd, FIONCLEX), 0);
	assert_false(cloexec(fd));
	assert_int_equal(close(fd), 0);
}

/* ioctl() on other fds reaches the kernel: FIONREAD counts a pipe's bytes. */
static void test_ioctl_other_fd_passes_through(void **state)
{
	int pfd[2], n, kfd = -1, round;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	/* Round 0 as the process is now, round 1 with a kcov device open. */
	for (round = 0; round < 2; round++) {
		if (round) {
			kfd = open(KCOV_PATH, O_RDWR);
			assert_true(kfd >= 0);
		}
		assert_int_equal(write(pfd[1], "12345", 5), 5);
		n = -1;
		assert_int_equal(ioctl(pfd[0], FIONREAD, &n), 0);
		assert_int_equal(n, 5);
		assert_int_equal(read(pfd[0], (char[8]){ 0 }, 5), 5);
		n = -1;
		assert_int_equal(ioctl(pfd[0], FIONREAD, &n), 0);
		assert_int_equal(n, 0);
		/* The pipe's own answer to a kcov command. */
		assert_sys_err(ioctl(pfd[0], KCOV_ENABLE, 0), ENOTTY);
		assert_sys_err(ioctl(pfd[0], KCOV_INIT_TRACE, 512), ENOTTY);
		assert_sys_err(ioctl(-1, FIONREAD, &n), EBADF);
	}
	assert_int_equal(close(kfd), 0);
	assert_int_equal(close(pfd[0]), 0);
	assert_int_equal(close(pfd[1]), 0);
}

/* Anonymous and file mmap/munmap behave as without the shim. */
static void test_mmap_munmap_other_memory(void **state)
{
	static const char *const names[] = { "m" };
	unsigned char *p, *f;
	int kfd, fd;

	(void)state;
	kfd = open(KCOV_PATH, O_RDWR);
	assert_true(kfd >= 0);
	assert_int_equal(ioctl(kfd, KCOV_INIT_TRACE, 512), 0);

	p = mmap(NULL, 3 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 7, 3 * PAGE);
	assert_int_equal(munmap(p + PAGE, PAGE), 0);
	assert_int_equal(p[0], 7);
	assert_int_equal(p[2 * PAGE], 7);
	assert_int_equal(munmap(p, 3 * PAGE), 0);
	/* MAP_ANONYMOUS ignores fd, even a kcov fd. */
	p = mmap(NULL, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, kfd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(p[PAGE], 0);
	assert_int_equal(munmap(p, 2 * PAGE), 0);

	tmp_init();
	fd = open(tmp_path("m"), O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * PAGE), 0);
	assert_int_equal(pwrite(fd, "hello", 5, PAGE), 5);
	f = mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(f != MAP_FAILED);
	assert_memory_equal(f + PAGE, "hello", 5);
	assert_int_equal(munmap(f, 2 * PAGE), 0);
	/* Offsets and lengths kcov would refuse are fine for a file. */
	f = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	assert_true(f != MAP_FAILED);
	assert_memory_equal(f, "hello", 5);
	assert_int_equal(munmap(f, PAGE), 0);
	assert_int_equal(close(fd), 0);
	tmp_done(names, 1);

	/* The kernel's own errors come back unchanged. */
	assert_sys_err(mmap(NULL, PAGE, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
	assert_sys_err(mmap(NULL, 0, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		       EINVAL);
	assert_sys_err(mmap(NULL, PAGE, RW, MAP_SHARED, -1, 0), EBADF);
	assert_sys_err(munmap((char *)p + 1, PAGE), EINVAL);
	assert_int_equal(close(kfd), 0);
}

/* close() of other fds closes them; a second close is EBADF. */
static void test_close_other_fd(void **state)
{
	int pfd[2], kfd;

	(void)state;
	kfd = open(KCOV_PATH, O_RDWR);
	assert_true(kfd >= 0);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(close(pfd[1]), 0);
	assert_sys_err(fcntl(pfd[1], F_GETFD), EBADF);
	/* The reader sees EOF: the writer really closed. */
	assert_int_equal(read(pfd[0], (char[4]){ 0 }, 4), 0);
	assert_int_equal(close(pfd[0]), 0);
	assert_sys_err(close(pfd[0]), EBADF);
	assert_sys_err(close(-1), EBADF);
	assert_int_equal(close(kfd), 0);
	assert_sys_err(close(kfd), EBADF);
}

/* ---- pthread_create: kcov_handle is inherited (spec 3.2) --------------- */

struct handle_probe {
	pthread_barrier_t	*go;	/* wait here first, if set */
	uint64_t		handle;
	uint64_t		child_handle;	/* of a thread this one made */
	bool			spawn;
};

static void *child_probe(void *p)
{
	(void)p;
	return (void *)(uintptr_t)kcov_common_handle();
}

static void *probe_main(void *p)
{
	struct handle_probe *pr = p;
	pthread_t tid;
	void *ret = NULL;

	if (pr->go)
		pthread_barrier_wait(pr->go);
	pr->handle = kcov_common_handle();
	if (pr->spawn && !pthread_create(&tid, NULL, child_probe, NULL) &&
	    !pthread_join(tid, &ret))
		pr->child_handle = (uintptr_t)ret;
	return (void *)0x1234;
}

/* A thread created after REMOTE_ENABLE(common 0x42) sees 0x42; older ones 0. */
static void test_pthread_create_inherits_handle(void **state)
{
	struct kcov_remote_arg ra = { .trace_mode = KCOV_TRACE_PC,
				      .area_size = 64, .common_handle = 0x42 };
	struct handle_probe early = { 0 }, late = { .spawn = true }, after = { 0 };
	pthread_barrier_t go;
	pthread_attr_t attr;
	pthread_t te, tl, ta;
	void *ret = NULL;
	int fd;

	(void)state;
	assert_int_equal(kcov_common_handle(), 0);
	assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
	early.go = &go;
	assert_int_equal(pthread_create(&te, NULL, probe_main, &early), 0);

	fd = open(KCOV_PATH, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(ioctl(fd, KCOV_REMOTE_ENABLE, &ra), 0);
	assert_int_equal(kcov_common_handle(), 0x42);

	/* With attributes, and the start routine's value comes back. */
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
	assert_int_equal(pthread_create(&tl, &attr, probe_main, &late), 0);
	assert_int_equal(pthread_attr_destroy(&attr), 0);
	assert_int_equal(pthread_join(tl, &ret), 0);
	assert_ptr_equal(ret, (void *)0x1234);
	assert_int_equal(late.handle, 0x42);
	assert_int_equal(late.child_handle, 0x42);

	pthread_barrier_wait(&go);
	assert_int_equal(pthread_join(te, NULL), 0);
	pthread_barrier_destroy(&go);
	assert_int_equal(early.handle, 0);

	/* P-2025: DISABLE clears the owner's handle; new threads get 0. */
	assert_int_equal(ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(kcov_common_handle(), 0);
	assert_int_equal(pthread_create(&ta, NULL, probe_main, &after), 0);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(after.handle, 0);
	assert_int_equal(close(fd), 0);
}

#define T_TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_TEST(test_open_other_path_passes_through),
		T_TEST(test_open_creat_mode),
		T_TEST(test_openat_kcov_path),
		T_TEST(test_open_aliases_kcov_path),
		T_TEST(test_kcov_open_cloexec),
		T_TEST(test_kcov_fd_fioclex),
		T_TEST(test_ioctl_other_fd_passes_through),
		T_TEST(test_mmap_munmap_other_memory),
		T_TEST(test_close_other_fd),
		T_TEST(test_pthread_create_inherits_handle),
	};

	return cmocka_run_group_tests_name("shim.c", tests, NULL, NULL);
}
