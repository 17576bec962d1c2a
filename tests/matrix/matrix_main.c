/* SPDX-License-Identifier: MIT */
/*
 * matrix_main.c - one cell of the toolchain matrix (issue 4), and the
 * consumer of the installed package. Its kernel part is instrumented; it
 * must either collect PC and CMP records with the right values, or refuse
 * KCOV_TRACE_CMP with errno 524 and one "kcov-sim: " line on stderr (DESIGN
 * 6). An ENABLE that succeeds and then collects nothing is the bug this
 * program exists to catch. It prints one result line, which the ctest
 * script compares with the cell's expectation, and exits 1 on any broken
 * rule.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kcov-sim/kcov.h>
#include <kcov-sim/sim.h>

#include "matrix_kernel.h"

#define COVER_WORDS	4096ul
#define WORDS_PER_CMP	4
#define MAX_PCS		64
#define FN_SPAN		4096	/* bytes: the PCs of mk_branch, inlined hooks too */
#define MSG_LEN		2048

static unsigned long *cover;
static int failures;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("matrix: FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	failures++;
}

static void die(const char *what)
{
	printf("matrix: FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ioctl(@fd, @cmd, @arg), with what the library prints to stderr in @msg. */
static int ioctl_captured(int fd, unsigned long cmd, unsigned long arg,
			  char *msg, int *err)
{
	int pipefd[2], saved, ret;
	ssize_t n;

	fflush(stderr);
	if (pipe(pipefd))
		die("pipe");
	saved = dup(2);
	if (saved < 0 || dup2(pipefd[1], 2) < 0)
		die("dup2");
	close(pipefd[1]);
	ret = kcov_sim_ioctl(fd, cmd, arg);
	*err = ret ? errno : 0;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	/* Every write end is closed now: read() cannot block. */
	n = read(pipefd[0], msg, MSG_LEN - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	return ret;
}

/* Runs @fn with collection on; returns the count in word 0. */
static unsigned long traced(void (*fn)(void))
{
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	fn();
	return __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
}

static void branch_small(void) { mk_branch(1); }
static void branch_big(void) { mk_branch(100); }

static void comparisons(void)
{
	mk_cmp_const(0x77, 0x99);
	mk_cmp_vars(5, 6);
	mk_switch(20);
}

static bool in_branch_fn(unsigned long pc)
{
	unsigned long lo = (unsigned long)mk_branch;

	return pc > lo && pc < lo + FN_SPAN;
}

/* Copies the PCs of mk_branch out of the buffer; returns how many. */
static size_t branch_pcs(unsigned long n, unsigned long *out)
{
	size_t k = 0;
	unsigned long i;

	for (i = 1; i <= n && i < COVER_WORDS; i++)
		if (in_branch_fn(cover[i]) && k < MAX_PCS)
			out[k++] = cover[i];
	return k;
}

/* The one line a shadowed hook makes the library print (DESIGN 6). */
static bool good_line(const char *msg, const char *mode)
{
	const char *nl = strchr(msg, '\n');

	return !strncmp(msg, "kcov-sim: ", 10) && nl && !nl[1] &&
	       strstr(msg, mode) && strstr(msg, "__sanitizer_cov_trace_") &&
	       strstr(msg, "fix: ");
}

#ifdef MATRIX_PC_SHADOWED
/*
 * pc_stub.c defines the executable's own __sanitizer_cov_trace_pc, which
 * takes its calls from a shared libkcov-sim: ENABLE still works (PCs are
 * not refused, as on a kernel) but says so, once.
 */
static const char *check_pc(int fd)
{
	unsigned long a[MAX_PCS], n;
	char msg[MSG_LEN];
	int err;

	if (ioctl_captured(fd, KCOV_ENABLE, KCOV_TRACE_PC, msg, &err)) {
		fail("ENABLE(KCOV_TRACE_PC): errno %d", err);
		return "refused";
	}
	if (!good_line(msg, "KCOV_TRACE_PC"))
		fail("shadowed trace_pc without the one kcov-sim line: '%s'", msg);
	else
		printf("matrix: message: %s", msg);
	n = traced(branch_small);
	if (branch_pcs(n, a))
		fail("PCs of mk_branch reached us past the executable's stub");
	n = traced(branch_big);
	if (branch_pcs(n, a))
		fail("PCs of mk_branch reached us past the executable's stub");
	if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		die("DISABLE");
	if (ioctl_captured(fd, KCOV_ENABLE, KCOV_TRACE_PC, msg, &err))
		fail("second ENABLE(KCOV_TRACE_PC): errno %d", err);
	else if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		die("DISABLE");
	if (msg[0])
		fail("the warning came twice: %s", msg);
	return "shadowed";
}
#else
static bool contains(const unsigned long *set, size_t n, unsigned long pc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == pc)
			return true;
	return false;
}

/* Whether @n PCs, one call's, are all different: no block of mk_branch
 * runs twice, so two equal PCs are two blocks recorded as one site. */
static bool all_distinct(const unsigned long *pcs, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (pcs[i] == pcs[j])
				return false;
	return true;
}

/* KCOV_TRACE_PC: both calls leave PCs in mk_branch, one distinct PC per
 * block, the same one for the entry block, and the two branches leave
 * different ones (the LTO form, whose hooks are inlined, too). */
static const char *check_pc(int fd)
{
	unsigned long a[MAX_PCS], b[MAX_PCS], n;
	size_t na, nb, i;
	char msg[MSG_LEN];
	bool differ = false;
	int err;

	if (ioctl_captured(fd, KCOV_ENABLE, KCOV_TRACE_PC, msg, &err)) {
		fail("ENABLE(KCOV_TRACE_PC): errno %d", err);
		return "refused";
	}
	if (msg[0])
		fail("ENABLE(KCOV_TRACE_PC) printed: %s", msg);
	n = traced(branch_small);
	na = branch_pcs(n, a);
	n = traced(branch_big);
	nb = branch_pcs(n, b);
	if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		die("DISABLE");
	if (!na || !nb) {
		fail("PC mode collected nothing in mk_branch (%zu, %zu)", na, nb);
		return "empty";
	}
	if (!all_distinct(a, na) || !all_distinct(b, nb)) {
		fail("one call of mk_branch recorded a PC twice (%zu, %zu PCs)",
		     na, nb);
		return "wrong";
	}
	if (a[0] != b[0]) {
		fail("the entry block of mk_branch recorded %#lx, then %#lx",
		     a[0], b[0]);
		return "wrong";
	}
	for (i = 0; i < na; i++)
		differ |= !contains(b, nb, a[i]);
	for (i = 0; i < nb; i++)
		differ |= !contains(a, na, b[i]);
	if (!differ) {
		fail("both branches of mk_branch left the same PCs");
		return "wrong";
	}
	return "collected";
}
#endif

static bool has_cmp(unsigned long n, unsigned long type, unsigned long x,
		    unsigned long y)
{
	unsigned long i;

	for (i = 0; i < n && 1 + (i + 1) * WORDS_PER_CMP <= COVER_WORDS; i++) {
		const unsigned long *r = &cover[1 + i * WORDS_PER_CMP];

		if (r[0] == type && ((r[1] == x && r[2] == y) ||
				     (r[1] == y && r[2] == x)))
			return true;
	}
	return false;
}


/* A refused KCOV_TRACE_CMP stays refused, for REMOTE_ENABLE too, quietly. */
static void check_refused_again(int fd)
{
	struct kcov_remote_arg arg = {
		.trace_mode = KCOV_TRACE_CMP,
		.area_size = 64,
	};
	char msg[MSG_LEN];
	int fd2, err;

	if (!ioctl_captured(fd, KCOV_ENABLE, KCOV_TRACE_CMP, msg, &err) ||
	    err != KCOV_SIM_ENOTSUPP)
		fail("second ENABLE(KCOV_TRACE_CMP): errno %d, not 524", err);
	if (msg[0])
		fail("second refusal printed again: %s", msg);
	fd2 = kcov_sim_open();
	if (fd2 < 0 || kcov_sim_ioctl(fd2, KCOV_INIT_TRACE, COVER_WORDS))
		die("second device");
	if (!ioctl_captured(fd2, KCOV_REMOTE_ENABLE, (unsigned long)&arg, msg,
			    &err) || err != KCOV_SIM_ENOTSUPP)
		fail("REMOTE_ENABLE(KCOV_TRACE_CMP): errno %d, not 524", err);
	if (msg[0])
		fail("REMOTE_ENABLE refusal printed again: %s", msg);
	kcov_sim_close(fd2);
}

/* KCOV_TRACE_CMP: the right records, or errno 524 with the one line. */
static const char *check_cmp(int fd, char *msg)
{
	unsigned long n, c4 = KCOV_CMP_SIZE(2), c8 = KCOV_CMP_SIZE(3);
	int err, before = failures;

	if (ioctl_captured(fd, KCOV_ENABLE, KCOV_TRACE_CMP, msg, &err)) {
		if (err != KCOV_SIM_ENOTSUPP)
			fail("ENABLE(KCOV_TRACE_CMP): errno %d", err);
		else if (!good_line(msg, "KCOV_TRACE_CMP") || !strstr(msg, "524"))
			fail("errno 524 without the one kcov-sim line: '%s'", msg);
		else
			check_refused_again(fd);
		return "enotsupp";
	}
	if (msg[0])
		fail("ENABLE(KCOV_TRACE_CMP) succeeded but printed: %s", msg);
	n = traced(comparisons);
	if (kcov_sim_ioctl(fd, KCOV_DISABLE, 0))
		die("DISABLE");
	if (!n) {
		fail("KCOV_TRACE_CMP enabled, and nothing collected");
		return "empty";
	}
	if (!has_cmp(n, c4 | KCOV_CMP_CONST, MK_CONST4, 0x77))
		fail("no const 4-byte record {%#x, 0x77}", MK_CONST4);
	if (!has_cmp(n, c8 | KCOV_CMP_CONST, MK_CONST8, 0x99))
		fail("no const 8-byte record {%#llx, 0x99}", MK_CONST8);
	if (!has_cmp(n, c4, 5, 6))
		fail("no 4-byte record {5, 6}");
	if (!has_cmp(n, c4 | KCOV_CMP_CONST, 30000, 20))
		fail("no switch record {30000, 20}");
	return failures > before ? "wrong" : "collected";
}

static int find_shared(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "libkcov-sim.so")) {
		*(bool *)arg = true;
		return 1;
	}
	return 0;
}

int main(void)
{
	const char *pc, *cmp;
	char msg[MSG_LEN] = "";
	bool shared = false;
	int fd;

	dl_iterate_phdr(find_shared, &shared);
	fd = kcov_sim_open();
	if (fd < 0 || kcov_sim_ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS))
		die("open/INIT_TRACE");
	cover = kcov_sim_mmap(NULL, COVER_WORDS * sizeof(*cover),
			      PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED)
		die("mmap");
	pc = check_pc(fd);
	cmp = check_cmp(fd, msg);
	printf("matrix: linked=%s pc=%s cmp=%s\n", shared ? "shared" : "static",
	       pc, cmp);
	if (msg[0])
		printf("matrix: message: %s", msg);
	kcov_sim_munmap(cover, COVER_WORDS * sizeof(*cover));
	kcov_sim_close(fd);
	return failures ? 1 : 0;
}
