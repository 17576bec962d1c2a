/* SPDX-License-Identifier: MIT */
/*
 * nlattr_test - unit tests of the attribute parser that assert on the code
 * paths it took, not only on what it returned. Source lines are found by
 * the text on them, so editing nlattr.c does not break the tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kcov-sim/cmocka.h>

#include "link_policy.h"

#define src_line(text)	kcov_source_line(NLATTR_SOURCE, (text))

struct msg {
	char	buf[256];
	int	len;
};

static void put_u32(struct msg *m, int type, uint32_t v)
{
	assert_int_equal(nla_put_u32(m->buf, sizeof(m->buf), &m->len, type, v), 0);
}

static void put(struct msg *m, int type, const void *data, int len)
{
	assert_int_equal(nla_put(m->buf, sizeof(m->buf), &m->len, type, data, len), 0);
}

/* Parse @m under a capture; the capture is returned for assertions. */
static struct kcov_sim_cover *parse(const struct msg *m, unsigned int flags,
				    int *err, struct nl_extack *ext)
{
	const struct nlattr *tb[LINK_MAX + 1];
	struct kcov_sim_cover *cap;

	memset(ext, 0, sizeof(*ext));
	cap = kcov_capture_begin();
	*err = nla_parse(tb, LINK_MAX, m->buf, m->len, link_policy, flags, ext);
	kcov_capture_end(cap);
	return cap;
}

/* A valid message is checked attribute by attribute and nothing fails. */
static void test_valid_message_takes_no_error_path(void **state)
{
	struct msg m = { .len = 0 };
	struct kcov_sim_cover *cap;
	struct nl_extack ext;
	int err, nest;

	(void)state;
	put_u32(&m, LINK_MTU, 1500);
	put(&m, LINK_NAME, "eth0", 5);
	nest = nla_nest_start(m.buf, sizeof(m.buf), &m.len, LINK_INFO);
	put(&m, INFO_KIND, "veth", 4);
	nla_nest_end(m.buf, nest, m.len);
	cap = parse(&m, NL_STRICT, &err, &ext);
	assert_int_equal(err, 0);
	assert_kcov_covered(cap, "nla_check_range");
	assert_kcov_covered(cap, "nla_check_string");
	assert_kcov_covered(cap, "nla_validate_stream");
	assert_kcov_not_covered(cap, "nla_fail");
	/* mtu, name, info, and kind inside info */
	assert_kcov_calls(cap, "nla_validate_attr", 4);
	assert_kcov_order(cap, "nla_parse", "nla_check_range", "nla_check_string",
			  "nla_validate_stream");
	kcov_sim_cover_free(cap);
}

/* An MTU below the policy's minimum fails in the range check, low side. */
static void test_range_check_rejects_low_mtu(void **state)
{
	struct msg m = { .len = 0 };
	struct kcov_sim_cover *cap;
	struct nl_extack ext;
	int err;

	(void)state;
	put_u32(&m, LINK_MTU, 9);
	cap = parse(&m, 0, &err, &ext);
	assert_int_equal(err, -ERANGE);
	assert_kcov_line_covered(cap, "nlattr.c", src_line("\"value below the minimum\""));
	assert_kcov_line_not_covered(cap, "nlattr.c", src_line("\"value above the maximum\""));
	assert_kcov_order(cap, "nla_check_range", "nla_fail");
	kcov_sim_cover_free(cap);
}

/* An unknown type is an error only in strict mode: two different paths. */
static void test_unknown_type_strict_and_lenient(void **state)
{
	struct msg m = { .len = 0 };
	struct kcov_sim_cover *cap;
	struct nl_extack ext;
	int err, line = src_line("\"unknown attribute type\"");

	(void)state;
	put_u32(&m, 42, 7);
	cap = parse(&m, NL_STRICT, &err, &ext);
	assert_int_equal(err, -EINVAL);
	assert_kcov_line_covered(cap, "examples/nlattr/nlattr.c", line);
	assert_kcov_covered(cap, "nla_fail");
	kcov_sim_cover_free(cap);

	cap = parse(&m, 0, &err, &ext);
	assert_int_equal(err, 0);
	assert_kcov_line_not_covered(cap, "nlattr.c", line);
	assert_kcov_not_covered(cap, "nla_fail");
	assert_kcov_not_covered(cap, "nla_check_range");
	kcov_sim_cover_free(cap);
}

/* A string without its NUL never reaches the length check. */
static void test_unterminated_string(void **state)
{
	struct msg m = { .len = 0 };
	struct kcov_sim_cover *cap;
	struct nl_extack ext;
	int err;

	(void)state;
	put(&m, LINK_NAME, "eth0", 4);
	cap = parse(&m, 0, &err, &ext);
	assert_int_equal(err, -EINVAL);
	assert_string_equal(ext.msg, "string is not NUL-terminated");
	assert_kcov_line_covered(cap, "nlattr.c", src_line("\"string is not NUL-terminated\""));
	assert_kcov_line_not_covered(cap, "nlattr.c", src_line("\"string too long\""));
	kcov_sim_cover_free(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_message_takes_no_error_path),
		cmocka_unit_test(test_range_check_rejects_low_mtu),
		cmocka_unit_test(test_unknown_type_strict_and_lenient),
		cmocka_unit_test(test_unterminated_string),
	};

	return cmocka_run_group_tests_name("nlattr", tests, NULL, NULL);
}
