/* SPDX-License-Identifier: MIT */
/*
 * Description: the built-in engine's pure parts: CMP hints (hints.c),
 * dictionaries (mutate.c) and SHA-1 names (sha1.c), on synthetic traces
 * and files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"

/* A TRACE_CMP trace of the records @r. */
static struct kcov_sim_fuzz_trace trace_of(const struct kcov_sim_fuzz_cmp *r,
					   size_t n)
{
	struct kcov_sim_fuzz_trace t = { .sz = sizeof(t), .mode = KCOV_TRACE_CMP };

	t.local = (const unsigned long *)(const void *)r;
	t.nr_local = n;
	return t;
}

struct muts {
	uint8_t	m[64][16];
	size_t	len[64];
	size_t	nr;
};

static int keep(const uint8_t *m, size_t len, void *arg)
{
	struct muts *ms = arg;

	if (ms->nr < 64 && len <= 16) {
		memcpy(ms->m[ms->nr], m, len);
		ms->len[ms->nr++] = len;
	}
	return 0;
}

static bool has(const struct muts *ms, const void *want, size_t len)
{
	size_t i;

	for (i = 0; i < ms->nr; i++)
		if (ms->len[i] == len && !memcmp(ms->m[i], want, len))
			return true;
	return false;
}

#define CMP(size, konst, a1, a2) \
	{ KCOV_CMP_SIZE(size) | ((konst) ? KCOV_CMP_CONST : 0), (a1), (a2), 0x1000 }

/* A const 4-byte compare: the input's little-endian bytes become the magic. */
static void test_hint_replaces_le_operand(void **state)
{
	struct kcov_sim_fuzz_cmp r[] = { CMP(2, 1, 0x564f434b, 0x04030201) };
	struct kcov_sim_fuzz_trace t = trace_of(r, 1);
	const uint8_t in[8] = { 'x', 'y', 1, 2, 3, 4, 'z', 'z' };
	const uint8_t want[8] = { 'x', 'y', 'K', 'C', 'O', 'V', 'z', 'z' };
	struct pairs ps = { 0 };
	struct muts ms = { .nr = 0 };

	(void)state;
	pairs_collect(&ps, &t);
	assert_int_equal(ps.nr, 1);	/* const: only the input's side */
	assert_true(hints_generate(in, sizeof(in), &ps, NULL, 64, keep, &ms) > 0);
	assert_true(has(&ms, want, sizeof(want)));
	pairs_free(&ps);
}

/* The same value stored big-endian is found and replaced big-endian. */
static void test_hint_replaces_be_operand(void **state)
{
	struct kcov_sim_fuzz_cmp r[] = { CMP(2, 0, 0x01020304, 0xa1b2c3d4) };
	struct kcov_sim_fuzz_trace t = trace_of(r, 1);
	const uint8_t in[6] = { 0, 1, 2, 3, 4, 0 };
	const uint8_t want[6] = { 0, 0xa1, 0xb2, 0xc3, 0xd4, 0 };
	struct pairs ps = { 0 };
	struct muts ms = { .nr = 0 };

	(void)state;
	pairs_collect(&ps, &t);
	assert_int_equal(ps.nr, 2);	/* not const: both directions */
	hints_generate(in, sizeof(in), &ps, NULL, 64, keep, &ms);
	assert_true(has(&ms, want, sizeof(want)));
	pairs_free(&ps);
}

/* A byte compared as a sign-extended 8-byte value is found in 1 byte. */
static void test_hint_sign_extended_byte(void **state)
{
	struct kcov_sim_fuzz_cmp r[] = { CMP(3, 1, (unsigned long)-3,
					     (unsigned long)-1) };
	struct kcov_sim_fuzz_trace t = trace_of(r, 1);
	const uint8_t in[3] = { 7, 0xff, 7 };
	const uint8_t want[3] = { 7, 0xfd, 7 };
	struct pairs ps = { 0 };
	struct muts ms = { .nr = 0 };

	(void)state;
	pairs_collect(&ps, &t);
	hints_generate(in, sizeof(in), &ps, NULL, 64, keep, &ms);
	assert_true(has(&ms, want, sizeof(want)));
	pairs_free(&ps);
}

/* Satisfied compares give nothing; +-1 variants follow the exact ones. */
static void test_hint_equal_skipped_and_off_by_one(void **state)
{
	struct kcov_sim_fuzz_cmp r[] = { CMP(0, 1, 9, 9), CMP(0, 1, 0x40, 0x10) };
	struct kcov_sim_fuzz_trace t = trace_of(r, 2);
	const uint8_t in[2] = { 0x10, 9 };
	const uint8_t exact[2] = { 0x40, 9 }, above[2] = { 0x41, 9 },
		      below[2] = { 0x3f, 9 };
	struct pairs ps = { 0 };
	struct muts ms = { .nr = 0 };

	(void)state;
	pairs_collect(&ps, &t);
	assert_int_equal(ps.nr, 1);
	hints_generate(in, sizeof(in), &ps, NULL, 64, keep, &ms);
	assert_true(ms.nr >= 3);
	assert_memory_equal(ms.m[0], exact, 2);
	assert_true(has(&ms, above, 2));
	assert_true(has(&ms, below, 2));
	pairs_free(&ps);
}

/* Pairs in the skip list (a parent's) give no mutants. */
static void test_hint_skip_list(void **state)
{
	struct kcov_sim_fuzz_cmp r[] = { CMP(1, 1, 0x4142, 0x3030) };
	struct kcov_sim_fuzz_trace t = trace_of(r, 1);
	const uint8_t in[2] = { 0x30, 0x30 };
	struct pairs ps = { 0 };
	struct muts ms = { .nr = 0 };

	(void)state;
	pairs_collect(&ps, &t);
	assert_int_equal(hints_generate(in, sizeof(in), &ps, &ps, 64, keep, &ms), 0);
	pairs_free(&ps);
}

/* Descriptors apply to the same mutants as the buffers. */
static void test_hint_list_matches_generate(void **state)
{
	struct kcov_sim_fuzz_cmp r[] = { CMP(2, 1, 0x564f434b, 0x04030201) };
	struct kcov_sim_fuzz_trace t = trace_of(r, 1);
	const uint8_t in[8] = { 'x', 'y', 1, 2, 3, 4, 'z', 'z' };
	struct hint_mut hm[64];
	struct pairs ps = { 0 };
	struct muts ms = { .nr = 0 };
	size_t n, i;

	(void)state;
	pairs_collect(&ps, &t);
	n = hints_list(in, sizeof(in), &ps, 64, hm);
	hints_generate(in, sizeof(in), &ps, NULL, 64, keep, &ms);
	assert_int_equal(n, ms.nr);
	for (i = 0; i < n; i++) {
		uint8_t b[8];

		memcpy(b, in, sizeof(b));
		hint_apply(b, &hm[i]);
		assert_memory_equal(b, ms.m[i], sizeof(b));
	}
	pairs_free(&ps);
}

/* The AFL/libFuzzer dictionary format: names, escapes, comments. */
static void test_dict_parses_afl_format(void **state)
{
	char path[] = "/tmp/ksim-dict-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct dict d = { 0 };

	(void)state;
	fputs("# comment\n\nkw1=\"KCOV\"\nkw2@1=\"a\\x00\\\"\\\\\"\n"
	      "  \"plain\"  \n", f);
	fclose(f);
	assert_int_equal(dict_parse_file(&d, path), 0);
	assert_int_equal(d.nr, 3);
	assert_int_equal(d.w[0].len, 4);
	assert_memory_equal(d.w[0].b, "KCOV", 4);
	assert_int_equal(d.w[1].len, 4);
	assert_memory_equal(d.w[1].b, "a\0\"\\", 4);
	assert_memory_equal(d.w[2].b, "plain", 5);
	unlink(path);
	free(d.w);
}

/* A line that is not a quoted string is an error, as in libFuzzer. */
static void test_dict_rejects_malformed(void **state)
{
	char path[] = "/tmp/ksim-dict-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct dict d = { 0 };

	(void)state;
	fputs("ok=\"x\"\nbroken=\"\\xZZ\"\n", f);
	fclose(f);
	assert_int_equal(dict_parse_file(&d, path), -1);
	unlink(path);
	free(d.w);
}

/* Artifact names are SHA-1s of the contents (FIPS 180 test vectors). */
static void test_sha1_names(void **state)
{
	char hex[41];

	(void)state;
	sha1_hex((const uint8_t *)"", 0, hex);
	assert_string_equal(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sha1_hex((const uint8_t *)"abc", 3, hex);
	assert_string_equal(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1_hex((const uint8_t *)"abcdbcdecdefdefgefghfghighijhijkijkljklmklmn"
		 "lmnomnopnopq", 56, hex);
	assert_string_equal(hex, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

/* Mutations stay within the room they are given. */
static void test_mutate_respects_max(void **state)
{
	uint8_t buf[32 + 64];
	struct dict d = { 0 };
	size_t len = 4, i;

	(void)state;
	rnd_seed(1);
	dict_add(&d, (const uint8_t *)"0123456789", 10);
	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < 20000; i++) {
		len = mutate(buf, len, 32, NULL, &d, NULL);
		assert_true(len <= 32);
	}
	free(d.w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hint_replaces_le_operand),
		cmocka_unit_test(test_hint_replaces_be_operand),
		cmocka_unit_test(test_hint_sign_extended_byte),
		cmocka_unit_test(test_hint_equal_skipped_and_off_by_one),
		cmocka_unit_test(test_hint_skip_list),
		cmocka_unit_test(test_hint_list_matches_generate),
		cmocka_unit_test(test_dict_parses_afl_format),
		cmocka_unit_test(test_dict_rejects_malformed),
		cmocka_unit_test(test_sha1_names),
		cmocka_unit_test(test_mutate_respects_max),
	};

	return cmocka_run_group_tests_name("built-in engine parts", tests,
					   NULL, NULL);
}
