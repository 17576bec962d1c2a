/* SPDX-License-Identifier: MIT */
/*
 * tlvdec_test - the decoder's error paths asserted by line and by goto
 * label, on a build at -O$(TLVDEC_OPT). Lines are found by their text, so
 * editing tlvdec.c does not break the tests.
 *
 * At -O2 both compilers move the "errmsg = ...; goto error;" statements of
 * the error labels out of the blocks that the coverage hooks mark; the
 * assertions still answer from the code that ran. Where a compiler keeps
 * no code of a label's own at all (Clang above -O0 for labels whose only
 * statement is the errmsg assignment), the label query must say so; the
 * test checks that it does, and asserts on the lines that keep code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kcov-sim/cmocka.h>

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/tlvdec.h>

#define SRC	"tlvdec.c"
#define KSIM_STR2(x)	#x
#define KSIM_STR(x)	KSIM_STR2(x)

#define src_line(text)	kcov_source_line(TLVDEC_SOURCE, (text))

/* Decode @blob under a capture. */
static struct kcov_sim_cover *decode(const u8 *blob, size_t len, unsigned int max,
				     int *ret, const char **errmsg)
{
	struct tlv_item items[TLV_MAX_ITEMS];
	struct kcov_sim_cover *cap = kcov_capture_begin();

	*errmsg = NULL;
	*ret = tlv_decode(blob, len, items, max, errmsg);
	kcov_capture_end(cap);
	return cap;
}

/*
 * Label @name reached (@want) or not. A compiler that kept no code of the
 * label's own gets an honest answer instead, which must name the gotos.
 */
static void label(struct kcov_sim_cover *cap, const char *name, int want)
{
	struct kcov_sim_where w = { .sz = sizeof(w) };

	assert_int_equal(kcov_sim_cover_label(cap, SRC, name, &w), 0);
	if (w.reach == KCOV_SIM_NO_CODE) {
#if defined(__clang__) && TLVDEC_OPT > 0
		if (!strstr(w.why, "has no code of its own") || !strstr(w.why, "gotos"))
			fail_msg("label %s: %s", name, w.why);
		return;
#endif
	}
	if (want)
		assert_kcov_label_reached(cap, SRC, name);
	else
		assert_kcov_label_not_reached(cap, SRC, name);
}

/* The error labels; @reached is the one that must have run, or NULL. */
static void labels(struct kcov_sim_cover *cap, const char *reached)
{
	static const char *const all[] = {
		"data_overrun_error", "invalid_tag_error", "length_too_long",
		"too_many_error",
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		label(cap, all[i], reached && !strcmp(reached, all[i]));
	if (reached)
		assert_kcov_label_reached(cap, SRC, "error");
	else
		assert_kcov_label_not_reached(cap, SRC, "error");
}

/* Two items, one nested in a constructed one: no error path runs. */
static void test_valid_blob_takes_no_error_label(void **state)
{
	static const u8 blob[] = { 0x01, 0x02, 0xaa, 0xbb, 0x22, 0x02, 0x03, 0x00 };
	struct kcov_sim_cover *cap;
	const char *errmsg;
	int ret;

	(void)state;
	cap = decode(blob, sizeof(blob), TLV_MAX_ITEMS, &ret, &errmsg);
	assert_int_equal(ret, 3);
	assert_kcov_line_covered(cap, SRC, src_line("items[n].len = len;"));
	assert_kcov_line_covered(cap, SRC, src_line("items[n].depth = depth;"));
	assert_kcov_line_not_covered(cap, SRC, src_line("nbytes = len & 0x7f;"));
	assert_kcov_line_not_covered(cap, SRC, src_line("*errmsg_out = errmsg;"));
	labels(cap, NULL);
	kcov_sim_cover_free(cap);
}

/* A length past the end: the data overrun path, and only it. */
static void test_truncated_blob_reaches_data_overrun_error(void **state)
{
	static const u8 blob[] = { 0x01, 0x05, 0x00 };
	struct kcov_sim_cover *cap;
	const char *errmsg;
	int ret;

	(void)state;
	cap = decode(blob, sizeof(blob), TLV_MAX_ITEMS, &ret, &errmsg);
	assert_int_equal(ret, -EBADMSG);
	assert_string_equal(errmsg, "Data overrun error");
	assert_kcov_line_covered(cap, SRC, src_line("*errmsg_out = errmsg;"));
	assert_kcov_line_not_covered(cap, SRC, src_line("items[n].len = len;"));
	labels(cap, "data_overrun_error");
	kcov_sim_cover_free(cap);
}

/* Tag 0 is invalid: the invalid tag path. */
static void test_zero_tag_reaches_invalid_tag_error(void **state)
{
	static const u8 blob[] = { 0x00, 0x01, 0x02 };
	struct kcov_sim_cover *cap;
	const char *errmsg;
	int ret;

	(void)state;
	cap = decode(blob, sizeof(blob), TLV_MAX_ITEMS, &ret, &errmsg);
	assert_int_equal(ret, -EBADMSG);
	assert_string_equal(errmsg, "Invalid tag");
	labels(cap, "invalid_tag_error");
	kcov_sim_cover_free(cap);
}

/* A three-byte long-form length is too long. */
static void test_long_length_reaches_length_too_long(void **state)
{
	static const u8 blob[] = { 0x01, 0x83, 0x00, 0x00, 0x01, 0x00 };
	struct kcov_sim_cover *cap;
	const char *errmsg;
	int ret;

	(void)state;
	cap = decode(blob, sizeof(blob), TLV_MAX_ITEMS, &ret, &errmsg);
	assert_int_equal(ret, -EBADMSG);
	assert_string_equal(errmsg, "Supplied length is too long");
	assert_kcov_line_covered(cap, SRC, src_line("nbytes = len & 0x7f;"));
	labels(cap, "length_too_long");
	kcov_sim_cover_free(cap);
}

/* Room for one item, two in the blob. */
static void test_second_item_reaches_too_many_error(void **state)
{
	static const u8 blob[] = { 0x01, 0x00, 0x02, 0x00 };
	struct kcov_sim_cover *cap;
	const char *errmsg;
	int ret;

	(void)state;
	cap = decode(blob, sizeof(blob), 1, &ret, &errmsg);
	assert_int_equal(ret, -EBADMSG);
	assert_string_equal(errmsg, "Too many items");
	assert_kcov_line_covered(cap, SRC, src_line("items[n].len = len;"));
	labels(cap, "too_many_error");
	kcov_sim_cover_free(cap);
}

/* tlv_parse(): a bad blob frees the set through out_free, a good one not. */
static void test_parse_error_reaches_out_free(void **state)
{
	static const u8 bad[] = { 0x00 }, good[] = { 0x01, 0x00 };
	struct kcov_sim_cover *cap;
	struct tlv_set *set;
	const char *errmsg;

	(void)state;
	cap = kcov_capture_begin();
	set = tlv_parse(bad, sizeof(bad), &errmsg);
	kcov_capture_end(cap);
	assert_int_equal(PTR_ERR(set), -EBADMSG);
	assert_kcov_label_reached(cap, SRC, "out_free");
	kcov_sim_cover_free(cap);

	cap = kcov_capture_begin();
	set = tlv_parse(good, sizeof(good), &errmsg);
	kcov_capture_end(cap);
	assert_false(IS_ERR(set));
	assert_int_equal(set->count, 1);
	assert_kcov_label_not_reached(cap, SRC, "out_free");
	assert_kcov_calls(cap, "tlv_decode", 1);
	kcov_sim_cover_free(cap);
	free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_blob_takes_no_error_label),
		cmocka_unit_test(test_truncated_blob_reaches_data_overrun_error),
		cmocka_unit_test(test_zero_tag_reaches_invalid_tag_error),
		cmocka_unit_test(test_long_length_reaches_length_too_long),
		cmocka_unit_test(test_second_item_reaches_too_many_error),
		cmocka_unit_test(test_parse_error_reaches_out_free),
	};

	return cmocka_run_group_tests_name("tlvdec at -O" KSIM_STR(TLVDEC_OPT), tests,
					   NULL, NULL);
}
