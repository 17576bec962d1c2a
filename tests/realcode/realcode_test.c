/* SPDX-License-Identifier: MIT */
/*
 * Real kernel code under test: lib/asn1_decoder.c, lib/glob.c and
 * lib/kstrtox.c of Debian's linux-source-6.1, unmodified, compiled at -O2
 * against the stand-in headers of stand-in/, asserted by function, line
 * and goto label. Lines are found by their text in the extracted files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <kcov-sim/cmocka.h>

#include <linux/asn1_ber_bytecode.h>
#include <linux/asn1_decoder.h>
#include <linux/errno.h>
#include <linux/glob.h>
#include <linux/kstrtox.h>

/* The first line of kernel file @file (under lib/) that holds @text. */
static int src_line(const char *file, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/lib/%s", LINUX_DIR, file);
	return kcov_source_line(path, text);
}

/* Label @name reached or not; a compiler that kept no code of its own for
 * it must say so (Clang at -O2: the errmsg-only labels). */
static void label(struct kcov_sim_cover *cap, const char *name, int want)
{
	struct kcov_sim_where w = { .sz = sizeof(w) };

	assert_int_equal(kcov_sim_cover_label(cap, "asn1_decoder.c", name, &w), 0);
#ifdef __clang__
	if (w.reach == KCOV_SIM_NO_CODE) {
		if (!strstr(w.why, "has no code of its own") || !strstr(w.why, "gotos"))
			fail_msg("label %s: %s", name, w.why);
		return;
	}
#endif
	if (want)
		assert_kcov_label_reached(cap, "asn1_decoder.c", name);
	else
		assert_kcov_label_not_reached(cap, "asn1_decoder.c", name);
}

/* ---- asn1_decoder.c: Msg ::= SEQUENCE { version INTEGER, name OCTET STRING } */

enum { ACT_version, ACT_name, NR_ACTS };

struct msg {
	int		version;
	char		name[16];
};

static int act_version(void *context, size_t hdrlen, unsigned char tag,
		       const void *value, size_t vlen)
{
	struct msg *m = context;

	(void)hdrlen;
	(void)tag;
	m->version = vlen == 1 ? *(const unsigned char *)value : -1;
	return 0;
}

static int act_name(void *context, size_t hdrlen, unsigned char tag,
		    const void *value, size_t vlen)
{
	struct msg *m = context;

	(void)hdrlen;
	(void)tag;
	if (vlen >= sizeof(m->name))
		return -EMSGSIZE;
	memcpy(m->name, value, vlen);
	m->name[vlen] = '\0';
	return 0;
}

/* What scripts/asn1_compiler emits for the grammar above. */
static const unsigned char msg_machine[] = {
	ASN1_OP_MATCH, _tag(UNIV, CONS, SEQ),
	ASN1_OP_MATCH_ACT, _tag(UNIV, PRIM, INT), _action(ACT_version),
	ASN1_OP_MATCH_ACT, _tag(UNIV, PRIM, OTS), _action(ACT_name),
	ASN1_OP_END_SEQ,
	ASN1_OP_COMPLETE,
};

static const asn1_action_t msg_actions[NR_ACTS] = {
	[ACT_version] = act_version,
	[ACT_name] = act_name,
};

static const struct asn1_decoder msg_decoder = {
	.machine = msg_machine,
	.machlen = sizeof(msg_machine),
	.actions = msg_actions,
};

static struct kcov_sim_cover *decode(const unsigned char *data, size_t len, int *ret,
				     struct msg *m)
{
	struct kcov_sim_cover *cap;

	memset(m, 0, sizeof(*m));
	cap = kcov_capture_begin();
	*ret = asn1_ber_decoder(&msg_decoder, m, data, len);
	kcov_capture_end(cap);
	return cap;
}

/* A well-formed message: both actions, no error label. */
static void test_asn1_valid_message(void **state)
{
	static const unsigned char der[] = { 0x30, 0x07, 0x02, 0x01, 0x05,
					     0x04, 0x02, 'h', 'i' };
	struct kcov_sim_cover *cap;
	struct msg m;
	int ret;

	(void)state;
	cap = decode(der, sizeof(der), &ret, &m);
	assert_int_equal(ret, 0);
	assert_int_equal(m.version, 5);
	assert_string_equal(m.name, "hi");
	assert_kcov_calls(cap, "asn1_ber_decoder", 1);
	assert_kcov_not_covered(cap, "asn1_find_indefinite_length");
	label(cap, "data_overrun_error", 0);
	label(cap, "tag_mismatch", 0);
	assert_kcov_label_not_reached(cap, "asn1_decoder.c", "error");
	kcov_sim_cover_free(cap);
}

/* A SEQUENCE longer than the data: "A truncated blob reaches
 * data_overrun_error" - the assertion issue 11 started from. */
static void test_asn1_truncated_reaches_data_overrun_error(void **state)
{
	static const unsigned char der[] = { 0x30, 0x07, 0x02, 0x01, 0x05, 0x04 };
	struct kcov_sim_cover *cap;
	struct msg m;
	int ret;

	(void)state;
	cap = decode(der, sizeof(der), &ret, &m);
	assert_int_equal(ret, -EBADMSG);
	label(cap, "data_overrun_error", 1);
	label(cap, "machine_overrun_error", 0);
	label(cap, "tag_mismatch", 0);
	assert_kcov_label_reached(cap, "asn1_decoder.c", "error");
	kcov_sim_cover_free(cap);
}

/* An OCTET STRING where the INTEGER belongs: tag_mismatch, no action. */
static void test_asn1_wrong_tag_reaches_tag_mismatch(void **state)
{
	static const unsigned char der[] = { 0x30, 0x03, 0x04, 0x01, 0x05 };
	struct kcov_sim_cover *cap;
	struct msg m;
	int ret;

	(void)state;
	cap = decode(der, sizeof(der), &ret, &m);
	assert_int_equal(ret, -EBADMSG);
	assert_int_equal(m.version, 0);
	label(cap, "tag_mismatch", 1);
	label(cap, "data_overrun_error", 0);
	kcov_sim_cover_free(cap);
}

/* ---- glob.c ------------------------------------------------------------------- */

/* A negated class is parsed through its own branch; a star backtracks. */
static void test_glob_class_and_backtrack(void **state)
{
	int inverted = src_line("glob.c", "inverted = (*pat == '!')");
	struct kcov_sim_cover *cap;

	(void)state;
	cap = kcov_capture_begin();
	assert_false(glob_match("a[!b]c", "abc"));
	kcov_capture_end(cap);
	assert_kcov_covered(cap, "glob_match");
	assert_kcov_line_covered(cap, "glob.c", inverted);
	kcov_sim_cover_free(cap);

	cap = kcov_capture_begin();
	assert_true(glob_match("*.c", "asn1_decoder.c"));
	kcov_capture_end(cap);
	assert_kcov_line_not_covered(cap, "glob.c", inverted);
	assert_kcov_label_reached(cap, "glob.c", "backtrack");
	kcov_sim_cover_free(cap);
}

/* ---- kstrtox.c ------------------------------------------------------------------- */

/* One parse per conversion; overflow leaves through -ERANGE. */
static void test_kstrtox_parse_and_overflow(void **state)
{
	struct kcov_sim_cover *cap;
	unsigned int v = 0;
	bool b = false;

	(void)state;
	cap = kcov_capture_begin();
	assert_int_equal(kstrtouint("0x2a", 0, &v), 0);
	kcov_capture_end(cap);
	assert_int_equal(v, 42);
	assert_kcov_calls(cap, "_parse_integer_limit", 1);
	assert_kcov_calls(cap, "_parse_integer_fixup_radix", 1);
	assert_kcov_order(cap, "kstrtouint", "kstrtoull", "_parse_integer_fixup_radix",
			  "_parse_integer_limit");
	kcov_sim_cover_free(cap);

	cap = kcov_capture_begin();
	assert_int_equal(kstrtouint("4294967296", 10, &v), -ERANGE);
	assert_int_equal(kstrtobool("yes", &b), 0);
	kcov_capture_end(cap);
	assert_true(b);
	assert_kcov_covered(cap, "kstrtobool");
	assert_kcov_line_covered(cap, "kstrtox.c", src_line("kstrtox.c", "if (tmp != (unsigned int)tmp)"));
	kcov_sim_cover_free(cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asn1_valid_message),
		cmocka_unit_test(test_asn1_truncated_reaches_data_overrun_error),
		cmocka_unit_test(test_asn1_wrong_tag_reaches_tag_mismatch),
		cmocka_unit_test(test_glob_class_and_backtrack),
		cmocka_unit_test(test_kstrtox_parse_and_overflow),
	};

	return cmocka_run_group_tests_name("linux-source-6.1 at -O2", tests, NULL, NULL);
}
