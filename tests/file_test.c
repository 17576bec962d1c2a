/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/file.c: the life of a kcov file (spec 2.9) through the
 * calls that can drop its last fd or mapping (dup2, dup3, close_range,
 * mremap, munmap) and the fd-level calls a kcov file refuses (read, write,
 * lseek; spec 1.5). Everything here calls libc directly, as an unmodified
 * program does; the interposers of lib/shim.c route it to lib/file.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#include <linux/close_range.h>
#endif

#include "helpers.h"

#define PAGE		4096ul
#define RW		(PROT_READ | PROT_WRITE)
#define KCOV_PATH	"/sys/kernel/debug/kcov"
#define WORDS		512ul			/* one page */

/* ---- helpers ------------------------------------------------------------ */

static bool alive(uint64_t id)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	int ret = kcov_sim_dev_info_id(id, &d);

	assert_true(ret == 0 || ret == -ENOENT);
	return ret == 0;
}

/* A fresh device through libc's open(). */
static int kcov_open(void)
{
	int fd = open(KCOV_PATH, O_RDWR);

	assert_true(fd >= 0);
	return fd;
}

static int kcov_open_init(unsigned long words)
{
	int fd = kcov_open();

	assert_int_equal(ioctl(fd, KCOV_INIT_TRACE, words), 0);
	return fd;
}

static unsigned long *kcov_map(int fd, void *addr, size_t len, int flags)
{
	void *p = mmap(addr, len, RW, MAP_SHARED | flags, fd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* An address range of @len bytes nobody else uses: a PROT_NONE mapping. */
static void *reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* One above every fd open now: close_range() from there hits only ours. */
static int fd_above_all(void)
{
	struct dirent *de;
	int max = 0;
	DIR *dir = opendir("/proc/self/fd");

	assert_non_null(dir);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && atoi(de->d_name) > max)
			max = atoi(de->d_name);
	closedir(dir);
	return max + 1;
}

static int fd_flags(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	assert_true(fl >= 0);
	return fl;
}

/* Skips the test when the fd limit is below @need. */
static void need_fds(rlim_t need)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < need)
		skip();
}

/* ---- the fd hint: read/write/lseek ------------------------------------- */

/* Spec 1.5, case 34: read/write → EINVAL, lseek → ESPIPE, before/after INIT. */
static void test_kcov_fd_refuses_read_write_lseek(void **state)
{
	unsigned char buf[64];
	int fd = kcov_open();
	uint64_t id = t_dev(fd).id;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_sys_err(read(fd, buf, sizeof(buf)), EINVAL);
	assert_sys_err(write(fd, buf, sizeof(buf)), EINVAL);
	assert_sys_err(lseek(fd, 0, SEEK_SET), ESPIPE);
	assert_int_equal(ioctl(fd, KCOV_INIT_TRACE, WORDS), 0);
	assert_sys_err(read(fd, buf, sizeof(buf)), EINVAL);
	assert_sys_err(write(fd, buf, sizeof(buf)), EINVAL);
	assert_sys_err(lseek(fd, 8, SEEK_SET), ESPIPE);
	assert_sys_err(lseek(fd, 0, SEEK_END), ESPIPE);
	/* read() filled nothing. */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(close(fd), 0);
	assert_false(alive(id));
}

/* Spec 1.5: a refused write() changes neither the buffer nor the state. */
static void test_kcov_fd_write_changes_nothing(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, before);
	KCOV_SIM_OUT(kcov_sim_dev_info, after);
	unsigned long junk[WORDS];
	int fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0);
	struct stat st0, st1;

	(void)state;
	memset(junk, 0xff, sizeof(junk));
	before = t_dev(fd);
	assert_int_equal(fstat(fd, &st0), 0);
	assert_sys_err(write(fd, junk, sizeof(junk)), EINVAL);
	assert_sys_err(write(fd, junk, 1), EINVAL);
	after = t_dev(fd);
	assert_int_equal(fstat(fd, &st1), 0);
	for (size_t i = 0; i < WORDS; i++)
		assert_int_equal(a[i], 0);
	assert_int_equal(after.mode, before.mode);
	assert_int_equal(after.size, before.size);
	assert_int_equal(after.sequence, before.sequence);
	assert_int_equal(after.refcount, before.refcount);
	assert_int_equal(st1.st_size, st0.st_size);
	assert_int_equal(munmap(a, PAGE), 0);
	assert_int_equal(close(fd), 0);
}

/* dup() of a kcov fd: the dup refuses read() too (the hint follows it). */
static void test_dup_of_kcov_fd_refuses_read(void **state)
{
	unsigned char buf[16];
	int fd = kcov_open_init(WORDS), d;
	uint64_t id = t_dev(fd).id;

	(void)state;
	d = dup(fd);
	assert_true(d >= 0);
	assert_int_equal(t_dev(d).id, id);
	/* The memfd under it holds a page: a plain read() would succeed. */
	assert_sys_err(read(d, buf, sizeof(buf)), EINVAL);
	assert_sys_err(write(d, buf, sizeof(buf)), EINVAL);
	assert_sys_err(lseek(d, 0, SEEK_CUR), ESPIPE);
	assert_int_equal(close(fd), 0);
	assert_sys_err(read(d, buf, sizeof(buf)), EINVAL);
	assert_true(alive(id));
	assert_int_equal(close(d), 0);
	assert_false(alive(id));
}

/* dup2() of a kcov fd onto a free number: the new fd refuses read() too. */
static void test_dup2_of_kcov_fd_refuses_read(void **state)
{
	unsigned char buf[16];
	int fd = kcov_open_init(WORDS), hi = fd_above_all() + 3;
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_int_equal(dup2(fd, hi), hi);
	assert_sys_err(read(hi, buf, sizeof(buf)), EINVAL);
	assert_int_equal(close(fd), 0);
	assert_true(alive(id));
	assert_int_equal(close(hi), 0);
	assert_false(alive(id));
}

/* pread/pwrite are ESPIPE (non-seekable), readv/writev EINVAL; a copy made
 * by fcntl(F_DUPFD_CLOEXEC) refuses them too. */
static void test_positional_vector_io_and_fcntl_dup(void **state)
{
	unsigned char buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	int fd = kcov_open_init(WORDS), d;
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_sys_err(pread(fd, buf, sizeof(buf), 0), ESPIPE);
	assert_sys_err(pwrite(fd, buf, sizeof(buf), 0), ESPIPE);
	assert_sys_err(readv(fd, &iov, 1), EINVAL);
	assert_sys_err(writev(fd, &iov, 1), EINVAL);
	d = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	assert_true(d >= 100);
	assert_int_equal(t_dev(d).id, id);
	assert_sys_err(read(d, buf, sizeof(buf)), EINVAL);
	assert_sys_err(pread(d, buf, sizeof(buf), 0), ESPIPE);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(d), 0);
	assert_false(alive(id));
}

/* PROT_EXEC: EPERM, as from a noexec debugfs; changes nothing. */
static void test_mmap_prot_exec_eperm(void **state)
{
	int fd = kcov_open_init(WORDS);
	unsigned long *a;

	(void)state;
	assert_sys_err(mmap(NULL, WORDS * sizeof(long), PROT_READ | PROT_EXEC,
			    MAP_SHARED, fd, 0), EPERM);
	assert_true(t_dev(fd).file_open);
	a = mmap(NULL, WORDS * sizeof(long), PROT_READ, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(munmap(a, WORDS * sizeof(long)), 0);
	assert_int_equal(close(fd), 0);
}

/*
 * Issue 13 #6: do_mmap()'s generic checks come before kcov's, as Linux
 * orders them: for each call, a real memfd of the buffer's size gives the
 * generic answer; where it maps, the kcov rule decides (PROT_EXEC EPERM,
 * then kcov_mmap()'s EINVAL).
 */
struct mmap_case {
	size_t	len;
	int	prot, flags;
	off_t	off;
	int	kcov_err;	/* where the memfd maps: 0, EPERM or EINVAL */
};

static void test_mmap_generic_errno_first(void **state)
{
	static const struct mmap_case cases[] = {
		{ PAGE, RW, MAP_SHARED, -(off_t)PAGE, 0 },
		{ PAGE, RW | PROT_EXEC, MAP_SHARED, -(off_t)PAGE, EPERM },
		{ PAGE, RW, MAP_SHARED_VALIDATE | MAP_SYNC, 0, 0 },
		{ PAGE, RW | PROT_EXEC, MAP_SHARED_VALIDATE | MAP_SYNC, 0, EPERM },
		{ 1ul << 47, RW, MAP_SHARED, 0, EINVAL },
		{ 1ul << 47, PROT_READ | PROT_EXEC, MAP_SHARED, 0, EPERM },
		{ 0, RW, MAP_SHARED, 0, 0 },
		{ PAGE, RW | PROT_EXEC, MAP_SHARED, 1, EPERM },
		{ PAGE, RW, 0x4242, 0, 0 },			/* no map type */
		{ PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, 0, EPERM },
		{ 2 * PAGE, RW, MAP_SHARED, 0, EINVAL },
		{ PAGE, RW, MAP_SHARED, PAGE, EINVAL },
		{ PAGE, RW, MAP_PRIVATE, 0, 0 },
	};
	int fd = kcov_open_init(WORDS), mfd = memfd_create("same-size", 0);
	size_t i;

	(void)state;
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, PAGE), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mmap_case *c = &cases[i];
		int want, got;
		void *p;

		errno = 0;
		p = mmap(NULL, c->len, c->prot, c->flags, mfd, c->off);
		want = p == MAP_FAILED ? errno : c->kcov_err;
		if (p != MAP_FAILED)
			munmap(p, c->len);
		errno = 0;
		p = mmap(NULL, c->len, c->prot, c->flags, fd, c->off);
		got = p == MAP_FAILED ? errno : 0;
		if (p != MAP_FAILED)
			munmap(p, c->len);
		if (got != want)
			fail_msg("case %zu: errno %d, Linux gives %d", i, got, want);
	}
	close(mfd);
	assert_int_equal(close(fd), 0);
}

/*
 * Issue 13 #4: a device whose last reference goes while the process is at
 * its fd limit is still released: the decision opens no file. Run in a
 * child (the limit stays there); its exit status says what failed.
 */
static int at_fd_limit_release(bool by_dup2)
{
	int base = kcov_sim_device_count(), fd, nul, spare = -1;
	struct rlimit rl;
	unsigned long *a;
	uint64_t id;

	fd = kcov_open_init(WORDS);
	id = t_dev(fd).id;
	a = mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	nul = open("/dev/null", O_RDONLY);
	if (a == MAP_FAILED || nul < 0)
		return 10;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 11;
	rl.rlim_cur = (rlim_t)fd_above_all() + 8;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 11;
	while ((spare = dup(nul)) >= 0)
		;			/* every fd number in use */
	if (errno != EMFILE)
		return 12;
	if (by_dup2) {
		munmap(a, PAGE);
		if (dup2(nul, fd) != fd)	/* over the last fd */
			return 13;
	} else {
		close(fd);
		if (dup(nul) != fd)	/* the limit again */
			return 14;
		munmap(a, PAGE);	/* the last reference */
	}
	if (kcov_sim_device_count() != base || alive(id))
		return 20;
	return 0;
}

static void fd_limit_release_run(bool by_dup2)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(at_fd_limit_release(by_dup2));
	assert_int_equal(t_child_exit(pid), 0);
}

static void test_release_at_fd_limit_last_munmap(void **state)
{
	(void)state;
	fd_limit_release_run(false);
}

static void test_release_at_fd_limit_dup2(void **state)
{
	(void)state;
	fd_limit_release_run(true);
}

/* Other fds, while kcov devices exist: read/write/lseek work as usual. */
static void test_io_on_pipe_and_tmpfile_passes_through(void **state)
{
	char tmpl[] = "/tmp/ksim-file-XXXXXX", buf[8];
	int kfd = kcov_open_init(WORDS), p[2], t;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "pipe", 4), 4);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pipe", 4);
	assert_sys_err(lseek(p[0], 0, SEEK_SET), ESPIPE);	/* the kernel's */
	t = mkstemp(tmpl);
	assert_true(t >= 0);
	assert_int_equal(unlink(tmpl), 0);
	assert_int_equal(write(t, "tmpfile", 7), 7);
	assert_int_equal(lseek(t, 0, SEEK_CUR), 7);
	assert_int_equal(lseek(t, 3, SEEK_SET), 3);
	assert_int_equal(read(t, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "file", 4);
	assert_int_equal(close(t), 0);
	assert_int_equal(close(p[0]), 0);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(close(kfd), 0);
}

/*
 * A kcov fd closed behind the library's back, with the mapping kept so the
 * device can still be released: returns the freed fd number.
 */
static int kcov_fd_closed_raw(unsigned long **map, uint64_t *id)
{
	int fd = kcov_open_init(WORDS);

	*id = t_dev(fd).id;
	*map = kcov_map(fd, NULL, PAGE, 0);
	assert_int_equal(syscall(SYS_close, fd), 0);
	return fd;
}

/* A stale hint on a reused fd number must not break I/O on a pipe. */
static void test_stale_hint_pipe_reusing_kcov_fd(void **state)
{
	int base = kcov_sim_device_count(), fd, fd2, p[2];
	unsigned long *map;
	char buf[8];
	uint64_t id;

	(void)state;
	fd = kcov_open_init(WORDS);
	fd2 = dup(fd);		/* the hint is on both numbers */
	assert_true(fd2 >= 0);
	id = t_dev(fd).id;
	map = kcov_map(fd, NULL, PAGE, 0);
	assert_int_equal(syscall(SYS_close, fd), 0);
	assert_int_equal(syscall(SYS_close, fd2), 0);
	/* The lowest free numbers: the pipe takes both over. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(p[0], fd < fd2 ? fd : fd2);
	assert_int_equal(p[1], fd < fd2 ? fd2 : fd);
	assert_int_equal(write(p[1], "abc", 3), 3);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(close(p[0]), 0);
	assert_int_equal(close(p[1]), 0);
	/* No fd is left: the mapping was the last reference. */
	assert_true(alive(id));
	assert_int_equal(munmap(map, PAGE), 0);
	assert_false(alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* The same for a regular file, which is seekable. */
static void test_stale_hint_tmpfile_reusing_kcov_fd(void **state)
{
	char tmpl[] = "/tmp/ksim-file-XXXXXX", buf[8];
	unsigned long *map;
	uint64_t id;
	int fd, t;

	(void)state;
	fd = kcov_fd_closed_raw(&map, &id);
	t = mkstemp(tmpl);
	assert_int_equal(t, fd);
	assert_int_equal(unlink(tmpl), 0);
	assert_int_equal(lseek(t, 0, SEEK_END), 0);
	assert_int_equal(write(t, "seekable", 8), 8);
	assert_int_equal(lseek(t, 4, SEEK_SET), 4);
	assert_int_equal(read(t, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "able", 4);
	assert_int_equal(close(t), 0);
	assert_int_equal(munmap(map, PAGE), 0);
	assert_false(alive(id));
}

/* ---- dup2 / dup3 onto the last fd ------------------------------------- */

/* dup2() onto the last fd of a device closes the file: release (2.9). */
static void test_dup2_over_last_kcov_fd_releases(void **state)
{
	int base = kcov_sim_device_count(), fd = kcov_open_init(WORDS), nul;
	uint64_t id = t_dev(fd).id;
	char c;

	(void)state;
	nul = open("/dev/null", O_RDONLY);
	assert_true(nul >= 0);
	assert_int_equal(dup2(nul, fd), fd);
	assert_int_equal(kcov_sim_device_count(), base);
	assert_false(alive(id));
	/* fd is /dev/null now: reads are no longer refused. */
	assert_int_equal(read(fd, &c, 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(nul), 0);
}

/* dup3(O_CLOEXEC) onto the last fd releases too, and sets FD_CLOEXEC. */
static void test_dup3_cloexec_over_last_kcov_fd_releases(void **state)
{
	int base = kcov_sim_device_count(), fd = kcov_open(), nul;
	uint64_t id = t_dev(fd).id;

	(void)state;
	nul = open("/dev/null", O_RDONLY);
	assert_true(nul >= 0);
	assert_int_equal(dup3(nul, fd, O_CLOEXEC), fd);
	assert_true(fd_flags(fd) & FD_CLOEXEC);
	assert_int_equal(kcov_sim_device_count(), base);
	assert_false(alive(id));
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(nul), 0);
}

/* A mapping pins the file through dup2/dup3 over its last fd. */
static void test_dup3_over_last_fd_mapping_pins(void **state)
{
	int base = kcov_sim_device_count(), fd = kcov_open_init(WORDS), nul;
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0);
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t id = t_dev(fd).id;

	(void)state;
	nul = open("/dev/null", O_RDONLY);
	assert_true(nul >= 0);
	assert_int_equal(dup3(nul, fd, O_CLOEXEC), fd);
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	assert_int_equal(d.file_open, 1);
	assert_int_equal(kcov_sim_device_count(), base + 1);
	a[1] = 0x5a;
	assert_int_equal(d.area[1], 0x5a);
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(nul), 0);
}

/* dup2() onto one of two fds of a device keeps it; the new fd is not kcov. */
static void test_dup2_over_one_of_two_fds_keeps(void **state)
{
	int fd = kcov_open_init(WORDS), d = dup(fd), nul;
	uint64_t id = t_dev(fd).id;
	char c;

	(void)state;
	assert_true(d >= 0);
	nul = open("/dev/null", O_RDONLY);
	assert_true(nul >= 0);
	assert_int_equal(dup2(nul, d), d);
	assert_true(alive(id));
	assert_int_equal(t_dev(fd).file_open, 1);
	assert_int_equal(read(d, &c, 1), 0);
	assert_int_equal(close(fd), 0);
	assert_false(alive(id));
	assert_int_equal(close(d), 0);
	assert_int_equal(close(nul), 0);
}

/* dup2() of device A's fd over device B's last fd: B goes, A stays kcov. */
static void test_dup2_kcov_over_other_kcov_last_fd(void **state)
{
	int base = kcov_sim_device_count(), a = kcov_open_init(WORDS);
	int b = kcov_open();
	uint64_t ida = t_dev(a).id, idb = t_dev(b).id;
	char c;

	(void)state;
	assert_int_equal(dup2(a, b), b);
	assert_false(alive(idb));
	assert_int_equal(t_dev(b).id, ida);
	assert_sys_err(read(b, &c, 1), EINVAL);
	assert_int_equal(kcov_sim_device_count(), base + 1);
	assert_int_equal(close(a), 0);
	assert_true(alive(ida));
	assert_int_equal(close(b), 0);
	assert_false(alive(ida));
}

/* A successful dup2() leaves errno alone, as the syscall wrapper does. */
static void test_dup2_success_keeps_errno(void **state)
{
	int fd = kcov_open(), nul = open("/dev/null", O_RDONLY), d, hi;

	(void)state;
	assert_true(nul >= 0);
	d = dup(nul);
	assert_true(d >= 0);
	errno = 0;
	assert_int_equal(dup2(nul, d), d);	/* over a non-kcov fd */
	assert_int_equal(errno, 0);
	assert_int_equal(dup3(fd, d, 0), d);	/* a kcov fd over it */
	assert_int_equal(errno, 0);
	assert_int_equal(dup2(nul, d), d);	/* and back */
	assert_int_equal(errno, 0);
	hi = fd_above_all() + 1;
	assert_int_equal(dup2(nul, hi), hi);	/* onto a free number */
	assert_int_equal(errno, 0);
	assert_int_equal(close(hi), 0);
	/* A failure still reports its own errno. */
	assert_sys_err(dup2(nul, -1), EBADF);
	assert_sys_err(dup3(fd, fd, 0), EINVAL);
	assert_int_equal(close(d), 0);
	assert_int_equal(close(nul), 0);
	assert_int_equal(close(fd), 0);
}

/* ---- close_range ------------------------------------------------------- */

/* close_range(first, ~0U, 0) over the last fd of a device releases it. */
static void test_close_range_releases_kcov_fds(void **state)
{
	int base = kcov_sim_device_count(), a = kcov_open_init(WORDS);
	int b = kcov_open(), hi = fd_above_all() + 5;
	uint64_t ida = t_dev(a).id, idb = t_dev(b).id;

	(void)state;
	assert_int_equal(dup2(a, hi), hi);
	assert_int_equal(dup2(b, hi + 1), hi + 1);
	assert_int_equal(dup2(a, hi + 7), hi + 7);
	assert_int_equal(close(a), 0);
	assert_int_equal(close(b), 0);
	assert_true(alive(ida) && alive(idb));
	assert_int_equal(close_range((unsigned int)hi, ~0U, 0), 0);
	assert_false(alive(ida));
	assert_false(alive(idb));
	assert_int_equal(kcov_sim_device_count(), base);
	assert_sys_err(fcntl(hi, F_GETFD), EBADF);
}

/* close_range() over one fd of two keeps the device; the other still works. */
static void test_close_range_partial_keeps_device(void **state)
{
	int fd = kcov_open_init(WORDS), hi = fd_above_all() + 2;
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_int_equal(dup2(fd, hi), hi);
	assert_int_equal(close_range((unsigned int)hi, (unsigned int)hi, 0), 0);
	assert_true(alive(id));
	assert_int_equal(ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(close(fd), 0);
	assert_false(alive(id));
}

/* CLOSE_RANGE_CLOEXEC closes nothing: the device stays, fds get FD_CLOEXEC. */
static void test_close_range_cloexec_keeps_device(void **state)
{
	int fd = kcov_open_init(WORDS), hi = fd_above_all() + 2;
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_int_equal(dup2(fd, hi), hi);
	assert_int_equal(close(fd), 0);
	assert_false(fd_flags(hi) & FD_CLOEXEC);
	assert_int_equal(close_range((unsigned int)hi, ~0U,
				     CLOSE_RANGE_CLOEXEC), 0);
	assert_true(alive(id));
	assert_true(fd_flags(hi) & FD_CLOEXEC);
	assert_int_equal(t_dev(hi).file_open, 1);
	assert_int_equal(close(hi), 0);
	assert_false(alive(id));
}

/* close_range() over the fds of more devices than fit in one batch. */
static void test_close_range_releases_many_devices(void **state)
{
	enum { N = 80 };
	int base = kcov_sim_device_count(), hi, i, fd;
	uint64_t id[N];

	(void)state;
	need_fds(N + 64);
	hi = fd_above_all() + 1;
	for (i = 0; i < N; i++) {
		fd = kcov_open();
		id[i] = t_dev(fd).id;
		assert_int_equal(dup2(fd, hi + i), hi + i);
		assert_int_equal(close(fd), 0);
	}
	assert_int_equal(kcov_sim_device_count(), base + N);
	assert_int_equal(close_range((unsigned int)hi,
				     (unsigned int)(hi + N - 1), 0), 0);
	for (i = 0; i < N; i++)
		assert_false(alive(id[i]));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* ---- mremap ------------------------------------------------------------- */

/* Case 18: growing a kcov mapping → EFAULT (VM_DONTEXPAND), no change. */
static void test_mremap_grow_efault(void **state)
{
	int fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0);
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_sys_err(mremap(a, PAGE, 2 * PAGE, 0), EFAULT);
	assert_sys_err(mremap(a, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT);
	assert_sys_err(mremap(a, 1, PAGE + 1, MREMAP_MAYMOVE), EFAULT);
	assert_int_equal(close(fd), 0);
	/* Still mapped where it was, still the buffer, still pinning. */
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	assert_int_equal(d.file_open, 1);
	a[WORDS - 1] = 0x77;
	assert_int_equal(d.area[WORDS - 1], 0x77);
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
}

/* old_len 0 duplicates a shared mapping: growth too, so EFAULT. */
static void test_mremap_duplicate_efault(void **state)
{
	int fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_sys_err(mremap(a, 0, PAGE, MREMAP_MAYMOVE), EFAULT);
	assert_int_equal(close(fd), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
}

/* A same-length mremap of a kcov mapping in place is a no-op. */
static void test_mremap_same_length_keeps_pin(void **state)
{
	int fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_ptr_equal(mremap(a, PAGE, PAGE, 0), a);
	assert_int_equal(close(fd), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
}

/* Shrunk in place: the head still pins the device until it goes too. */
static void test_mremap_shrink_in_place_pins_until_unmapped(void **state)
{
	int fd = kcov_open_init(2 * WORDS);
	unsigned long *a = kcov_map(fd, NULL, 2 * PAGE, 0), *tail;
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_int_equal(close(fd), 0);
	assert_ptr_equal(mremap(a, 2 * PAGE, PAGE, 0), a);
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	assert_int_equal(d.file_open, 1);
	a[3] = 0x33;
	assert_int_equal(d.area[3], 0x33);
	/* The freed tail is plain memory now: mapping over it changes nothing. */
	tail = mmap(a + WORDS, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		    -1, 0);
	assert_ptr_equal(tail, a + WORDS);
	assert_true(alive(id));
	assert_int_equal(munmap(tail, PAGE), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
}

/* Moved: tracked at the new place; the old range no longer pins. */
static void test_mremap_move_tracked_at_new_place(void **state)
{
	int fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0), *r = reserve(PAGE), *b;
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_int_equal(close(fd), 0);
	b = mremap(a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, r);
	assert_ptr_equal(b, r);
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	b[5] = 0x55;
	assert_int_equal(d.area[5], 0x55);
	/* The old range is empty now: unmapping it releases nothing. */
	assert_int_equal(munmap(a, PAGE), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(b, PAGE), 0);
	assert_false(alive(id));
}

/* Part of a mapping moved away: both pieces pin the device. */
static void test_mremap_move_part_both_pieces_pin(void **state)
{
	int fd = kcov_open_init(2 * WORDS);
	unsigned long *a = kcov_map(fd, NULL, 2 * PAGE, 0), *r = reserve(PAGE), *b;
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_int_equal(close(fd), 0);
	b = mremap(a + WORDS, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, r);
	assert_ptr_equal(b, r);
	assert_int_equal(kcov_sim_dev_info_id(id, &d), 0);
	b[0] = 0x66;
	assert_int_equal(d.area[WORDS], 0x66);
	assert_int_equal(munmap(b, PAGE), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
}

/* A kcov mapping moved over another device's: that one is released. */
static void test_mremap_move_over_other_kcov_mapping(void **state)
{
	int base = kcov_sim_device_count(), fa = kcov_open_init(WORDS);
	int fb = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fa, NULL, PAGE, 0);
	unsigned long *b = kcov_map(fb, NULL, PAGE, 0), *m;
	KCOV_SIM_OUT(kcov_sim_dev_info, d);
	uint64_t ida = t_dev(fa).id, idb = t_dev(fb).id;

	(void)state;
	assert_int_equal(close(fa), 0);
	assert_int_equal(close(fb), 0);
	m = mremap(a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, b);
	assert_ptr_equal(m, b);
	assert_false(alive(idb));
	assert_int_equal(kcov_sim_dev_info_id(ida, &d), 0);
	m[2] = 0x22;
	assert_int_equal(d.area[2], 0x22);
	assert_int_equal(munmap(m, PAGE), 0);
	assert_false(alive(ida));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* MREMAP_DONTUNMAP is refused for VM_DONTEXPAND mappings: EINVAL. */
static void test_mremap_dontunmap_einval(void **state)
{
	int fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0);
	uint64_t id = t_dev(fd).id;

	(void)state;
	assert_sys_err(mremap(a, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP),
		       EINVAL);
	assert_int_equal(close(fd), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
}

/* An unrelated mapping moved over a kcov mapping releases its pin. */
static void test_mremap_fixed_over_kcov_mapping_releases(void **state)
{
	int base = kcov_sim_device_count(), fd = kcov_open_init(WORDS);
	unsigned long *a = kcov_map(fd, NULL, PAGE, 0), *anon, *b;
	uint64_t id = t_dev(fd).id;

	(void)state;
	anon = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	anon[0] = 0xabc;
	assert_int_equal(close(fd), 0);
	assert_true(alive(id));
	b = mremap(anon, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	assert_ptr_equal(b, a);
	assert_false(alive(id));
	assert_int_equal(kcov_sim_device_count(), base);
	assert_int_equal(b[0], 0xabc);
	assert_int_equal(munmap(b, PAGE), 0);
}

/* ---- munmap, and many fds ---------------------------------------------- */

/* One munmap() over mappings of two devices releases both. */
static void test_munmap_over_two_devices_releases_both(void **state)
{
	int base = kcov_sim_device_count(), fa = kcov_open_init(WORDS);
	int fb = kcov_open_init(WORDS);
	unsigned char *r = reserve(3 * PAGE);
	uint64_t ida = t_dev(fa).id, idb = t_dev(fb).id;

	(void)state;
	kcov_map(fa, r, PAGE, MAP_FIXED);
	kcov_map(fb, r + 2 * PAGE, PAGE, MAP_FIXED);
	assert_int_equal(close(fa), 0);
	assert_int_equal(close(fb), 0);
	assert_true(alive(ida) && alive(idb));
	assert_int_equal(munmap(r, 3 * PAGE), 0);
	assert_false(alive(ida));
	assert_false(alive(idb));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* One munmap() over the mappings of many devices releases every one. */
static void test_munmap_over_many_devices_releases_all(void **state)
{
	enum { N = 40 };
	int base = kcov_sim_device_count(), i, fd;
	unsigned char *r = reserve(N * PAGE);
	uint64_t id[N];

	(void)state;
	for (i = 0; i < N; i++) {
		fd = kcov_open_init(WORDS);
		id[i] = t_dev(fd).id;
		kcov_map(fd, r + i * PAGE, PAGE, MAP_FIXED);
		assert_int_equal(close(fd), 0);
	}
	assert_int_equal(kcov_sim_device_count(), base + N);
	assert_int_equal(munmap(r, N * PAGE), 0);
	for (i = 0; i < N; i++)
		assert_false(alive(id[i]));
	assert_int_equal(kcov_sim_device_count(), base);
}

/* With 500 other fds open, close and munmap still find the last reference. */
static void test_many_fds_release(void **state)
{
	enum { N = 500 };
	int base = kcov_sim_device_count(), nul[N], fd, d, i;
	unsigned long *a;
	uint64_t id;

	(void)state;
	need_fds(N + 64);
	fd = kcov_open_init(WORDS);
	id = t_dev(fd).id;
	for (i = 0; i < N; i++) {
		nul[i] = open("/dev/null", O_RDONLY);
		assert_true(nul[i] >= 0);
	}
	d = dup(fd);		/* above all of them */
	assert_true(d > nul[N - 1]);
	assert_int_equal(close(fd), 0);
	assert_true(alive(id));
	a = kcov_map(d, NULL, PAGE, 0);
	assert_int_equal(close(d), 0);
	assert_true(alive(id));
	assert_int_equal(munmap(a, PAGE), 0);
	assert_false(alive(id));
	/* And a device opened among them goes with its one fd. */
	fd = kcov_open();
	id = t_dev(fd).id;
	assert_int_equal(close(fd), 0);
	assert_false(alive(id));
	for (i = 0; i < N; i++)
		assert_int_equal(close(nul[i]), 0);
	assert_int_equal(kcov_sim_device_count(), base);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, t_setup, t_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_kcov_fd_refuses_read_write_lseek),
		TEST(test_kcov_fd_write_changes_nothing),
		TEST(test_dup_of_kcov_fd_refuses_read),
		TEST(test_dup2_of_kcov_fd_refuses_read),
		TEST(test_positional_vector_io_and_fcntl_dup),
		TEST(test_mmap_prot_exec_eperm),
		TEST(test_mmap_generic_errno_first),
		TEST(test_release_at_fd_limit_last_munmap),
		TEST(test_release_at_fd_limit_dup2),
		TEST(test_io_on_pipe_and_tmpfile_passes_through),
		TEST(test_stale_hint_pipe_reusing_kcov_fd),
		TEST(test_stale_hint_tmpfile_reusing_kcov_fd),
		TEST(test_dup2_over_last_kcov_fd_releases),
		TEST(test_dup3_cloexec_over_last_kcov_fd_releases),
		TEST(test_dup3_over_last_fd_mapping_pins),
		TEST(test_dup2_over_one_of_two_fds_keeps),
		TEST(test_dup2_kcov_over_other_kcov_last_fd),
		TEST(test_dup2_success_keeps_errno),
		TEST(test_close_range_releases_kcov_fds),
		TEST(test_close_range_partial_keeps_device),
		TEST(test_close_range_cloexec_keeps_device),
		TEST(test_close_range_releases_many_devices),
		TEST(test_mremap_grow_efault),
		TEST(test_mremap_duplicate_efault),
		TEST(test_mremap_same_length_keeps_pin),
		TEST(test_mremap_shrink_in_place_pins_until_unmapped),
		TEST(test_mremap_move_tracked_at_new_place),
		TEST(test_mremap_move_part_both_pieces_pin),
		TEST(test_mremap_move_over_other_kcov_mapping),
		TEST(test_mremap_dontunmap_einval),
		TEST(test_mremap_fixed_over_kcov_mapping_releases),
		TEST(test_munmap_over_two_devices_releases_both),
		TEST(test_munmap_over_many_devices_releases_all),
		TEST(test_many_fds_release),
	};

	return cmocka_run_group_tests_name("lib/file.c", tests, NULL, NULL);
}
