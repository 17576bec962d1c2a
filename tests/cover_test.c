/* SPDX-License-Identifier: MIT */
/*
 * cover.c and kcov-sim/cmocka.h: coverage captures of test code and the
 * assertions on them. A failing assertion is run in a forked child (its
 * own cmocka run) and must fail it, printing the symbolized trace.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "kernel_code.h"
#include <kcov-sim/cmocka.h>

/* kc_loop(5), then kc_branch three times: the shape most tests query. */
static struct kcov_sim_cover *capture_loop_then_branch(void)
{
	struct kcov_sim_cover *cap = kcov_capture_begin();

	kc_loop(5);
	kc_branch(1);
	kc_branch(20);
	kc_branch(2);
	kcov_capture_end(cap);
	return cap;
}

/* cover.h: hits, calls and first index of what ran, nothing of what did not. */
static void test_cover_hits_calls_first(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_true(kcov_sim_cover_hits(cap, "kc_loop") > 5);	/* body x5 */
	assert_int_equal(kcov_sim_cover_calls(cap, "kc_loop"), 1);
	assert_int_equal(kcov_sim_cover_calls(cap, "kc_branch"), 3);
	assert_int_equal(kcov_sim_cover_hits(cap, "kc_switch"), 0);
	assert_int_equal(kcov_sim_cover_calls(cap, "kc_switch"), 0);
	assert_int_equal(kcov_sim_cover_first(cap, "kc_loop"), 0);
	assert_true(kcov_sim_cover_first(cap, "kc_branch") > 5);
	assert_int_equal(kcov_sim_cover_first(cap, "kc_switch"), -ENOENT);
	kcov_sim_cover_free(cap);
}

/* cover.h: order holds for the order run, not for the reverse. */
static void test_cover_in_order(void **state)
{
	static const char *const fwd[] = { "kc_loop", "kc_branch" };
	static const char *const rev[] = { "kc_branch", "kc_loop" };
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_int_equal(kcov_sim_cover_in_order(cap, fwd, 2), 1);
	assert_int_equal(kcov_sim_cover_in_order(cap, rev, 2), 0);
	assert_int_equal(kcov_sim_cover_in_order(cap, fwd, 0), 1);
	kcov_sim_cover_free(cap);
}

/* cover.h: a line is matched by a whole trailing part of its path. */
static void test_cover_line_hits(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();
	const struct kcov_sim_sym *s;
	long first = kcov_sim_cover_first(cap, "kc_branch");
	int line;

	(void)state;
	assert_true(first >= 0);
	s = kcov_sim_cover_sym(cap, (size_t)first);
	assert_non_null(s);
	line = s->frames[0].line;
	assert_true(line > 0);
	assert_true(kcov_sim_cover_line_hits(cap, "kernel_code.c", line) >= 3);
	assert_true(kcov_sim_cover_line_hits(cap, "tests/kernel_code.c", line) >= 3);
	assert_int_equal(kcov_sim_cover_line_hits(cap, "ernel_code.c", line), 0);
	assert_int_equal(kcov_sim_cover_line_hits(cap, "kernel_code.c", 100000), 0);
	kcov_sim_cover_free(cap);
}

/* cover.c: the capture's own (uninstrumented) code records nothing. */
static void test_cover_empty_block(void **state)
{
	struct kcov_sim_cover *cap = kcov_capture_begin();
	size_t n = 99;
	int trunc = 1;

	(void)state;
	kcov_capture_end(cap);
	assert_non_null(kcov_sim_cover_pcs(cap, &n, &trunc));
	assert_int_equal(n, 0);
	assert_int_equal(trunc, 0);
	assert_int_equal(kcov_sim_cover_hits(cap, "kc_loop"), 0);
	kcov_sim_cover_free(cap);
}

/* cover.c: a full buffer keeps size - 1 PCs and says it was truncated. */
static void test_cover_truncated(void **state)
{
	struct kcov_sim_cover *cap = kcov_capture_begin_words(512);
	size_t n;
	int trunc;

	(void)state;
	kc_loop(2000);
	kcov_capture_end(cap);
	kcov_sim_cover_pcs(cap, &n, &trunc);
	assert_int_equal(n, 511);
	assert_int_equal(trunc, 1);
	kcov_sim_cover_free(cap);
}

/* cover.c: captures do not nest (KCOV_ENABLE: EBUSY on this thread). */
static void test_cover_nested_ebusy(void **state)
{
	struct kcov_sim_cover *cap = kcov_capture_begin(), *inner;

	(void)state;
	errno = 0;
	inner = kcov_sim_cover_begin(0);
	assert_null(inner);
	assert_int_equal(errno, EBUSY);
	kcov_capture_end(cap);
	kcov_sim_cover_free(cap);
}

static long end_elsewhere(void *cap)
{
	return kcov_sim_cover_end(cap);
}

/* cover.c: only the thread that began may end (KCOV_DISABLE: EINVAL). */
static void test_cover_end_other_thread(void **state)
{
	struct kcov_sim_cover *cap = kcov_capture_begin();

	(void)state;
	kc_branch(1);
	assert_int_equal(t_in_thread(end_elsewhere, cap), -EINVAL);
	assert_int_equal(kcov_sim_cover_end(cap), 0);
	assert_true(kcov_sim_cover_hits(cap, "kc_branch") > 0);
	kcov_sim_cover_free(cap);
}

/* cover.h: queries before end are refused. */
static void test_cover_query_before_end(void **state)
{
	struct kcov_sim_cover *cap = kcov_capture_begin();

	(void)state;
	assert_int_equal(kcov_sim_cover_hits(cap, "kc_branch"), -EINVAL);
	kcov_capture_end(cap);
	kcov_sim_cover_free(cap);
}

/* ---- assertions that must fail, each in a child's own cmocka run ---------- */

static void child_not_covered(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_kcov_covered(cap, "kc_switch");		/* never ran */
}

static void child_covered_but_should_not(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_kcov_not_covered(cap, "kc_loop");
}

static void child_line_not_covered(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_kcov_line_covered(cap, "kernel_code.c", 100000);
}

static void child_wrong_calls(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_kcov_calls(cap, "kc_branch", 2);		/* it was 3 */
}

static void child_wrong_order(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_kcov_order(cap, "kc_branch", "kc_loop");
}

/* The passing counterparts: the same assertions on paths that were taken. */
static void child_all_pass(void **state)
{
	struct kcov_sim_cover *cap = capture_loop_then_branch();

	(void)state;
	assert_kcov_covered(cap, "kc_loop");
	assert_kcov_not_covered(cap, "kc_switch");
	assert_kcov_calls(cap, "kc_branch", 3);
	assert_kcov_order(cap, "kc_loop", "kc_branch");
	kcov_sim_cover_free(cap);
}

/* cmocka.h: each assertion fails when its path was not taken, names what it
 * expected and prints the symbolized trace. */
static void test_cmocka_assertions_fail(void **state)
{
	static const struct {
		CMUnitTestFunction	fn;
		const char		*says;
	} cases[] = {
		{ child_not_covered, "kc_switch() was not reached" },
		{ child_covered_but_should_not, "kc_loop() was reached" },
		{ child_line_not_covered, "kernel_code.c:100000 has no code of its own" },
		{ child_wrong_calls, "kc_branch() was entered 3 times, expected 2" },
		{ child_wrong_order, "not reached in this order: kc_branch() kc_loop()" },
	};
	static char out[65536];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(t_run_cmocka_child(cases[i].fn, out, sizeof(out)), 1);
		if (!strstr(out, cases[i].says))
			fail_msg("case %zu lacks \"%s\":\n%s", i, cases[i].says, out);
		assert_non_null(strstr(out, "coverage: "));
		assert_non_null(strstr(out, "kc_loop kernel_code.c:"));
		assert_non_null(strstr(out, "kc_branch kernel_code.c:"));
	}
}

/* cmocka.h: the same assertions pass when the paths were taken. */
static void test_cmocka_assertions_pass(void **state)
{
	static char out[65536];

	(void)state;
	if (t_run_cmocka_child(child_all_pass, out, sizeof(out)))
		fail_msg("passing assertions failed:\n%s", out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover_hits_calls_first),
		cmocka_unit_test(test_cover_in_order),
		cmocka_unit_test(test_cover_line_hits),
		cmocka_unit_test(test_cover_empty_block),
		cmocka_unit_test(test_cover_truncated),
		cmocka_unit_test(test_cover_nested_ebusy),
		cmocka_unit_test(test_cover_end_other_thread),
		cmocka_unit_test(test_cover_query_before_end),
		cmocka_unit_test(test_cmocka_assertions_fail),
		cmocka_unit_test(test_cmocka_assertions_pass),
	};

	return cmocka_run_group_tests_name("coverage capture and assertions", tests,
					   NULL, NULL);
}
