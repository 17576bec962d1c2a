/* SPDX-License-Identifier: MIT */
/* Spec 8.1: the uapi mirror has the values of <linux/kcov.h>. */
#include <stdalign.h>

#include "helpers.h"

/* 8.1 #1: ioctl numbers. */
static void test_c001_ioctl_numbers(void **state)
{
	(void)state;
	assert_int_equal(KCOV_INIT_TRACE, 0x80086301ul);
	assert_int_equal(KCOV_ENABLE, 0x6364);
	assert_int_equal(KCOV_DISABLE, 0x6365);
	assert_int_equal(KCOV_REMOTE_ENABLE, 0x40186366ul);
}

/* 8.1 #2: struct kcov_remote_arg is 24 bytes, 8-aligned, fixed offsets. */
static void test_c002_remote_arg_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct kcov_remote_arg), 24);
	assert_int_equal(alignof(struct kcov_remote_arg), 8);
	assert_int_equal(offsetof(struct kcov_remote_arg, trace_mode), 0);
	assert_int_equal(offsetof(struct kcov_remote_arg, area_size), 4);
	assert_int_equal(offsetof(struct kcov_remote_arg, num_handles), 8);
	assert_int_equal(offsetof(struct kcov_remote_arg, common_handle), 16);
	assert_int_equal(offsetof(struct kcov_remote_arg, handles), 24);
}

/* 8.1 #3: kcov_remote_handle() packs or returns 0. */
static void test_c003_remote_handle(void **state)
{
	(void)state;
	assert_int_equal(kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1),
			 0x0100000000000001ull);
	assert_int_equal(kcov_remote_handle(KCOV_SUBSYSTEM_COMMON, 0x42), 0x42);
	assert_int_equal(kcov_remote_handle(1, 1), 0);
	assert_int_equal(kcov_remote_handle(KCOV_SUBSYSTEM_USB, 1ull << 32), 0);
}

/* 8.1 #4: comparison type bits. */
static void test_c004_cmp_constants(void **state)
{
	(void)state;
	assert_int_equal(KCOV_CMP_SIZE(0), 0);
	assert_int_equal(KCOV_CMP_SIZE(1), 2);
	assert_int_equal(KCOV_CMP_SIZE(2), 4);
	assert_int_equal(KCOV_CMP_SIZE(3), 6);
	assert_int_equal(KCOV_CMP_MASK, 6);
	assert_int_equal(KCOV_CMP_CONST, 1);
	assert_int_equal(KCOV_TRACE_PC, 0);
	assert_int_equal(KCOV_TRACE_CMP, 1);
	assert_int_equal(KCOV_REMOTE_MAX_HANDLES, 256);
	assert_int_equal(KCOV_SUBSYSTEM_MASK, 0xff00000000000000ull);
	assert_int_equal(KCOV_INSTANCE_MASK, 0xffffffffull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c001_ioctl_numbers),
		cmocka_unit_test(test_c002_remote_arg_layout),
		cmocka_unit_test(test_c003_remote_handle),
		cmocka_unit_test(test_c004_cmp_constants),
	};

	return cmocka_run_group_tests_name("spec 8.1 uapi", tests, NULL, NULL);
}
