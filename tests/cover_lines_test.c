/* SPDX-License-Identifier: MIT */
/*
 * reach.c and cmocka.h: lines and labels answered from the code that ran,
 * on examples/tlvdec/tlvdec.c built at -O2; and what failing assertions
 * print. Failing assertions run in a forked child's own cmocka run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "kernel_code.h"
#include <kcov-sim/cmocka.h>

#include <linux/tlvdec.h>

#define SRC	"tlvdec.c"

#define src_line(text)	kcov_source_line(TLVDEC_SOURCE, (text))

/* A blob that runs out of data: the data overrun path. */
static struct kcov_sim_cover *capture_overrun(void)
{
	static const u8 blob[] = { 0x01, 0x05, 0x00 };
	struct tlv_item items[TLV_MAX_ITEMS];
	struct kcov_sim_cover *cap = kcov_capture_begin();
	const char *errmsg;

	assert_int_equal(tlv_decode(blob, sizeof(blob), items, TLV_MAX_ITEMS, &errmsg),
			 -EBADMSG);
	kcov_capture_end(cap);
	return cap;
}

static struct kcov_sim_where where_line(struct kcov_sim_cover *cap, int line)
{
	struct kcov_sim_where w = { .sz = sizeof(w) };

	assert_int_equal(kcov_sim_cover_line(cap, SRC, line, &w), 0);
	return w;
}

/* The errmsg line of the taken label ran, though no PC maps to it. */
static void test_merged_error_line_is_reached(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();
	struct kcov_sim_where w = where_line(cap, src_line("len = data[dp++];"));

	(void)state;
	assert_int_equal(w.reach, KCOV_SIM_REACHED);
	assert_true(w.hits >= 1);
	w = where_line(cap, src_line("nbytes = len & 0x7f;"));
	assert_int_equal(w.reach, KCOV_SIM_NOT_REACHED);
	assert_non_null(strstr(w.why, "was not reached"));
	kcov_sim_cover_free(cap);
}

/* "goto error;" has no code at -O2: the answer says so and names lines. */
static void test_line_without_code_says_merged(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();
	int line = src_line("goto error;");
	struct kcov_sim_where w = where_line(cap, line);

	(void)state;
	assert_int_equal(w.reach, KCOV_SIM_NO_CODE);
	assert_int_equal(w.line, line);
	assert_true(w.before > 0 && w.before < line);
	assert_true(w.after > line);
	assert_non_null(strstr(w.why, "has no code of its own"));
	assert_non_null(strstr(w.why, "nearest lines with code"));
	kcov_sim_cover_free(cap);
}

/* A file no module has, and a label no file has. */
static void test_unknown_file_and_label(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();
	struct kcov_sim_where w = { .sz = sizeof(w) };

	(void)state;
	assert_int_equal(kcov_sim_cover_line(cap, "nosuch.c", 3, &w), 0);
	assert_int_equal(w.reach, KCOV_SIM_NOT_FOUND);
	assert_int_equal(kcov_sim_cover_label(cap, SRC, "nosuch_label", &w), 0);
	assert_int_equal(w.reach, KCOV_SIM_NOT_FOUND);
	assert_int_equal(kcov_sim_cover_line(cap, NULL, 3, &w), -EINVAL);
	kcov_sim_cover_free(cap);
}

/* A short struct gets only what its size covers. */
static void test_where_honours_sz(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();
	struct kcov_sim_where w;

	(void)state;
	memset(&w, 0xaa, sizeof(w));
	w.sz = offsetof(struct kcov_sim_where, hits);
	assert_int_equal(kcov_sim_cover_line(cap, SRC, src_line("goto error;"), &w), 0);
	assert_int_equal(w.reach, KCOV_SIM_NO_CODE);
	assert_int_equal((unsigned char)w.why[0], 0xaa);
	kcov_sim_cover_free(cap);
}

/* ---- failing assertions, in a child ---------------------------------------- */

static void child_merged_line(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();

	(void)state;
	assert_kcov_line_covered(cap, SRC, src_line("goto error;"));
}

static void child_label_not_reached(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();

	(void)state;
	assert_kcov_label_reached(cap, SRC, "length_too_long");
}

static void child_label_reached(void **state)
{
	struct kcov_sim_cover *cap = capture_overrun();

	(void)state;
	assert_kcov_label_not_reached(cap, SRC, "error");
}

/* Alternating calls: more than 100 trace lines, none repeated. */
static struct kcov_sim_cover *capture_long(void)
{
	struct kcov_sim_cover *cap = kcov_capture_begin();
	int i;

	for (i = 0; i < 60; i++) {
		kc_loop(1);
		kc_branch(i & 1 ? 1 : 20);
	}
	kcov_capture_end(cap);
	return cap;
}

static void child_long_trace(void **state)
{
	struct kcov_sim_cover *cap = capture_long();

	(void)state;
	assert_kcov_covered(cap, "kc_switch");
}

static char out[1 << 20];

/* A line with no code fails the assertion with the honest message. */
static void test_assert_line_without_code_fails_honestly(void **state)
{
	(void)state;
	assert_int_equal(t_run_cmocka_child(child_merged_line, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "has no code of its own"));
	assert_null(strstr(out, "was not reached"));
}

/* Label assertions fail both ways, naming the label. */
static void test_assert_label_fails(void **state)
{
	(void)state;
	assert_int_equal(t_run_cmocka_child(child_label_not_reached, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "label length_too_long (tlvdec.c:"));
	assert_int_equal(t_run_cmocka_child(child_label_reached, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "label error (tlvdec.c:"));
	assert_non_null(strstr(out, "but should not be"));
}

/* A trace of more than 100 lines prints whole, each line intact (cmocka
 * 1.1.5 cuts one print_error() at 1023 bytes). */
static void test_long_trace_prints_whole(void **state)
{
	struct kcov_sim_cover *cap = capture_long();
	char *trace = kcov_sim_cover_format(cap, KCOV_SIM_CMOCKA_TRACE_LINES), *line;
	char *save = NULL;
	size_t lines = 0;

	(void)state;
	assert_non_null(trace);
	assert_int_equal(t_run_cmocka_child(child_long_trace, out, sizeof(out)), 1);
	for (line = strtok_r(trace, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char want[512];

		snprintf(want, sizeof(want), "%s\n", line);
		if (!strstr(out, want))
			fail_msg("trace line %zu missing or cut: \"%s\"", lines, line);
		lines++;
	}
	assert_true(lines > 100);
	free(trace);
	kcov_sim_cover_free(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merged_error_line_is_reached),
		cmocka_unit_test(test_line_without_code_says_merged),
		cmocka_unit_test(test_unknown_file_and_label),
		cmocka_unit_test(test_where_honours_sz),
		cmocka_unit_test(test_assert_line_without_code_fails_honestly),
		cmocka_unit_test(test_assert_label_fails),
		cmocka_unit_test(test_long_trace_prints_whole),
	};

	return cmocka_run_group_tests_name("lines and labels by what ran", tests, NULL, NULL);
}
