/* SPDX-License-Identifier: MIT */
/*
 * Spec 8.6: the comparison and switch hooks, cases 45-57, and the records
 * that compiler-inserted callbacks (tests/kernel_code.c) produce.
 */
#include <limits.h>
#include <string.h>

#include "helpers.h"
#include "kernel_code.h"

#define WORDS	512ul
#define STALE	0x5a5a000000000000ul
#define REC(a, k)	(&(a)[1 + 4 * (k)])	/* record k: type, arg1, arg2, ip */

/* A cmp1 call site of its own, for ip checks. */
__attribute__((noinline)) static void cmp1_site(uint8_t a, uint8_t b)
{
	__sanitizer_cov_trace_cmp1(a, b);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void switch_site(unsigned long v, void *cases)
{
	__sanitizer_cov_trace_switch(v, cases);
	__asm__ volatile("" ::: "memory");
}

#define SITE(f)	((void (*)(void))(f))

/*
 * @ip lies in @site's code: inside its first bytes (t_pc_is()) and with no
 * other known site starting between @site and @ip (the sites are tiny and
 * may be adjacent).
 */
static int ip_at(unsigned long ip, void (*site)(void))
{
	static void (*const sites[])(void) = {
		SITE(cmp1_site), SITE(switch_site), SITE(t_cmp4_site),
		t_pc_x, t_pc_y, t_pc_z,
	};

	if (!t_pc_is(ip, site))
		return 0;
	for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
		if ((uintptr_t)sites[i] > (uintptr_t)site &&
		    (uintptr_t)sites[i] < ip)
			return 0;
	return 1;
}

/* INIT(WORDS), map it, ENABLE(mode), reset the counter. */
static unsigned long *enable_mode(int fd, unsigned long mode)
{
	unsigned long *a = t_init_map(fd, WORDS);

	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, mode), 0);
	T_WRITE(a[0], 0);
	return a;
}

static void disable_unmap(int fd, unsigned long *a)
{
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

static void assert_rec(const unsigned long *a, unsigned long k,
		       unsigned long type, unsigned long arg1, unsigned long arg2)
{
	const unsigned long *r = REC(a, k);

	assert_int_equal(r[0], type);
	assert_int_equal(r[1], arg1);
	assert_int_equal(r[2], arg2);
}

static void fill_stale(unsigned long *a, unsigned long from, unsigned long to)
{
	for (unsigned long i = from; i < to; i++)
		a[i] = STALE + i;
}

static void assert_stale(const unsigned long *a, unsigned long from,
			 unsigned long to)
{
	for (unsigned long i = from; i < to; i++)
		assert_int_equal(a[i], STALE + i);
}

/* 8.6 #45: cmp1(0x12,0x34) -> A[0]=1, A[1..4] = {0, 0x12, 0x34, ip}. */
static void test_c045_cmp1_record(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	cmp1_site(0x12, 0x34);
	assert_int_equal(a[0], 1);
	assert_rec(a, 0, 0, 0x12, 0x34);
	assert_true(ip_at(a[4], SITE(cmp1_site)));
	assert_int_equal(a[5], 0);
	disable_unmap(fd, a);
}

/* 8.6 #46: cmp1/cmp2/cmp4/cmp8 -> type words 0, 2, 4, 6. */
static void test_c046_cmp_sizes(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	__sanitizer_cov_trace_cmp1(1, 2);
	__sanitizer_cov_trace_cmp2(3, 4);
	__sanitizer_cov_trace_cmp4(5, 6);
	__sanitizer_cov_trace_cmp8(7, 8);
	assert_int_equal(a[0], 4);
	assert_rec(a, 0, KCOV_CMP_SIZE(0), 1, 2);
	assert_rec(a, 1, KCOV_CMP_SIZE(1), 3, 4);
	assert_rec(a, 2, KCOV_CMP_SIZE(2), 5, 6);
	assert_rec(a, 3, KCOV_CMP_SIZE(3), 7, 8);
	disable_unmap(fd, a);
}

/* 8.6 #47: const_cmp1/2/4/8(c, x) -> types 1, 3, 5, 7; arg1 = c, arg2 = x. */
static void test_c047_const_cmp(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	__sanitizer_cov_trace_const_cmp1(0x11, 0x22);
	__sanitizer_cov_trace_const_cmp2(0x1111, 0x2222);
	__sanitizer_cov_trace_const_cmp4(0x11111111, 0x22222222);
	__sanitizer_cov_trace_const_cmp8(0x1111111111ul, 0x2222222222ul);
	assert_int_equal(a[0], 4);
	assert_rec(a, 0, 1, 0x11, 0x22);
	assert_rec(a, 1, 3, 0x1111, 0x2222);
	assert_rec(a, 2, 5, 0x11111111, 0x22222222);
	assert_rec(a, 3, 7, 0x1111111111ul, 0x2222222222ul);
	disable_unmap(fd, a);
}

/* 8.6 #48: operands are zero-extended, never sign-extended. */
static void test_c048_zero_extended(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	__sanitizer_cov_trace_cmp1(0xFF, 0x80);
	__sanitizer_cov_trace_cmp4(0xFFFFFFFF, 1);
	__sanitizer_cov_trace_cmp2(0xFFFF, 0x8000);
	__sanitizer_cov_trace_const_cmp1(0x80, 0xFF);
	assert_int_equal(a[0], 4);
	assert_rec(a, 0, 0, 0xFF, 0x80);
	assert_rec(a, 1, 4, 0x00000000FFFFFFFFul, 1);
	assert_rec(a, 2, 2, 0xFFFF, 0x8000);
	assert_rec(a, 3, 1, 0x80, 0xFF);
	disable_unmap(fd, a);
}

/* 8.6 #49: cmp8(1<<63, 0) -> arg1 word 0x8000000000000000. */
static void test_c049_cmp8_top_bit(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	__sanitizer_cov_trace_cmp8(1ul << 63, 0);
	assert_int_equal(a[0], 1);
	assert_rec(a, 0, 6, 0x8000000000000000ul, 0);
	disable_unmap(fd, a);
}

/* INIT(words) without a mapping, enable CMP, call cmp4 @calls times. */
static unsigned long cmp_count_for(unsigned long words, int calls)
{
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	unsigned long count;
	int fd = t_open();

	assert_true(fd >= 0);
	assert_int_equal(t_ioctl(fd, KCOV_INIT_TRACE, words), 0);
	assert_int_equal(t_ioctl(fd, KCOV_ENABLE, KCOV_TRACE_CMP), 0);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	for (int i = 0; i < calls; i++)
		t_cmp4_site((uint32_t)i + 1, 0x77);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	count = info.area[0];
	/* Whole records only: nothing after the last one is written, not
	 * even in the rest of the library's page. */
	for (unsigned long i = 1 + 4 * count; i < 1 + 4 * (count + 2); i++)
		assert_int_equal(info.area[i], 0);
	for (unsigned long k = 0; k < count; k++)
		assert_int_equal(info.area[1 + 4 * k + 1], k + 1);
	assert_int_equal(t_close(fd), 0);
	return count;
}

/* 8.6 #50: 8 words hold 1 record, 9 hold 2, 5 hold 1, 4 hold none. */
static void test_c050_capacity_unmappable(void **state)
{
	(void)state;
	assert_int_equal(cmp_count_for(8, 2), 1);
	assert_int_equal(cmp_count_for(9, 3), 2);
	assert_int_equal(cmp_count_for(5, 2), 1);
	assert_int_equal(cmp_count_for(4, 1), 0);
}

/* 8.6 #51: 512 words, 200 cmps -> A[0]=127; words 509..511 untouched. */
static void test_c051_capacity_512(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	fill_stale(a, 1, WORDS);
	for (uint32_t i = 0; i < 200; i++)
		__sanitizer_cov_trace_cmp4(i, ~i);
	assert_int_equal(a[0], 127);
	assert_rec(a, 126, 4, 126, ~126u);
	assert_stale(a, 509, WORDS);
	disable_unmap(fd, a);
}

/* 8.6 #52: in TRACE_PC mode no cmp or switch hook records anything. */
static void test_c052_pc_mode_ignores_cmp(void **state)
{
	uint64_t cases[] = { 2, 32, 1, 2 };
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_PC);

	__sanitizer_cov_trace_cmp1(1, 2);
	__sanitizer_cov_trace_cmp2(1, 2);
	__sanitizer_cov_trace_cmp4(1, 2);
	__sanitizer_cov_trace_cmp8(1, 2);
	__sanitizer_cov_trace_const_cmp1(1, 2);
	__sanitizer_cov_trace_const_cmp2(1, 2);
	__sanitizer_cov_trace_const_cmp4(1, 2);
	__sanitizer_cov_trace_const_cmp8(1, 2);
	__sanitizer_cov_trace_switch(2, cases);
	for (unsigned long i = 0; i < WORDS; i++)
		assert_int_equal(a[i], 0);
	t_pc_x();			/* the mode is live */
	assert_int_equal(a[0], 1);
	disable_unmap(fd, a);
}

/* 8.6 #53: cases {3, 32, 10, 20, 30}, val 20 -> 3 records in order. */
static void test_c053_switch_records(void **state)
{
	uint64_t cases[] = { 3, 32, 10, 20, 30 };
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	switch_site(20, cases);
	assert_int_equal(a[0], 3);
	assert_rec(a, 0, 5, 10, 20);
	assert_rec(a, 1, 5, 20, 20);
	assert_rec(a, 2, 5, 30, 20);
	assert_true(ip_at(REC(a, 0)[3], SITE(switch_site)));
	assert_int_equal(REC(a, 1)[3], REC(a, 0)[3]);
	assert_int_equal(REC(a, 2)[3], REC(a, 0)[3]);
	assert_int_equal(a[13], 0);
	disable_unmap(fd, a);
}

/* 8.6 #54: width 8/16/64 -> type 1/3/7; width 0, 1, 12, 128 -> nothing. */
static void test_c054_switch_widths(void **state)
{
	static const uint64_t good[] = { 8, 16, 64 }, bad[] = { 0, 1, 12, 128 };
	uint64_t cases[] = { 1, 0, 0x42 };
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cases[1] = bad[i];
		__sanitizer_cov_trace_switch(0x42, cases);
	}
	assert_int_equal(a[0], 0);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cases[1] = good[i];
		__sanitizer_cov_trace_switch(0x42, cases);
	}
	assert_int_equal(a[0], 3);
	assert_rec(a, 0, 1, 0x42, 0x42);
	assert_rec(a, 1, 3, 0x42, 0x42);
	assert_rec(a, 2, 7, 0x42, 0x42);
	disable_unmap(fd, a);
}

/* 8.6 #55: a switch with N = 0 records nothing. */
static void test_c055_switch_no_cases(void **state)
{
	uint64_t cases[] = { 0, 32, 99 };
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	__sanitizer_cov_trace_switch(99, cases);
	assert_int_equal(a[0], 0);
	assert_int_equal(a[1], 0);
	disable_unmap(fd, a);
}

/* 8.6 #56: room for 2 records, N = 3 -> first 2 cases, A[0] += 2. */
static void test_c056_switch_prefix(void **state)
{
	uint64_t cases[] = { 3, 16, 100, 200, 300 };
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	fill_stale(a, 1, WORDS);
	T_WRITE(a[0], 125);
	__sanitizer_cov_trace_switch(7, cases);
	assert_int_equal(a[0], 127);
	assert_stale(a, 1, 1 + 4 * 125);
	assert_rec(a, 125, 3, 100, 7);
	assert_rec(a, 126, 3, 200, 7);
	assert_int_equal(REC(a, 125)[3], REC(a, 126)[3]);
	assert_stale(a, 509, WORDS);
	disable_unmap(fd, a);
}

/*
 * 8.6 #57's arithmetic, spec 4.4: a count of 2^61 wraps the kernel's byte
 * offset (1 + 4 * 2^61) * 8 mod 2^64 = 8, so the record lands in bounds at
 * word 1, and the count becomes 2^61 + 1 (found against Debian's 6.1).
 */
static void test_c057_p2025_wrapped_in_bounds(void **state)
{
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	t_profile_only("P-2025", "linux-6.1", NULL);
	fill_stale(a, 1, WORDS);
	T_WRITE(a[0], 1ul << 61);
	t_cmp4_site(1, 2);
	assert_int_equal(a[0], (1ul << 61) + 1);
	assert_int_equal(a[1], KCOV_CMP_SIZE(2));
	assert_int_equal(a[2], 1);
	assert_int_equal(a[3], 2);
	assert_true(t_pc_is(a[4], (void (*)(void))t_cmp4_site));
	assert_stale(a, 5, WORDS);
	disable_unmap(fd, a);
}

/*
 * 8.6 #57 [linux-6.12, P-2026]: the hook bounds a user-written count to
 * the records that fit before its arithmetic: a wrapped count writes
 * nothing, and there is nothing to report.
 */
static void test_c057_bounded_count_writes_nothing(void **state)
{
	uint64_t cases[] = { 1, 32, 5 };
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);
	unsigned long warns = kcov_sim_warn_count();

	t_profile_only("linux-6.12", "P-2026", NULL);
	fill_stale(a, 1, WORDS);
	T_WRITE(a[0], ULONG_MAX);
	__sanitizer_cov_trace_cmp4(1, 2);
	__sanitizer_cov_trace_switch(5, cases);
	assert_int_equal(a[0], ULONG_MAX);
	assert_stale(a, 1, WORDS);
	assert_int_equal(kcov_sim_warn_count(), warns);
	disable_unmap(fd, a);
}

/* 8.6 #57: A[0]=ULONG_MAX in CMP mode -> WARN "would write out of bounds",
 * memory intact. */
static void test_c057_wrapped_counter_warns(void **state)
{
	uint64_t cases[] = { 1, 32, 5 };
	int fd = t_fd(state);
	KCOV_SIM_OUT(kcov_sim_dev_info, info);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	t_profile_only("P-2025", "linux-6.1", NULL);
	assert_int_equal(kcov_sim_dev_info(fd, &info), 0);
	fill_stale(a, 1, WORDS);
	T_WRITE(a[0], ULONG_MAX);
	t_warn_expect(1);
	__sanitizer_cov_trace_cmp4(1, 2);
	assert_non_null(strstr(t_warn_last(), "would write out of bounds"));
	assert_int_equal(a[0], ULONG_MAX);
	assert_stale(a, 1, WORDS);
	/* The library's own view is the same memory, unchanged too. */
	assert_int_equal(info.area[0], ULONG_MAX);
	assert_int_equal(info.area[WORDS - 1], STALE + WORDS - 1);

	/* The switch goes through the same writer: one WARN per case. */
	t_warn_expect(1);
	__sanitizer_cov_trace_switch(5, cases);
	assert_int_equal(a[0], ULONG_MAX);
	assert_stale(a, 1, WORDS);
	disable_unmap(fd, a);
}

/* Records produced by compiled code: whole, well-typed, inside @fn. */
static void assert_records_sane(const unsigned long *a, void *fn)
{
	for (unsigned long k = 0; k < a[0]; k++) {
		const unsigned long *r = REC(a, k);

		assert_true(r[0] <= (KCOV_CMP_MASK | KCOV_CMP_CONST));
		assert_true(r[3] > (uintptr_t)fn && r[3] < (uintptr_t)fn + 4096);
	}
}

/* Bytes of the operands a record of @type compares. */
static unsigned int rec_bytes(unsigned long type)
{
	return 1u << ((type & KCOV_CMP_MASK) >> 1);
}

/* 8.6 (compiled code): kc_cmp() yields a 4-byte and an 8-byte compare
 * that carry the operands passed in. */
static void test_c045_compiled_cmp(void **state)
{
	const uint32_t x = 0xabcd1234u;
	const uint64_t y = 0x1122334455667788ull;
	int fd = t_fd(state), seen4 = 0, seen8 = 0;
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);

	kc_cmp(x, y);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_true(a[0] >= 2);
	assert_records_sane(a, (void *)kc_cmp);
	for (unsigned long k = 0; k < a[0]; k++) {
		const unsigned long *r = REC(a, k);

		if (rec_bytes(r[0]) == 4 && (r[1] == x || r[2] == x))
			seen4++;
		if (rec_bytes(r[0]) == 8 && (r[1] == y || r[2] == y))
			seen8++;
	}
	assert_int_equal(seen4, 1);
	assert_int_equal(seen8, 1);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

/* 8.6 #53 (compiled code): kc_switch() emits one record per case, all
 * with the switch's ip and the switched value as arg2. */
static void test_c053_compiled_switch(void **state)
{
	const uint32_t v = 20;
	int fd = t_fd(state);
	unsigned long *a = enable_mode(fd, KCOV_TRACE_CMP);
	unsigned long sw_ip = 0, n = 0, case_sum = 0;

	kc_switch(v);
	assert_int_equal(t_ioctl(fd, KCOV_DISABLE, 0), 0);
	assert_records_sane(a, (void *)kc_switch);
	for (unsigned long k = 0; k < a[0]; k++) {
		const unsigned long *r = REC(a, k);

		/* Case records: a constant of the switch's width vs v. */
		if (r[0] != (KCOV_CMP_CONST | KCOV_CMP_SIZE(2)) || r[2] != v ||
		    (r[1] != 10 && r[1] != 20 && r[1] != 30000))
			continue;
		if (!sw_ip)
			sw_ip = r[3];
		assert_int_equal(r[3], sw_ip);
		n++;
		case_sum += r[1];
	}
	assert_int_equal(n, 3);
	assert_int_equal(case_sum, 10 + 20 + 30000);
	assert_int_equal(t_munmap(a, WORDS * sizeof(long)), 0);
}

static int group_setup(void **state)
{
	(void)state;
	return kcov_sim_set_pc_mode(KCOV_SIM_PC_RAW) ? -1 : 0;
}

#define FD_TEST(f) cmocka_unit_test_setup_teardown(f, t_fd_setup, t_fd_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FD_TEST(test_c045_cmp1_record),
		FD_TEST(test_c046_cmp_sizes),
		FD_TEST(test_c047_const_cmp),
		FD_TEST(test_c048_zero_extended),
		FD_TEST(test_c049_cmp8_top_bit),
		cmocka_unit_test_setup_teardown(test_c050_capacity_unmappable,
						t_setup, t_teardown),
		FD_TEST(test_c051_capacity_512),
		FD_TEST(test_c052_pc_mode_ignores_cmp),
		FD_TEST(test_c053_switch_records),
		FD_TEST(test_c054_switch_widths),
		FD_TEST(test_c055_switch_no_cases),
		FD_TEST(test_c056_switch_prefix),
		FD_TEST(test_c057_wrapped_counter_warns),
		FD_TEST(test_c057_p2025_wrapped_in_bounds),
		FD_TEST(test_c057_bounded_count_writes_nothing),
		FD_TEST(test_c045_compiled_cmp),
		FD_TEST(test_c053_compiled_switch),
	};

	return cmocka_run_group_tests_name("spec 8.6 CMP hooks", tests,
					   group_setup, NULL);
}
