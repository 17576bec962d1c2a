/* SPDX-License-Identifier: MIT */
/* Spec 8.3: mmap of the coverage buffer. Every test gets a fresh fd. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define PAGE	4096ul
#define RW	(PROT_READ | PROT_WRITE)

/* 8.3 #11: mmap before KCOV_INIT_TRACE is EINVAL. */
static void test_c011_mmap_before_init(void **state)
{
	int fd = t_fd(state);

	assert_sys_err(t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EINVAL);
	assert_sys_err(t_mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
}

/* 8.3 #12: INIT(512); a length of 8192 or an offset of 4096 is EINVAL. */
static void test_c012_mmap_wrong_len_or_offset(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_sys_err(t_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0), EINVAL);
	assert_sys_err(t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, PAGE), EINVAL);
	/* A non-page-aligned offset is the VFS's EINVAL. */
	assert_sys_err(t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 8), EINVAL);
}

/* 8.3 #13: INIT(512); MMAP(1, 0) works: the rounded length is 4096. */
static void test_c013_mmap_len_rounded(void **state)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	int fd = t_fd(state);
	unsigned long *a;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	a = t_mmap(NULL, 1, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	/* The whole page is the buffer: its last word is word 511. */
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	a[511] = 0x5117;
	assert_int_equal(T_READ(info.area[511]), 0x5117);
	assert_int_equal(t_munmap(a, 1), 0);
	/* Any length in (4096 - 4096, 4096] maps it too. */
	a = t_mmap(NULL, PAGE - 1, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(a[511], 0x5117);
	assert_int_equal(t_munmap(a, PAGE - 1), 0);
}

/* 8.3 #14: INIT(513) can never be mapped, but ENABLE still works. */
static void test_c014_mmap_size_not_page_multiple(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 513), 0);
	assert_sys_err(t_mmap(NULL, 4104, RW, MAP_SHARED, fd, 0), EINVAL);
	assert_sys_err(t_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0), EINVAL);
	assert_sys_err(t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EINVAL);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
}

/* 8.3 #15: INIT(2); MMAP(16, 0) is EINVAL. */
static void test_c015_mmap_tiny_buffer(void **state)
{
	int fd = t_fd(state);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 2), 0);
	assert_sys_err(t_mmap(NULL, 16, RW, MAP_SHARED, fd, 0), EINVAL);
	assert_sys_err(t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EINVAL);
}

/* 8.3 #16: two mappings of INIT(1024) alias: a store shows in the other. */
static void test_c016_mmap_twice_aliases(void **state)
{
	int fd = t_fd(state);
	unsigned long *a, *b;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 1024), 0);
	a = t_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	b = t_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_true(b != MAP_FAILED);
	assert_ptr_not_equal(a, b);
	a[1023] = 0xabcdef;
	assert_int_equal(T_READ(b[1023]), 0xabcdef);
	b[3] = 77;
	assert_int_equal(T_READ(a[3]), 77);
	assert_int_equal(t_munmap(a, 2 * PAGE), 0);
	/* The other mapping outlives the first. */
	b[4] = 78;
	assert_int_equal(T_READ(b[4]), 78);
	assert_int_equal(t_munmap(b, 2 * PAGE), 0);
}

/* 8.3 #17: a mapping made after ENABLE shows the entries collected so far. */
static void test_c017_mmap_after_enable(void **state)
{
	int fd = t_fd(state);
	unsigned long *a;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	t_pc_y();
	a = t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	/* And it keeps seeing new ones. */
	t_pc_z();
	assert_int_equal(T_READ(a[0]), 3);
	assert_true(t_pc_is(a[3], t_pc_z));
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/*
 * 8.3 #18: mremap cannot grow the mapping (VM_DONTEXPAND, EFAULT);
 * shrinking in place works.
 */
static void test_c018_mremap_grow(void **state)
{
	int fd = t_fd(state);
	unsigned long *a, *b;
	void *g;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 1024), 0);
	a = t_mmap(NULL, 2 * PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	a[1] = 11;
	errno = 0;
	g = mremap(a, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	assert_ptr_equal(g, MAP_FAILED);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(a[1], 11);
	b = mremap(a, 2 * PAGE, PAGE, 0);
	assert_ptr_equal(b, a);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/* 8.3 #19: a PROT_READ-only mapping works and the hooks still fill it. */
static void test_c019_mmap_read_only(void **state)
{
	int fd = t_fd(state);
	unsigned long *a;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	a = t_mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/*
 * 8.3 (DESIGN 3): MAP_FIXED into a reserved PROT_NONE region between guard
 * pages works, and filling the buffer past capacity never touches the
 * guard pages (they would fault; afterwards their contents are intact).
 */
static void test_mmap_fixed_between_guard_pages(void **state)
{
	int fd = t_fd(state);
	unsigned char *r, *lo, *hi;
	unsigned long *a, i;

	r = mmap(NULL, 4 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(r != MAP_FAILED);
	memset(r, 0xa5, 4 * PAGE);
	lo = r;
	hi = r + 3 * PAGE;
	assert_int_equal(mprotect(r, 4 * PAGE, PROT_NONE), 0);

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 1024), 0);
	a = t_mmap(r + PAGE, 2 * PAGE, RW, MAP_SHARED | MAP_FIXED, fd, 0);
	assert_ptr_equal(a, r + PAGE);
	assert_int_equal(a[0], 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	for (i = 0; i < 1100; i++)
		t_pc_x();
	assert_int_equal(T_READ(a[0]), 1023);
	/* Full: the next PC is dropped, nothing spills past the end. */
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(a[0], 1023);
	assert_true(t_pc_is(a[1023], t_pc_x));

	assert_int_equal(mprotect(lo, PAGE, PROT_READ), 0);
	assert_int_equal(mprotect(hi, PAGE, PROT_READ), 0);
	for (i = 0; i < PAGE; i++) {
		assert_int_equal(lo[i], 0xa5);
		assert_int_equal(hi[i], 0xa5);
	}
	assert_int_equal(t_munmap(a, 2 * PAGE), 0);
	assert_int_equal(munmap(r, 4 * PAGE), 0);
}

/* 8.3 (2.4): a mapping made by a forked child aliases the parent's pages. */
static void test_mmap_in_forked_child_aliases(void **state)
{
	int fd = t_fd(state), status, pfd[2];
	unsigned long *a;
	char res = 0;
	pid_t pid;

	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	a = t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	T_WRITE(a[10], 1010);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No cmocka here: the child reports one byte and exits. */
		unsigned long *c = t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
		char r = 'm';

		if (c != MAP_FAILED) {
			r = T_READ(c[10]) == 1010 ? 'y' : 'r';
			T_WRITE(c[20], 2020);
			t_munmap(c, PAGE);
		}
		if (write(pfd[1], &r, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &res, 1), 1);
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(res, 'y');
	assert_int_equal(T_READ(a[20]), 2020);
	assert_int_equal(t_munmap(a, PAGE), 0);
}

/*
 * A user mapping write-protected with a memory protection key: the hooks
 * write through the library's own view, so coverage keeps arriving while
 * the user cannot write (DESIGN 3). Skipped without pkeys.
 */
static void test_mmap_pkey_write_disabled(void **state)
{
	int fd = t_fd(state), pkey;
	unsigned long *a;

	pkey = pkey_alloc(0, PKEY_DISABLE_WRITE);
	if (pkey < 0)
		skip();
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, 512), 0);
	a = t_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0);
	assert_true(a != MAP_FAILED);
	assert_int_equal(pkey_mprotect(a, PAGE, RW, pkey), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC), 0);
	t_pc_x();
	t_pc_y();
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	/* Reads are allowed under PKEY_DISABLE_WRITE. */
	assert_int_equal(T_READ(a[0]), 2);
	assert_true(t_pc_is(a[1], t_pc_x));
	assert_true(t_pc_is(a[2], t_pc_y));
	assert_int_equal(t_munmap(a, PAGE), 0);
	pkey_free(pkey);
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c011_mmap_before_init),
		FD_TEST(test_c012_mmap_wrong_len_or_offset),
		FD_TEST(test_c013_mmap_len_rounded),
		FD_TEST(test_c014_mmap_size_not_page_multiple),
		FD_TEST(test_c015_mmap_tiny_buffer),
		FD_TEST(test_c016_mmap_twice_aliases),
		FD_TEST(test_mmap_in_forked_child_aliases),
		FD_TEST(test_c017_mmap_after_enable),
		FD_TEST(test_c018_mremap_grow),
		FD_TEST(test_c019_mmap_read_only),
		FD_TEST(test_mmap_fixed_between_guard_pages),
		FD_TEST(test_mmap_pkey_write_disabled),
	};

	return cmocka_run_group_tests_name("spec 8.3 mmap", tests, NULL, NULL);
}
